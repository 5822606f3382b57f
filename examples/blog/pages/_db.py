"""The blog's database: SQLite by default, PostgreSQL when ``$BLOG_DATABASE_URL`` says so.

**SQLite** (the default, nothing to install): the file is ``$BLOG_DB`` when
that is set, else ``data/blog.sqlite3`` in the site folder. It is created
and seeded with a few posts the first time a connection is asked for. The
path is read on every :func:`connect`, so a test (or a second site in one
process) can point it elsewhere at any time. Connections are never shared:
each request opens its own and closes it when done. The database runs in
WAL mode (readers do not block the writer) and every connection waits up
to :data:`BUSY_TIMEOUT` seconds for a write lock instead of failing, so
concurrent writers in a server's thread pool, or in several server
processes on one machine, take turns.

**PostgreSQL**: ``BLOG_DATABASE_URL=postgresql://user@host/db`` gives each
worker process a pool of connections, opened by the start-up hook
(``_app.py``) and kept in ``app.state`` (see ``_pg.py``). While the
database is down or restarting, requests answer 503 with ``Retry-After``
(:class:`DatabaseUnavailable`, mapped in ``_app.py``), and the next request
after it is back succeeds.

With SQLite, a writer that waited ``$BLOG_BUSY_TIMEOUT`` seconds (default
:data:`BUSY_TIMEOUT`) gets ``sqlite3.OperationalError: database is locked``,
which ``pages/_app.py`` answers as a 503 with ``Retry-After``: the thread is
freed after a few seconds rather than held behind a stuck writer.

Route files use one interface for both: ``with connect(req.app) as conn:``,
``conn.execute(sql, params)`` with ``?`` placeholders, ``transaction(conn)``
for writes (a taken unique value raises :class:`Duplicate`) and
``stream(conn, sql, params)`` for reading many rows in flat memory.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from microroutes import App

#: Where the database lives when ``BLOG_DB`` is not set.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "blog.sqlite3"
#: Seconds a connection waits for another writer to finish, unless ``BLOG_BUSY_TIMEOUT`` says.
BUSY_TIMEOUT = 3.0
#: The longest busy timeout ``BLOG_BUSY_TIMEOUT`` may set, in seconds.
MAX_BUSY_TIMEOUT = 60.0
#: The variable holding a ``postgresql://`` URL to use PostgreSQL instead of SQLite.
DATABASE_URL = "BLOG_DATABASE_URL"
#: Seconds a client is asked to wait before trying again while the database is down.
RETRY_AFTER = 2
#: Bumped when the schema changes; stored in SQLite's ``user_version``.
SCHEMA_VERSION = 1

_SCHEMA = (
    """
    CREATE TABLE posts (
        id      INTEGER PRIMARY KEY,
        slug    TEXT NOT NULL UNIQUE,
        title   TEXT NOT NULL,
        body    TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )
    """,
    "CREATE INDEX posts_newest_first ON posts (created DESC, id DESC)",
)

#: The posts a new database starts with: (slug, title, body, created).
SEED_POSTS = (
    (
        "hello-world",
        "Hello, world",
        "This blog is a folder of Python files. Each file under pages/ answers one URL.\n\n"
        "Posts live in SQLite; the JSON API under /api/ reads and writes them.",
        "2024-01-08T09:00:00+00:00",
    ),
    (
        "a-file-is-an-endpoint",
        "A file is an endpoint",
        "pages/api/posts/index.py answers /api/posts, and pages/api/post/[uid].py answers "
        "/api/post/<slug> for any slug.\n\nThe brackets make a segment dynamic; the handler "
        "reads it from req.params.",
        "2024-02-12T10:30:00+00:00",
    ),
    (
        "query-and-params",
        "Query strings and path parameters",
        "req.params holds what the path matched. req.query holds the query string and "
        "nothing else, so ?slug=... can never override a path parameter.",
        "2024-03-18T14:00:00+00:00",
    ),
    (
        "streaming-a-sitemap",
        "Streaming a sitemap",
        "/sitemap.xml is written while the database cursor is read, one entry at a time. "
        "A million posts take no more memory than ten.",
        "2024-04-22T08:15:00+00:00",
    ),
    (
        "serving-it",
        "Serving it",
        "microroutes serve examples/blog runs the site under waitress with a pool of "
        "threads. Each request opens its own database connection.",
        "2024-05-27T17:45:00+00:00",
    ),
)

_ready: set[str] = set()
_ready_lock = threading.Lock()


def database_path() -> str:
    """The database file in use now: ``$BLOG_DB``, or :data:`DEFAULT_PATH`."""
    return os.environ.get("BLOG_DB") or str(DEFAULT_PATH)


def busy_timeout() -> float:
    """Seconds to wait for the write lock: ``$BLOG_BUSY_TIMEOUT``, or :data:`BUSY_TIMEOUT`."""
    raw = os.environ.get("BLOG_BUSY_TIMEOUT")
    if not raw:
        return BUSY_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_BUSY_TIMEOUT:
        raise ValueError(
            f"BLOG_BUSY_TIMEOUT must be a number of seconds from 0 to {MAX_BUSY_TIMEOUT:g}, "
            f"got {raw!r}"
        )
    return seconds


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` says another connection held the lock past the busy timeout."""
    message = str(error)
    return "database is locked" in message or "database is busy" in message


def _open(path: str) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; writes use transaction() below.
    conn = sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _prepare(path: str) -> None:
    """Create the file, its schema and the seed posts unless that was done already.

    ``BEGIN IMMEDIATE`` takes the write lock before ``user_version`` is read, so
    two processes starting at once cannot both seed the database.
    """
    if path in _ready and os.path.exists(path):
        return
    with _ready_lock:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = _open(path)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            with transaction(conn):
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                if version < SCHEMA_VERSION:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.executemany(
                        "INSERT INTO posts (slug, title, body, created, updated)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [(slug, title, body, when, when) for slug, title, body, when in SEED_POSTS],
                    )
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        finally:
            conn.close()
        _ready.add(path)


class Duplicate(Exception):
    """A write would give two rows the same value of a unique column (a slug)."""


def open_database(app: App) -> None:
    """Open the PostgreSQL pool of this worker process, if ``$BLOG_DATABASE_URL`` asks for one.

    Called by the start-up hook. The pool lives in ``app.state``, which
    survives development reloads, so it is opened once per process.
    """
    url = os.environ.get(DATABASE_URL)
    if not url or getattr(app.state, "blog_database", None) is not None:
        return
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{DATABASE_URL} must be a postgresql:// URL, got {url[:40]!r}")
    from ._pg import Database

    app.state.blog_database = Database(url)


def close_database(app: App) -> None:
    """Close the pool opened by :func:`open_database`, if any (the shut-down hook)."""
    database = getattr(app.state, "blog_database", None)
    if database is not None:
        app.state.blog_database = None
        database.close()


class DatabaseUnavailable(Exception):
    """The database is down or restarting, or no pooled connection came free in time.

    ``pages/_app.py`` maps it to 503 with ``Retry-After``.
    """


@contextmanager
def connect(app: App) -> Iterator[Any]:
    """A connection to the blog's database for the block, closed (or pooled) afterwards.

    Rows can be indexed by column name or by position. With PostgreSQL, a
    database that is down or a pool with no free connection within its
    time-out raises :class:`DatabaseUnavailable` (answered 503) instead.
    """
    app.startup()  # opens the pool; a no-op once done
    database = getattr(app.state, "blog_database", None)
    if database is None:
        path = database_path()
        _prepare(path)
        conn = _open(path)
        try:
            yield conn
        finally:
            conn.close()
        return
    from ._pg import UNAVAILABLE

    try:
        with database.connect() as conn:
            yield conn
    except UNAVAILABLE as error:
        raise DatabaseUnavailable(str(error)) from error


@contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """Run the block as one write transaction: committed on success, rolled back on error.

    With SQLite, ``BEGIN IMMEDIATE`` asks for the write lock up front
    (waiting up to the busy timeout), so a transaction never fails half-way
    for want of it. A unique value already taken raises :class:`Duplicate`.
    """
    if not isinstance(conn, sqlite3.Connection):
        from ._pg import INTEGRITY_ERROR

        try:
            with conn.transaction():
                yield conn
        except INTEGRITY_ERROR as error:
            raise Duplicate(str(error)) from error
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except sqlite3.IntegrityError as error:
        conn.execute("ROLLBACK")
        raise Duplicate(str(error)) from error
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def stream(conn: Any, sql: str, params: Sequence[Any] = ()) -> Iterator[Iterator[Any]]:
    """The rows of a query, read a batch at a time (a server-side cursor on PostgreSQL)."""
    if isinstance(conn, sqlite3.Connection):
        cursor = conn.execute(sql, params)
        try:
            yield cursor
        finally:
            cursor.close()
        return
    with conn.stream(sql, params) as rows:
        yield rows
