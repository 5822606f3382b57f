"""``/api/posts``: list posts (``GET``) and create one (``POST``).

This file switches on the method by exporting one function per method;
``HEAD`` and ``OPTIONS`` are answered for it and any other method gets 405.

``GET /api/posts?limit=10&offset=0`` answers::

    {"posts": [...], "total": 5, "limit": 10, "offset": 0, "next": null}

``POST /api/posts`` takes ``{"title": ..., "body": ..., "slug": ...}`` (slug
optional: made from the title) and answers 201 with the post and a
``Location`` header.
"""

from ..._db import connect
from ..._posts import api_path, as_json, count_posts, create_post, list_posts, paging, post_fields

#: Largest request body this route accepts (413 beyond).
MAX_BODY_SIZE = 256 * 1024


def GET(req, res):
    limit, offset = paging(req.query)
    with connect() as conn:
        rows = list_posts(conn, limit, offset)
        total = count_posts(conn)
    after = offset + limit
    return {
        "posts": [as_json(row) for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": f"/api/posts?limit={limit}&offset={after}" if after < total else None,
    }


def POST(req, res):
    fields = post_fields(req.expect_json(), required=("title", "body"))
    with connect() as conn:
        post = create_post(conn, fields)
    res.set_header("Location", api_path(post["slug"]))
    return res.status(201).json(as_json(post))
