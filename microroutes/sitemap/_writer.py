"""Streaming a urlset or a sitemap index as UTF-8 byte chunks."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from itertools import chain, islice
from typing import Literal

from ._errors import SitemapError, SitemapWarning
from ._model import IndexEntry, Lastmod, UrlLike
from ._render import UrlRenderer, entry_loc, extension_prefixes
from ._values import LocResolver, Origin, encode_reference, normalise_lastmod
from ._xml import EXTENSION_NAMESPACES, document_start, escape

__all__ = [
    "CHUNK_SIZE",
    "MAX_BYTES",
    "MAX_URLS",
    "IndexEntryLike",
    "OnError",
    "check_hostname_and_xsl",
    "check_namespaces",
    "check_on_error",
    "iter_sitemap",
    "iter_sitemap_index",
    "peek_prefixes",
    "reject",
    "utf8_length",
]

#: The protocol's limits for one urlset or index: entries, and bytes uncompressed.
MAX_URLS = 50_000
MAX_BYTES = 52_428_800
#: Chunks are flushed once this many bytes are buffered (so they run 32-35 KiB).
CHUNK_SIZE = 32 * 1024
#: How many entries are read ahead to choose the namespaces the root element declares.
LOOKAHEAD = 1000

#: What to do with an invalid entry: raise :class:`SitemapError`, warn and skip, or skip.
OnError = Literal["raise", "warn", "skip"]
#: What :func:`iter_sitemap_index` accepts per entry.
IndexEntryLike = IndexEntry | str | tuple[str, Lastmod | None] | Mapping[str, object]

_URLSET_END = "</urlset>\n"
_INDEX_END = "</sitemapindex>\n"


def check_on_error(on_error: str) -> None:
    """Raise ``ValueError`` unless ``on_error`` is ``"raise"``, ``"warn"`` or ``"skip"``."""
    if on_error not in ("raise", "warn", "skip"):
        raise ValueError(f"on_error must be 'raise', 'warn' or 'skip', not {on_error!r}")


def check_hostname_and_xsl(hostname: str | None, xsl: str | None) -> None:
    """Raise :class:`SitemapError` now, rather than at the first chunk, for bad arguments."""
    if hostname is not None:
        Origin.parse(hostname)
    if xsl is not None:
        encode_reference(xsl, "xsl")


def check_namespaces(namespaces: Iterable[str]) -> frozenset[str]:
    """``namespaces`` as a set, each one of the extension prefixes the writer knows."""
    if isinstance(namespaces, str):
        namespaces = (namespaces,)
    chosen = frozenset(namespaces)
    unknown = sorted(chosen - EXTENSION_NAMESPACES.keys())
    if unknown:
        known = ", ".join(EXTENSION_NAMESPACES)
        raise ValueError(f"unknown namespace(s) {', '.join(unknown)}; known: {known}")
    return chosen


def peek_prefixes(
    urls: Iterable[UrlLike], namespaces: frozenset[str]
) -> tuple[frozenset[str], Iterator[UrlLike]]:
    """The prefixes to declare on ``<urlset>``, and the entries (read-ahead ones first).

    That is ``namespaces`` plus every extension used by the first
    :data:`LOOKAHEAD` entries.
    """
    iterator = iter(urls)
    head = list(islice(iterator, LOOKAHEAD))
    prefixes = set(namespaces)
    for entry in head:
        prefixes |= extension_prefixes(entry)
    return frozenset(prefixes), chain(head, iterator)


def reject(on_error: OnError, reason: str, index: int, entry: object) -> None:
    """Apply ``on_error`` to entry ``index``: raise, warn, or (``"skip"``) do nothing."""
    error = SitemapError.for_entry(reason, index, entry_loc(entry))
    if on_error == "raise":
        raise error
    if on_error == "warn":
        warnings.warn(str(error), SitemapWarning, stacklevel=3)


def utf8_length(text: str) -> int:
    """How many bytes ``text`` takes in UTF-8."""
    return len(text) if text.isascii() else len(text.encode())


def _document(
    parts: tuple[str, str, str],
    entries: Iterator[object],
    renderer: UrlRenderer,
    on_error: OnError,
    max_entries: int | None = MAX_URLS,
    max_bytes: int | None = MAX_BYTES,
) -> Iterator[bytes]:
    """Chunks of ``start``, each entry's line and ``end`` (``parts`` is start, end, noun).

    Stops at ``max_entries`` or ``max_bytes`` (``None``: no limit), applying
    ``on_error`` to the first entry over the limit.
    """
    start, end, what = parts
    buffer = [start]
    total = utf8_length(start)
    most = sys.maxsize if max_entries is None else max_entries
    room = sys.maxsize if max_bytes is None else max_bytes - len(end)
    on_reject = partial(reject, on_error)
    count = number = 0
    while True:
        limits = (most - count, room - total, CHUNK_SIZE)
        added, size, number = renderer.fill(entries, buffer, limits, on_reject, number)
        count += added
        total += size
        if renderer.overflow is not None:
            limit = f"{most:,} entries" if count == most else f"{max_bytes:,} bytes"
            reason = f"one {what} holds at most {limit} (write_sitemaps splits into files)"
            reject(on_error, reason, number, renderer.overflow[0])
            break
        if renderer.exhausted:
            break
        yield "".join(buffer).encode()
        buffer.clear()
    buffer.append(end)
    yield "".join(buffer).encode()


def iter_sitemap(
    urls: Iterable[UrlLike],
    hostname: str | None = None,
    *,
    xsl: str | None = None,
    on_error: OnError = "raise",
    namespaces: Iterable[str] = (),
    max_urls: int | None = None,
    max_bytes: int | None = None,
) -> Iterator[bytes]:
    """Stream a ``<urlset>`` for ``urls`` as UTF-8 chunks of about 32 KiB.

    ``urls`` is read lazily; each entry is a :class:`Url`, a loc string, or a
    mapping of Url's field names. Relative locs resolve against ``hostname``
    (``"https://example.com"``; a bare host means https); absolute ones must
    be on it. Without ``hostname`` the first absolute loc chooses the site.

    ``<urlset>`` declares the extension namespaces listed in ``namespaces``
    (``"image"``, ``"video"``, ``"news"``, ``"xhtml"``) and those used by the
    first 1,000 entries; a later entry using another one declares it on its
    own element, so the document is valid either way.

    ``xsl`` adds an ``<?xml-stylesheet?>`` instruction. An invalid entry
    raises :class:`SitemapError` naming it (``on_error="raise"``), or is left
    out with a :class:`SitemapWarning` (``"warn"``) or silently (``"skip"``).
    The stream is one urlset of every entry given, so a million URLs stream
    in bounded memory. To hold it to the protocol's limits, pass
    ``max_urls=MAX_URLS`` (50,000) and ``max_bytes=MAX_BYTES`` (52,428,800):
    the entry that would cross one gets the same ``on_error`` policy, and with
    ``"warn"`` or ``"skip"`` the input is not read further than the entries
    already read ahead (the first 1,000, then 256 at a time).
    :func:`write_sitemaps` splits a sitemap into files within both limits.
    """
    check_on_error(on_error)
    for name, limit in (("max_urls", max_urls), ("max_bytes", max_bytes)):
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(f"{name} must be a positive int or None, not {limit!r}")
    chosen = check_namespaces(namespaces)
    check_hostname_and_xsl(hostname, xsl)

    def generate() -> Iterator[bytes]:
        prefixes, entries = peek_prefixes(urls, chosen)
        parts = (document_start("urlset", prefixes, xsl), _URLSET_END, "urlset")
        renderer = UrlRenderer(hostname, prefixes)
        yield from _document(parts, entries, renderer, on_error, max_urls, max_bytes)

    return generate()


def _index_line(entry: object, resolver: LocResolver) -> str:
    lastmod: object = None
    if isinstance(entry, IndexEntry):
        loc, lastmod = entry.loc, entry.lastmod
    elif isinstance(entry, str):
        loc = entry
    elif isinstance(entry, tuple) and len(entry) == 2:
        loc, lastmod = entry
    elif isinstance(entry, Mapping) and "loc" in entry and entry.keys() <= {"loc", "lastmod"}:
        loc, lastmod = entry["loc"], entry.get("lastmod")
    else:
        raise SitemapError("an index entry is a loc, (loc, lastmod), or a mapping of those")
    text = f"<sitemap><loc>{escape(resolver.resolve(loc, same_site=False))}</loc>"
    if lastmod is not None:
        text += f"<lastmod>{normalise_lastmod(lastmod).isoformat()}</lastmod>"
    return f"{text}</sitemap>\n"


def iter_sitemap_index(
    sitemaps: Iterable[IndexEntryLike], *, xsl: str | None = None
) -> Iterator[bytes]:
    """Stream a ``<sitemapindex>`` as UTF-8 chunks.

    Each entry is an absolute loc, a ``(loc, lastmod)`` pair, a mapping with
    ``loc`` and optional ``lastmod``, or an :class:`IndexEntry`. An invalid
    entry, or more than 50,000, raises :class:`SitemapError`.
    """
    start = document_start("sitemapindex", (), xsl)
    parts = (start, _INDEX_END, "sitemap index")
    return _document(parts, iter(sitemaps), _IndexRenderer(None, ()), "raise")


class _IndexRenderer(UrlRenderer):
    """Renders index entries, every one through :meth:`render`."""

    _fast_type = None

    def render(self, entry: object) -> str:
        return _index_line(entry, self.resolver)
