"""The sitemaps.org schemas in ``tests/schemas/``, loaded once for every test module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"


def _load(name: str) -> Any:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


#: ``<urlset>`` with the image, video, news and xhtml extensions.
URLSET_SCHEMA = _load("sitemap.xsd")
#: ``<sitemapindex>``.
INDEX_SCHEMA = _load("siteindex.xsd")
