"""The sitemap's parts: the site's own entries, split into files when there are many.

The entries come from the route table (``microroutes.sitemap.site_urls``):
the static pages, then what ``posts/[slug].py``'s ``sitemap(app)`` yields.
One sitemap file holds at most 50,000 URLs (the protocol's limit). A bigger
site gets a sitemap index at ``/sitemap.xml`` pointing at ``/sitemaps/1.xml``,
``/sitemaps/2.xml``, ...; ``BLOG_SITEMAP_SIZE`` sets a smaller size per file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from microroutes import App
from microroutes.sitemap import MAX_URLS, UrlLike, count_site_urls, site_urls

#: The media type of sitemaps and sitemap indexes.
XML = "application/xml"


def urls_per_file() -> int:
    """URLs in one sitemap file: ``$BLOG_SITEMAP_SIZE``, at most (and by default) 50,000."""
    raw = os.environ.get("BLOG_SITEMAP_SIZE")
    if not raw:
        return MAX_URLS
    size = int(raw)
    if not 1 <= size <= MAX_URLS:
        raise ValueError(f"BLOG_SITEMAP_SIZE must be from 1 to {MAX_URLS}, got {raw!r}")
    return size


def file_count(app: App, per_file: int) -> int:
    """How many sitemap files the site's pages and posts need."""
    total = count_site_urls(app)
    return max(1, -(-total // per_file))


def entries(app: App, start: int = 0, stop: int | None = None) -> Iterator[UrlLike]:
    """The site's entries from position ``start`` up to ``stop``: only those rows are read."""
    return site_urls(app, start, stop)
