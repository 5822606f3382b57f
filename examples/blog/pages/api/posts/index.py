"""``/api/posts``: list posts (``GET``) and create one (``POST``).

``GET /api/posts?limit=10&offset=0`` answers a page of posts, newest first,
and the address of the next page. ``POST /api/posts`` takes a new post (the
slug is optional: it is made from the title) and answers 201 with the post
and a ``Location`` header.
"""

from typing import Annotated

from microroutes import Answer

from ..._db import connect
from ..._posts import api_path, as_post, count_posts, create_post, list_posts
from ..._types import NewPost, Paging, Post, PostPage

#: Largest request body this route accepts (413 beyond).
MAX_BODY_SIZE = 256 * 1024
#: What the handlers answer besides the framework's own errors.
ERRORS = {"POST": {409: "The slug belongs to another post."}}


def GET(req, res, query: Paging) -> PostPage:
    """One page of posts, newest first."""
    with connect(req.app) as conn:
        rows = list_posts(conn, query.limit, query.offset)
        total = count_posts(conn)
    after = query.offset + query.limit
    return PostPage(
        posts=[as_post(row) for row in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
        next=f"/api/posts?limit={query.limit}&offset={after}" if after < total else None,
    )


def POST(req, res, body: NewPost) -> Annotated[Post, Answer(201, description="The new post.")]:
    """Create a post; its address is in the ``Location`` header."""
    with connect(req.app) as conn:
        post = as_post(create_post(conn, body))
    res.status(201).set_header("Location", api_path(post.slug))
    return post
