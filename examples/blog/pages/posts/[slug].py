"""``/posts/<slug>``: one post as an HTML page.

``sitemap(app, start, stop)`` lists the post pages for the site's sitemap,
streaming only the rows of the range asked for from the database, and
``sitemap_count(app)`` says how many there are, so one part of a big
sitemap reads its own rows only.
"""

from html import escape
from typing import Annotated

from microroutes import Answer, NotFound, Response

from .._db import connect
from .._html import HTML, date_of, page, paragraphs
from .._posts import count_posts, find_post, sitemap_entries

#: An HTML page, not part of the JSON API: left out of the OpenAPI document.
OPENAPI = False


def GET(req, res, slug: str) -> Annotated[Response, Answer(media_type=HTML)]:
    """One post as an HTML page."""
    with connect(req.app) as conn:
        post = find_post(conn, slug)
    if post is None:
        raise NotFound("no such post")
    content = (
        f"<article>\n<h1>{escape(post['title'])}</h1>\n"
        f'<p class="meta">Published <time>{date_of(post["created"])}</time>'
        f" · updated <time>{date_of(post['updated'])}</time></p>\n"
        f"{paragraphs(post['body'])}\n</article>"
    )
    return res.html(page(post["title"], content))


def sitemap(app, start=0, stop=None):
    """Sitemap entries (loc, lastmod, changefreq, priority) of posts ``start`` to ``stop - 1``.

    ``microroutes.sitemap.site_urls(app)`` (and so ``/sitemap.xml`` and
    ``microroutes sitemap``) lists these after the static pages.
    """
    yield from sitemap_entries(app, start, stop)


def sitemap_count(app):
    """How many entries ``sitemap(app)`` yields: one per post."""
    with connect(app) as conn:
        return count_posts(conn)
