"""The JSON API's types: what clients send and what they get back.

The typed handlers in ``api/`` decode and check request bodies and queries
against these, and ``/api/openapi.json`` describes them, so the checks and
the documentation cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_SLUG = 80
#: Paging of ``GET /api/posts``: 10 posts a page unless ``limit`` says otherwise.
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000

# The end of the text, written so Python's and ECMAScript's regexes agree
# (in Python, "$" also matches before a final newline).
_END = r"(?![\s\S])"

#: One line with something other than spaces; the spaces around it are dropped.
Title = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_TITLE,
        pattern=r"^[^\r\n]*[^\s][^\r\n]*" + _END,
        description="One line, not blank; spaces around it are dropped.",
    ),
]
#: Plain text, not blank; blank lines separate paragraphs.
Text = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_BODY,
        pattern=r"[^\s]",
        description="Plain text, not blank; a blank line separates paragraphs.",
    ),
]
#: A post's address in ``/api/post/<uid>``: its slug. The example is a seed post.
PostUid = Annotated[str, Meta(description="The post's slug.", examples=["hello-world"])]
#: Lower-case letters and digits in words joined by single dashes.
Slug = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_SLUG,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*" + _END,
        description="Lower-case letters and digits, words joined by single dashes.",
        examples=["my-first-post"],
    ),
]


class NewPost(Struct):
    """A post to create, or the whole of one to replace.

    Without a slug, one is made from the title.
    """

    title: Title
    body: Text
    slug: Slug | UnsetType = UNSET


class PostPatch(Struct):
    """The fields of a post to change; at least one."""

    title: Title | UnsetType = UNSET
    body: Text | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET


#: A patch must change something.
SomeChange = Annotated[PostPatch, Meta(extra_json_schema={"minProperties": 1})]


class Post(Struct):
    """A post as the API shows it."""

    id: int
    slug: str
    title: str
    body: str
    created: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    updated: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    #: The post's HTML page.
    url: str


class PostPage(Struct):
    """One page of posts, newest first, and the address of the next page."""

    posts: list[Post]
    total: int
    limit: int
    offset: int
    next: str | None


class Paging(Struct):
    """Which page of posts to list."""

    limit: Annotated[int, Meta(ge=1, le=MAX_LIMIT, description="Posts per page.")] = 10
    offset: Annotated[int, Meta(ge=0, le=MAX_OFFSET, description="Posts to skip.")] = 0
