"""The parser's bounds: hostile sizes, gzip at every member boundary, unknown encodings."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import textwrap

import pytest

from microroutes.sitemap import SitemapError, Url, iter_sitemap, parse_sitemap
from microroutes.sitemap._parser import MAX_ENTRY_ELEMENTS, MAX_TOKEN

URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'

#: Runs in a child process under a 768 MiB address-space limit, so that a parser
#: holding the inflated text would die of MemoryError instead of using up the machine.
#: It reads about 2 MiB of gzip that inflates to 2 GiB of text inside one <loc>.
_BOMB_SCRIPT = textwrap.dedent(
    """
    import gzip, io, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (768 << 20, 768 << 20))
    from microroutes.sitemap import SitemapError, parse_sitemap

    class Counting(io.RawIOBase):
        def __init__(self, data):
            self.source, self.read_bytes = io.BytesIO(data), 0
        def readable(self):
            return True
        def read(self, size=-1):
            chunk = self.source.read(size)
            self.read_bytes += len(chunk)
            return chunk

    head = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
    block = gzip.compress(b"A" * (32 << 20), compresslevel=9, mtime=0)
    bomb = gzip.compress(head, mtime=0) + block * 64
    source = Counting(bomb)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        list(parse_sitemap(source))
    except SitemapError as exc:
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(len(bomb), source.read_bytes, growth, exc, sep="|")
    """
)


def test_a_gzip_bomb_inside_one_url_fails_early_in_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_SCRIPT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    size, read, growth_kib, message = done.stdout.strip().split("|", 3)
    assert 1_000_000 < int(size) < 3_000_000  # about 2 MiB of gzip for 2 GiB of text
    assert "characters of text, the most one entry may hold" in message
    assert message.startswith("entry 0 ")
    assert int(read) < int(size) // 10  # it stopped after the first few MiB of text
    assert int(growth_kib) < 64 * 1024


def test_an_entry_with_too_many_elements_is_refused() -> None:
    document = f"{URLSET}<url><loc>https://a.example/</loc>{'<x/>' * MAX_ENTRY_ELEMENTS}</url>"
    with pytest.raises(SitemapError, match="holds over 20,000 elements"):
        list(parse_sitemap(document.encode(), on_error="skip"))
    fits = f"{URLSET}<url><loc>https://a.example/</loc>{'<x/>' * 1000}</url></urlset>"
    assert [url.loc for url in parse_sitemap(fits.encode())] == ["https://a.example/"]


def test_elements_outside_entries_do_not_count_against_them() -> None:
    document = f"{URLSET}{'<x/>' * (MAX_ENTRY_ELEMENTS + 10)}<url><loc>https://a.example/</loc></url></urlset>"
    assert len(list(parse_sitemap(document.encode()))) == 1


def test_an_endless_attribute_is_refused_before_it_fills_memory() -> None:
    def chunks() -> io.BytesIO:
        return io.BytesIO(f'{URLSET}<url><loc a="'.encode() + b"x" * (MAX_TOKEN + 200_000))

    with pytest.raises(SitemapError, match="single tag, text or comment runs over"):
        list(parse_sitemap(chunks()))


def _member_split(data: bytes, at: int) -> bytes:
    return gzip.compress(data[:at], mtime=0) + gzip.compress(data[at:], mtime=0)


def _sitemap_bytes(count: int) -> bytes:
    return b"".join(iter_sitemap([Url(f"/p/{n}") for n in range(count)], "https://a.example"))


@pytest.mark.parametrize("split", [1, 7, 100, 5000, 30_000])
def test_two_gzip_members_are_read_whatever_the_boundary(split: int) -> None:
    data = _sitemap_bytes(600)
    expected = [f"https://a.example/p/{n}" for n in range(600)]
    assert [url.loc for url in parse_sitemap(_member_split(data, split))] == expected


def _stored_member_of_size(data: bytes, size: int) -> tuple[bytes, int]:
    """A stored (uncompressed) gzip member of ``data[:k]`` exactly ``size`` bytes long, and k."""
    length = size - 30
    while True:
        member = gzip.compress(data[:length], compresslevel=0, mtime=0)
        if len(member) == size:
            return member, length
        length += size - len(member)


@pytest.mark.parametrize("shift", range(-12, 13))
def test_a_member_boundary_straddling_a_64k_read_is_read(shift: int) -> None:
    """The second member starts near the end of the first 64 KiB read, or just after it."""
    data = _sitemap_bytes(1500)
    expected = [f"https://a.example/p/{n}" for n in range(1500)]
    first, length = _stored_member_of_size(data, 64 * 1024 + shift)
    document = first + gzip.compress(data[length:], mtime=0)
    assert [url.loc for url in parse_sitemap(io.BytesIO(document))] == expected


def test_zero_padding_after_the_last_member_is_ignored() -> None:
    data = _sitemap_bytes(3)
    assert len(list(parse_sitemap(gzip.compress(data) + b"\0" * 1024))) == 3


@pytest.mark.parametrize(
    ("declaration", "reason"),
    [
        ('encoding="x-bogus"', "encoding is not supported"),
        ('encoding="shift_jis"', "encoding is not supported"),
    ],
)
def test_an_unknown_encoding_is_a_sitemap_error(declaration: str, reason: str) -> None:
    document = f'<?xml version="1.0" {declaration}?>{URLSET}</urlset>'.encode()
    with pytest.raises(SitemapError, match=reason):
        list(parse_sitemap(document))


def test_a_single_byte_encoding_python_knows_is_read() -> None:
    document = (
        f'<?xml version="1.0" encoding="windows-1252"?>{URLSET}'
        "<url><loc>https://a.example/caf\u00e9</loc></url></urlset>"
    ).encode("cp1252")
    assert [url.loc for url in parse_sitemap(document)] == ["https://a.example/caf%C3%A9"]
