"""The bytes of a sitemap as it is read: from a file or bytes, gunzipped when it is gzip."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from io import BytesIO
from itertools import chain
from typing import BinaryIO

from ._errors import SitemapError

__all__ = ["READ_SIZE", "source_chunks"]

#: Bytes read from the source at a time, and the most one inflating step yields.
READ_SIZE = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def source_chunks(source: BinaryIO | bytes) -> Iterator[bytes]:
    """The document's bytes in pieces of at most :data:`READ_SIZE` (gzip is detected)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = BytesIO(bytes(source))
    read = source.read
    first = read(READ_SIZE)
    chunks = chain([first], iter(lambda: read(READ_SIZE), b""))
    return _gunzip(chunks) if first[:2] == _GZIP_MAGIC else chunks


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate gzip data of one or more members, whatever the chunk boundaries.

    A member may end anywhere in a chunk, including inside the next member's
    two magic bytes; zero bytes after the last member (padding some tools
    add, as :mod:`gzip` allows) are ignored.
    """
    inflater = zlib.decompressobj(wbits=31)
    carried = b""  # the start of what follows a member, too short to tell what it is
    try:
        for chunk in chunks:
            data = carried + chunk if carried else chunk
            carried = b""
            while data:
                if inflater.eof:  # a member ended; what follows must be another one
                    if len(data) < len(_GZIP_MAGIC) and _GZIP_MAGIC.startswith(data):
                        carried = data
                        break
                    if not data.startswith(_GZIP_MAGIC):
                        if data.strip(b"\0"):
                            raise SitemapError("unexpected data after the gzip stream")
                        break
                    inflater = zlib.decompressobj(wbits=31)
                piece = inflater.decompress(data, READ_SIZE)
                if piece:
                    yield piece
                data = inflater.unconsumed_tail or inflater.unused_data
        while not inflater.eof and (piece := inflater.decompress(b"", READ_SIZE)):
            yield piece
    except zlib.error as exc:
        raise SitemapError(f"the gzip data is damaged ({exc})") from None
    if not inflater.eof or carried:
        raise SitemapError("the gzip data is truncated")
