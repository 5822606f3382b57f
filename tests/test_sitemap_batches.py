"""The writers read entries in batches and check a batch's locs in one scan.

Whatever the batch holds (locs needing encoding, absolute and relative
locs, strings, mappings, extensions, rejected entries, a loc with a
newline) each entry must come out exactly as it does on its own, once and
in order, however chunks and files cut the batches.
"""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from microroutes.sitemap import Image, SitemapWarning, Url, iter_sitemap, write_sitemaps
from microroutes.sitemap._render import BATCH

HOST = "https://example.com"
_LINE = re.compile(rb"<url>.*?</url>\n", re.DOTALL)


def lines(document: bytes) -> list[bytes]:
    """The ``<url>`` lines of a urlset, in order."""
    return _LINE.findall(document)


def alone(entry: object) -> list[bytes]:
    """``entry``'s line written on its own (nothing when it is rejected)."""
    return lines(b"".join(iter_sitemap([entry], HOST, on_error="skip", namespaces=["image"])))


def mixed_entries(count: int) -> list[object]:
    """Mostly plain entries, with every other kind spread through the batches."""
    zones = (timezone.utc, timezone(timedelta(hours=2)), None)
    entries: list[object] = []
    for number in range(count):
        moment = datetime(2024, 1, 1, tzinfo=zones[number % 3]) + timedelta(minutes=number)
        if number % 97 == 0:
            entries.append(Url(f"/p/ä {number}", date(2024, 1, 1)))  # needs encoding
        elif number % 101 == 0:
            entries.append(Url(f"{HOST}/abs/{number}?a=1&b=2", moment, "daily"))
        elif number % 103 == 0:
            entries.append(f"/str/{number}")
        elif number % 107 == 0:
            entries.append({"loc": f"/map/{number}", "priority": 0.3})
        elif number % 109 == 0:
            entries.append(Url(f"/img/{number}", images=[Image(f"/i/{number}.jpg")]))
        elif number % 113 == 0:
            entries.append(Url(f"/bad/{number}", priority=2))  # rejected
        elif number % 127 == 0:
            entries.append(Url(f"/nl/{number}\n/x"))  # a newline splits no batch check
        else:
            entries.append(Url(f"/p/{number}?q={number}&r=1", moment, "weekly", 0.5))
    return entries


def test_a_loc_holding_a_newline_is_not_taken_for_two_plain_locs() -> None:
    entries = [Url(f"/p/{number}") for number in range(5)] + [Url("/a\n/b")]
    written = lines(b"".join(iter_sitemap(entries, HOST)))
    assert written[-1] == b"<url><loc>https://example.com/a%0A/b</loc></url>\n"
    assert written[-1] == alone(entries[-1])[0]


def test_mixed_batches_write_each_entry_as_it_is_written_alone() -> None:
    entries = mixed_entries(3 * BATCH + 17)
    with pytest.warns(SitemapWarning):
        document = b"".join(iter_sitemap(entries, HOST, on_error="warn", namespaces=["image"]))
    expected = [line for entry in entries for line in alone(entry)]
    rejected = sum(1 for entry in entries if isinstance(entry, Url) and entry.priority == 2)
    assert rejected > 0
    assert len(expected) == len(entries) - rejected
    assert lines(document) == expected


@pytest.mark.parametrize("max_urls", [BATCH - 1, BATCH, BATCH + 1, 100])
def test_files_cut_batches_without_losing_or_repeating_entries(
    tmp_path: Path, max_urls: int
) -> None:
    entries = mixed_entries(4 * BATCH + 3)
    paths = write_sitemaps(
        entries,
        tmp_path,
        hostname=HOST,
        base_url=f"{HOST}/sitemaps",
        on_error="skip",
        max_urls=max_urls,
        gzip=max_urls == 100,
    )
    parts = [
        gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for path in paths[:-1]
    ]
    assert all(len(lines(part)) <= max_urls for part in parts)
    assert [len(lines(part)) for part in parts[:-1]] == [max_urls] * (len(parts) - 1)
    written = [line for part in parts for line in lines(part)]
    expected = lines(b"".join(iter_sitemap(entries, HOST, on_error="skip")))
    assert written == expected
    assert written == [line for entry in entries for line in alone(entry)]


def test_chunks_cut_batches_without_losing_or_repeating_entries() -> None:
    count = 20 * BATCH + 5
    entries = [Url(f"/posts/{number}", date(2024, 1, 1)) for number in range(count)]
    chunks = list(iter_sitemap(iter(entries), HOST))
    assert len(chunks) > 5
    written = lines(b"".join(chunks))
    assert written == [
        f"<url><loc>{HOST}/posts/{number}</loc><lastmod>2024-01-01</lastmod></url>\n".encode()
        for number in range(count)
    ]


def test_entries_that_are_not_urls_go_through_the_full_checks() -> None:
    class Odd:
        """An entry with a loc attribute that is not a Url: rejected, not written."""

        loc = "/odd"

    entries: list[Any] = [Url("/a"), Odd(), "/b", Url("/c")]
    with pytest.warns(SitemapWarning, match="entry 1"):
        document = b"".join(iter_sitemap(entries, HOST, on_error="warn"))
    assert lines(document) == [
        b"<url><loc>https://example.com/a</loc></url>\n",
        b"<url><loc>https://example.com/b</loc></url>\n",
        b"<url><loc>https://example.com/c</loc></url>\n",
    ]


def test_a_batch_of_absolute_locs_is_written_as_each_alone() -> None:
    entries = [Url(f"{HOST}/a/{number}?x=1&y=2", date(2024, 1, 2)) for number in range(BATCH + 9)]
    written = lines(b"".join(iter_sitemap(entries, HOST)))
    assert written[0] == (
        b"<url><loc>https://example.com/a/0?x=1&amp;y=2</loc><lastmod>2024-01-02</lastmod></url>\n"
    )
    assert written == [line for entry in entries for line in alone(entry)]


def test_without_a_hostname_the_first_absolute_loc_sets_the_site_for_later_batches() -> None:
    entries = [Url(f"https://example.org/p/{number}") for number in range(2 * BATCH)]
    entries.append(Url("/relative"))
    written = lines(b"".join(iter_sitemap(entries)))
    assert len(written) == 2 * BATCH + 1
    assert written[-1] == b"<url><loc>https://example.org/relative</loc></url>\n"
