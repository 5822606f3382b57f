"""A site's sitemap, derived from its route table.

Static routes that are pages are listed by themselves; a route module lists
the URLs it answers (a dynamic route's posts, say) with a ``sitemap(app)``
function; ``SITEMAP = False`` leaves a route out, and ``SITEMAP = {...}``
gives a static page's ``changefreq``, ``priority`` or ``lastmod``. The route
files' settings are read and checked by :mod:`microroutes.routefile`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..routing import RouteKind
from ._model import UrlLike

if TYPE_CHECKING:
    from ..app import App
    from ..table import RouteInfo

__all__ = ["page_urls", "site_urls"]


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


def site_urls(app: App) -> Iterator[UrlLike]:
    """Every sitemap entry of ``app``: :func:`page_urls`, then each ``sitemap(app)``'s.

    Entries are read lazily (a ``sitemap`` function streaming from a database
    cursor keeps memory flat), and locs are usually paths, resolved against
    the ``hostname`` given to :func:`iter_sitemap` or :func:`write_sitemaps`.
    """
    yield from page_urls(app)
    for route in app.routes():
        if route.sitemap_function is not None:
            yield from route.sitemap_function(app)
