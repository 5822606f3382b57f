"""The WSGI application: a site's ``pages/`` folder answering requests."""

from __future__ import annotations

import functools
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, NamedTuple
from urllib.parse import quote

from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from .appfile import APP_FILE, AppFile, read_app_file
from .bodylimit import DEFAULT_MAX_BODY_SIZE, check_body_size
from .debug_access import HIDE_INTERNALS
from .error_pages import ErrorPages, render_error
from .errors import (
    BadRequest,
    Halt,
    HTTPError,
    MethodNotAllowed,
    NotFound,
    SiteError,
    from_werkzeug,
    stops_the_process,
)
from .head import DEFAULT_HEAD_DRAIN_CHUNKS, answer_head, check_head_drain_chunks
from .http import StartResponse
from .imports import FileStamp, ImportLog, folder_log
from .loader import (
    Endpoint,
    HelperError,
    LazyModule,
    SitePackage,
)
from .methods import MethodTable
from .middleware import Middleware, build_middleware, chain_for, find_middleware, run_chain
from .negotiation import prefers_html
from .providers import Providers
from .reloader import Changes, ChangeWatcher, SiteVersion, Versions
from .request import Request, parse_content_length
from .request_ids import (
    DEFAULT_MAX_REQUEST_ID_LENGTH,
    ENVIRON_KEY,
    assign_request_id,
    checked_max_length,
    with_request_id,
)
from .response import Response, StreamedBody, to_response
from .routefile import RouteDefaults, route_loader
from .routing import Params, Router, scan_pages
from .static import PublicFiles
from .table import RouteInfo
from .typed import DEFAULT_PROBLEM_LIMITS, ProblemLimits

__all__ = ["DEFAULT_MAX_BODY_SIZE", "App"]

#: The private file in ``pages/`` with the app's ``startup(app)``/``shutdown(app)`` hooks.
HOOKS_FILE = APP_FILE
logger = logging.getLogger("microroutes")

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_READ_METHODS = frozenset({"GET", "HEAD"})
_SAFE_PATH_CHARS = "/!$&'()*+,;=:@-._~"
_SAFE_QUERY_CHARS = _SAFE_PATH_CHARS + "?%"
reload_logger = logging.getLogger("microroutes.reload")


class _Site(NamedTuple):
    """What one development reload built: the routes, or why the site is broken."""

    router: Router[Endpoint[Middleware]]
    broken: SiteError | None


class App:
    """A site served as a WSGI application.

    ``App(site_dir)`` reads routes from ``site_dir/pages/`` (scanned once, here)
    and static files from ``site_dir/public/`` when it exists. Route modules
    are imported on their first request.

    :param debug: show tracebacks in 500 responses (not to a request whose
        environ sets :data:`~microroutes.debug_access.HIDE_INTERNALS`).
    :param reload: development mode: notice edited, added and removed files
        and re-import them on the next request (implies ``debug``).
    :param max_body_size: default body limit in bytes (``None``: no limit); a
        route module overrides it with a module-level ``MAX_BODY_SIZE``.
    :param problem_limits: how much a 422 about a typed body, query or
        parameter lists; a route module overrides it with ``PROBLEM_LIMITS``.
    :param allow_unknown_fields: let typed JSON bodies carry keys their model
        has no field for (dropped); by default they are a 422 naming them.
    :param debugger: let an unhandled error escape :meth:`wsgi_app` when the
        client prefers HTML, for an interactive debugger wrapping the app
        (``microroutes dev`` wraps it in werkzeug's); JSON clients still get
        the JSON 500.
    :param head_drain_chunks: how many chunks of a streamed body a ``HEAD``
        runs to measure its ``Content-Length``; a longer stream is closed and
        answered without a length (see ``docs/methods.md``).
    :param max_request_id_length: longest incoming ``X-Request-ID`` kept as the
        request's id (``req.id``); a longer or unsafe one is replaced by a new
        id, and 0 ignores incoming ids.
    :raises SiteError: no ``pages/`` folder, or a malformed route file name.
    :raises RouteConflictError: two route files claim the same URLs.
    """

    def __init__(
        self,
        site_dir: str | Path,
        *,
        debug: bool = False,
        reload: bool = False,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        debugger: bool = False,
        head_drain_chunks: int = DEFAULT_HEAD_DRAIN_CHUNKS,
        problem_limits: ProblemLimits = DEFAULT_PROBLEM_LIMITS,
        allow_unknown_fields: bool = False,
        max_request_id_length: int = DEFAULT_MAX_REQUEST_ID_LENGTH,
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
        self.debug: bool = debug or reload
        #: Unhandled errors for clients preferring HTML propagate to a wrapping debugger.
        self.debugger: bool = debugger
        #: Default body limit in bytes (``None``: no limit).
        self.max_body_size: int | None = max_body_size
        self._head_drain_chunks = check_head_drain_chunks(head_drain_chunks)
        #: Default bounds on the problems a 422 lists.
        self.problem_limits: ProblemLimits = problem_limits
        #: Typed JSON bodies may carry keys no field takes.
        self.allow_unknown_fields: bool = allow_unknown_fields
        #: Longest incoming ``X-Request-ID`` kept (0: always make a new id).
        self.max_request_id_length: int = checked_max_length(max_request_id_length)
        #: Shared objects for the app's lifetime (a database pool, settings...),
        #: set up by ``pages/_app.py``'s ``startup(app)``; handlers reach it as
        #: ``req.app.state``. It survives reloads.
        self.state: SimpleNamespace = SimpleNamespace()
        self._package = SitePackage(pages, record_imports=reload)
        #: ``_app.py`` as first imported: its startup/shutdown hooks run once.
        self._hooks = self._read_app_file(self._package)
        #: ``_app.py`` as the current import of the site reads it (providers, exceptions).
        self._layer_file = self._hooks
        self._started = False
        self._lifecycle_lock = threading.Lock()
        self._router: Router[Endpoint[Middleware]] = self._build_router(self._package)
        self._error_pages = ErrorPages(pages, self._package)
        self._site = _Site(self._router, None)  # what every request uses, without reload
        self._versions: Versions[_Site] | None = None
        self._watcher: ChangeWatcher | None = None
        if reload:
            site_modules = folder_log(site)  # from now on, their stamps are known at import
            first = SiteVersion(self._package, self._site)
            versions = self._versions = Versions(first)
            self._watcher = ChangeWatcher(
                pages, lambda: self._watched_files(versions, site_modules)
            )
        self._reload_lock = threading.Lock()
        public = site / "public"
        #: The ``public/`` folder's files, if the site has one.
        self.public: PublicFiles | None = PublicFiles(public) if public.is_dir() else None

    def __repr__(self) -> str:
        return f"<App {str(self.site_dir)!r} routes={len(self._router)}>"

    @property
    def head_drain_chunks(self) -> int:
        """Chunks of a streamed body a ``HEAD`` runs to measure it; ``startup(app)`` may set it."""
        return self._head_drain_chunks

    @head_drain_chunks.setter
    def head_drain_chunks(self, value: int) -> None:
        self._head_drain_chunks = check_head_drain_chunks(value)

    @property
    def router(self) -> Router[Endpoint[Middleware]]:
        """The route table: each :class:`~microroutes.routing.Route` with its endpoint."""
        return self._router

    def _build_router(self, package: SitePackage) -> Router[Endpoint[Middleware]]:
        # In development each reload imports pages/ afresh, types included: the providers
        # and exception map come from that import's _app.py, so their types match.
        app_file = self._hooks if package is self._package else self._read_app_file(package)
        self._layer_file = app_file
        middleware_files = find_middleware(self.pages_dir)
        middleware = {
            file: LazyModule(file, package, build_middleware) for file in middleware_files.values()
        }
        defaults = RouteDefaults(
            self.max_body_size,
            self.problem_limits,
            self.allow_unknown_fields,
            functools.partial(_providers, app_file),
        )
        router: Router[Endpoint[Middleware]] = Router()
        for route in scan_pages(self.pages_dir):
            chain = tuple(middleware[file] for file in chain_for(route.file, middleware_files))
            load = route_loader(route, defaults)
            router.add(route, Endpoint(route, LazyModule(route.file, package, load), chain))
        return router

    def hooks_module(self) -> ModuleType | None:
        """``pages/_app.py`` (imported on first use), or ``None`` when the site has none.

        It holds the site-wide settings (``OPENAPI``, ...) beside the lifetime hooks.
        """
        app_file = self._app_file()
        return None if app_file is None else app_file.module

    def _read_app_file(self, package: SitePackage) -> LazyModule[AppFile] | None:
        if not (self.pages_dir / HOOKS_FILE).is_file():
            return None
        return LazyModule(HOOKS_FILE, package, read_app_file)

    def _app_file(self) -> AppFile | None:
        """What the current ``pages/_app.py`` defines (imported on first use), if there is one."""
        lazy = self._layer_file
        return None if lazy is None else lazy.value or lazy.get()

    def routes(self) -> list[RouteInfo]:
        """The route table, sorted by pattern; imports every route module.

        :raises SiteError: a route or middleware file is broken (each one is listed).
        """
        self.load_all()
        table: list[RouteInfo] = []
        for route, endpoint in self._router:
            loaded = endpoint.module.get()
            handlers = loaded.table.handlers()
            table.append(
                RouteInfo(
                    pattern=route.pattern,
                    kind=route.kind,
                    file=route.file,
                    params=route.params,
                    methods=loaded.table.allowed,
                    middleware=tuple(lazy.file for lazy in endpoint.middleware),
                    handlers=handlers,
                    module=loaded.module,
                    max_body_size=loaded.max_body_size,
                    sitemap_fields=loaded.sitemap_fields,
                    sitemap_function=loaded.sitemap_function,
                    signatures={method: loaded.signature(method) for method in handlers},
                    middleware_modules=_modules(endpoint.middleware),
                )
            )
        return table

    def load_all(self) -> None:
        """Import every route, middleware and error page module now; :class:`SiteError`
        lists each failure.

        Serving imports lazily; call this at start-up to fail fast instead.
        """
        if self._versions is not None and self._versions.current.value.broken is not None:
            raise self._versions.current.value.broken
        problems: dict[str, list[str]] = {}  # each message, with the files whose import hit it
        layer = self._layer_file
        files: list[list[LazyModule[Any]]] = [[layer]] if layer is not None else []
        files.extend([endpoint.module, *endpoint.middleware] for _, endpoint in self._router)
        files.append(list(self._error_pages.files))
        for lazies in files:
            for lazy in lazies:
                try:
                    lazy.get()
                except HelperError as error:  # one message per helper, naming its importers
                    importers = problems.setdefault(error.description, [])
                    if error.route not in importers:
                        importers.append(error.route)
                except SiteError as error:
                    problems.setdefault(str(error), [])
                except Exception as error:  # collect every broken file
                    problems.setdefault(f"{lazy.file}: {type(error).__name__}: {error}", [])
        if problems:
            raise SiteError("broken site:\n" + "\n".join(map(_problem, problems.items())))

    def largest_body_size(self) -> int | None:
        """The largest body any route accepts (``None``: some route has no limit).

        Imports every route module (see :meth:`load_all`).
        """
        limits = [route.max_body_size for route in self.routes()]
        if any(limit is None for limit in limits):
            return None
        return max([self.max_body_size or 0, *(limit or 0 for limit in limits)])

    def startup(self) -> None:
        """Run ``pages/_app.py``'s ``startup(app)`` once; serving calls it on first request."""
        if self._started:
            return
        with self._lifecycle_lock:
            if not self._started:
                hook = self._hooks.get().hook("startup") if self._hooks else None
                if hook is not None:
                    hook(self)
                self._started = True

    def close(self) -> None:
        """Run ``pages/_app.py``'s ``shutdown(app)`` if start-up ran; servers call it on exit."""
        with self._lifecycle_lock:
            if not self._started:
                return
            self._started = False
            hook = self._hooks.get().hook("shutdown") if self._hooks else None
            if hook is not None:
                hook(self)

    def _watched_files(
        self, versions: Versions[_Site], site_modules: ImportLog
    ) -> dict[Path, FileStamp | None]:
        """What a development reload watches: the current import's files, ``_app.py``,
        and the site's modules beside ``pages/``."""
        files = site_modules.files()
        files.update(versions.current.package.imported_files())
        hooks = self.pages_dir / HOOKS_FILE
        first = self._package.imported_files()
        if hooks in first:
            files[hooks] = first[hooks]
        return files

    def _reload_if_changed(self) -> None:
        """In development, import the site afresh if a file changed since the last request.

        Requests already running keep the version they started on (see
        :class:`~microroutes.reloader.Versions`): no module is deleted under them.
        """
        versions, watcher = self._versions, self._watcher
        if versions is None or watcher is None:
            return
        with self._reload_lock:
            changes = watcher.poll()
            if not changes:
                return
            package = versions.current.package.successor()
            layer_file = self._layer_file
            try:
                site = _Site(self._build_router(package), None)
                self._error_pages = ErrorPages(self.pages_dir, package)
            except SiteError as error:  # requests answer it; the last routes are kept for the log
                site = _Site(versions.current.value.router, error)
            except OSError as error:  # pages/ moved away while an editor or git works on it
                broken = SiteError(f"cannot read {self.pages_dir}: {error.strerror}")
                site = _Site(versions.current.value.router, broken)
            if site.broken is not None:
                self._layer_file = layer_file  # the routes kept go with the map they had
            old = versions.current.value
            versions.replace(SiteVersion(package, site))
            self._router = site.router
            _log_reload(changes, old, site)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI entry point; wrap :meth:`wsgi_app` to add middleware."""
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (PEP 3333)."""
        if self._versions is None:
            return self._answer(environ, start_response, self._site)
        self._reload_if_changed()
        with self._versions.lease() as version:
            return self._answer(environ, start_response, version.value)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, site: _Site
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        request_id = assign_request_id(environ, self.max_request_id_length)
        try:
            if not self._started:
                self.startup()
            if site.broken is not None:
                raise site.broken
            path = _request_path(environ)
            found = site.router.match(path)
            if found is None:
                if len(path) > 1 and path.endswith("/"):
                    if method in _READ_METHODS:
                        response = _slash_redirect(environ)
                        return response.to_wsgi(start_response, method == "HEAD", request_id)
                    path = path.rstrip("/") or "/"
                    found = site.router.match(path)
                if found is None:
                    public = self.public
                    file = public.find(path) if public is not None else None
                    if public is None or file is None:
                        raise NotFound(f"no route for {path}")
                    if method not in _READ_METHODS:
                        raise MethodNotAllowed(("GET", "HEAD"))
                    return public.serve(file, environ, with_request_id(start_response, request_id))
            response = self._dispatch(environ, method, path, *found)
        except BaseException as error:  # error_response() re-raises what must stop the process
            response = self.error_response(error, environ)
        return response.to_wsgi(start_response, method == "HEAD", request_id)

    def _dispatch(
        self,
        environ: dict[str, Any],
        method: str,
        path: str,
        endpoint: Endpoint[Middleware],
        params: Params,
    ) -> Response:
        loaded = endpoint.module.value or endpoint.module.get()
        max_body_size = loaded.max_body_size
        length = None
        if environ.get("CONTENT_LENGTH"):
            # Refused before the handler runs, whether or not it would read the body.
            length = parse_content_length(environ)
            check_body_size(length, max_body_size)
        req = Request(environ, path, params, self, max_body_size, length)
        res = Response()
        try:
            if endpoint.middleware:
                response = self._call_through_middleware(endpoint, loaded.table, method, req, res)
            else:
                # Inline, no closures: every request without middleware takes this path.
                handler = loaded.table.exports.get(method) or loaded.table.resolve(method)
                answer = handler(req, res)
                response = (
                    answer
                    if type(answer) is Response  # typed handlers answer one already
                    else to_response(answer, res, endpoint.route.file)
                )
            if isinstance(response.body, bytes):  # the common case, checked inline
                return response
            body = _started(response, endpoint.route.file, req).body  # unless a middleware did
        except BaseException as error:  # error_response() re-raises what must stop the process
            return self.error_response(error, environ, req=req)
        finally:
            if req._files:  # only uploads need closing: no call for every other request
                req.close()
        if method == "HEAD" and isinstance(body, StreamedBody):
            answer_head(response, body, self.head_drain_chunks)
        return response

    def _call_through_middleware(
        self,
        endpoint: Endpoint[Middleware],
        table: MethodTable,
        method: str,
        req: Request,
        res: Response,
    ) -> Response:
        environ = req.environ
        # 405 before any middleware; OPTIONS resolves inside, so CORS answers preflights.
        handler = table.resolve(method) if method != "OPTIONS" else None
        file = endpoint.route.file
        chain = [(lazy.file, lazy.value or lazy.get()) for lazy in endpoint.middleware]

        def call_handler() -> Response:
            # The stream's first chunk is pulled inside the chain, so its errors reach
            # the middleware as they are (and CORS headers reach their answers).
            answer = (handler or table.resolve(method))(req, res)
            return _started(to_response(answer, res, file), file, req)

        def respond(error: BaseException) -> Response:
            return self.error_response(error, environ, req=req)

        return run_chain(chain, req, res, call_handler, respond)

    def error_response(
        self, error: BaseException, environ: dict[str, Any], *, req: Request | None = None
    ) -> Response:
        """The response for any exception: the one place errors become responses.

        An exception that is not an HTTP error is first looked up in
        ``pages/_app.py``'s ``exceptions`` map (see :mod:`microroutes.exception_map`;
        ``req`` is the request its answer functions get, made from ``environ``
        when not given). A :class:`Halt` or :class:`HTTPError` renders itself (JSON from
        :meth:`HTTPError.to_dict`, or its HTML page when the client's ``Accept``
        prefers ``text/html``); werkzeug's HTTP errors become ours; anything
        else is logged and answered with a 500 (naming the exception only
        with ``debug``). A ``KeyboardInterrupt`` in the main thread is re-raised.
        """
        if isinstance(error, WerkzeugHTTPException):
            error = from_werkzeug(error)
        elif not isinstance(error, Halt) and self._layer_file is not None:
            app_file = self._app_file()
            if app_file is not None and app_file.exceptions is not None:
                mapped = app_file.exceptions.answer(
                    error, lambda: req or self._bare_request(environ)
                )
                if isinstance(mapped, Response):
                    return mapped
                error = mapped
        if isinstance(error, Halt):
            try:
                return render_error(error, environ, self, self._error_pages, req)
            except Exception as failure:  # a detail that is not JSON, for example
                error = failure
        if stops_the_process(error):
            raise error
        internals = not environ.get(HIDE_INTERNALS)  # a remote client of a dev server
        if self.debugger and internals and isinstance(error, Exception) and prefers_html(environ):
            raise error  # the interactive debugger wrapping the app shows it
        where = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        request_id = environ.get(ENVIRON_KEY, "-")
        logger.error(
            "unhandled error answering %s (request id %s)", where, request_id, exc_info=error
        )
        if not (self.debug and internals):
            answer = HTTPError(500, "internal server error")
        else:
            text = "".join(traceback.format_exception(error))
            answer = HTTPError(500, f"{type(error).__name__}: {error}", detail=text)
        return render_error(answer, environ, self, self._error_pages, req)

    def _bare_request(self, environ: dict[str, Any]) -> Request:
        """A request for an error met before routing (no path parameters)."""
        return Request(environ, environ.get("PATH_INFO") or "/", {}, self, self.max_body_size)


def _providers(app_file: LazyModule[AppFile] | None) -> Providers | None:
    """The providers ``pages/_app.py`` defines, read on first need (``None``: none)."""
    return None if app_file is None else app_file.get().providers


def _modules(lazies: tuple[LazyModule[Middleware], ...]) -> tuple[ModuleType, ...]:
    """The imported modules of ``lazies`` (each imported first if need be)."""
    for lazy in lazies:
        lazy.get()
    return tuple(lazy.module for lazy in lazies if lazy.module is not None)


def _problem(item: tuple[str, list[str]]) -> str:
    """One entry of :meth:`App.load_all`'s list: the message, and who imported a helper."""
    message, importers = item
    text = "  " + message.replace("\n", "\n  ")
    if importers:
        text += "\n    imported by " + ", ".join(importers)
    return text


def _log_reload(changes: Changes, old: _Site, new: _Site) -> None:
    """Log what a development reload saw: the files, the routes, and what to do next."""
    reload_logger.info("microroutes: reloaded: %s", changes.describe())
    before = {route.pattern: route.file for route, _ in old.router}
    after = {route.pattern: route.file for route, _ in new.router}
    for pattern in sorted(after.keys() - before.keys()):
        reload_logger.info("microroutes: route added: %s (%s)", pattern, after[pattern])
    for pattern in sorted(before.keys() - after.keys()):
        reload_logger.info("microroutes: route removed: %s (%s)", pattern, before[pattern])
    if HOOKS_FILE in (*changes.added, *changes.removed, *changes.edited):
        reload_logger.warning(
            "microroutes: %s changed: restart the server to run its new startup/shutdown hooks"
            " (routes, providers and exceptions reload; startup/shutdown do not)",
            HOOKS_FILE,
        )
    for beside in [name for name in changes.edited if name.startswith("../")]:
        reload_logger.warning(
            "microroutes: %s is beside pages/, imported once: restart the server to load the edit",
            beside.removeprefix("../"),
        )
    if new.broken is not None:
        reload_logger.error("microroutes: %s", new.broken)


def _request_path(environ: dict[str, Any]) -> str:
    """``PATH_INFO`` re-decoded from latin-1 to UTF-8 (never unquoted again); 400 if invalid.

    Malformed percent-encoding is looked for in the raw URI when the server
    passes one, else in the decoded path.
    """
    raw: str = environ.get("PATH_INFO") or "/"
    if not raw.isascii():
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except UnicodeEncodeError:
            pass  # the server already gave us text beyond latin-1: keep it
        except UnicodeDecodeError:
            raise BadRequest("the URL path is not valid UTF-8") from None
    if "\x00" in raw:
        raise BadRequest("the URL path contains a NUL character")
    if raw[0] != "/":  # an index, not startswith(): this runs for every request
        raise BadRequest("the URL path must start with '/'")
    request_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if request_uri:
        if "%" in request_uri and _BAD_PERCENT.search(request_uri.partition("?")[0]):
            raise BadRequest("the URL path has malformed percent-encoding")
    # No raw URI (granian): /a/%zz and /a/%25zz look alike once decoded, so a
    # "%" without two hex digits after it is refused in the decoded path too.
    elif "%" in raw and _BAD_PERCENT.search(raw):
        raise BadRequest("the URL path has malformed percent-encoding")
    return raw


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
        # Re-quoted so a control byte a client sent raw cannot break the Location header.
        location += "?" + quote(query.encode("latin-1", "replace"), safe=_SAFE_QUERY_CHARS)
    return Response().redirect(location, 308)


def _started(response: Response, where: str, req: Request) -> Response:
    """``response`` with a streamed body's first chunk pulled, so its errors come now."""
    body = response.body
    if not isinstance(body, (bytes, StreamedBody)):
        response.body = StreamedBody.start(body, where, req.id)
    return response
