"""Our sitemaps, read back by other parsers: ultimate-sitemap-parser and npm's sitemap 9.

Every URL and every field we write must come back: usp reads locs, lastmod,
changefreq, priority, images, news and hreflang alternates (it has no video
support); sitemap.js's parser reads all of them and videos, and records an
error for anything it cannot read (a lastmod with microseconds, for one).
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from usp.fetch_parse import SitemapFetcher
from usp.objects.page import SitemapPage
from usp.tree import sitemap_from_str

from microroutes.sitemap import (
    Image,
    News,
    Url,
    Video,
    iter_sitemap,
    normalise_url,
    write_sitemaps,
)

HOST = "https://faß.example"
SITEMAPJS = Path(__file__).parents[1] / "benchmarks" / "sitemapjs"
PLUS_TWO = timezone(timedelta(hours=2))

URLS: list[Url] = [
    Url(
        "/search?q=a&page=2",
        datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=PLUS_TWO),
        "daily",
        0.8,
        images=[Image("/i.jpg", "A & B", "<caption>"), "/j.png"],
        news=News("The Paper", "en", date(2024, 1, 2), "Title & more"),
        alternates={"de": "/de/search?q=a&page=2", "x-default": "/search"},
    ),
    Url("/naive", datetime(2024, 5, 6, 7, 8, 9, 250000), "weekly", 0.25),
    Url("/paris", datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris")), priority=1),
    Url("/day", date(2024, 1, 3), "never", 0.0),
    Url("/straße/über?x=ü"),
    Url(
        "/watch",
        videos=[
            Video(
                "/t.jpg",
                "Title",
                "Description & more",
                content_loc="/v.mp4",
                player_loc="/player?v=1&w=2",
                duration=61,
                expiration_date=date(2030, 1, 1),
                rating=4.5,
                view_count=3,
                publication_date=datetime(2024, 1, 1, 9, 30, 0, 5, tzinfo=PLUS_TWO),
                tags=("a", "b"),
                family_friendly=False,
                restriction=["US", "GB"],
                restriction_relationship="deny",
                requires_subscription=True,
                uploader="Up",
                uploader_info="/u",
                platform="web tv",
                live=True,
            )
        ],
    ),
]
WRITTEN = [normalise_url(url, HOST) for url in URLS]


def _text(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _usp_datetime(value: object) -> datetime | None:
    """How usp gives a lastmod back: a datetime, midnight (naive) for a date."""
    if isinstance(value, datetime) or value is None:
        return value
    assert isinstance(value, date)
    return datetime.combine(value, time())


def _usp_page(url: Url) -> SitemapPage:
    from usp.objects.page import (
        SitemapImage,
        SitemapNewsStory,
        SitemapPageChangeFrequency,
    )

    news = url.news
    return SitemapPage(
        url=url.loc,
        priority=Decimal("0.5") if url.priority is None else Decimal(str(url.priority)),
        last_modified=_usp_datetime(url.lastmod),
        change_frequency=None
        if url.changefreq is None
        else SitemapPageChangeFrequency(url.changefreq),
        news_story=None
        if news is None
        else SitemapNewsStory(
            title=news.title,
            publish_date=_usp_datetime(news.publication_date),  # type: ignore[arg-type]
            publication_name=news.publication_name,
            publication_language=news.publication_language,
        ),
        images=[
            SitemapImage(loc=image.loc, title=image.title, caption=image.caption)
            for image in url.images
        ]
        or None,
        alternates=list(url.alternates) or None,
    )


def test_ultimate_sitemap_parser_reads_every_field() -> None:
    document = b"".join(iter_sitemap(URLS, HOST)).decode()
    pages = list(sitemap_from_str(document).all_pages())
    assert pages == [_usp_page(url) for url in WRITTEN]
    # Equality covers every field; spell out the ones most easily lost.
    assert pages[0].url == "https://xn--fa-hia.example/search?q=a&page=2"
    assert pages[0].last_modified == datetime(2024, 1, 2, 3, 4, 5, tzinfo=PLUS_TWO)
    assert pages[1].last_modified == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static HTTP server on 127.0.0.1 over a temporary folder: (base URL, folder)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_ultimate_sitemap_parser_reads_gzipped_parts_through_the_index(
    served: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, folder = served
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    paths = write_sitemaps(URLS, folder, hostname=HOST, base_url=base, gzip=True, max_urls=2)
    assert [path.name for path in paths] == [
        "sitemap-1.xml.gz",
        "sitemap-2.xml.gz",
        "sitemap-3.xml.gz",
        "sitemap-index.xml",
    ]
    index = SitemapFetcher(f"{base}/sitemap-index.xml", recursion_level=0).sitemap()
    assert [sub.url for sub in index.sub_sitemaps] == [  # type: ignore[attr-defined]
        f"{base}/sitemap-{number}.xml.gz" for number in (1, 2, 3)
    ]
    assert list(index.all_pages()) == [_usp_page(url) for url in WRITTEN]


def _sitemapjs_video(video: Video) -> dict[str, Any]:
    item: dict[str, Any] = {"tag": list(video.tags)}
    for name in ("thumbnail_loc", "title", "description", "content_loc", "player_loc"):
        if getattr(video, name) is not None:
            item[name] = getattr(video, name)
    for name in ("duration", "rating", "view_count"):
        if getattr(video, name) is not None:
            item[name] = getattr(video, name)
    for name in ("expiration_date", "publication_date"):
        if getattr(video, name) is not None:
            item[name] = _text(getattr(video, name))
    for name in ("family_friendly", "requires_subscription", "live"):
        if getattr(video, name) is not None:
            item[name] = "yes" if getattr(video, name) else "no"
    if video.restriction:
        item["restriction:relationship"] = video.restriction_relationship
        item["restriction"] = " ".join(video.restriction)
    if video.uploader is not None:
        if video.uploader_info is not None:
            item["uploader:info"] = video.uploader_info
        item["uploader"] = video.uploader
    if video.platform:
        item["platform:relationship"] = video.platform_relationship
        item["platform"] = " ".join(video.platform)
    return item


def _sitemapjs_item(url: Url) -> dict[str, Any]:
    """The SitemapItem sitemap.js's parser gives for ``url`` as we write it."""
    item: dict[str, Any] = {
        "img": [
            {
                "url": image.loc,
                **({} if image.caption is None else {"caption": image.caption}),
                **({} if image.title is None else {"title": image.title}),
            }
            for image in url.images
        ],
        "video": [_sitemapjs_video(video) for video in url.videos],
        "links": [{"lang": lang, "url": href} for lang, href in url.alternates],
        "url": url.loc,
    }
    if url.lastmod is not None:
        item["lastmod"] = _text(url.lastmod)
    if url.changefreq is not None:
        item["changefreq"] = url.changefreq
    if url.priority is not None:
        item["priority"] = url.priority
    if url.news is not None:
        item["news"] = {
            "publication": {
                "name": url.news.publication_name,
                "language": url.news.publication_language,
            },
            "publication_date": _text(url.news.publication_date),
            "title": url.news.title,
        }
    return item


def _sitemapjs_parse(path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (SITEMAPJS / "node_modules" / "sitemap").is_dir():
        pytest.skip("run `npm ci` in benchmarks/sitemapjs to test against sitemap.js")
    done = subprocess.run(
        [node, str(SITEMAPJS / "parse.js"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_sitemapjs_9_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_bytes(b"".join(iter_sitemap(URLS, HOST)))
    parsed = _sitemapjs_parse(path)
    assert parsed["version"].startswith("9.")
    assert parsed["items"] == [_sitemapjs_item(url) for url in WRITTEN]
    assert parsed["items"][1]["lastmod"] == "2024-05-06T07:08:09+00:00"
