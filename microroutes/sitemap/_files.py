"""Writing a sitemap as numbered files plus an index, split at the protocol's limits."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timezone
from gzip import GzipFile
from pathlib import Path
from typing import BinaryIO

from ._errors import SitemapError
from ._model import UrlLike
from ._render import UrlRenderer
from ._values import LocResolver
from ._writer import (
    MAX_BYTES,
    MAX_URLS,
    OnError,
    check_hostname_and_xsl,
    check_namespaces,
    check_on_error,
    iter_sitemap_index,
    peek_prefixes,
    reject,
    utf8_length,
)
from ._xml import document_start

__all__ = ["INDEX_NAME", "write_sitemaps"]

#: The index file's name; the parts are ``sitemap-1.xml``, ``sitemap-2.xml``, ...
INDEX_NAME = "sitemap-index.xml"
_PART_NAME = re.compile(r"sitemap-[0-9]+\.xml(?:\.gz)?")
_URLSET_END = "</urlset>\n"
#: Text is buffered up to this many bytes before it is encoded (and compressed).
_FLUSH_SIZE = 1024 * 1024


class _TempFile:
    """A file written under a hidden temporary name, renamed into place by :meth:`commit`."""

    def __init__(self, final: Path, compresslevel: int | None) -> None:
        self.final = final
        self.temp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
        descriptor = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._raw = os.fdopen(descriptor, "wb")
        self._out: BinaryIO = self._raw
        if compresslevel is not None:
            # No name and mtime 0: the same input gives the same bytes.
            self._out = GzipFile(  # type: ignore[assignment]
                filename="", mode="wb", fileobj=self._raw, compresslevel=compresslevel, mtime=0
            )
        self._buffer: list[str] = []
        self._buffered = 0
        #: Entries and uncompressed bytes written so far.
        self.count = 0
        self.size = 0

    def write(self, text: str, size: int) -> None:
        """Append ``text`` (``size`` bytes in UTF-8)."""
        self._buffer.append(text)
        self._buffered += size
        self.size += size
        if self._buffered >= _FLUSH_SIZE:
            self._flush()

    def write_bytes(self, data: bytes) -> None:
        """Append already encoded ``data``."""
        self._flush()
        self._out.write(data)
        self.size += len(data)

    def _flush(self) -> None:
        self._out.write("".join(self._buffer).encode())
        self._buffer = []
        self._buffered = 0

    def close(self) -> None:
        """Write what is buffered and make it durable (still under the temporary name)."""
        self._flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def discard(self) -> None:
        """Close without caring about errors and delete the temporary file."""
        with contextlib.suppress(OSError):
            self._raw.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def commit(self) -> Path:
        """Rename the closed file to its final name."""
        os.replace(self.temp, self.final)
        return self.final


class _Newest:
    """The latest of the ``lastmod`` values added (dates and datetimes mixed)."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.moment: datetime | None = None

    def add(self, value: date) -> None:
        if isinstance(value, datetime):
            if self.moment is None or value > self.moment:
                self.moment = value
        elif self.day is None or value > self.day:
            self.day = value

    def value(self) -> date | None:
        if self.day is None or self.moment is None:
            return self.moment if self.day is None else self.day
        midnight = datetime.combine(self.day, time(), timezone.utc)
        return self.day if midnight >= self.moment else self.moment


def _part_name(number: int, gzip: bool) -> str:
    return f"sitemap-{number}.xml.gz" if gzip else f"sitemap-{number}.xml"


def write_sitemaps(
    urls: Iterable[UrlLike],
    directory: str | os.PathLike[str],
    *,
    hostname: str,
    base_url: str,
    gzip: bool = False,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
    compresslevel: int = 6,
    on_error: OnError = "raise",
    xsl: str | None = None,
    namespaces: Iterable[str] = (),
) -> list[Path]:
    """Write ``urls`` as ``sitemap-1.xml``, ``sitemap-2.xml``, ... and ``sitemap-index.xml``.

    A new part starts when the current one holds ``max_urls`` entries or
    the next entry would take it past ``max_bytes`` uncompressed, so no file
    exceeds either. With ``gzip=True`` the parts are ``sitemap-N.xml.gz``,
    compressed at ``compresslevel`` (6 by default; 1 is faster, 9 smaller);
    the index stays plain XML. The index lists the parts under ``base_url``
    (the URL the directory is served at) with each part's newest lastmod.
    Empty input still gives one (empty) part and the index.

    Every file is written under a temporary name and renamed once all are
    complete, the index last, so a failure leaves the previous files in
    place; parts left over from an earlier, longer run are then deleted.
    ``hostname``, ``on_error``, ``xsl`` and ``namespaces`` work as for
    :func:`iter_sitemap`. Returns the parts' paths in order, then the index's.
    """
    check_on_error(on_error)
    chosen = check_namespaces(namespaces)
    check_hostname_and_xsl(hostname, xsl)
    if not 1 <= max_urls <= MAX_URLS:
        raise ValueError(f"max_urls must be from 1 to {MAX_URLS:,}, not {max_urls!r}")
    if not 0 < max_bytes <= MAX_BYTES:
        raise ValueError(f"max_bytes must be from 1 to {MAX_BYTES:,}, not {max_bytes!r}")
    if not 0 <= compresslevel <= 9:
        raise ValueError(f"compresslevel must be from 0 to 9, not {compresslevel!r}")
    base = base_url.rstrip("/") if isinstance(base_url, str) else base_url
    LocResolver(None).resolve(f"{base}/{INDEX_NAME}", same_site=False)  # fails early if bad
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    prefixes, entries = peek_prefixes(urls, chosen)
    renderer = UrlRenderer(hostname, prefixes)
    render = renderer.render
    start = document_start("urlset", prefixes, xsl)
    start_size = utf8_length(start)
    room = max_bytes - len(_URLSET_END)
    level = compresslevel if gzip else None
    parts: list[tuple[_TempFile, date | None]] = []
    files: list[_TempFile] = []

    def open_part() -> tuple[_TempFile, _Newest]:
        part = _TempFile(folder / _part_name(len(files) + 1, gzip), level)
        files.append(part)
        part.write(start, start_size)
        return part, _Newest()

    def close_part(part: _TempFile, newest: _Newest) -> None:
        part.write(_URLSET_END, len(_URLSET_END))
        part.close()
        parts.append((part, newest.value()))

    try:
        part, newest = open_part()
        for number, entry in enumerate(entries):
            try:
                line = render(entry)
            except SitemapError as exc:
                reject(on_error, str(exc), number, entry)
                continue
            size = utf8_length(line)
            if part.count == max_urls or part.size + size > room:
                if start_size + size > room:
                    reason = f"the entry alone takes a file past max_bytes ({max_bytes:,})"
                    reject(on_error, reason, number, entry)
                    continue
                if part.count:
                    close_part(part, newest)
                    part, newest = open_part()
            part.write(line, size)
            part.count += 1
            if renderer.lastmod is not None:
                newest.add(renderer.lastmod)
        close_part(part, newest)
        index = _TempFile(folder / INDEX_NAME, None)
        files.append(index)
        listing = [(f"{base}/{part.final.name}", lastmod) for part, lastmod in parts]
        index.write_bytes(b"".join(iter_sitemap_index(listing, xsl=xsl)))
        index.close()
    except BaseException:
        for file in files:
            file.discard()
        raise
    written = [part.commit() for part, _ in parts]
    written.append(index.commit())
    _remove_stale_parts(folder, {path.name for path in written})
    return written


def _remove_stale_parts(folder: Path, keep: set[str]) -> None:
    """Delete ``sitemap-N.xml[.gz]`` files in ``folder`` that this run did not write."""
    for path in folder.iterdir():
        if _PART_NAME.fullmatch(path.name) and path.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
