"""A site's sitemap, derived from its route table.

Static routes that are pages are listed by themselves; a route module lists
the URLs it answers (a dynamic route's posts, say) with a ``sitemap(app)``
function; ``SITEMAP = False`` leaves a route out, and ``SITEMAP = {...}``
gives a static page's ``changefreq``, ``priority`` or ``lastmod``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import SiteError
from ..routing import RouteKind
from ._model import UrlLike

if TYPE_CHECKING:
    from ..app import App
    from ..table import RouteInfo

__all__ = ["SITEMAP_FUNCTION", "SITEMAP_SETTING", "page_urls", "site_urls"]

#: A route module's function yielding its sitemap entries: ``sitemap(app)``.
SITEMAP_FUNCTION = "sitemap"
#: A route module's setting: ``False`` to leave it out, or a mapping of entry fields.
SITEMAP_SETTING = "SITEMAP"
_PAGE_FIELDS = frozenset({"lastmod", "changefreq", "priority", "images", "alternates"})


def _is_page(route: RouteInfo) -> bool:
    """A static route that answers GET and is neither an API nor a file (``/robots.txt``)."""
    if route.kind is not RouteKind.STATIC or "GET" not in route.methods:
        return False
    segments = route.pattern.split("/")
    return segments[1] != "api" and "." not in segments[-1]


def _setting(route: RouteInfo) -> Mapping[str, Any] | None:
    """The module's ``SITEMAP`` fields, or ``None`` when it opts out."""
    file = route.file
    value = getattr(route.module, SITEMAP_SETTING, True)
    if value is True:
        return {}
    if value is False or value is None:
        return None
    if isinstance(value, Mapping) and set(value) <= _PAGE_FIELDS:
        return value
    raise SiteError(
        f"{file}: {SITEMAP_SETTING} must be True, False or a mapping of "
        f"{', '.join(sorted(_PAGE_FIELDS))}; got {value!r}"
    )


def page_urls(app: App) -> Iterator[UrlLike]:
    """An entry per static page of ``app``'s route table, in path order.

    A page is a static route answering GET, outside ``/api``, whose last
    segment has no dot (``/robots.txt`` and ``/sitemap.xml`` are files, not
    pages). Modules with a ``sitemap`` function or ``SITEMAP = False`` are
    left out; ``SITEMAP = {"changefreq": "daily", "priority": 1.0}`` adds fields.
    Imports the route modules it looks at.
    """
    for route in app.routes():
        if hasattr(route.module, SITEMAP_FUNCTION) or not _is_page(route):
            continue
        fields = _setting(route)
        if fields is not None:
            yield {"loc": route.pattern, **fields}


def site_urls(app: App) -> Iterator[UrlLike]:
    """Every sitemap entry of ``app``: :func:`page_urls`, then each ``sitemap(app)``'s.

    Entries are read lazily (a ``sitemap`` function streaming from a database
    cursor keeps memory flat), and locs are usually paths, resolved against
    the ``hostname`` given to :func:`iter_sitemap` or :func:`write_sitemaps`.
    """
    yield from page_urls(app)
    for route in app.routes():
        function = getattr(route.module, SITEMAP_FUNCTION, None)
        if function is None:
            continue
        if not callable(function):
            raise SiteError(f"{route.file}: {SITEMAP_FUNCTION} must be a function sitemap(app)")
        yield from function(app)
