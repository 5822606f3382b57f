"""Sitemaps: stream them, split them into files, serve them, and read them back.

``iter_sitemap(urls, hostname=...)`` turns an iterable of :class:`Url`
values, loc strings or mappings into UTF-8 chunks of a ``<urlset>``,
reading the input lazily, so a million URLs stream in bounded memory.
``write_sitemaps`` writes numbered files and their index, ``sitemap_response``
serves a sitemap from a route, ``site_urls(app)`` lists a site's pages from
its route table (one part of them with ``start``/``stop``), and ``parse_sitemap`` reads one back.
"""

from ._errors import SitemapError, SitemapWarning
from ._files import write_sitemap_part, write_sitemaps
from ._model import Image, IndexEntry, News, Url, UrlLike, Video
from ._parser import parse_sitemap, parse_sitemap_index
from ._render import normalise_url
from ._response import sitemap_response
from ._site import count_site_urls, page_urls, site_urls
from ._writer import MAX_BYTES, MAX_URLS, OnError, iter_sitemap, iter_sitemap_index

__all__ = [
    "MAX_BYTES",
    "MAX_URLS",
    "Image",
    "IndexEntry",
    "News",
    "OnError",
    "SitemapError",
    "SitemapWarning",
    "Url",
    "UrlLike",
    "Video",
    "count_site_urls",
    "iter_sitemap",
    "iter_sitemap_index",
    "normalise_url",
    "page_urls",
    "parse_sitemap",
    "parse_sitemap_index",
    "site_urls",
    "sitemap_response",
    "write_sitemap_part",
    "write_sitemaps",
]
