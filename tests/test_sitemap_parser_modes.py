"""parse_sitemap and parse_sitemap_index with on_error, on documents other writers produce.

The documents are shaped like the sitemap.js project's test fixtures: every
extension, foreign elements, escaped characters, several hosts in one urlset,
``xhtml:link`` elements that are not hreflang alternates, and broken markup.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta, timezone

import pytest

from microroutes.sitemap import (
    Image,
    IndexEntry,
    News,
    SitemapError,
    SitemapWarning,
    Url,
    Video,
    parse_sitemap,
    parse_sitemap_index,
)

NAMESPACES = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml" '
    'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
    'xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"'
)
ESCAPED = "&amp;&gt;&lt;'\""

#: Every tag, on three hosts: the first loc chooses the site (shows.example).
ALL_TAGS = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {NAMESPACES}>
  <foo>A foreign element at the top</foo>
  <url>
    <loc>https://shows.example/episode/one&amp;%3E%3C'%22</loc>
    <changefreq>weekly</changefreq>
    <video:video>
      <video:thumbnail_loc>https://img.shows.example/one.jpg&amp;&gt;&lt;'"</video:thumbnail_loc>
      <video:title>Episode one{ESCAPED}</video:title>
      <video:description>A pilot.{ESCAPED}</video:description>
      <video:player_loc autoplay="ap=1&amp;&gt;" allow_embed="yes">https://shows.example/embed/one</video:player_loc>
      <video:duration>1208</video:duration>
      <video:publication_date>2018-04-27T17:00:00.000Z</video:publication_date>
      <video:tag>first{ESCAPED}</video:tag>
      <video:tag>pilot</video:tag>
      <video:requires_subscription>YES</video:requires_subscription>
      <video:id type="url">https://shows.example/id/1</video:id>
    </video:video>
  </url>
  <url>
    <loc>https://shows.example/episode/two</loc>
    <lastmod>2016-09-12T00:00:00.000Z</lastmod>
    <changefreq>daily</changefreq>
    <priority>0.6</priority>
    <video:video>
      <video:thumbnail_loc>https://img.shows.example/two.jpg</video:thumbnail_loc>
      <video:title>Episode two</video:title>
      <video:description>The sequel.</video:description>
      <video:content_loc>
        https://stream.shows.example/two.mp4</video:content_loc>
      <video:expiration_date>2012-07-16T19:20:30+08:00</video:expiration_date>
      <video:rating>2.5</video:rating>
      <video:view_count>1000</video:view_count>
      <video:category>Cooking</video:category>
      <video:family_friendly>no</video:family_friendly>
      <video:restriction relationship="deny">IE GB US CA</video:restriction>
      <video:gallery_loc title="series">https://shows.example/series</video:gallery_loc>
      <video:price resolution="HD" currency="USD" type="rent">1.99</video:price>
      <video:uploader info="https://shows.example/users/cook">The Cook{ESCAPED}</video:uploader>
      <video:platform relationship="allow">tv</video:platform>
      <video:live>no</video:live>
    </video:video>
    <xhtml:link rel="alternate" hreflang="en" href="https://shows.example/en/two&amp;%3E"/>
    <xhtml:link rel="alternate" hreflang="ja" href="https://shows.example/ja/two"/>
    <xhtml:link rel="alternate" href="android-app://example.shows/episode/two"/>
    <xhtml:link rel="amphtml" href="https://shows.example/two.amp.html"/>
  </url>
  <url>
    <loc>http://news.example/business/merger.html</loc>
    <lastmod>2015-06-27T15:30:00.000Z</lastmod>
    <news:news>
      <news:publication>
        <news:name>The Example Times</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:genres>PressRelease, Blog</news:genres>
      <news:publication_date>2008-12-23</news:publication_date>
      <news:title>Merger talks</news:title>
      <news:keywords>business, merger</news:keywords>
    </news:news>
  </url>
  <url>
    <loc>https://shows.example/gallery</loc>
    <lastmod>2011-06-27T00:00:00.000Z</lastmod>
    <changefreq>always</changefreq>
    <priority>0.9</priority>
    <image:image>
      <image:loc>https://img.shows.example/a.jpg&amp;%3E</image:loc>
      <image:caption>An image{ESCAPED}</image:caption>
      <image:geo_location>London, United Kingdom</image:geo_location>
      <image:title>Image A</image:title>
      <image:license>https://creativecommons.org/licenses/by/4.0/</image:license>
    </image:image>
    <image:image>
      <image:loc>https://img.shows.example/b.jpg</image:loc>
    </image:image>
  </url>
  <url>
    <loc>http://other.example/1</loc>
    <priority>0.9</priority>
  </url>
  <url>
    <loc>https://shows.example/bad-priority</loc>
    <priority>1.5</priority>
  </url>
</urlset>
"""

UTC = timezone.utc
#: What ALL_TAGS reads as, skipping the entries on other hosts and the bad priority.
ALL_TAGS_EXPECTED = [
    Url(
        "https://shows.example/episode/one&%3E%3C'%22",
        changefreq="weekly",
        videos=[
            Video(
                "https://img.shows.example/one.jpg&%3E%3C'%22",
                "Episode one&><'\"",
                "A pilot.&><'\"",
                player_loc="https://shows.example/embed/one",
                duration=1208,
                publication_date=datetime(2018, 4, 27, 17, tzinfo=UTC),
                tags=("first&><'\"", "pilot"),
                requires_subscription=True,
            )
        ],
    ),
    Url(
        "https://shows.example/episode/two",
        datetime(2016, 9, 12, tzinfo=UTC),
        "daily",
        0.6,
        videos=[
            Video(
                "https://img.shows.example/two.jpg",
                "Episode two",
                "The sequel.",
                content_loc="https://stream.shows.example/two.mp4",
                expiration_date=datetime(
                    2012, 7, 16, 19, 20, 30, tzinfo=timezone(timedelta(hours=8))
                ),
                rating=2.5,
                view_count=1000,
                family_friendly=False,
                restriction=("IE", "GB", "US", "CA"),
                restriction_relationship="deny",
                uploader="The Cook&><'\"",
                uploader_info="https://shows.example/users/cook",
                platform=("tv",),
                live=False,
            )
        ],
        alternates={
            "en": "https://shows.example/en/two&%3E",
            "ja": "https://shows.example/ja/two",
        },
    ),
    Url(
        "https://shows.example/gallery",
        datetime(2011, 6, 27, tzinfo=UTC),
        "always",
        0.9,
        images=[
            Image("https://img.shows.example/a.jpg&%3E", "Image A", "An image&><'\""),
            Image("https://img.shows.example/b.jpg"),
        ],
    ),
]

VIDEO_ONLY = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
   <url>
     <loc>http://www.example.com/videos/landing.html</loc>
     <video:video>
       <video:thumbnail_loc>http://www.example.com/thumbs/1.jpg</video:thumbnail_loc>
       <video:title>Grilling</video:title>
       <video:description>How to grill, every
         time</video:description>
       <video:player_loc>
         http://www.example.com/player?video=1</video:player_loc>
       <video:publication_date>2007-11-05T19:20:30+08:00</video:publication_date>
       <video:uploader
         info="http://www.example.com/users/griller">Griller
       </video:uploader>
     </video:video>
   </url>
</urlset>
"""

UNESCAPED_LT = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {NAMESPACES}>
  <url>
    <loc>http://example.com/</loc>
    <changefreq>always<</changefreq>
  </url>
</urlset>
"""

INDEX_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9
      http://www.sitemaps.org/schemas/sitemap/0.9/siteindex.xsd"
    xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <foo>Not a sitemap element</foo>
"""
INDEX = (
    INDEX_HEAD
    + """  <sitemap>
    <loc>https://www.example.com/sitemap1.xml.gz</loc>
    <lastmod>2004-10-01T18:23:17+00:00</lastmod>
  </sitemap>
  <sitemap>
    <loc>https://www.example.com/sitemap2.xml.gz</loc>
    <lastmod>2005-13-01</lastmod>
  </sitemap>
  <sitemap>
    <lastmod>2005-01-01</lastmod>
  </sitemap>
  <sitemap>
    <loc>https://cdn.example.net/sitemap3.xml</loc>
    <lastmod>2005-01-01</lastmod>
  </sitemap>
</sitemapindex>
"""
)
INDEX_UNESCAPED_LT = (
    INDEX_HEAD
    + "<sitemap><loc>https://a.example/s.xml</loc><lastmod>2005-01-01<</lastmod></sitemap></sitemapindex>"
)


def test_all_tags_in_skip_mode_gives_the_entries_on_the_first_host() -> None:
    assert list(parse_sitemap(ALL_TAGS.encode(), on_error="skip")) == ALL_TAGS_EXPECTED


def test_warn_mode_gives_the_same_entries_and_one_warning_per_entry_left_out() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = list(parse_sitemap(ALL_TAGS.encode(), on_error="warn"))
    assert parsed == ALL_TAGS_EXPECTED
    messages = [str(w.message) for w in caught if issubclass(w.category, SitemapWarning)]
    assert messages == [
        "entry 2 ('http://news.example/business/merger.html'): "
        "loc is on http://news.example, not on https://shows.example",
        "entry 4 ('http://other.example/1'): loc is on http://other.example, "
        "not on https://shows.example",
        "entry 5 ('https://shows.example/bad-priority'): priority '1.5' is outside 0.0-1.0",
    ]


def test_raise_mode_stops_at_the_first_entry_on_another_host() -> None:
    entries = parse_sitemap(ALL_TAGS.encode())
    assert [next(entries).loc, next(entries).loc] == [
        "https://shows.example/episode/one&%3E%3C'%22",
        "https://shows.example/episode/two",
    ]
    with pytest.raises(SitemapError, match=r"entry 2 .* not on https://shows.example") as caught:
        next(entries)
    assert caught.value.index == 2


def test_links_that_are_not_hreflang_alternates_are_skipped_even_when_raising() -> None:
    document = f"""<urlset {NAMESPACES}><url><loc>https://a.example/</loc>
      <xhtml:link rel="alternate" href="android-app://a.example/x"/>
      <xhtml:link rel="amphtml" href="https://a.example/amp"/>
      <xhtml:link rel="alternate" hreflang="de" href="https://a.example/de"/>
    </url></urlset>"""
    assert list(parse_sitemap(document.encode())) == [
        Url("https://a.example/", alternates={"de": "https://a.example/de"})
    ]


def test_a_video_only_sitemap_is_read() -> None:
    assert list(parse_sitemap(VIDEO_ONLY.encode())) == [
        Url(
            "http://www.example.com/videos/landing.html",
            videos=[
                Video(
                    "http://www.example.com/thumbs/1.jpg",
                    "Grilling",
                    "How to grill, every\n         time",
                    player_loc="http://www.example.com/player?video=1",
                    publication_date=datetime(
                        2007, 11, 5, 19, 20, 30, tzinfo=timezone(timedelta(hours=8))
                    ),
                    uploader="Griller\n       ",
                    uploader_info="http://www.example.com/users/griller",
                )
            ],
        )
    ]


@pytest.mark.parametrize("on_error", ["raise", "warn", "skip"])
def test_malformed_markup_is_an_error_in_every_mode(on_error: str) -> None:
    with pytest.raises(SitemapError, match="not well-formed"):
        list(parse_sitemap(UNESCAPED_LT.encode(), on_error=on_error))  # type: ignore[arg-type]
    with pytest.raises(SitemapError, match="not well-formed"):
        list(parse_sitemap_index(INDEX_UNESCAPED_LT.encode(), on_error=on_error))  # type: ignore[arg-type]


def test_index_in_skip_mode_keeps_the_good_entries() -> None:
    assert list(parse_sitemap_index(INDEX.encode(), on_error="skip")) == [
        IndexEntry(
            "https://www.example.com/sitemap1.xml.gz", datetime(2004, 10, 1, 18, 23, 17, tzinfo=UTC)
        ),
        IndexEntry("https://cdn.example.net/sitemap3.xml", date(2005, 1, 1)),
    ]


def test_index_in_warn_and_raise_modes() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(list(parse_sitemap_index(INDEX.encode(), on_error="warn"))) == 2
    assert [str(w.message) for w in caught] == [
        "entry 1 ('https://www.example.com/sitemap2.xml.gz'): lastmod: "
        "'2005-13-01' is not a valid date (month must be in 1..12)",
        "entry 2 (None): <sitemap> has no <loc>",
    ]
    with pytest.raises(SitemapError, match=r"entry 1 .* not a valid date"):
        list(parse_sitemap_index(INDEX.encode()))


def test_an_unknown_on_error_is_refused_at_the_call() -> None:
    with pytest.raises(ValueError, match="on_error must be"):
        parse_sitemap(b"", on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on_error must be"):
        parse_sitemap_index(b"", on_error="ignore")  # type: ignore[arg-type]


def test_a_news_entry_reads_back() -> None:
    document = ALL_TAGS.replace(
        "https://shows.example/episode/one&amp;%3E%3C'%22", "http://news.example/first"
    )
    first_two = list(parse_sitemap(document.encode(), on_error="skip"))
    assert [url.loc for url in first_two] == [
        "http://news.example/first",
        "http://news.example/business/merger.html",
    ]
    assert first_two[1].news == News("The Example Times", "en", date(2008, 12, 23), "Merger talks")
