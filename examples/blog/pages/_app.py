"""Site-wide settings: how errors nobody handled are answered.

SQLite answers "database is locked" when another writer held the lock for
longer than the busy timeout (``$BLOG_BUSY_TIMEOUT``, see ``_db.py``): the
client gets 503 with ``Retry-After`` and may try again. Other database
errors stay logged 500s.
"""

import sqlite3

from microroutes import ServiceUnavailable

from ._db import busy_timeout, is_busy

#: Seconds a client should wait before retrying a write the lock refused.
RETRY_AFTER = 1


def _database_busy(req, error: sqlite3.OperationalError) -> ServiceUnavailable | None:
    if is_busy(error):
        message = "the database is busy; try again shortly"
        return ServiceUnavailable(message, retry_after=RETRY_AFTER)
    return None  # another operational error: a logged 500


exceptions = {sqlite3.OperationalError: _database_busy}


def startup(app) -> None:
    busy_timeout()  # a malformed $BLOG_BUSY_TIMEOUT stops the server from starting
