"""The site's start-up and shut-down hooks: the PostgreSQL pool of each worker process.

With ``$BLOG_DATABASE_URL`` unset (SQLite) they do nothing.
"""

from ._db import close_database, open_database


def startup(app):
    """Open this worker's connection pool (PostgreSQL only)."""
    open_database(app)


def shutdown(app):
    """Close it."""
    close_database(app)
