"""The OpenAPI 3.1 document of a site, generated from its route table.

Paths come from the route files, operations from their method exports and
``handler``, parameters and bodies from handler annotations, and responses
from return annotations plus every error the framework itself may answer.
No decorators and no YAML: the folder is the spec.

Its title and version are set once, in ``pages/_app.py``::

    OPENAPI = {"title": "My API", "version": "1.0.0"}

and a route file serves it in one line::

    # pages/api/openapi.json.py
    from microroutes.openapi import openapi_handler

    GET = openapi_handler(prefix="/api")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..request import Request
from ..response import Response
from ._answers import Answer
from ._cache import DocumentCache
from ._document import build_document
from ._errors import ERRORS_SETTING
from ._security import SECURITY_SETTING
from ._settings import DEFAULT_VERSION, OPENAPI_SETTING, document_info, normalize_prefix

if TYPE_CHECKING:
    from ..app import App
    from ..methods import Handler

__all__ = [
    "DEFAULT_VERSION",
    "ERRORS_SETTING",
    "OPENAPI_SETTING",
    "SECURITY_SETTING",
    "Answer",
    "openapi_document",
    "openapi_handler",
]


def openapi_document(
    app: App,
    *,
    title: str | None = None,
    version: str | None = None,
    prefix: str | None = None,
) -> dict[str, Any]:
    """The site's OpenAPI 3.1.0 document, as a JSON-ready dict.

    Imports every route module (see :meth:`App.routes`). Route files with
    ``OPENAPI = False`` are left out.

    :param title: ``info.title`` (default: ``OPENAPI["title"]`` in ``pages/_app.py``,
        else the site folder's name).
    :param version: ``info.version``, the version of the API described (default:
        ``OPENAPI["version"]`` in ``pages/_app.py``, else ``1.0.0``).
    :param prefix: keep only the paths under this one (``/api``: ``/api`` and
        ``/api/...``); default: every path.
    :raises SiteError: a route file is broken, or a setting (``ERRORS``, ``OPENAPI``,
        ``SECURITY``) is malformed.
    :raises ValueError: ``prefix`` does not start with ``/``.
    """
    where = normalize_prefix(prefix)
    info = document_info(app, title=title, version=version)
    return build_document(app.routes(), info=info, prefix=where, site=app.hooks_module())


def openapi_handler(
    *, title: str | None = None, version: str | None = None, prefix: str | None = None
) -> Handler:
    """A ``GET`` handler answering the site's OpenAPI document as JSON.

    Takes the arguments of :func:`openapi_document`. The document is built on
    the first request and kept for the app's lifetime (rebuilt after a
    development reload changes the routes).

    :raises ValueError: ``prefix`` does not start with ``/``.
    """
    normalize_prefix(prefix)  # a bad prefix fails where the route file is imported
    documents = DocumentCache(
        lambda app: openapi_document(app, title=title, version=version, prefix=prefix)
    )

    def GET(req: Request, res: Response) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this site."""
        return documents.get(req.app)

    return GET
