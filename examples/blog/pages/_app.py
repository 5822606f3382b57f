"""Site-wide settings and hooks.

``OPENAPI`` gives the API document's title and version, for every way it is
built (``microroutes openapi examples/blog`` and ``/api/openapi.json`` alike).
The start-up and shut-down hooks open and close each worker's PostgreSQL
connection pool; with ``$BLOG_DATABASE_URL`` unset (SQLite) they do nothing.
"""

from ._db import close_database, open_database

OPENAPI = {"title": "The microroutes blog", "version": "1.0.0"}


def startup(app):
    """Open this worker's connection pool (PostgreSQL only)."""
    open_database(app)


def shutdown(app):
    """Close it."""
    close_database(app)
