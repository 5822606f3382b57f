"""An interactive page for the site's OpenAPI document: Swagger UI, served by the route itself.

One line in a route file gives the page::

    # pages/api/docs.py
    from microroutes.openapi.docs import GET as GET

``GET /api/docs`` answers the page; the same route answers its assets
(``?asset=swagger-ui-bundle.js``, ...) and the document it shows
(``?asset=openapi.json``), so the page needs no other route and no internet.
The page itself is not in the document it shows.

Swagger UI's files come from the ``openapi-ui-bundles`` package:
``pip install 'microroutes[docs]'``. Without it the page answers 501 saying so;
the rest of the site is unaffected.
"""

from __future__ import annotations

import functools
import html
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import HTTPError, NotFound
from ..request import Request
from ..response import Response
from . import openapi_document
from ._cache import DocumentCache
from ._settings import hidden, normalize_prefix

if TYPE_CHECKING:
    from ..methods import Handler

__all__ = ["DOCS_EXTRA", "GET", "docs_handler"]

#: What to install for the page's assets.
DOCS_EXTRA = "pip install 'microroutes[docs]'"
#: The query parameter naming an asset.
_ASSET = "asset"
_DOCUMENT = "openapi.json"
_INIT = "init.js"
#: The files the page loads (Swagger UI's, and its start-up script), and their types.
_VENDOR = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    _INIT: "text/javascript; charset=utf-8",
}
#: Starts Swagger UI on the document named by the page (no inline script: a strict CSP works).
_INIT_SCRIPT = b"""\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.url, window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="?asset=swagger-ui.css&amp;v={version}">
<link rel="icon" type="image/png" href="?asset=favicon-32x32.png&amp;v={version}">
</head>
<body>
<div id="swagger-ui" data-url="?asset=openapi.json"></div>
<script src="?asset=swagger-ui-bundle.js&amp;v={version}"></script>
<script src="?asset=init.js&amp;v={version}"></script>
</body>
</html>
"""
#: Assets are named with the bundle's version in their URL, so they can be kept a day.
_CACHED = "public, max-age=86400"


@functools.cache
def _bundle() -> tuple[Path, str] | None:
    """Swagger UI's folder and the bundle's version, or ``None`` without the package."""
    try:
        from openapi_ui_bundles import swagger_ui
    except ImportError:
        return None
    return Path(swagger_ui.static_path), metadata.version("openapi-ui-bundles")


@functools.cache
def _vendor_file(folder: Path, name: str) -> bytes:
    data = (folder / name).read_bytes()
    if name.endswith(".css"):
        # The map it names is not shipped; a browser's developer tools would ask for it.
        data = data.replace(b"/*# sourceMappingURL=swagger-ui.css.map*/", b"")
    return data


def _asset(res: Response, content_type: str, body: bytes) -> Response:
    return (
        res.set_header("Content-Type", content_type).set_header("Cache-Control", _CACHED).send(body)
    )


def docs_handler(
    *, title: str | None = None, version: str | None = None, prefix: str | None = None
) -> Handler:
    """A ``GET`` handler answering the interactive page, its assets and the document it shows.

    Takes the arguments of :func:`~microroutes.openapi_document`.

    :raises ValueError: ``prefix`` does not start with ``/``.
    """
    normalize_prefix(prefix)  # a bad prefix fails where the route file is imported
    documents = DocumentCache(
        lambda app: openapi_document(app, title=title, version=version, prefix=prefix)
    )

    @hidden  # the page is not part of the API it shows
    def GET(req: Request, res: Response) -> Any:
        """The site's API, as an interactive page (Swagger UI)."""
        found = _bundle()
        if found is None:
            raise HTTPError(501, f"the interactive API docs need Swagger UI: {DOCS_EXTRA}")
        folder, bundle_version = found
        asset = req.query.get(_ASSET)
        if asset is None:
            info = documents.get(req.app)["info"]
            page = _PAGE.format(
                title=html.escape(f"{info['title']} {info['version']}: API"),
                version=html.escape(bundle_version),
            )
            return res.html(page)
        if asset == _DOCUMENT:
            return documents.get(req.app)
        if asset == _INIT:
            return _asset(res, _VENDOR["init.js"], _INIT_SCRIPT)
        if asset not in _VENDOR:
            names = ", ".join([*_VENDOR, _DOCUMENT])
            raise NotFound(f"no such asset; the page's assets are {names}")
        return _asset(res, _VENDOR[asset], _vendor_file(folder, asset))

    return GET


#: The page for the whole site's document, titled by ``pages/_app.py``'s ``OPENAPI``.
GET = docs_handler()
