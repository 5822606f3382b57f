"""``/``: the home page, the newest posts first, 20 to a page (``/?page=2`` for more)."""

from microroutes import BadRequest, NotFound

from ._db import connect
from ._html import date_of, items, link, page
from ._posts import count_posts, list_posts, page_path

PER_PAGE = 20
MAX_PAGE = 1_000_000
#: This page's sitemap entry (the route table lists it; these are its fields).
SITEMAP = {"changefreq": "daily", "priority": 1.0}


def GET(req, res):
    raw = req.query.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else 0
    if not 1 <= number <= MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE}, got {raw[:40]!r}")
    with connect() as conn:
        rows = list_posts(conn, PER_PAGE, (number - 1) * PER_PAGE)
        total = count_posts(conn)
    if not rows and number > 1:
        raise NotFound(f"there is no page {number}")
    lines = [
        f"{link(page_path(row['slug']), row['title'])} <time>{date_of(row['created'])}</time>"
        for row in rows
    ]
    content = "<h1>Posts</h1>\n" + (items(lines) if lines else "<p>No posts yet.</p>")
    nav = []
    if number > 1:
        nav.append(link(f"/?page={number - 1}", "← Newer posts"))
    if number * PER_PAGE < total:
        nav.append(link(f"/?page={number + 1}", "Older posts →"))
    if nav:
        content += '\n<nav class="pages">' + " ".join(nav) + "</nav>"
    return res.html(page("Posts", content))
