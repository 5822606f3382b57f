"""Site-wide settings: the API document's title, how database errors are answered, hooks.

``OPENAPI`` gives the API document's title and version, for every way it is
built (``microroutes openapi examples/blog`` and ``/api/openapi.json`` alike).

``exceptions`` answers what the database raises when it cannot serve a
request now: SQLite's "database is locked" (another writer held the lock for
longer than ``$BLOG_BUSY_TIMEOUT``, see ``_db.py``) and PostgreSQL being down
or restarting become 503 with ``Retry-After``, so clients may try again. Other
database errors stay logged 500s.

The start-up and shut-down hooks open and close each worker's PostgreSQL
connection pool; with ``$BLOG_DATABASE_URL`` unset (SQLite) they only check
the settings.
"""

import sqlite3

from microroutes import ServiceUnavailable

from ._db import (
    RETRY_AFTER,
    DatabaseUnavailable,
    busy_timeout,
    close_database,
    is_busy,
    open_database,
)

OPENAPI = {"title": "The microroutes blog", "version": "1.0.0"}

#: Seconds a client should wait before retrying a write the SQLite lock refused.
BUSY_RETRY_AFTER = 1


def _database_busy(req, error: sqlite3.OperationalError) -> ServiceUnavailable | None:
    if is_busy(error):
        message = "the database is busy; try again shortly"
        return ServiceUnavailable(message, retry_after=BUSY_RETRY_AFTER)
    return None  # another operational error: a logged 500


exceptions = {
    sqlite3.OperationalError: _database_busy,
    DatabaseUnavailable: ServiceUnavailable(
        "the database is not available at the moment; try again shortly",
        retry_after=RETRY_AFTER,
    ),
}


def startup(app):
    """Check the settings; open this worker's connection pool (PostgreSQL only)."""
    busy_timeout()  # a malformed $BLOG_BUSY_TIMEOUT stops the server from starting
    open_database(app)


def shutdown(app):
    """Close the pool."""
    close_database(app)
