"""The blog on PostgreSQL: a connection pool per worker process, and the schema.

Used when ``$BLOG_DATABASE_URL`` is a ``postgresql://`` URL (see ``_db.py``);
needs ``pip install 'microroutes[blog-pg]'`` (psycopg 3 and psycopg_pool).

Each worker process opens one :class:`~psycopg_pool.ConnectionPool` in the
site's start-up hook (``_app.py``) and closes it in the shut-down hook. The
pool hands a request a connection within :data:`POOL_TIMEOUT` seconds or
gives up, and every connection is checked as it is handed out, so after a
database restart no request gets a dead one. The route code writes its SQL
once, with ``?`` placeholders, for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool

#: Seconds a request waits for a pooled connection before the answer is a 503.
POOL_TIMEOUT = float(os.environ.get("BLOG_POOL_TIMEOUT") or 2.0)
#: Most connections one worker process holds (``$BLOG_POOL_SIZE``).
POOL_SIZE = int(os.environ.get("BLOG_POOL_SIZE") or 8)
#: Rows fetched at a time from a server-side cursor: memory held per stream.
STREAM_BATCH = 500
#: Serialises schema creation across every worker on every host (any fixed number).
_SCHEMA_LOCK = 0x626C6F67  # "blog"
#: What a broken connection, a database going down, or an empty pool raise.
UNAVAILABLE = (psycopg.OperationalError,)
#: A unique column already holds the value.
INTEGRITY_ERROR = errors.UniqueViolation

_SCHEMA = (
    """
    CREATE TABLE posts (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        slug    text NOT NULL UNIQUE,
        title   text NOT NULL,
        body    text NOT NULL,
        created text NOT NULL,
        updated text NOT NULL
    )
    """,
    "CREATE INDEX posts_newest_first ON posts (created DESC, id DESC)",
)


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position (``slug, updated = row``) or by name (``row["slug"]``)."""

    __slots__ = ()
    names: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self.names[key])
        return super().__getitem__(key)


#: A row class per list of column names, so a row is a bare tuple and the names are shared.
_ROW_CLASSES: dict[tuple[str, ...], type[Row]] = {}


def _rows(cursor: Any) -> Any:
    key = tuple(column.name for column in cursor.description or ())
    found = _ROW_CLASSES.get(key)
    if found is None:
        names = {name: number for number, name in enumerate(key)}
        found = _ROW_CLASSES[key] = type("Row", (Row,), {"__slots__": (), "names": names})
    return found


def _placeholders(sql: str) -> bytes:
    # The blog's SQL uses SQLite's "?" and holds no other question mark.
    return sql.replace("?", "%s").encode()


class Connection:
    """One pooled connection, answering ``execute`` like :class:`sqlite3.Connection`."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        """Run one statement (``?`` placeholders); its cursor."""
        cursor = self.raw.cursor(row_factory=_rows)
        return cursor.execute(_placeholders(sql), params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The block as one transaction: committed on success, rolled back on error."""
        with self.raw.transaction():
            yield

    @contextmanager
    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Iterator[tuple[Any, ...]]]:
        """The rows of a query read :data:`STREAM_BATCH` at a time from a server-side cursor."""
        with self.raw.transaction():
            cursor = self.raw.cursor(name="stream")
            cursor.itersize = STREAM_BATCH
            try:
                cursor.execute(_placeholders(sql), params)
                yield iter(cursor)
            finally:
                cursor.close()


class Database:
    """The pool of one worker process, and whether the schema is known to exist."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=POOL_TIMEOUT,
            kwargs={"autocommit": True, "connect_timeout": max(1, round(POOL_TIMEOUT))},
            check=ConnectionPool.check_connection,
            # Reconnect attempts stop after this long; asking for a connection starts anew.
            reconnect_timeout=POOL_TIMEOUT,
            open=False,
            name="blog",
        )
        # Opening does not wait for the database: a worker starts even while it is down.
        self.pool.open(wait=False)
        self._ready = False
        self._ready_lock = threading.Lock()

    def close(self) -> None:
        """Close every connection of the pool."""
        self.pool.close()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A pooled connection for the block, the schema made first if needed."""
        with self.pool.connection() as raw:
            if not self._ready:
                self._prepare(raw)
            yield Connection(raw)

    def _prepare(self, raw: psycopg.Connection[Any]) -> None:
        """Create the schema and the seed posts once, whatever else starts at the same time.

        The advisory lock makes every other worker, on any host, wait until
        the first one has committed; they then find the version row and
        change nothing.
        """
        from ._db import SCHEMA_VERSION, SEED_POSTS

        with self._ready_lock:
            if self._ready:
                return
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                raw.execute("CREATE TABLE IF NOT EXISTS blog_schema (version integer NOT NULL)")
                found = raw.execute("SELECT max(version) FROM blog_schema").fetchone()
                if found is None or found[0] is None:
                    for statement in _SCHEMA:
                        raw.execute(statement.encode())
                    seeds = [(slug, title, body, at, at) for slug, title, body, at in SEED_POSTS]
                    with raw.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO posts (slug, title, body, created, updated)"
                            " VALUES (%s, %s, %s, %s, %s)",
                            seeds,
                        )
                    raw.execute("INSERT INTO blog_schema VALUES (%s)", (SCHEMA_VERSION,))
            self._ready = True
