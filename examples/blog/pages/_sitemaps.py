"""What the sitemap lists: the static pages, then every post, split into files if needed.

One sitemap file holds at most 50,000 URLs (the protocol's limit). A bigger
site gets a sitemap index at ``/sitemap.xml`` pointing at ``/sitemaps/1.xml``,
``/sitemaps/2.xml``, ...; ``BLOG_SITEMAP_SIZE`` sets a smaller size per file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from microroutes.sitemap import MAX_URLS

from ._posts import sitemap_entries

#: Pages that are always there, listed before the posts.
STATIC_PAGES: tuple[Mapping[str, Any], ...] = (
    {"loc": "/", "changefreq": "daily", "priority": 1.0},
)


def urls_per_file() -> int:
    """URLs in one sitemap file: ``$BLOG_SITEMAP_SIZE``, at most (and by default) 50,000."""
    raw = os.environ.get("BLOG_SITEMAP_SIZE")
    if not raw:
        return MAX_URLS
    size = int(raw)
    if not 1 <= size <= MAX_URLS:
        raise ValueError(f"BLOG_SITEMAP_SIZE must be from 1 to {MAX_URLS}, got {raw!r}")
    return size


def file_count(post_count: int, per_file: int) -> int:
    """How many sitemap files the static pages and ``post_count`` posts need."""
    total = len(STATIC_PAGES) + post_count
    return max(1, -(-total // per_file))


def entries(start: int = 0, stop: int | None = None) -> Iterator[Mapping[str, Any]]:
    """The entries from position ``start`` up to ``stop`` of: static pages, then posts."""
    static = len(STATIC_PAGES)
    yield from STATIC_PAGES[start:stop]
    limit = -1 if stop is None else stop - max(start, static)
    if limit != 0 and (stop is None or stop > static):
        yield from sitemap_entries(offset=max(0, start - static), limit=limit)
