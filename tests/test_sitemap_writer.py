"""iter_sitemap and iter_sitemap_index: output, schema validity, checks and streaming."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from lxml import etree
from sitemap_schemas import INDEX_SCHEMA, URLSET_SCHEMA

from microroutes.sitemap import (
    MAX_URLS,
    Image,
    IndexEntry,
    News,
    SitemapError,
    SitemapWarning,
    Url,
    Video,
    iter_sitemap,
    iter_sitemap_index,
)

HOST = "https://example.com"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "video": "http://www.google.com/schemas/sitemap-video/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)


def sitemap(urls: Any, hostname: str | None = HOST, **options: Any) -> bytes:
    return b"".join(iter_sitemap(urls, hostname, **options))


def valid_tree(data: bytes) -> Any:
    """Parse ``data`` and check it against the urlset schema."""
    tree = etree.fromstring(data)
    URLSET_SCHEMA.assertValid(tree)
    return tree


def locs(data: bytes) -> list[str]:
    found = etree.fromstring(data).xpath("//s:loc/text()", namespaces=NS)
    assert isinstance(found, list)
    return [str(loc) for loc in found]


def rich_urls() -> list[Any]:
    """Entries using every field, in each accepted shape."""
    return [
        Url("/", date(2024, 1, 2), "daily", 1),
        "/plain",
        {"loc": "/mapping", "lastmod": "2024-03-04T05:06:07+02:00", "priority": 0.25},
        Url(
            "/gallery",
            datetime(2024, 5, 6, 7, 8, 9),
            "weekly",
            0.5,
            images=[
                "/img/a.jpg",
                {"loc": "https://cdn.example.org/b.png", "title": "B", "caption": "b & c"},
                Image("/img/c.gif", title="C"),
            ],
        ),
        Url(
            "/watch",
            videos=[
                Video(
                    thumbnail_loc="/thumb.jpg",
                    title="Grilling",
                    description="Steaks <done> right",
                    content_loc="https://media.example.net/v.mp4",
                    player_loc="/player?v=1&autoplay=0",
                    duration=600,
                    expiration_date=date(2030, 1, 1),
                    rating=4.5,
                    view_count=1234,
                    publication_date=datetime(2024, 1, 1, 12, tzinfo=timezone.utc),
                    tags=["steak", "grill"],
                    family_friendly=True,
                    restriction="IE GB US",
                    restriction_relationship="allow",
                    requires_subscription=False,
                    uploader="Chef",
                    uploader_info="/users/chef",
                    platform=["web", "mobile"],
                    platform_relationship="deny",
                    live=False,
                ),
                {"thumbnail_loc": "/t2.jpg", "title": "T", "description": "D", "player_loc": "/p"},
            ],
        ),
        Url(
            "/news/1",
            news=News("The Example Times", "en", date(2024, 6, 1), "Sitemaps stream"),
            alternates={"en": "/news/1", "de": "https://example.de/news/1", "x-default": "/news/1"},
        ),
    ]


def test_a_plain_url_is_written_exactly() -> None:
    data = sitemap([Url("/a", date(2024, 1, 2), "daily", 0.8)])
    assert data.decode() == (
        f"{START}<url><loc>https://example.com/a</loc><lastmod>2024-01-02</lastmod>"
        "<changefreq>daily</changefreq><priority>0.8</priority></url>\n</urlset>\n"
    )


def test_every_field_in_every_shape_is_schema_valid() -> None:
    data = sitemap(rich_urls())
    tree = valid_tree(data)
    assert len(tree.xpath("//s:url", namespaces=NS)) == 6
    assert tree.xpath("count(//image:image)", namespaces=NS) == 3
    assert tree.xpath("count(//video:video)", namespaces=NS) == 2
    assert tree.xpath("//news:title/text()", namespaces=NS) == ["Sitemaps stream"]
    links = tree.xpath("//xhtml:link", namespaces=NS)
    assert [(link.get("hreflang"), link.get("href")) for link in links] == [
        ("en", "https://example.com/news/1"),
        ("de", "https://example.de/news/1"),
        ("x-default", "https://example.com/news/1"),
    ]


def test_video_fields_are_written_in_schema_order() -> None:
    tree = valid_tree(sitemap(rich_urls()))
    video = tree.xpath("//video:video", namespaces=NS)[0]
    names = [etree.QName(child).localname for child in video]
    assert names == [
        "thumbnail_loc", "title", "description", "content_loc", "player_loc", "duration",
        "expiration_date", "rating", "view_count", "publication_date", "tag", "tag",
        "family_friendly", "restriction", "requires_subscription", "uploader", "platform", "live",
    ]  # fmt: skip
    values = {etree.QName(child).localname: child for child in video}
    assert values["restriction"].text == "IE GB US"
    assert values["platform"].get("relationship") == "deny"
    assert values["uploader"].get("info") == "https://example.com/users/chef"
    assert values["family_friendly"].text == "yes"
    assert values["live"].text == "no"


@pytest.mark.parametrize(
    ("priority", "written"),
    [
        (0.8, "0.8"),
        (1, "1.0"),
        (0, "0.0"),
        (0.25, "0.25"),
        (0.123456789, "0.123456789"),
        (1e-05, "0.00001"),
        (-0.0, "0.0"),
        (Decimal("0.50"), "0.5"),
        ("0.3", "0.3"),
    ],
)
def test_priority_is_written_as_given_in_shortest_form(priority: Any, written: str) -> None:
    data = sitemap([Url("/a", priority=priority), Url("/b", priority=priority)])
    valid_tree(data)
    assert data.count(f"<priority>{written}</priority>".encode()) == 2


@pytest.mark.parametrize(
    ("lastmod", "written"),
    [
        (date(2024, 1, 2), "2024-01-02"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05+00:00"),
        (datetime(2024, 1, 2, 3, 4, 5, 600), "2024-01-02T03:04:05+00:00"),
        (datetime(2024, 1, 2, 3, 4, 5, 999999, timezone.utc), "2024-01-02T03:04:05+00:00"),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2024-01-02T03:04:05-05:30",
        ),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1, seconds=30))),
            "2024-01-02T02:03:35+00:00",
        ),
        (datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris")), "2024-07-01T12:00:00+02:00"),
        (
            datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
            "2024-03-31T02:30:00+01:00",
        ),
        ("2024-01-02", "2024-01-02"),
        ("2024-01-02T03:04Z", "2024-01-02T03:04:00+00:00"),
        (" 2024-01-02T03:04:05.5+01:00 ", "2024-01-02T03:04:05+01:00"),
        ("2024-01-02T03:04:05", "2024-01-02T03:04:05+00:00"),
    ],
)
def test_lastmod_forms(lastmod: Any, written: str) -> None:
    data = sitemap([Url("/a", lastmod=lastmod)])
    valid_tree(data)
    assert f"<lastmod>{written}</lastmod>".encode() in data


@pytest.mark.parametrize(
    ("hostname", "loc", "written"),
    [
        (HOST, "/a b", "https://example.com/a%20b"),
        (HOST, "a/b", "https://example.com/a/b"),
        (HOST, "/café/ü?q=ß#frag", "https://example.com/caf%C3%A9/%C3%BC?q=%C3%9F#frag"),
        (HOST, "/already%20encoded/100%", "https://example.com/already%20encoded/100%25"),
        (HOST, "/a#b#c", "https://example.com/a#b%23c"),
        (HOST, "/[x]", "https://example.com/%5Bx%5D"),
        ("example.com", "/x", "https://example.com/x"),
        ("https://example.com/", "/x", "https://example.com/x"),
        ("HTTPS://Example.COM:443", "https://example.com/x", "https://example.com/x"),
        ("http://example.com:8080", "/x", "http://example.com:8080/x"),
        (HOST, "//example.com/x", "https://example.com/x"),
        (HOST, "  https://EXAMPLE.com/Case  ", "https://example.com/Case"),
        (HOST, "https://example.com", "https://example.com/"),
        ("https://bücher.example", "/x", "https://xn--bcher-kva.example/x"),
        (None, "https://example.com/x", "https://example.com/x"),
    ],
)
def test_locs_are_resolved_and_percent_encoded(
    hostname: str | None, loc: str, written: str
) -> None:
    data = sitemap([loc], hostname)
    valid_tree(data)
    assert locs(data) == [written]


def test_the_loc_limit_counts_the_uri_not_its_escaped_form() -> None:
    query = "&".join(["a=1"] * 506)
    query += "&" + "b" * (2047 - len(f"{HOST}/?{query}&"))  # a 2,047-character URI
    data = sitemap([f"/?{query}", f"{HOST}/?{query}"])
    assert len(locs(data)[0]) == 2047
    assert locs(data) == [f"{HOST}/?{query}"] * 2
    valid_tree(data)
    with pytest.raises(SitemapError, match="2049 characters once encoded"):
        sitemap([f"/?{query}bb"])


def test_without_hostname_the_first_absolute_loc_chooses_the_site() -> None:
    data = sitemap(["https://example.org/a", "/b"], None)
    assert locs(data) == ["https://example.org/a", "https://example.org/b"]
    with pytest.raises(SitemapError, match=r"not on https://example\.org"):
        sitemap(["https://example.org/a", "https://example.com/b"], None)


def test_special_characters_are_escaped_everywhere() -> None:
    nasty = "Fish & <chips> \"quoted\" 'single'"
    url = Url(
        "/search?q=fish&chips='x'<y>\"z\"",
        images=[Image("/i.jpg?a=1&b=2", title=nasty, caption=nasty)],
        news=News(nasty, "en", date(2024, 1, 1), nasty),
        videos=[Video("/t.jpg", "V & <v>", nasty, player_loc="/p?a&b", uploader=nasty)],
        alternates={"fr": "/fr?a='1'&b=\"2\""},
    )
    data = sitemap([url])
    text = data.decode()
    assert "&amp;" in text
    assert "&lt;" in text
    assert "&gt;" in text
    assert "&quot;" in text
    assert "&apos;" in text
    assert "fish&amp;chips=&apos;x&apos;%3Cy%3E%22z%22" in text
    tree = valid_tree(data)
    assert tree.xpath("//s:loc/text()", namespaces=NS) == [
        "https://example.com/search?q=fish&chips='x'%3Cy%3E%22z%22"
    ]
    assert tree.xpath("//image:title/text()", namespaces=NS) == [nasty]
    assert tree.xpath("//news:name/text()", namespaces=NS) == [nasty]
    assert tree.xpath("//video:uploader/text()", namespaces=NS) == [nasty]
    assert tree.xpath("//xhtml:link/@href", namespaces=NS) == [
        "https://example.com/fr?a='1'&b=%222%22"
    ]


def test_characters_xml_forbids_are_removed_and_cr_survives() -> None:
    title = "a\x00b\x08c\x0bd\x1fe\ufffef\ud800g\r\nh\ti"
    data = sitemap([Url("/a", images=[Image("/i.jpg", title=title)])])
    tree = valid_tree(data)
    assert tree.xpath("//image:title/text()", namespaces=NS) == ["abcdefg\r\nh\ti"]


def test_namespaces_are_declared_only_when_used() -> None:
    plain = sitemap(["/a"])
    assert b"xmlns:" not in plain
    with_images = sitemap([Url("/a", images=["/i.jpg"])])
    assert b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"' in with_images
    assert b"xmlns:video" not in with_images
    assert b"xmlns:news" not in with_images


def test_an_extension_first_used_after_the_lookahead_is_declared_locally() -> None:
    urls: list[Any] = [f"/p/{number}" for number in range(1500)]
    urls.append(Url("/late", images=["/i.jpg"], alternates={"en": "/late"}))
    data = sitemap(urls)
    root_tag = data.split(b"\n")[1]
    assert b"xmlns:image" not in root_tag
    assert b'<image:image xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">' in data
    assert b'<xhtml:link xmlns:xhtml="http://www.w3.org/1999/xhtml" rel="alternate"' in data
    tree = valid_tree(data)
    assert tree.xpath("//image:loc/text()", namespaces=NS) == ["https://example.com/i.jpg"]


def test_namespaces_argument_declares_on_the_root() -> None:
    data = sitemap(["/a"], namespaces=["video", "image"])
    assert data.split(b"\n")[1] == (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
        b' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">'
    )
    with pytest.raises(ValueError, match="unknown namespace"):
        iter_sitemap(["/a"], HOST, namespaces=["geo"])


def test_xsl_adds_a_stylesheet_instruction() -> None:
    data = sitemap(["/a"], xsl="/static/sitemap style.xsl?v=1&x")
    assert data.split(b"\n")[1] == (
        b'<?xml-stylesheet type="text/xsl" href="/static/sitemap%20style.xsl?v=1&amp;x"?>'
    )
    valid_tree(data)


def entry_error(entries: list[Any], hostname: str | None = HOST, **options: Any) -> SitemapError:
    with pytest.raises(SitemapError) as caught:
        sitemap(entries, hostname, **options)
    return caught.value


def video(**fields: Any) -> dict[str, Any]:
    return {
        "thumbnail_loc": "/t.jpg",
        "title": "T",
        "description": "D",
        "content_loc": "/v",
    } | fields


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (Url("/bad", priority=1.5), "priority 1.5 is outside 0.0-1.0"),
        (Url("/bad", priority=-0.1), "outside 0.0-1.0"),
        (Url("/bad", priority=float("nan")), "outside 0.0-1.0"),
        (Url("/bad", priority="high"), "priority 'high' is not a number"),  # type: ignore[arg-type]
        (Url("/bad", priority=True), "priority must be a number"),
        (Url("/bad", changefreq="sometimes"), "changefreq 'sometimes' is not one of"),
        (Url("/bad", changefreq=7), "changefreq 7 is not one of"),  # type: ignore[arg-type]
        (Url("/" + "x" * 2100), "limit is 2,048"),
        (Url("/" + "é" * 700), "characters once encoded; the limit is 2,048"),
        (Url("ftp://example.com/bad"), "must be an http or https URL"),
        (Url("mailto:someone@example.com"), "must be an http or https URL"),
        (Url("https://other.example/bad"), "not on https://example.com"),
        (Url("http://example.com/bad"), "not on https://example.com"),
        (Url("https://exa mple.com/bad"), "is not a valid domain name"),
        (Url("https://example.com:99999/bad"), "port"),
        (Url(""), "loc is empty"),
        (Url(42), "loc must be a string"),  # type: ignore[arg-type]
        (Url("/bad", lastmod="2024-13-01"), "not a valid date"),
        (Url("/bad", lastmod="yesterday"), "not a W3C date"),
        (Url("/bad", lastmod="2024"), "not a W3C date"),
        (Url("/bad", lastmod=20240101), "lastmod must be a date"),  # type: ignore[arg-type]
        ({"loc": "/bad", "images": [{"title": "no loc"}]}, "image needs loc"),
        (Url("/bad", images=[Image("")]), "image 0 loc: loc is empty"),
        (Url("/bad", images=[Image("/i", title=5)]), "image 0 title must be a string"),  # type: ignore[arg-type]
        (Url("/bad", images=["/i"] * 1001), "1,001 images; the limit is 1,000"),
        (Url("/bad", videos=[video(title=" ")]), "video 0: title is required"),
        (Url("/bad", videos=[video(title="x" * 101)]), "title is 101 characters"),
        (Url("/bad", videos=[video(content_loc=None)]), "content_loc or player_loc is required"),
        (Url("/bad", videos=[video(duration=0)]), "duration 0 is outside 1-28,800"),
        (Url("/bad", videos=[video(rating=5.5)]), "rating 5.5 is outside 0.0-5.0"),
        (Url("/bad", videos=[video(restriction="USA")]), "restriction country 'USA'"),
        (Url("/bad", videos=[video(platform="car")]), "platform 'car' is not valid"),
        (Url("/bad", videos=[video(tags=["t"] * 33)]), "33 tags; the limit is 32"),
        (Url("/bad", videos=[video(live="maybe")]), "live must be True, False"),
        ({"loc": "/bad", "videos": [{"title": "T"}]}, "video needs thumbnail_loc, description"),
        ({"loc": "/bad", "news": {"publication_name": "P", "title": "T"}}, "news needs"),
        (Url("/bad", news=News("P", "english", date(2024, 1, 1), "T")), "ISO 639"),
        (Url("/bad", news=News("", "en", date(2024, 1, 1), "T")), "publication_name is required"),
        (Url("/bad", alternates={"english!": "/en"}), "is not a language tag"),
        ({"loc": "/bad", "colour": "red"}, "unknown field(s) colour"),
        ({"priority": 0.5}, "loc is required"),
    ],
)
def test_invalid_entries_raise_naming_index_and_loc(entry: Any, reason: str) -> None:
    error = entry_error(["/fine", entry, "/never-reached"])
    assert isinstance(error, ValueError)
    assert error.index == 1
    assert reason in str(error)
    loc = entry.get("loc") if isinstance(entry, dict) else entry.loc
    assert str(error).startswith(f"entry 1 ({loc!r}): ")
    assert error.loc == loc


def test_an_entry_that_is_not_a_url_is_refused() -> None:
    error = entry_error(["/fine", 42])
    assert str(error) == "entry 1 (None): an entry must be a Url, a loc or a mapping, not int"


def test_a_relative_loc_needs_a_hostname() -> None:
    error = entry_error(["/a"], None)
    assert str(error) == "entry 0 ('/a'): loc is relative and no hostname was given"


@pytest.mark.parametrize("hostname", ["ftp://example.com", "https://example.com/sub", ""])
def test_a_bad_hostname_is_refused_at_the_call(hostname: str) -> None:
    with pytest.raises(SitemapError, match=r"hostname|http or https"):
        iter_sitemap(["/a"], hostname)


def test_on_error_warn_leaves_the_entry_out_with_a_warning() -> None:
    with pytest.warns(SitemapWarning, match=r"entry 1 \('/b'\): priority 2 is outside") as seen:
        data = sitemap(["/a", Url("/b", priority=2), "/c"], on_error="warn")
    assert len(seen) == 1
    assert locs(data) == ["https://example.com/a", "https://example.com/c"]


def test_on_error_skip_leaves_the_entry_out_silently() -> None:
    data = sitemap(["/a", Url("/b", changefreq="often"), "ftp://x.example/", "/c"], on_error="skip")
    assert locs(data) == ["https://example.com/a", "https://example.com/c"]


def test_on_error_must_be_known() -> None:
    with pytest.raises(ValueError, match="on_error must be"):
        iter_sitemap(["/a"], HOST, on_error="ignore")  # type: ignore[arg-type]


def test_fifty_thousand_urls_fit_and_one_more_is_refused() -> None:
    full = sitemap((f"/p/{number}" for number in range(MAX_URLS)), max_urls=MAX_URLS)
    assert full.count(b"<url>") == MAX_URLS
    error = entry_error([f"/p/{number}" for number in range(MAX_URLS + 1)], max_urls=MAX_URLS)
    assert error.index == MAX_URLS
    assert "one urlset holds at most 50,000 entries" in str(error)


def test_without_limits_one_urlset_takes_every_entry() -> None:
    data = sitemap(f"/p/{number}" for number in range(MAX_URLS + 1))
    assert data.count(b"<url>") == MAX_URLS + 1


def test_past_the_limit_warn_stops_reading_the_input() -> None:
    consumed = []

    def entries() -> Iterator[str]:
        for number in range(10):
            consumed.append(number)
            yield f"/p/{number}"

    with pytest.warns(SitemapWarning, match="at most 3 entries"):
        data = sitemap(entries(), on_error="warn", max_urls=3)
    assert data.count(b"<url>") == 3
    assert consumed == list(range(10))  # read ahead for namespaces, but not rendered
    assert sitemap(entries(), max_urls=None).count(b"<url>") == 10


def test_the_byte_limit_is_checked_before_an_entry_is_added() -> None:
    one = len(sitemap(["/p/1"]))
    assert len(sitemap(["/p/1"], max_bytes=one)) == one
    with pytest.raises(SitemapError, match=f"at most {one:,} bytes") as caught:
        sitemap(["/p/1", "/p/2"], max_bytes=one)
    assert caught.value.index == 1


def test_the_first_chunk_comes_before_the_input_is_exhausted() -> None:
    consumed = 0

    def entries() -> Iterator[Url]:
        nonlocal consumed
        for number in range(40_000):
            consumed += 1
            yield Url(f"/posts/{number}", date(2024, 1, 1), "daily", 0.5)

    chunks = iter_sitemap(entries(), HOST)
    first = next(chunks)
    assert first.startswith(b"<?xml")
    assert 0 < consumed < 5_000
    rest = list(chunks)
    assert consumed == 40_000
    assert rest[-1].endswith(b"</urlset>\n")


def test_chunks_are_tens_of_kibibytes() -> None:
    chunks = list(iter_sitemap((f"/posts/{number}" for number in range(20_000)), HOST))
    assert len(chunks) > 10
    assert all(32 * 1024 <= len(chunk) < 40 * 1024 for chunk in chunks[:-1])
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    valid_tree(b"".join(chunks))


def test_urls_are_frozen_hashable_values_in_canonical_shape() -> None:
    url = Url("/a", images=["/i.jpg"], alternates={"en": "/a"}, videos=[])
    same = Url("/a", images=(Image("/i.jpg"),), alternates=[("en", "/a")])
    assert url == same
    assert len({url, same}) == 1
    assert url.images == (Image("/i.jpg"),)
    assert url.alternates == (("en", "/a"),)
    with pytest.raises(AttributeError, match="immutable"):
        url.loc = "/b"  # type: ignore[misc]
    assert msgspec.structs.replace(url, loc="/b").loc == "/b"
    changed = msgspec.structs.replace(url, images=["/j.jpg"], alternates={})
    assert changed.images == (Image("/j.jpg"),)
    assert changed.alternates == ()
    for empty in ([], None, {}, ()):
        bare = Url("/a", None, None, None, empty, empty, None, empty)  # type: ignore[arg-type]
        assert (bare.images, bare.videos, bare.alternates) == ((), (), ())
        assert bare == Url("/a")
    assert Url("/a", news={"publication_name": "P", "publication_language": "en",
                           "publication_date": "2024-01-01", "title": "T"}).news == News(
        "P", "en", "2024-01-01", "T"
    )  # fmt: skip
    assert pickle.loads(pickle.dumps(url)) == url
    assert Video("/t", "T", "D", content_loc="/v", tags=["x"], platform="web").tags == ("x",)


def test_a_mapping_entry_matches_the_same_url() -> None:
    mapping: dict[str, Any] = {
        "loc": "/m",
        "lastmod": date(2024, 1, 1),
        "changefreq": "Monthly",
        "priority": 0.4,
        "images": [{"loc": "/i.jpg", "title": "T"}],
        "alternates": [("en", "/m")],
    }
    assert sitemap([mapping]) == sitemap([Url(**mapping)])
    assert b"<changefreq>monthly</changefreq>" in sitemap([mapping])


def test_index_entries_in_every_shape() -> None:
    entries: list[Any] = [
        "https://example.com/sitemap-1.xml",
        ("https://example.com/sitemap-2.xml", date(2024, 1, 2)),
        {"loc": "https://example.com/sitemap-3.xml", "lastmod": "2024-01-03T04:05:06Z"},
        IndexEntry("https://cdn.example.org/s 4.xml.gz", datetime(2024, 1, 4)),
    ]
    data = b"".join(iter_sitemap_index(entries))
    tree = etree.fromstring(data)
    INDEX_SCHEMA.assertValid(tree)
    assert locs(data)[-1] == "https://cdn.example.org/s%204.xml.gz"
    assert tree.xpath("//s:lastmod/text()", namespaces=NS) == [
        "2024-01-02",
        "2024-01-03T04:05:06+00:00",
        "2024-01-04T00:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("/relative.xml", "loc is relative"),
        (("https://example.com/s.xml", "soon"), "not a W3C date"),
        ({"loc": "https://example.com/s.xml", "extra": 1}, "an index entry is"),
        (42, "an index entry is"),
    ],
)
def test_invalid_index_entries_raise(entry: Any, reason: str) -> None:
    with pytest.raises(SitemapError, match=re.escape(reason)) as caught:
        b"".join(iter_sitemap_index(["https://example.com/ok.xml", entry]))
    assert caught.value.index == 1
