"""HTML for the blog's pages: one layout, and text escaped wherever it goes in."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

SITE_NAME = "The microroutes blog"
#: The media type of the pages.
HTML = "text/html"


def page(title: str, content: str) -> str:
    """A whole HTML document around ``content`` (already HTML); ``title`` is escaped."""
    heading = escape(title)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading} · {escape(SITE_NAME)}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a class="site" href="/">{escape(SITE_NAME)}</a></header>
<main>
{content}
</main>
<footer>
<a href="/api/posts">JSON API</a> · <a href="/sitemap.xml">Sitemap</a> ·
<a href="/robots.txt">robots.txt</a>
</footer>
</body>
</html>
"""


def paragraphs(text: str) -> str:
    """Plain text as ``<p>`` elements, one per blank-line-separated block, escaped."""
    blocks = (block.strip() for block in text.replace("\r\n", "\n").split("\n\n"))
    return "\n".join(f"<p>{escape(block)}</p>" for block in blocks if block)


def date_of(timestamp: str) -> str:
    """The date part of an ISO 8601 timestamp, for display."""
    return escape(timestamp[:10])


def link(href: str, text: str) -> str:
    """An ``<a>`` element with both its address and text escaped."""
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def items(lines: Iterable[str]) -> str:
    """``<li>`` elements (already HTML) in a ``<ul>``."""
    return '<ul class="posts">\n' + "\n".join(f"<li>{line}</li>" for line in lines) + "\n</ul>"
