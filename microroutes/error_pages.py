"""Error pages in the site's own look: ``_404.py`` and ``_error.py`` files under ``pages/``.

``_404.py`` answers "not found", ``_error.py`` every other error status (and
404 too where no ``_404.py`` applies), for clients that prefer HTML; JSON
clients keep the JSON error body. Each file defines ``render(req, error)``
returning HTML text or a :class:`~microroutes.Response`; the answer keeps the
error's status and headers (``Allow`` on a 405, say).

The nearest file up the folder tree from the requested path wins:
``pages/docs/_404.py`` serves ``/docs/...``, ``pages/_404.py`` the rest.
``[name]`` folders match any one segment, catch-all folders the rest of the
path, and ``(group)`` folders add no segment (two error pages of one kind
that serve the same URLs are a start-up error naming both).

An error page that fails answers with the built-in page instead; the
failure is logged once per file, naming the file.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from .errors import Halt, HTTPError, SiteError
from .loader import LazyModule, SitePackage
from .negotiation import prefers_html
from .request import Request
from .request_ids import ENVIRON_KEY
from .response import Response, dump_json
from .routing import is_private_name

if TYPE_CHECKING:
    from .app import App

__all__ = ["ERROR_PAGE_FILES", "NOT_FOUND_FILE", "OTHER_ERRORS_FILE", "ErrorPages", "render_error"]

#: The error page for 404 Not Found.
NOT_FOUND_FILE = "_404.py"
#: The error page for every other error status (and 404 where no ``_404.py`` applies).
OTHER_ERRORS_FILE = "_error.py"
ERROR_PAGE_FILES = (NOT_FOUND_FILE, OTHER_ERRORS_FILE)
logger = logging.getLogger("microroutes")


class ErrorRenderer(Protocol):
    """An error page's ``render(req, error)``."""

    def __call__(self, req: Request, error: HTTPError, /) -> str | Response: ...


def _build_renderer(module: object, file: str) -> ErrorRenderer:
    """A ``_404.py``/``_error.py`` module's ``render`` function, checked."""
    render = getattr(module, "render", None)
    if render is None or not callable(render):
        raise SiteError(f"{file}: define render(req, error) returning HTML text or a Response")
    if inspect.iscoroutinefunction(render):
        raise SiteError(f"{file}: render(req, error) must be a plain function, not async")
    try:
        inspect.signature(render).bind(None, None)
    except TypeError:
        raise SiteError(f"{file}: render must accept (req, error)") from None
    except ValueError:
        pass  # no signature to check (some C callables)
    renderer: ErrorRenderer = render
    return renderer


class _Folder:
    """One URL level of the folder tree, with the error pages found there."""

    __slots__ = ("catchall", "dynamic", "pages", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Folder] = {}
        self.dynamic: _Folder | None = None
        self.catchall: _Folder | None = None
        self.pages: dict[str, LazyModule[ErrorRenderer]] = {}

    def child(self, name: str) -> _Folder:
        if name.startswith("[...") or name.startswith("[[..."):
            self.catchall = self.catchall or _Folder()
            return self.catchall
        if name.startswith("["):
            self.dynamic = self.dynamic or _Folder()
            return self.dynamic
        return self.static.setdefault(name, _Folder())


class ErrorPages:
    """A site's error pages, found under ``pages_dir`` and imported lazily from ``package``.

    :raises SiteError: two error pages of one kind serve the same URLs.
    """

    def __init__(self, pages_dir: Path, package: SitePackage) -> None:
        self._root = _Folder()
        #: Every error page, to import at start-up.
        self.files: list[LazyModule[ErrorRenderer]] = []
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        for folder, dirs, files in os.walk(pages_dir):
            dirs[:] = sorted(d for d in dirs if not is_private_name(d))
            for name in ERROR_PAGE_FILES:
                if name in files:
                    relative = Path(folder).relative_to(pages_dir).as_posix()
                    self._add(name, "" if relative == "." else relative, package)

    def _add(self, name: str, folder: str, package: SitePackage) -> None:
        file = f"{folder}/{name}" if folder else name
        node = self._root
        for part in folder.split("/") if folder else []:
            if not (part.startswith("(") and part.endswith(")")):
                node = node.child(part)
        other = node.pages.get(name)
        if other is not None:
            raise SiteError(f"{other.file} and {file} are error pages for the same URLs")
        lazy = LazyModule(file, package, _build_renderer)
        node.pages[name] = lazy
        self.files.append(lazy)

    def find(self, path: str, status: int) -> LazyModule[ErrorRenderer] | None:
        """The error page for ``status`` at the decoded URL ``path``, or ``None``."""
        if not self.files:
            return None
        node = self._root
        chain = [node]
        for segment in path.split("/"):
            if not segment:
                continue
            child = node.static.get(segment) or node.dynamic
            if child is None:
                if node.catchall is not None:
                    chain.append(node.catchall)
                break
            node = child
            chain.append(node)
        kinds = (NOT_FOUND_FILE, OTHER_ERRORS_FILE) if status == 404 else (OTHER_ERRORS_FILE,)
        for kind in kinds:
            for folder in reversed(chain):
                page = folder.pages.get(kind)
                if page is not None:
                    return page
        return None

    def respond(
        self, error: HTTPError, environ: dict[str, Any], app: App, req: Request | None = None
    ) -> Response | None:
        """The error page's response for ``error``, or ``None`` to use the built-in page.

        ``req`` is the request that failed (its ``req.state`` included), when there is one.
        """
        path = _decoded_path(environ)
        page = self.find(path, error.status)
        if page is None:
            return None
        try:
            render = page.get()
            result = render(req if req is not None else Request(environ, path, {}, app), error)
            response = _as_response(result, page.file)
        except Exception:
            self._log_failure(page.file, environ)
            return None
        response.status_code = error.status
        for name, value in error.headers:
            if response.get_header(name) is None:
                response.add_header(name, value)
        return response

    def _log_failure(self, file: str, environ: dict[str, Any]) -> None:
        with self._lock:
            if file in self._failed:
                return
            self._failed.add(file)
        logger.exception(
            "error page %s failed (request id %s); answered with the built-in page"
            " (logged once per file)",
            file,
            environ.get(ENVIRON_KEY, "-"),
        )


def _as_response(result: object, file: str) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, str):
        return Response().html(result)
    raise TypeError(f"{file}: render returned {type(result).__name__}, not HTML text or a Response")


def _decoded_path(environ: dict[str, Any]) -> str:
    """``PATH_INFO`` as text, never failing (bad bytes replaced)."""
    raw = environ.get("PATH_INFO") or "/"
    if raw.isascii():
        return str(raw)
    try:
        return str(raw.encode("latin-1").decode("utf-8", "replace"))
    except UnicodeEncodeError:
        return str(raw)


def render_error(
    halt: Halt,
    environ: dict[str, Any],
    app: App,
    pages: ErrorPages | None,
    req: Request | None = None,
) -> Response:
    """The response a raised :class:`Halt` or :class:`HTTPError` stands for.

    JSON (with the request's id as ``"request_id"``), or for a client that
    prefers HTML the site's error page, else the built-in one.
    """
    response = Response(status=halt.status, headers=halt.headers)
    if not isinstance(halt, HTTPError):
        return response
    if prefers_html(environ):
        custom = pages.respond(halt, environ, app, req) if pages is not None else None
        return custom if custom is not None else response.html(halt.to_html())
    body = halt.to_dict()
    request_id = environ.get(ENVIRON_KEY)
    if request_id is not None:
        error = body["error"]
        if isinstance(error, dict):
            error["request_id"] = request_id
    return response.json_bytes(_error_json(body))


# Made only to be thrown away: not tracked by the garbage collector (quicker to make).
class _Problem(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    loc: tuple[str | int, ...]
    msg: str


class _ErrorObject(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    status: int
    message: str
    detail: list[_Problem] | None = None
    request_id: str | None = None


class _ErrorBody(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The usual JSON error body: strings, integers, and a detail listing problems, if any."""

    error: _ErrorObject


def _error_json(body: dict[str, object]) -> bytes:
    """``dump_json(body)``, written by msgspec when ``body`` has the usual shape.

    msgspec writes strings and integers byte for byte as :func:`dump_json` does, in
    C: a 422 listing 50 problems costs a tenth. Anything else in the body (a
    detail of another shape, floats, dates) goes to :func:`dump_json`, as does text
    with no UTF-8 form (a lone surrogate), which msgspec refuses.
    """
    try:
        msgspec.convert(body, _ErrorBody, strict=True)
        return msgspec.json.encode(body)
    except (msgspec.ValidationError, UnicodeEncodeError):
        return dump_json(body)
