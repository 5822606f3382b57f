"""write_sitemaps: splitting, gzip, the index, and writing safely."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sitemap_schemas import INDEX_SCHEMA, URLSET_SCHEMA

from microroutes.sitemap import (
    IndexEntry,
    SitemapError,
    SitemapWarning,
    Url,
    iter_sitemap,
    parse_sitemap,
    parse_sitemap_index,
    write_sitemaps,
)

HOST = "https://example.com"
BASE = "https://example.com/sitemaps/"


def write(urls: Any, directory: Path, **options: Any) -> list[Path]:
    return write_sitemaps(urls, directory, hostname=HOST, base_url=BASE, **options)


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def url_count(path: Path) -> int:
    return read(path).count(b"<url>")


def numbered(count: int) -> Iterator[str]:
    return (f"/p/{number}" for number in range(count))


def test_fifty_thousand_urls_make_one_part(tmp_path: Path) -> None:
    paths = write(numbered(50_000), tmp_path)
    assert [path.name for path in paths] == ["sitemap-1.xml", "sitemap-index.xml"]
    assert url_count(paths[0]) == 50_000


def test_one_more_url_starts_a_second_part(tmp_path: Path) -> None:
    paths = write(numbered(50_001), tmp_path)
    assert [path.name for path in paths] == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-index.xml"]
    assert [url_count(path) for path in paths[:2]] == [50_000, 1]
    last = list(parse_sitemap(paths[1].read_bytes()))
    assert [url.loc for url in last] == ["https://example.com/p/50000"]


def test_parts_split_at_the_byte_limit_before_it_is_exceeded(tmp_path: Path) -> None:
    max_bytes = 2_000
    paths = write(numbered(300), tmp_path, max_bytes=max_bytes)
    parts = paths[:-1]
    assert len(parts) > 5
    sizes = [path.stat().st_size for path in parts]
    assert all(size <= max_bytes for size in sizes)
    line = len(b"<url><loc>https://example.com/p/100</loc></url>\n")
    assert all(size > max_bytes - line for size in sizes[:-1])  # each part was filled
    locs = [url.loc for path in parts for url in parse_sitemap(path.read_bytes())]
    assert locs == [f"https://example.com/p/{number}" for number in range(300)]
    for path in parts:
        URLSET_SCHEMA.assertValid(etree.fromstring(path.read_bytes()))


def test_max_urls_splits_sooner(tmp_path: Path) -> None:
    paths = write(numbered(25), tmp_path, max_urls=10)
    assert [url_count(path) for path in paths[:-1]] == [10, 10, 5]


def test_an_entry_too_big_for_any_part_follows_on_error(tmp_path: Path) -> None:
    urls = ["/short", "/" + "x" * 500, "/also-short"]
    with pytest.raises(SitemapError, match=r"entry 1 .*past max_bytes \(400\)"):
        write(urls, tmp_path, max_bytes=400)
    with pytest.warns(SitemapWarning, match="entry 1"):
        paths = write(urls, tmp_path, max_bytes=400, on_error="warn")
    assert url_count(paths[0]) == 2


def test_gzip_parts_decompress_to_the_plain_output(tmp_path: Path) -> None:
    urls = [
        Url(f"/p/{number}", date(2024, 1, 1 + number % 28), "daily", 0.5) for number in range(3000)
    ]
    plain = write(urls, tmp_path / "plain", max_urls=1000)
    packed = write(urls, tmp_path / "gz", gzip=True, max_urls=1000)
    assert [path.name for path in packed] == [
        "sitemap-1.xml.gz", "sitemap-2.xml.gz", "sitemap-3.xml.gz", "sitemap-index.xml",
    ]  # fmt: skip
    for plain_path, packed_path in zip(plain[:-1], packed[:-1], strict=True):
        assert gzip.decompress(packed_path.read_bytes()) == plain_path.read_bytes()
        assert packed_path.stat().st_size < plain_path.stat().st_size / 5
    assert (
        packed[1].read_bytes()
        == write(urls, tmp_path / "again", gzip=True, max_urls=1000)[1].read_bytes()
    )
    entries = list(parse_sitemap_index(packed[-1].read_bytes()))
    assert [entry.loc for entry in entries] == [
        f"https://example.com/sitemaps/sitemap-{number}.xml.gz" for number in (1, 2, 3)
    ]


def test_a_single_part_equals_iter_sitemap(tmp_path: Path) -> None:
    urls = [Url(f"/p/{number}", images=[f"/i/{number}.jpg"]) for number in range(50)]
    paths = write(urls, tmp_path, xsl="/sitemap.xsl")
    assert paths[0].read_bytes() == b"".join(iter_sitemap(urls, HOST, xsl="/sitemap.xsl"))


def test_the_index_lists_parts_with_their_newest_lastmod(tmp_path: Path) -> None:
    urls = [
        Url("/a", date(2024, 1, 5)),
        Url("/b", datetime(2024, 1, 5, 12, tzinfo=timezone.utc)),
        Url("/c", date(2024, 1, 3)),
        Url("/d"),
        Url("/e", "2023-12-31"),
        Url("/f", date(2024, 2, 1)),
        Url("/g", datetime(2024, 1, 31, 23, tzinfo=timezone.utc)),
        Url("/h"),
    ]
    paths = write(urls, tmp_path, max_urls=2)
    index = paths[-1]
    INDEX_SCHEMA.assertValid(etree.fromstring(index.read_bytes()))
    assert list(parse_sitemap_index(index.read_bytes())) == [
        IndexEntry(f"{BASE}sitemap-1.xml", datetime(2024, 1, 5, 12, tzinfo=timezone.utc)),
        IndexEntry(f"{BASE}sitemap-2.xml", date(2024, 1, 3)),
        IndexEntry(f"{BASE}sitemap-3.xml", date(2024, 2, 1)),
        IndexEntry(f"{BASE}sitemap-4.xml", datetime(2024, 1, 31, 23, tzinfo=timezone.utc)),
    ]


def test_empty_input_gives_an_empty_part_and_an_index(tmp_path: Path) -> None:
    paths = write([], tmp_path / "new" / "folder")
    assert [path.name for path in paths] == ["sitemap-1.xml", "sitemap-index.xml"]
    assert paths[0].read_bytes() == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n</urlset>\n'
    )
    assert list(parse_sitemap(paths[0].read_bytes())) == []
    # The published schema asks for at least one <url>; that is the only complaint.
    assert not URLSET_SCHEMA.validate(etree.fromstring(paths[0].read_bytes()))
    errors = str(URLSET_SCHEMA.error_log).splitlines()
    assert len(errors) == 1
    assert "Missing child element" in errors[0]
    INDEX_SCHEMA.assertValid(etree.fromstring(paths[1].read_bytes()))
    assert [entry.loc for entry in parse_sitemap_index(paths[1].read_bytes())] == [
        f"{BASE}sitemap-1.xml"
    ]


def test_a_failure_leaves_the_previous_files_and_no_temporary_ones(tmp_path: Path) -> None:
    first = write(numbered(30), tmp_path, max_urls=10)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}

    def failing() -> Iterator[Any]:
        yield from numbered(25)
        yield Url("/bad", priority=7)

    with pytest.raises(SitemapError, match="entry 25"):
        write(failing(), tmp_path, max_urls=10)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert [path.name for path in first] == sorted(before)


def test_parts_left_from_a_longer_run_are_removed(tmp_path: Path) -> None:
    write(numbered(30), tmp_path, max_urls=10)
    (tmp_path / "robots.txt").write_text("keep me")
    paths = write(numbered(15), tmp_path, max_urls=10, gzip=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "robots.txt", "sitemap-1.xml.gz", "sitemap-2.xml.gz", "sitemap-index.xml",
    ]  # fmt: skip
    assert sorted(tmp_path.iterdir()) == sorted([*paths, tmp_path / "robots.txt"])


def test_files_are_readable_by_others_as_umask_allows(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        paths = write(["/a"], tmp_path)
    finally:
        os.umask(umask)
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in paths)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_urls": 50_001}, "max_urls must be from 1 to 50,000"),
        ({"max_urls": 0}, "max_urls must be"),
        ({"max_bytes": 52_428_801}, "max_bytes must be"),
        ({"compresslevel": 10}, "compresslevel must be"),
        ({"on_error": "ignore"}, "on_error must be"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write(["/a"], tmp_path, **options)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_base_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SitemapError, match="http or https"):
        write_sitemaps(["/a"], tmp_path, hostname=HOST, base_url="ftp://example.com/")


def test_the_newest_lastmod_mixes_naive_aware_and_fractional_datetimes(tmp_path: Path) -> None:
    plus_two = timezone(timedelta(hours=2))
    urls = [
        # part 1: the naive time (UTC) is the newest, by 30 minutes
        Url("/a", datetime(2024, 1, 5, 12, 59, 59, 999_999, tzinfo=plus_two)),  # 10:59:59 UTC
        Url("/b", datetime(2024, 1, 5, 11, 30)),
        Url("/c", date(2024, 1, 5)),
        # part 2: the aware one is newer than the naive one
        Url("/d", datetime(2024, 1, 6, 1, 0)),
        Url("/e", datetime(2024, 1, 6, 3, 0, 0, 500_000, tzinfo=plus_two)),  # 01:00:00.5 UTC
        Url("/f", "2024-01-05T23:00:00.75-03:00"),  # 02:00:00 UTC on the 6th
    ]
    index = write(urls, tmp_path, max_urls=3)[-1]
    assert list(parse_sitemap_index(index.read_bytes())) == [
        IndexEntry(f"{BASE}sitemap-1.xml", datetime(2024, 1, 5, 11, 30, tzinfo=timezone.utc)),
        IndexEntry(
            f"{BASE}sitemap-2.xml",
            datetime(2024, 1, 5, 23, tzinfo=timezone(-timedelta(hours=3))),
        ),
    ]


def test_progress_reports_urls_written_and_parts(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    write(numbered(25_000), tmp_path, max_urls=10_000, progress=lambda *args: calls.append(args))
    finished = [call for call in calls if call[0] % 10_000 == 0 or call[0] == 25_000]
    assert finished[-3:] == [(10_000, 1), (20_000, 2), (25_000, 3)]
    assert calls == sorted(calls)  # never backwards
    assert all(1 <= parts <= 3 for _, parts in calls)


_FULL_DISK = """
import errno, hashlib, os, resource, signal, sys
from pathlib import Path
from microroutes.sitemap import write_sitemaps

folder, gzip = Path(sys.argv[1]), sys.argv[2] == "gzip"
# Locs that compress badly, so that even the gzip part outgrows the limit.
urls = (f"/p/{hashlib.sha256(str(n).encode()).hexdigest()}" for n in range(40_000))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, resource.RLIM_INFINITY))
try:
    write_sitemaps(urls, folder, hostname="https://example.com",
                   base_url="https://example.com/s", gzip=gzip)
except OSError as exc:
    print(errno.errorcode[exc.errno])
"""


@pytest.mark.parametrize("kind", ["plain", "gzip"])
def test_a_failing_write_leaves_the_previous_files_and_no_temporary_ones(
    tmp_path: Path, kind: str
) -> None:
    write(numbered(30), tmp_path, max_urls=10, gzip=kind == "gzip")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(tmp_path), kind],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "EFBIG\n", "")
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
