"""XML text for sitemaps: namespaces, escaping, and the document's opening lines."""

from __future__ import annotations

from collections.abc import Iterable

from ._values import encode_reference

__all__ = [
    "EXTENSION_NAMESPACES",
    "SITEMAP_NAMESPACE",
    "XML_DECLARATION",
    "document_start",
    "escape",
]

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Prefix -> namespace of each extension the writer knows, in the order they are declared.
EXTENSION_NAMESPACES = {
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "video": "http://www.google.com/schemas/sitemap-video/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def escape(text: str) -> str:
    """``text`` with ``& < > " '`` (and CR) escaped, for element text or attribute values.

    A CR is written as a character reference so that it survives parsing
    (parsers turn a literal CR into LF). A chain of ``str.replace`` is the
    fastest way to do this in CPython: each call returns ``text`` itself
    when it has nothing to replace.
    """
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("\r", "&#13;")
    )


def document_start(root: str, prefixes: Iterable[str], xsl: str | None) -> str:
    """The XML declaration, the optional stylesheet instruction and ``<root xmlns...>``."""
    parts = [XML_DECLARATION]
    if xsl is not None:
        href = escape(encode_reference(xsl, "xsl"))
        parts.append(f'<?xml-stylesheet type="text/xsl" href="{href}"?>\n')
    parts.append(f'<{root} xmlns="{SITEMAP_NAMESPACE}"')
    for prefix in EXTENSION_NAMESPACES:
        if prefix in prefixes:
            parts.append(f' xmlns:{prefix}="{EXTENSION_NAMESPACES[prefix]}"')
    parts.append(">\n")
    return "".join(parts)
