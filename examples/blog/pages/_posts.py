"""Posts: checking what clients send, and reading and writing the ``posts`` table.

Route files call these with a connection from ``_db.connect()``. Input
problems raise :class:`~microroutes.BadRequest` with one message per field
in ``detail``; a taken slug raises :class:`~microroutes.Conflict`.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from microroutes import BadRequest, Conflict

from ._db import connect, transaction

#: The fields a client may send.
FIELDS = ("title", "body", "slug")
#: Fields the server sets; sending them is an error.
READ_ONLY = ("id", "created", "updated")
MAX_TITLE = 200
MAX_BODY = 100_000
MAX_SLUG = 80
#: Paging of ``GET /api/posts``.
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"[0-9]{1,10}")
_COLUMNS = "id, slug, title, body, created, updated"


def now() -> str:
    """The current UTC time in ISO 8601 to the second: ``2024-05-01T12:00:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def page_path(slug: str) -> str:
    """The HTML page of a post: ``/posts/<slug>``."""
    return f"/posts/{quote(slug, safe='')}"


def api_path(slug: str) -> str:
    """The JSON resource of a post: ``/api/post/<slug>``."""
    return f"/api/post/{quote(slug, safe='')}"


def as_json(row: sqlite3.Row) -> dict[str, Any]:
    """A post row as the API shows it."""
    return {
        "id": row["id"],
        "slug": row["slug"],
        "title": row["title"],
        "body": row["body"],
        "created": row["created"],
        "updated": row["updated"],
        "url": page_path(row["slug"]),
    }


def slugify(title: str) -> str:
    """A slug made from a title: ``"Héllo, World!"`` -> ``"hello-world"`` (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


# -- input -------------------------------------------------------------------


def _check_text(
    data: Mapping[str, Any], name: str, limit: int, errors: dict[str, str], one_line: bool
) -> str | None:
    value = data[name]
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if one_line:
        value = value.strip()
        if "\n" in value or "\r" in value:
            errors[name] = "must be a single line"
            return None
    if not value.strip():
        errors[name] = "must not be empty"
        return None
    if len(value) > limit:
        errors[name] = f"must be at most {limit} characters"
        return None
    return value


def post_fields(data: object, *, required: tuple[str, ...]) -> dict[str, str]:
    """The checked fields of a JSON post body.

    ``required`` names the fields that must be present; the others are
    optional. Raises :class:`BadRequest` whose ``detail`` maps each bad field
    to what is wrong with it.
    """
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object with title, body and optionally slug")
    errors: dict[str, str] = {}
    for name in data:
        if name in READ_ONLY:
            errors[name] = "is set by the server and cannot be sent"
        elif name not in FIELDS:
            errors[name] = "unknown field; expected title, body or slug"
    for name in required:
        if name not in data:
            errors[name] = "is required"
    fields: dict[str, str] = {}
    for name, limit, one_line in (("title", MAX_TITLE, True), ("body", MAX_BODY, False)):
        if name in data:
            value = _check_text(data, name, limit, errors, one_line)
            if value is not None:
                fields[name] = value
    if "slug" in data:
        slug = data["slug"]
        if not isinstance(slug, str):
            errors["slug"] = "must be a string"
        elif len(slug) > MAX_SLUG or not SLUG.fullmatch(slug):
            errors["slug"] = (
                f"must be 1 to {MAX_SLUG} lower-case letters, digits and single dashes "
                "(like my-first-post)"
            )
        else:
            fields["slug"] = slug
    if errors:
        raise BadRequest("the post has invalid fields", detail=errors)
    if not fields:
        raise BadRequest("send at least one of title, body and slug")
    return fields


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """``(limit, offset)`` from a query string; 400 with a message for bad values."""
    limit = _whole_number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _whole_number(query, "offset", 0, 0, MAX_OFFSET)
    return limit, offset


def _whole_number(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    value = int(raw) if _DIGITS.fullmatch(raw) else None
    if value is None or not low <= value <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}, got {raw[:40]!r}")
    return value


# -- storage -----------------------------------------------------------------


def count_posts(conn: sqlite3.Connection) -> int:
    """How many posts there are."""
    (total,) = conn.execute("SELECT count(*) FROM posts").fetchone()
    return int(total)


def list_posts(conn: sqlite3.Connection, limit: int, offset: int) -> list[sqlite3.Row]:
    """One page of posts, newest first."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM posts ORDER BY created DESC, id DESC LIMIT ? OFFSET ?",  # noqa: S608
        (limit, offset),
    ).fetchall()


def find_post(conn: sqlite3.Connection, slug: str) -> sqlite3.Row | None:
    """The post with this slug, or ``None``."""
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {_COLUMNS} FROM posts WHERE slug = ?",  # noqa: S608
        (slug,),
    ).fetchone()
    return row


def _taken(slug: str) -> Conflict:
    return Conflict(
        f"a post with the slug {slug!r} already exists",
        detail={"slug": "is taken by another post"},
    )


def create_post(conn: sqlite3.Connection, fields: Mapping[str, str]) -> sqlite3.Row:
    """Insert a post (slug made from the title when not given); 409 if the slug is taken."""
    slug = fields.get("slug") or slugify(fields["title"])
    if not slug:
        raise BadRequest(
            "the post has invalid fields",
            detail={"slug": "cannot be made from this title; send a slug"},
        )
    when = now()
    try:
        with transaction(conn):
            # RETURNING hands back the row as inserted, inside the transaction: a DELETE
            # committed by another request right after cannot take it from the answer.
            (row,) = conn.execute(
                f"INSERT INTO posts (slug, title, body, created, updated) "  # noqa: S608
                f"VALUES (?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (slug, fields["title"], fields["body"], when, when),
            ).fetchall()
    except sqlite3.IntegrityError:
        raise _taken(slug) from None
    return row


def update_post(
    conn: sqlite3.Connection, slug: str, fields: Mapping[str, str]
) -> sqlite3.Row | None:
    """Change the given fields of a post; ``None`` if there is no such post; 409 on a taken slug."""
    names = [name for name in FIELDS if name in fields]
    assignments = ", ".join(f"{name} = ?" for name in [*names, "updated"])
    values = [fields[name] for name in names]
    try:
        with transaction(conn):
            changed = conn.execute(
                f"UPDATE posts SET {assignments} WHERE slug = ?",  # noqa: S608
                (*values, now(), slug),
            ).rowcount
    except sqlite3.IntegrityError:
        raise _taken(fields["slug"]) from None
    if not changed:
        return None
    return find_post(conn, fields.get("slug", slug))


def delete_post(conn: sqlite3.Connection, slug: str) -> bool:
    """Delete a post; ``False`` if there was none."""
    with transaction(conn):
        return conn.execute("DELETE FROM posts WHERE slug = ?", (slug,)).rowcount > 0


def sitemap_entries(offset: int = 0, limit: int = -1) -> Iterator[dict[str, Any]]:
    """One sitemap entry per post page, oldest post first, read row by row from a cursor.

    ``offset`` and ``limit`` (``-1``: no limit) select a slice. The connection
    stays open while the caller iterates and is closed when the generator
    finishes or is closed, so a million posts stream in the memory of a few.
    """
    with connect() as conn:
        cursor = conn.execute(
            "SELECT slug, updated FROM posts ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
        )
        for slug, updated in cursor:
            yield {
                "loc": page_path(slug),
                "lastmod": updated,
                "changefreq": "weekly",
                "priority": 0.7,
            }
