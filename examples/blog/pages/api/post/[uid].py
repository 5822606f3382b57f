"""``/api/post/<uid>``: read, replace, update or delete one post by its slug.

This file switches on the method inside one ``handler``: ``@handles`` declares
the methods it takes, so the app answers ``OPTIONS`` and sends 405 with
``Allow`` for the others, and ``match`` picks the branch.

* ``GET``: the post, or 404.
* ``PUT``: replace the title and body (both required; ``slug`` optional,
  kept when absent).
* ``PATCH``: change any of title, body and slug.
* ``DELETE``: remove it; 204.

Renaming to a slug another post has is a 409.
"""

from microroutes import NotFound, handles

from ..._db import connect
from ..._posts import api_path, as_json, delete_post, find_post, post_fields, update_post

#: Largest request body this route accepts (413 beyond).
MAX_BODY_SIZE = 256 * 1024


@handles("GET", "PUT", "PATCH", "DELETE")
def handler(req, res):
    slug = req.params["uid"]
    match req.method:
        case "GET" | "HEAD":
            with connect() as conn:
                post = find_post(conn, slug)
        case "PUT" | "PATCH":
            required = ("title", "body") if req.method == "PUT" else ()
            fields = post_fields(req.expect_json(), required=required)
            with connect() as conn:
                post = update_post(conn, slug, fields)
            if post is not None and post["slug"] != slug:
                res.set_header("Content-Location", api_path(post["slug"]))
        case "DELETE":
            with connect() as conn:
                if not delete_post(conn, slug):
                    raise NotFound("no such post")
            return res.status(204)
    if post is None:
        raise NotFound("no such post")
    return as_json(post)
