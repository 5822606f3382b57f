"""``/``: the home page, the newest posts first, 20 to a page (``/?page=2`` for more)."""

from typing import Annotated

from msgspec import Meta, Struct

from microroutes import Answer, NotFound, Response

from ._db import connect
from ._html import HTML, date_of, items, link, page
from ._posts import count_posts, list_posts, page_path

#: An HTML page, not part of the JSON API: left out of the OpenAPI document.
OPENAPI = False

PER_PAGE = 20
MAX_PAGE = 1_000_000
#: This page's sitemap entry (the route table lists it; these are its fields).
SITEMAP = {"changefreq": "daily", "priority": 1.0}
#: What the handler answers besides the framework's own errors.
ERRORS = {"GET": {404: "There is no page with that number."}}


class HomeQuery(Struct):
    """Which page of posts to show."""

    page: Annotated[int, Meta(ge=1, le=MAX_PAGE, description="The page number.")] = 1


def GET(req, res, query: HomeQuery) -> Annotated[Response, Answer(media_type=HTML)]:
    """The home page: the newest posts, 20 to a page."""
    number = query.page
    with connect(req.app) as conn:
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
