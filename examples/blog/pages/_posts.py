"""Posts: what types cannot check, and reading and writing the ``posts`` table.

The API's types (``_types.py``) check the fields clients send; this module
adds the rules that need the database or the other fields: a slug is made
from the title when none is sent, a slug belongs to one post only (else
:class:`~microroutes.Conflict`), and a patch changes something.
Route files call these with a connection from ``_db.connect(app)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from msgspec import UNSET, structs

from microroutes import App, Conflict, UnprocessableContent

from ._db import Duplicate, connect, stream, transaction
from ._types import MAX_SLUG, NewPost, Post, PostPatch

#: A connection from ``_db.connect`` (sqlite3's, or the PostgreSQL pool's) and one of its rows.
Connection = Any
Row = Any

#: The fields a client may change, in the order they are written.
FIELDS = ("title", "body", "slug")

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_COLUMNS = "id, slug, title, body, created, updated"
_INSERT = (
    "INSERT INTO posts (slug, title, body, created, updated) VALUES (?, ?, ?, ?, ?)"  # noqa: S608
    f" RETURNING {_COLUMNS}"
)


#: The sitemap's rows from a position on, in id order. The first id is found on
#: the primary key's index alone (no table row is read to skip one), then the
#: rows are read from there; both databases take a LIMIT this big for "all".
_SITEMAP_ROWS = (
    "SELECT slug, updated FROM posts"
    " WHERE id >= (SELECT id FROM posts ORDER BY id LIMIT 1 OFFSET ?)"
    " ORDER BY id LIMIT ?"
)
_NO_LIMIT = 2**62


def now() -> str:
    """The current UTC time in ISO 8601 to the second: ``2024-05-01T12:00:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def page_path(slug: str) -> str:
    """The HTML page of a post: ``/posts/<slug>``."""
    return f"/posts/{quote(slug, safe='')}"


def api_path(slug: str) -> str:
    """The JSON resource of a post: ``/api/post/<slug>``."""
    return f"/api/post/{quote(slug, safe='')}"


def as_post(row: Row) -> Post:
    """A post row as the API shows it."""
    return Post(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        body=row["body"],
        created=row["created"],
        updated=row["updated"],
        url=page_path(row["slug"]),
    )


def slugify(title: str) -> str:
    """A slug made from a title: ``"Héllo, World!"`` -> ``"hello-world"`` (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def _unfit(where: list[str], message: str) -> UnprocessableContent:
    """A 422 shaped like the typed handlers' own: one problem and where it is."""
    return UnprocessableContent(
        "invalid request body", detail=[{"loc": ["body", *where], "msg": message}]
    )


def changes(patch: PostPatch | NewPost) -> dict[str, str]:
    """The fields a body sets, titles stripped; 422 when it sets none."""
    fields = {name: value for name, value in structs.asdict(patch).items() if value is not UNSET}
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    if not fields:
        raise _unfit([], "send at least one of title, body and slug")
    return fields


# -- storage -----------------------------------------------------------------


def count_posts(conn: Connection) -> int:
    """How many posts there are."""
    (total,) = conn.execute("SELECT count(*) FROM posts").fetchone()
    return int(total)


def list_posts(conn: Connection, limit: int, offset: int) -> list[Row]:
    """One page of posts, newest first."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM posts ORDER BY created DESC, id DESC LIMIT ? OFFSET ?",  # noqa: S608
        (limit, offset),
    ).fetchall()


def find_post(conn: Connection, slug: str) -> Row | None:
    """The post with this slug, or ``None``."""
    row: Row | None = conn.execute(
        f"SELECT {_COLUMNS} FROM posts WHERE slug = ?",  # noqa: S608
        (slug,),
    ).fetchone()
    return row


def _taken(slug: str) -> Conflict:
    return Conflict(
        f"a post with the slug {slug!r} already exists",
        detail={"slug": "is taken by another post"},
    )


def create_post(conn: Connection, new: NewPost) -> Row:
    """Insert a post (slug made from the title when not given); 409 if the slug is taken.

    The row is read back in the same transaction, so a concurrent ``DELETE``
    of the new post cannot make a successful insert fail.
    """
    fields = changes(new)
    slug = fields.get("slug") or slugify(fields["title"])
    if not slug:
        raise _unfit(["slug"], "cannot be made from this title; send a slug")
    when = now()
    try:
        with transaction(conn):
            cursor = conn.execute(_INSERT, (slug, fields["title"], fields["body"], when, when))
            row: Row = cursor.fetchone()
            cursor.close()
    except Duplicate:
        raise _taken(slug) from None
    return row


def update_post(conn: Connection, slug: str, fields: dict[str, str]) -> Row | None:
    """Change the given fields of a post; ``None`` if there is no such post; 409 on a taken slug."""
    names = [name for name in FIELDS if name in fields]
    assignments = ", ".join(f"{name} = ?" for name in [*names, "updated"])
    values = [fields[name] for name in names]
    try:
        with transaction(conn):
            cursor = conn.execute(
                f"UPDATE posts SET {assignments} WHERE slug = ? RETURNING {_COLUMNS}",  # noqa: S608
                (*values, now(), slug),
            )
            row: Row | None = cursor.fetchone()
            cursor.close()
    except Duplicate:
        raise _taken(fields["slug"]) from None
    return row


def delete_post(conn: Connection, slug: str) -> bool:
    """Delete a post; ``False`` if there was none."""
    with transaction(conn):
        return conn.execute("DELETE FROM posts WHERE slug = ?", (slug,)).rowcount > 0


def sitemap_entries(app: App, start: int = 0, stop: int | None = None) -> Iterator[dict[str, Any]]:
    """Sitemap entries ``start`` to ``stop - 1`` of the posts' pages, oldest post first.

    Only the rows of that range are read, a batch at a time (a server-side
    cursor on PostgreSQL), from the first one's id on, and the
    connection stays open while the caller iterates; it is given back when
    the generator finishes or is closed, so a million posts stream in the
    memory of a few.
    """
    limit = _NO_LIMIT if stop is None else stop - start
    with connect(app) as conn, stream(conn, _SITEMAP_ROWS, (start, limit)) as rows:
        for slug, updated in rows:
            yield {
                "loc": page_path(slug),
                "lastmod": updated,
                "changefreq": "weekly",
                "priority": 0.7,
            }
