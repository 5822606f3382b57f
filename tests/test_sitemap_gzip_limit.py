"""Gzip input may inflate to ``max_inflated`` bytes at most (by default the protocol's 50 MiB).

The bombs here are generated while they are read, so a test costs what the
parser reads, not what the bomb would inflate to.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator

import pytest

from microroutes.sitemap import (
    MAX_BYTES,
    SitemapError,
    Url,
    iter_sitemap,
    iter_sitemap_index,
    parse_sitemap,
    parse_sitemap_index,
)
from microroutes.sitemap._source import READ_SIZE

URLSET = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
MIB = 1024 * 1024


class GzipBomb(io.RawIOBase):
    """Gzip of ``head``, then ``body`` ``repeat`` times, then ``tail``, compressed as it is read.

    ``compressed_read`` counts the bytes handed out, and ``finished`` tells
    whether the reader made this source produce all of it.
    """

    def __init__(self, head: bytes, body: bytes, repeat: int, tail: bytes) -> None:
        self._pieces = self._generate(head, body, repeat, tail)
        self._buffer = b""
        self.compressed_read = 0
        self.finished = False

    def _generate(self, head: bytes, body: bytes, repeat: int, tail: bytes) -> Iterator[bytes]:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        yield packer.compress(head)
        for _ in range(repeat):
            yield packer.compress(body)
        self.finished = True
        yield packer.compress(tail) + packer.flush()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = size if size >= 0 else 1 << 62
        while len(self._buffer) < wanted:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        chunk, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
        self.compressed_read += len(chunk)
        return chunk

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_gigabyte_of_whitespace_stops_at_the_default_limit() -> None:
    """About 1 MiB of gzip inflating to 1 GiB: reading stops once 50 MiB are inflated."""
    bomb = GzipBomb(URLSET, b" " * MIB, 1024, b"</urlset>")
    with pytest.raises(SitemapError, match="inflates to over 52,428,800 bytes") as caught:
        list(parse_sitemap(bomb))
    assert "max_inflated" in str(caught.value)
    # 1 MiB of spaces compresses to about 1 KiB: the first two reads of the
    # source hold far more than 50 MiB, and the rest is never produced.
    assert bomb.compressed_read <= 2 * READ_SIZE
    assert not bomb.finished


def test_many_small_entries_stop_at_a_configured_limit() -> None:
    entry = b"<url><loc>https://a.example/p</loc></url>"
    bomb = GzipBomb(URLSET, entry * 1000, 100_000, b"</urlset>")  # 4 GiB of entries
    read: list[Url] = []
    with pytest.raises(SitemapError, match="inflates to over 1,048,576 bytes"):
        read.extend(parse_sitemap(bomb, max_inflated=MIB))
    assert 0 < len(read) <= MIB // len(entry)
    assert bomb.compressed_read <= 2 * READ_SIZE
    assert not bomb.finished


def test_the_index_parser_has_the_same_limit() -> None:
    entry = b"<sitemap><loc>https://a.example/s.xml</loc></sitemap>"
    head = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    bomb = GzipBomb(head, entry * 1000, 100_000, b"</sitemapindex>")
    with pytest.raises(SitemapError, match="inflates to over 65,536 bytes"):
        list(parse_sitemap_index(bomb, max_inflated=65_536))
    assert bomb.compressed_read <= 2 * READ_SIZE
    assert not bomb.finished


def _document(count: int) -> bytes:
    return b"".join(iter_sitemap([f"/p/{n}" for n in range(count)], "https://a.example"))


def test_a_document_of_exactly_the_limit_is_read() -> None:
    document = _document(200)
    packed = gzip.compress(document)
    assert len(list(parse_sitemap(packed, max_inflated=len(document)))) == 200
    with pytest.raises(SitemapError, match=f"inflates to over {len(document) - 1:,} bytes"):
        list(parse_sitemap(packed, max_inflated=len(document) - 1))


def test_the_limit_counts_every_member() -> None:
    document = _document(200)
    half = len(document) // 2
    packed = gzip.compress(document[:half]) + gzip.compress(document[half:])
    assert len(list(parse_sitemap(packed, max_inflated=len(document)))) == 200
    with pytest.raises(SitemapError, match="inflates to over"):
        list(parse_sitemap(packed, max_inflated=half + 10))


def test_none_lifts_the_limit_and_plain_input_is_not_limited() -> None:
    document = _document(300)
    limit = len(document) // 3
    assert len(list(parse_sitemap(gzip.compress(document), max_inflated=None))) == 300
    assert len(list(parse_sitemap(document, max_inflated=limit))) == 300


def test_the_default_limit_is_the_protocols_size() -> None:
    assert MAX_BYTES == 50 * MIB
    index = b"".join(iter_sitemap_index(["https://a.example/s.xml"]))
    assert len(list(parse_sitemap_index(gzip.compress(index)))) == 1


@pytest.mark.parametrize("value", [0, -1, 1.5, "10", True])
def test_a_bad_limit_is_a_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="max_inflated must be a positive int or None"):
        parse_sitemap(b"", max_inflated=value)  # type: ignore[arg-type]
