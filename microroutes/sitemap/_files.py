"""Writing a sitemap as numbered files plus an index, split at the protocol's limits."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import date, datetime, time, timezone
from functools import partial
from gzip import GzipFile
from pathlib import Path
from typing import BinaryIO

from ._model import UrlLike
from ._render import DATE_KEY, UrlRenderer
from ._values import LocResolver
from ._writer import (
    MAX_BYTES,
    MAX_URLS,
    OnError,
    check_hostname_and_xsl,
    check_namespaces,
    check_on_error,
    iter_sitemap,
    iter_sitemap_index,
    peek_prefixes,
    reject,
    utf8_length,
)
from ._xml import document_start

__all__ = ["INDEX_NAME", "Progress", "part_name", "write_sitemap_part", "write_sitemaps"]

#: The index file's name; the parts are ``sitemap-1.xml``, ``sitemap-2.xml``, ...
INDEX_NAME = "sitemap-index.xml"
#: ``progress(urls_written, parts)``: how :func:`write_sitemaps` reports as it goes.
Progress = Callable[[int, int], object]
_PART_NAME = re.compile(r"sitemap-[0-9]+\.xml(?:\.gz)?")
_URLSET_END = "</urlset>\n"
#: Text is buffered up to this many bytes before it is encoded (and compressed):
#: large enough to make each write cheap, small enough to stay in the CPU's cache.
_FLUSH_SIZE = 64 * 1024


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

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        self._out.write(data)

    def close(self) -> None:
        """Finish the file and make it durable (still under the temporary name)."""
        if self._out is not self._raw:
            self._out.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def discard(self) -> None:
        """Close without caring about errors and delete the temporary file."""
        # The gzip layer first: left open, it would try to finish the closed file
        # when it is collected.
        for stream in (self._out, self._raw):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def commit(self) -> Path:
        """Rename the closed file to its final name."""
        os.replace(self.temp, self.final)
        return self.final


def part_name(number: int, gzip: bool = False) -> str:
    """The file name :func:`write_sitemaps` gives part ``number``: ``sitemap-3.xml[.gz]``."""
    return f"sitemap-{number}.xml" + (".gz" if gzip else "")


def _newest(moments: dict[object, date]) -> date | None:
    """The latest of a part's newest lastmods, kept per zone by :meth:`UrlRenderer.fill`.

    Under ``DATE_KEY`` is the newest ``date``; under each ``tzinfo`` the newest
    datetime in it (``None``: naive, meaning UTC).
    """
    day = moments.pop(DATE_KEY, None)
    candidates = [
        moment.replace(tzinfo=timezone.utc) if zone is None else moment  # type: ignore[call-arg]
        for zone, moment in moments.items()
    ]
    latest: datetime | None = max(candidates, default=None)  # type: ignore[assignment]
    if day is None:
        return latest
    if latest is None or datetime.combine(day, time(), timezone.utc) >= latest:
        return day
    return latest


class _Parts:
    """Writes rendered entries into numbered part files, starting a new one at a limit."""

    def __init__(
        self,
        folder: Path,
        gzip: bool,
        compresslevel: int,
        start: str,
        limits: tuple[int, int],
        progress: Progress | None,
        writer: Executor,
    ) -> None:
        self._folder = folder
        #: One thread, so in order: where gzip pieces are compressed and finished parts
        #: closed and synced to disk, while the main thread renders the next entries.
        self._writer = writer
        self._closing: list[Future[None]] = []
        #: Compressed writes handed to the same thread, the oldest first.
        self._writing: deque[Future[None]] = deque()
        self._progress = progress
        #: Entries in the parts finished so far.
        self.written = 0
        self._gzip = gzip
        self._level = compresslevel if gzip else None
        self._start = start
        self._max_urls, self._max_bytes = limits
        #: Every file opened (closed or not), and each closed part with its newest lastmod.
        self.files: list[_TempFile] = []
        self.done: list[tuple[_TempFile, date | None]] = []

    def _open(self) -> _TempFile:
        name = part_name(len(self.files) + 1, self._gzip)
        part = _TempFile(self._folder / name, self._level)
        self.files.append(part)
        return part

    def _write(self, part: _TempFile, data: bytes) -> None:
        """Append ``data`` to ``part``: gzip compresses in the writer thread.

        zlib lets go of the GIL while it compresses, so the next entries are
        rendered meanwhile; at most two pieces wait, so memory stays bounded,
        and a write that failed raises here.
        """
        if self._level is None:
            part.write(data)
            return
        self._writing.append(self._writer.submit(part.write, data))
        if len(self._writing) > 2:
            self._writing.popleft().result()

    def _finish(self, part: _TempFile, buffer: list[str], newest: date | None, count: int) -> None:
        buffer.append(_URLSET_END)
        self._write(part, "".join(buffer).encode())
        self._closing.append(self._writer.submit(part.close))
        self.done.append((part, newest))
        self.written += count
        if self._progress is not None:
            self._progress(self.written, len(self.files))

    def settle(self) -> BaseException | None:
        """Wait until every write and close handed to the writer thread is done.

        Returns the first error among them, if any.
        """
        errors = [future.exception() for future in (*self._writing, *self._closing)]
        return next((error for error in errors if error is not None), None)

    def write_all(
        self, entries: Iterator[object], renderer: UrlRenderer, on_error: OnError
    ) -> None:
        """Render and write every entry, in pieces of about 64 KiB."""
        on_reject = partial(reject, on_error)
        start, max_urls = self._start, self._max_urls
        start_size = utf8_length(start)
        room = self._max_bytes - len(_URLSET_END)
        part = self._open()
        buffer, used, count, number = [start], start_size, 0, 0
        # The newest lastmod per zone: comparing datetimes of one zone is
        # cheap, across zones it costs microseconds.
        newest: dict[object, date] = {}
        while True:
            limits = (max_urls - count, room - used, _FLUSH_SIZE)
            added, size, number = renderer.fill(entries, buffer, limits, on_reject, number, newest)
            count += added
            used += size
            if renderer.overflow is not None:
                entry, line, size, lastmod, key = renderer.overflow
                if start_size + size > room:
                    reason = f"the entry alone takes a file past max_bytes ({self._max_bytes:,})"
                    reject(on_error, reason, number, entry)
                else:
                    self._finish(part, buffer, _newest(newest), count)
                    part = self._open()
                    buffer, used, count, newest = [start, line], start_size + size, 1, {}
                    if lastmod is not None:
                        newest[key] = lastmod
                number += 1
                continue
            if renderer.exhausted:
                break
            self._write(part, "".join(buffer).encode())
            buffer.clear()
            if self._progress is not None:
                self._progress(self.written + count, len(self.files))
        self._finish(part, buffer, _newest(newest), count)


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
    progress: Progress | None = None,
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
    :func:`iter_sitemap`. ``progress``, if given, is called as
    ``progress(urls_written, parts)`` as the files fill up (about every
    64 KiB of text) and whenever a part is complete. Returns the parts'
    paths in order, then the index's.
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
    start = document_start("urlset", prefixes, xsl)
    limits = (max_urls, max_bytes)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitemap-writer") as writer:
        parts = _Parts(folder, gzip, compresslevel, start, limits, progress, writer)
        try:
            parts.write_all(entries, UrlRenderer(hostname, prefixes), on_error)
            error = parts.settle()
            if error is not None:
                raise error
            index = _TempFile(folder / INDEX_NAME, None)
            parts.files.append(index)
            listing = [(f"{base}/{part.final.name}", newest) for part, newest in parts.done]
            index.write(b"".join(iter_sitemap_index(listing, xsl=xsl)))
            index.close()
        except BaseException:
            parts.settle()
            for file in parts.files:
                file.discard()
            raise
    written = [part.commit() for part, _ in parts.done]
    written.append(index.commit())
    _remove_stale_parts(folder, {path.name for path in written})
    return written


def _remove_stale_parts(folder: Path, keep: set[str]) -> None:
    """Delete ``sitemap-N.xml[.gz]`` files in ``folder`` that this run did not write."""
    for path in folder.iterdir():
        if _PART_NAME.fullmatch(path.name) and path.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def write_sitemap_part(
    urls: Iterable[UrlLike],
    path: str | os.PathLike[str],
    *,
    hostname: str,
    gzip: bool = False,
    compresslevel: int = 6,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
    on_error: OnError = "raise",
    xsl: str | None = None,
    namespaces: Iterable[str] = (),
) -> Path:
    """Write ``urls`` as the one sitemap file ``path``, replacing it only once complete.

    For rewriting one part of a sitemap :func:`write_sitemaps` wrote, from
    that part's entries alone (``site_urls(app, start, stop)``); the index
    and the other parts are left as they are. More than ``max_urls``
    entries, or more than ``max_bytes`` uncompressed, raise
    :class:`SitemapError` and leave the old file in place. ``gzip``,
    ``compresslevel``, ``hostname``, ``on_error``, ``xsl`` and
    ``namespaces`` work as for :func:`write_sitemaps`. Returns ``path``.
    """
    if not 0 <= compresslevel <= 9:
        raise ValueError(f"compresslevel must be from 0 to 9, not {compresslevel!r}")
    chunks = iter_sitemap(
        urls,
        hostname,
        xsl=xsl,
        on_error=on_error,
        namespaces=namespaces,
        max_urls=max_urls,
        max_bytes=max_bytes,
    )
    first = next(chunks)  # checks the arguments before a file is made
    part = _TempFile(Path(path), compresslevel if gzip else None)
    try:
        part.write(first)
        for chunk in chunks:
            part.write(chunk)
        part.close()
    except BaseException:
        part.discard()
        raise
    return part.commit()
