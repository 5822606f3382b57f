"""``/api/post/<uid>``: read, replace, update or delete one post; ``uid`` is its slug.

Renaming a post to a slug another post has is a 409; the new address of a
renamed post is in the ``Content-Location`` header.
"""

from typing import Annotated

from microroutes import Answer, NotFound

from ..._db import connect
from ..._posts import api_path, as_post, changes, delete_post, find_post, update_post
from ..._types import NewPost, Post, PostUid, SomeChange

#: Largest request body this route accepts (413 beyond).
MAX_BODY_SIZE = 256 * 1024
#: What the handlers answer besides the framework's own errors.
ERRORS = {
    "PUT": {409: "The new slug belongs to another post."},
    "PATCH": {409: "The new slug belongs to another post."},
}


def GET(req, res, uid: PostUid) -> Post:
    """The post."""
    with connect(req.app) as conn:
        post = find_post(conn, uid)
    if post is None:
        raise NotFound("no such post")
    return as_post(post)


def PUT(req, res, uid: PostUid, body: NewPost) -> Post:
    """Replace the title and body; the slug is kept unless one is sent."""
    return _update(req, res, uid, changes(body))


def PATCH(req, res, uid: PostUid, body: SomeChange) -> Post:
    """Change any of the title, body and slug."""
    return _update(req, res, uid, changes(body))


def DELETE(req, res, uid: PostUid) -> Annotated[None, Answer(204, description="Deleted.")]:
    """Delete the post."""
    with connect(req.app) as conn:
        if not delete_post(conn, uid):
            raise NotFound("no such post")
    res.status(204)


def _update(req, res, slug, fields):
    with connect(req.app) as conn:
        post = update_post(conn, slug, fields)
    if post is None:
        raise NotFound("no such post")
    if post["slug"] != slug:
        res.set_header("Content-Location", api_path(post["slug"]))
    return as_post(post)
