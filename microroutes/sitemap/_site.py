"""A site's sitemap, derived from its route table.

Static routes that are pages are listed by themselves; a route module lists
the URLs it answers (a dynamic route's posts, say) with a ``sitemap(app)``
function; ``SITEMAP = False`` leaves a route out, and ``SITEMAP = {...}``
gives a static page's ``changefreq``, ``priority`` or ``lastmod``. The route
files' settings are read and checked by :mod:`microroutes.routefile`.

A sitemap too big for one file is served in parts. So that a part costs
its own entries only, ``sitemap`` may take a range, ``sitemap(app, start,
stop)``, yielding its entries ``start`` to ``stop - 1`` (``stop=None``: to
the end), and the module may define ``sitemap_count(app)``, how many
entries ``sitemap(app)`` yields. :func:`site_urls` with ``start``/``stop``
asks each source for its share of the range only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from ..routing import RouteKind
from ._model import UrlLike

if TYPE_CHECKING:
    from ..app import App
    from ..table import RouteInfo

__all__ = ["SITEMAP_COUNT", "count_site_urls", "page_urls", "site_urls"]

#: The route module function telling how many entries its ``sitemap(app)`` yields.
SITEMAP_COUNT = "sitemap_count"


def _is_page(route: RouteInfo) -> bool:
    """A static route that answers GET and is neither an API nor a file (``/robots.txt``)."""
    if route.kind is not RouteKind.STATIC or "GET" not in route.methods:
        return False
    segments = route.pattern.split("/")
    return segments[1] != "api" and "." not in segments[-1]


def page_urls(app: App) -> Iterator[UrlLike]:
    """An entry per static page of ``app``'s route table, in path order.

    A page is a static route answering GET, outside ``/api``, whose last
    segment has no dot (``/robots.txt`` and ``/sitemap.xml`` are files, not
    pages). Modules with a ``sitemap`` function or ``SITEMAP = False`` are
    left out; ``SITEMAP = {"changefreq": "daily", "priority": 1.0}`` adds fields.
    Imports every route module.
    """
    for route in app.routes():
        fields = route.sitemap_fields
        if route.sitemap_function is None and fields is not None and _is_page(route):
            yield {"loc": route.pattern, **fields}


class _Source:
    """One provider of entries: the static pages, or one module's ``sitemap``."""

    def __init__(
        self,
        entries: Callable[[int, int | None], Iterable[UrlLike]],
        count: Callable[[], int] | None,
    ) -> None:
        #: The source's entries ``start`` to ``stop - 1``.
        self.entries = entries
        self._count = count

    def size(self) -> int:
        """How many entries the source has (read through them when it cannot tell)."""
        if self._count is not None:
            return self._count()
        return sum(1 for _ in self.entries(0, None))

    def known_size(self) -> int | None:
        """The size when the source can tell it without reading its entries."""
        return None if self._count is None else self._count()


class _Range(NamedTuple):
    start: int
    stop: int | None


def _takes_range(function: Callable[..., Iterable[UrlLike]]) -> bool:
    """Whether ``function`` accepts ``start`` and ``stop`` (a ranged ``sitemap``)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "start" in parameters and "stop" in parameters


def _sources(app: App) -> Iterator[_Source]:
    pages = list(page_urls(app))
    yield _Source(lambda start, stop: pages[start:stop], lambda: len(pages))
    for route in app.routes():
        function = route.sitemap_function
        if function is None:
            continue
        counter = getattr(route.module, SITEMAP_COUNT, None)
        count = None if counter is None else _bind_count(counter, app, route.file)
        if _takes_range(function):
            yield _Source(_ranged(function, app), count)
        else:
            yield _Source(_sliced(function, app), count)


def _ranged(
    function: Callable[..., Iterable[UrlLike]], app: App
) -> Callable[[int, int | None], Iterable[UrlLike]]:
    return lambda start, stop: function(app, start=start, stop=stop)


def _sliced(
    function: Callable[..., Iterable[UrlLike]], app: App
) -> Callable[[int, int | None], Iterable[UrlLike]]:
    return lambda start, stop: islice(function(app), start, stop)


def _bind_count(counter: object, app: App, file: str) -> Callable[[], int]:
    if not callable(counter):
        raise TypeError(f"{file}: {SITEMAP_COUNT} must be a function {SITEMAP_COUNT}(app)")

    def count() -> int:
        size = counter(app)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise TypeError(f"{file}: {SITEMAP_COUNT}(app) must return a count, got {size!r}")
        return size

    return count


def _check_range(start: int, stop: int | None) -> _Range:
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValueError(f"start must be a position (an int from 0), not {start!r}")
    if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int) or stop < start):
        raise ValueError(f"stop must be None or an int from start ({start}), not {stop!r}")
    return _Range(start, stop)


def count_site_urls(app: App) -> int:
    """How many entries :func:`site_urls` yields.

    A module's ``sitemap_count(app)`` answers for its ``sitemap``; a module
    without one has its entries read and counted.
    """
    return sum(source.size() for source in _sources(app))


def site_urls(app: App, start: int = 0, stop: int | None = None) -> Iterator[UrlLike]:
    """The sitemap entries of ``app``, from position ``start`` up to ``stop`` (``None``: all).

    The entries are :func:`page_urls`, then each ``sitemap(app)``'s, read
    lazily (a ``sitemap`` function streaming from a database cursor keeps
    memory flat). Locs are usually paths, resolved against the ``hostname``
    given to :func:`iter_sitemap` or :func:`write_sitemaps`.

    A range reads only what it needs: a source whose ``sitemap_count`` puts
    it wholly before ``start`` is skipped unread, a ranged
    ``sitemap(app, start, stop)`` is asked for its share alone, and reading
    stops at ``stop``; other sources are read from their start and sliced.
    """
    wanted = _check_range(start, stop)
    return _entries_in(app, wanted)


def _entries_in(app: App, wanted: _Range) -> Iterator[UrlLike]:
    position = 0  # where the current source's first entry sits in the whole list
    for source in _sources(app):
        if wanted.stop is not None and position >= wanted.stop:
            return
        size = source.known_size()
        if size is not None and position + size <= wanted.start:
            position += size
            continue
        low = max(wanted.start - position, 0)
        high = None if wanted.stop is None else wanted.stop - position
        given = 0
        for entry in source.entries(low, high):
            yield entry
            given += 1
        if size is None:
            # Ended early: the source is shorter than ``high``, so its size is known,
            # unless it gave nothing because it ends before ``low``.
            size = low + given if given or not low else source.size()
        position += size
