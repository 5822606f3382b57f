"""The OpenAPI 3.1 document of a site, generated from its route table.

Paths come from the route files, operations from their method exports and
``handler``, parameters and bodies from handler annotations, and responses
from return annotations plus every error the framework itself may answer.
No decorators and no YAML: the folder is the spec.

Serve it from a route file in one line::

    # pages/api/openapi.json.py
    from microroutes.openapi import openapi_handler

    GET = openapi_handler(title="My API", version="1.0.0")
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from ..request import Request
from ..response import Response
from ._answers import Answer
from ._document import build_document
from ._errors import ERRORS_SETTING

if TYPE_CHECKING:
    from ..app import App
    from ..methods import Handler

__all__ = ["ERRORS_SETTING", "Answer", "openapi_document", "openapi_handler"]

#: ``info.version`` when none is given.
DEFAULT_VERSION = "1.0.0"


def openapi_document(
    app: App, *, title: str | None = None, version: str = DEFAULT_VERSION
) -> dict[str, Any]:
    """The site's OpenAPI 3.1.0 document, as a JSON-ready dict.

    Imports every route module (see :meth:`App.routes`).

    :param title: ``info.title`` (default: the site folder's name).
    :param version: ``info.version``, the version of the API described.
    :raises SiteError: a route file is broken, or its ``ERRORS`` is malformed.
    """
    return build_document(app.routes(), title=title or app.site_dir.name, version=version)


def openapi_handler(*, title: str | None = None, version: str = DEFAULT_VERSION) -> Handler:
    """A ``GET`` handler answering the site's OpenAPI document as JSON.

    The document is built on the first request and kept for the app's
    lifetime (rebuilt after a development reload changes the routes).
    """
    cache: weakref.WeakKeyDictionary[App, tuple[object, dict[str, Any]]] = (
        weakref.WeakKeyDictionary()
    )
    lock = threading.Lock()

    def GET(req: Request, res: Response) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this site."""
        app = req.app
        with lock:
            cached = cache.get(app)
            if cached is None or cached[0] is not app.router:
                cached = (app.router, openapi_document(app, title=title, version=version))
                cache[app] = cached
        return cached[1]

    return GET
