"""The WSGI application: a site's ``pages/`` folder answering requests."""

from __future__ import annotations

import html
import logging
import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .errors import BadRequest, HTTPError, HTTPStatus, NotFound, PayloadTooLarge, SiteError
from .loader import Endpoint, SitePackage
from .request import Request, parse_content_length
from .response import Response, StartResponse, StreamedBody, to_response
from .routing import Params, Router, scan_pages
from .static import PublicFiles

__all__ = ["DEFAULT_MAX_BODY_SIZE", "App"]

#: Default body limit: 1 MiB.
DEFAULT_MAX_BODY_SIZE = 1 << 20
logger = logging.getLogger("microroutes")

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_REDIRECT_ON_SLASH = frozenset({"GET", "HEAD"})
_ERROR_TYPES = ["application/json", "text/html"]
_SAFE_PATH_CHARS = "/!$&'()*+,;=:@-._~"


class App:
    """A site served as a WSGI application.

    ``App(site_dir)`` reads routes from ``site_dir/pages/`` (scanned once, here)
    and static files from ``site_dir/public/`` when it exists. Route modules
    are imported on their first request.

    :param debug: show tracebacks in 500 responses.
    :param max_body_size: default body limit in bytes (``None``: no limit); a
        route module overrides it with a module-level ``MAX_BODY_SIZE``.
    :raises SiteError: no ``pages/`` folder, or a malformed route file name.
    :raises RouteConflictError: two route files claim the same URLs.
    """

    def __init__(
        self,
        site_dir: str | Path,
        *,
        debug: bool = False,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        site = Path(site_dir).resolve()
        pages = site / "pages"
        if not pages.is_dir():
            raise SiteError(f"{site} has no pages/ folder")
        #: The site's folder.
        self.site_dir: Path = site
        #: The site's ``pages/`` folder.
        self.pages_dir: Path = pages
        #: Show tracebacks in 500 responses.
        self.debug: bool = debug
        #: Default body limit in bytes (``None``: no limit).
        self.max_body_size: int | None = max_body_size
        self._package = SitePackage(pages)
        #: The route table: each route with its :class:`~microroutes.loader.Endpoint`.
        self.router: Router[Endpoint] = Router()
        for route in scan_pages(pages):
            self.router.add(route, Endpoint(route, self._package, max_body_size))
        public = site / "public"
        #: The ``public/`` folder's files, if the site has one.
        self.public: PublicFiles | None = PublicFiles(public) if public.is_dir() else None

    def __repr__(self) -> str:
        return f"<App {str(self.site_dir)!r} routes={len(self.router)}>"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI entry point; wrap :meth:`wsgi_app` to add middleware."""
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (PEP 3333)."""
        method = environ["REQUEST_METHOD"]
        try:
            path = _request_path(environ)
            found = self.router.match(path)
            if found is None:
                if len(path) > 1 and path.endswith("/"):
                    if method in _REDIRECT_ON_SLASH:
                        response = _slash_redirect(environ)
                        return response.to_wsgi(start_response, method == "HEAD")
                    path = path.rstrip("/") or "/"
                    found = self.router.match(path)
                if found is None:
                    public = self.public.find(path) if self.public is not None else None
                    if public is not None and method in _REDIRECT_ON_SLASH:
                        return self.public.serve(public, environ, start_response)  # type: ignore[union-attr]
                    raise NotFound(f"no route for {path}")
            response = self._dispatch(environ, method, path, *found)
        except HTTPStatus as status:
            response = self.error_response(status, environ)
        except Exception as error:
            response = self._failure(error, environ)
        return response.to_wsgi(start_response, method == "HEAD")

    def _dispatch(
        self, environ: dict[str, Any], method: str, path: str, endpoint: Endpoint, params: Params
    ) -> Response:
        table = endpoint.table or endpoint.load()
        handler = table.resolve(method)
        max_body_size = endpoint.max_body_size
        if environ.get("CONTENT_LENGTH"):
            length = parse_content_length(environ)
            if max_body_size is not None and length is not None and length > max_body_size:
                raise PayloadTooLarge(f"the body is over the limit of {max_body_size} bytes")
        req = Request(environ, path, params, self, max_body_size)
        res = Response()
        response = to_response(handler(req, res), res)
        if not isinstance(response.body, bytes) and method != "HEAD":
            response.body = StreamedBody.start(response.body, endpoint.route.file)
        return response

    def error_response(self, status: HTTPStatus, environ: dict[str, Any]) -> Response:
        """The response for a raised :class:`HTTPStatus` or :class:`HTTPError`.

        JSON unless the client's ``Accept`` prefers ``text/html``.
        """
        response = Response(status=status.status, headers=status.headers)
        if not isinstance(status, HTTPError):
            return response
        error: dict[str, object] = {"status": status.status, "message": status.message}
        if status.detail is not None:
            error["detail"] = status.detail
        if _prefers_html(environ):
            return response.html(_error_page(status.status, status.message, status.detail))
        return response.json({"error": error})

    def _failure(self, error: Exception, environ: dict[str, Any]) -> Response:
        where = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        logger.error("unhandled error answering %s", where, exc_info=error)
        if not self.debug:
            return self.error_response(HTTPError(500, "internal server error"), environ)
        text = "".join(traceback.format_exception(error))
        return self.error_response(
            HTTPError(500, f"{type(error).__name__}: {error}", detail=text), environ
        )


def _request_path(environ: dict[str, Any]) -> str:
    """``PATH_INFO`` re-decoded from latin-1 to UTF-8 (never unquoted again); 400 if invalid."""
    raw = environ.get("PATH_INFO") or "/"
    if not raw.isascii():
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except UnicodeEncodeError:
            pass  # the server already gave us text beyond latin-1: keep it
        except UnicodeDecodeError:
            raise BadRequest("the URL path is not valid UTF-8") from None
    if "\x00" in raw:
        raise BadRequest("the URL path contains a NUL character")
    if not raw.startswith("/"):
        raise BadRequest("the URL path must start with '/'")
    request_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if request_uri and "%" in request_uri:
        raw_path = request_uri.partition("?")[0]
        if _BAD_PERCENT.search(raw_path):
            raise BadRequest("the URL path has malformed percent-encoding")
    return str(raw)


def _slash_redirect(environ: dict[str, Any]) -> Response:
    """308 from ``/x/`` to ``/x``, keeping the query; never to a ``//host`` location."""
    path = "/" + environ.get("PATH_INFO", "/").strip("/")
    location = environ.get("SCRIPT_NAME", "").rstrip("/") + quote(
        path.encode("latin-1", "replace"), safe=_SAFE_PATH_CHARS
    )
    if location.startswith("//"):
        location = "/" + location.lstrip("/")
    query = environ.get("QUERY_STRING")
    if query:
        location += "?" + query
    return Response().redirect(location, 308)


def _prefers_html(environ: dict[str, Any]) -> bool:
    accept = environ.get("HTTP_ACCEPT")
    if not accept or "html" not in accept:
        return False
    return parse_accept_header(accept, MIMEAccept).best_match(_ERROR_TYPES) == "text/html"


def _error_page(status: int, message: str, detail: object) -> str:
    title = html.escape(f"{status} {message}")
    extra = f"<pre>{html.escape(str(detail))}</pre>" if detail is not None else ""
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{extra}</body></html>\n"
    )
