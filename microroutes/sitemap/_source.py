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


def source_chunks(source: BinaryIO | bytes, max_inflated: int | None) -> Iterator[bytes]:
    """The document's bytes in pieces of at most :data:`READ_SIZE` (gzip is detected).

    Gzip input may inflate to at most ``max_inflated`` bytes (``None``: no
    limit); past that, :class:`SitemapError` is raised before more is inflated.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = BytesIO(bytes(source))
    read = source.read
    first = read(READ_SIZE)
    chunks = chain([first], iter(lambda: read(READ_SIZE), b""))
    return _gunzip(chunks, max_inflated) if first[:2] == _GZIP_MAGIC else chunks


def _gunzip(chunks: Iterable[bytes], max_inflated: int | None) -> Iterator[bytes]:
    """Inflate gzip data of one or more members, whatever the chunk boundaries.

    A member may end anywhere in a chunk, including inside the next member's
    two magic bytes; zero bytes after the last member (padding some tools
    add, as :mod:`gzip` allows) are ignored. At most ``max_inflated + 1``
    bytes are ever inflated.
    """
    inflater = zlib.decompressobj(wbits=31)
    carried = b""  # the start of what follows a member, too short to tell what it is
    # Inflating one byte past the limit tells a document of exactly the limit from a larger one.
    room = None if max_inflated is None else max_inflated + 1
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
                piece = inflater.decompress(data, _step(room))
                if piece:
                    room = _within(room, len(piece), max_inflated)
                    yield piece
                data = inflater.unconsumed_tail or inflater.unused_data
        while not inflater.eof and (piece := inflater.decompress(b"", _step(room))):
            room = _within(room, len(piece), max_inflated)
            yield piece
    except zlib.error as exc:
        raise SitemapError(f"the gzip data is damaged ({exc})") from None
    if not inflater.eof or carried:
        raise SitemapError("the gzip data is truncated")


def _step(room: int | None) -> int:
    """The most bytes the next inflating step may give."""
    return READ_SIZE if room is None else min(READ_SIZE, room)


def _within(room: int | None, size: int, max_inflated: int | None) -> int | None:
    """What is left of ``room`` after ``size`` more inflated bytes; raise once it is used up."""
    if room is None:
        return None
    room -= size
    if room <= 0:
        raise SitemapError(
            f"the gzip data inflates to over {max_inflated:,} bytes, the most allowed "
            "(max_inflated; a sitemap may hold 50 MiB uncompressed)"
        )
    return room
