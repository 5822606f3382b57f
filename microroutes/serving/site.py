"""Loading a site for serving: the same checks and the same WSGI stack on every server."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..app import HOOKS_FILE, App
from ..http import StartResponse
from .access_log import AccessLog
from .options import ServeOptions
from .proxy import TrustedProxies
from .startup import check_site_folder, describe_hook_error

__all__ = [
    "DrainUnreadBody",
    "WSGIApp",
    "body_limit",
    "flush_logs",
    "load_site",
    "start_app",
    "wsgi_stack",
]

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: The servers' own body limit (waitress's default, 1 GiB) when some route has no limit.
_UNLIMITED_BODY = 1 << 30
#: Room over the largest route limit, so the app answers just-too-large bodies with its JSON 413.
_BODY_MARGIN = 1 << 20
_DRAIN_CHUNK = 1 << 16


def load_site(options: ServeOptions) -> App:
    """The site's :class:`App` with every route and middleware file imported.

    :raises StartupError: the site folder is missing or has no ``pages/``.
    :raises SiteError: a route or middleware file is broken (each one is named).
    """
    app = App(check_site_folder(options.site_dir))
    app.load_all()
    return app


def start_app(app: App) -> None:
    """Run ``pages/_app.py``'s ``startup(app)``; a failure is a :class:`StartupError`."""
    try:
        app.startup()
    except Exception as error:
        raise describe_hook_error(error, app.pages_dir / HOOKS_FILE) from error


def body_limit(app: App) -> int:
    """The body size a server should accept at most for ``app``: its largest route limit + 1 MiB.

    A larger body is refused by the server itself; up to this size the app
    reads the headers and answers with its own JSON 413.
    """
    largest = app.largest_body_size()
    return _UNLIMITED_BODY if largest is None else largest + _BODY_MARGIN


class _ReadTracker:
    """``wsgi.input`` noting whether the app started reading it."""

    __slots__ = ("_input", "started")

    def __init__(self, stream: Any) -> None:
        self._input = stream
        self.started = False

    def read(self, size: int = -1) -> bytes:
        self.started = True
        data: bytes = self._input.read(size)
        return data

    def readline(self, size: int = -1) -> bytes:
        self.started = True
        line: bytes = self._input.readline(size)
        return line

    def readlines(self, hint: int = -1) -> list[bytes]:
        self.started = True
        lines: list[bytes] = self._input.readlines(hint)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        self.started = True
        return iter(self._input)


class DrainUnreadBody:
    """Read and drop the rest of a request body the app started reading (up to ``limit`` bytes).

    An app that stops reading part-way (a body found over the limit while
    reading it, a malformed form) would otherwise leave the client writing
    into a connection nobody reads, so it sees a reset instead of the
    answer. waitress buffers bodies itself; granian streams them, so it
    needs this. A body the app never touched is not drained: granian's reads
    have no time limit, and a client sending a byte now and then would hold
    the thread for as long as it likes. A body refused by its declared size
    (413) is drained too, so the client, still sending, reads the refusal.
    """

    def __init__(self, app: WSGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer through the app, then drain the rest of a body it started reading."""
        length = environ.get("CONTENT_LENGTH")
        if not (length and length.isdigit() and 0 < int(length) <= self.limit):
            return self.app(environ, start_response)
        tracker = _ReadTracker(environ["wsgi.input"])
        environ["wsgi.input"] = tracker
        statuses: list[str] = []

        def recording(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording)
        if tracker.started or (statuses and statuses[-1].startswith("413")):
            read = tracker.read
            while read(_DRAIN_CHUNK):
                pass
        return body


def wsgi_stack(app: App, options: ServeOptions, *, drain_limit: int | None = None) -> WSGIApp:
    """``app`` wrapped as the options ask, draining bodies if ``drain_limit``.

    Outermost are the trusted proxies' ``X-Forwarded-*`` headers, so the
    access log and the app both see the client's view.
    """
    stack: WSGIApp = app
    if drain_limit is not None:
        stack = DrainUnreadBody(stack, drain_limit)
    if options.access_log:
        stack = AccessLog(
            stack,
            log_format=options.access_log_format,
            buffered=True,
            redact=options.access_log_redact,
        )
    return TrustedProxies(stack, options.trusted_proxies)


def flush_logs(stack: WSGIApp) -> None:
    """Write out what ``stack``'s access log still holds, if it has one, and stop its flusher."""
    while not isinstance(stack, AccessLog | App):
        inner = getattr(stack, "app", None)
        if inner is None:
            return
        stack = inner
    if isinstance(stack, AccessLog):
        stack.close()
