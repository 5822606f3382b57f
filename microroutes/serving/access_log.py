"""An access log for any WSGI application: one line per request, written when it ends.

``AccessLog(app)`` wraps a WSGI application. Each request is logged once its
body has been sent (when the server closes the body iterable), with the bytes
actually sent and the time taken, so a streamed response is measured whole.

Two formats:

``combined``
    Apache's combined log format plus the duration in microseconds (Apache's
    ``%D``), which log analysers such as GoAccess read (one line, wrapped here)::

        127.0.0.1 - - [30/Nov/2026:02:10:00 +0000] "GET /api/post/abc?x=1 HTTP/1.1"
        200 15 "-" "curl/8.5.0" 412 4f1c0e9a2b7d5c3e8a6f-1042

    The last field is the request's id (``-`` when the app gave it none).

``json``
    One JSON object per line: ``time`` (ISO 8601, UTC), ``client``, ``method``,
    ``path`` (with the query), ``protocol``, ``status``, ``bytes``,
    ``duration_ms``, ``referer``, ``user_agent``, ``request_id``.

In both, every field a client controls is escaped the way nginx and Apache
escape theirs (see :mod:`.log_fields`: a control character, a byte over 0x7E,
``"`` and ``\\`` become ``\\xNN``), so no line can carry a terminal escape
sequence, a newline or a forged field. The values of query parameters named
like secrets (``token``, ``key``, ``password``... :data:`DEFAULT_REDACTED_PARAMS`)
and the referer's whole query are logged as ``REDACTED``. The request id is
the app's own (a safe token, see :mod:`microroutes.request_ids`).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TextIO
from urllib.parse import quote

from ..http import StartResponse
from ..request_ids import ENVIRON_KEY as _REQUEST_ID
from .log_fields import DEFAULT_REDACTED_PARAMS, Redactor, escape, is_plain, redact_referer

__all__ = [
    "ACCESS_LOG_FORMATS",
    "DEFAULT_FLUSH_INTERVAL",
    "DEFAULT_REDACTED_PARAMS",
    "AccessLog",
    "AccessLogFormat",
]

AccessLogFormat = Literal["combined", "json"]
#: The formats :class:`AccessLog` writes.
ACCESS_LOG_FORMATS: tuple[AccessLogFormat, ...] = ("combined", "json")
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_SAFE_PATH = "/!$&'()*+,;=:@-._~%"
#: Buffered lines are written out at least this often (seconds)...
DEFAULT_FLUSH_INTERVAL = 0.25
#: ...or as soon as this many are waiting.
_MAX_PENDING = 256
#: Bytes per write at most: POSIX keeps pipe writes up to PIPE_BUF (4096) whole.
_WRITE_SIZE = 4096


class _Request:
    """One request being answered: its status and bytes sent so far, for its log line."""

    __slots__ = ("_start_response", "_write", "environ", "sent", "started", "status")

    def __init__(self, environ: dict[str, Any], start_response: StartResponse) -> None:
        self.environ = environ
        self.started = time.perf_counter()
        self.status = "-"
        self.sent = 0
        self._start_response = start_response
        self._write: Callable[[bytes], object] = _write_before_start

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        """The ``start_response`` the app gets: notes the status, counts ``write()`` bytes."""
        self.status = status[:3]
        self._write = self._start_response(status, headers, exc_info)
        return self.write

    def write(self, data: bytes) -> object:
        """The legacy ``write()`` callable, counted."""
        self.sent += len(data)
        return self._write(data)


def _write_before_start(data: bytes) -> object:
    raise RuntimeError("write() called before start_response()")


class AccessLog:
    """Wrap a WSGI ``app`` so every request writes one line to ``stream`` (stderr by default).

    :param log_format: ``"combined"`` (Apache combined plus microseconds) or ``"json"``.
    :param buffered: collect lines and write them in batches (256 lines, at
        least every ``flush_interval`` seconds, and on :meth:`flush`) rather than
        one write per request. Servers use it: a write per request costs a
        system call, and with it a round trip for the GIL, that shows in throughput.
    :param flush_interval: with ``buffered``, seconds between writes of what
        is waiting (a background thread); ``None``: only full batches,
        :meth:`flush` and :meth:`close` write.
    :param redact: query parameter names whose values are logged as
        ``REDACTED`` (case-insensitive; a name also matches as the last part
        after ``_``, ``-`` or ``.``). Empty: nothing is redacted.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        log_format: AccessLogFormat = "combined",
        stream: TextIO | None = None,
        buffered: bool = False,
        flush_interval: float | None = DEFAULT_FLUSH_INTERVAL,
        redact: Iterable[str] = DEFAULT_REDACTED_PARAMS,
    ) -> None:
        if log_format not in ACCESS_LOG_FORMATS:
            raise ValueError(f"unknown access log format {log_format!r}")
        if flush_interval is not None and not flush_interval > 0:
            raise ValueError(f"flush_interval must be over 0 seconds, got {flush_interval!r}")
        self.app = app
        self.log_format = log_format
        #: The lower-case parameter names whose values are redacted.
        self._redactor = Redactor(redact)
        self.redact: frozenset[str] = self._redactor.names
        self._stream = stream
        self._format = _combined_line if log_format == "combined" else _json_line
        self._clock = _SecondClock()
        self._lines = _LineBuffer(self._target, flush_interval) if buffered else None

    def _target(self) -> TextIO:
        return self._stream or sys.stderr

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer the request through the wrapped app, logging it when its body is done."""
        request = _Request(environ, start_response)
        try:
            body = self.app(environ, request.start_response)
        except BaseException:
            request.status = "500"
            self.write(request)
            raise
        if type(body) is list:
            # The common case, a body already in memory: log now and hand the
            # list on untouched, so servers keep their fast path for it.
            request.sent += sum(map(len, body))
            self.write(request)
            return body
        return _LoggedBody(body, request, self)

    def write(self, request: _Request) -> None:
        """Write the line for a finished request."""
        line = self._format(request, self._clock, self._redactor)
        if self._lines is not None:
            self._lines.add(line)
            return
        stream = self._target()
        stream.write(line)
        stream.flush()

    def flush(self) -> None:
        """Write out the lines still buffered."""
        if self._lines is not None:
            self._lines.flush()

    def close(self) -> None:
        """Stop the background flushes and write out what is buffered (servers call it on stop).

        Lines logged afterwards still go out, in full batches and on :meth:`flush`.
        """
        if self._lines is not None:
            self._lines.close()


class _LoggedBody:
    """A streamed body that counts the bytes it yields and logs the request on ``close()``."""

    __slots__ = ("_body", "_logged", "_request", "_writer")

    def __init__(self, body: Iterable[bytes], request: _Request, writer: AccessLog) -> None:
        self._body = body
        self._request = request
        self._writer = writer
        self._logged = False

    def __iter__(self) -> Iterator[bytes]:
        request = self._request
        for chunk in self._body:
            request.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if not self._logged:
                self._logged = True
                self._writer.write(self._request)


class _LineBuffer:
    """Log lines collected and written in batches of whole lines.

    A batch goes out when :data:`_MAX_PENDING` lines are waiting, and at
    least every ``interval`` seconds (a daemon thread, started with the
    first line) unless ``interval`` is ``None``. Each write holds whole
    lines and at most :data:`_WRITE_SIZE` bytes, so on a pipe shared by
    several worker processes a line is never split by another process's write.
    """

    def __init__(self, target: Callable[[], TextIO], interval: float | None) -> None:
        self._target = target
        self._interval = interval
        self._closed = threading.Event()
        # deque's append and popleft are atomic: adding a line takes no lock.
        self._pending: deque[str] = deque()
        self._write_lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def add(self, line: str) -> None:
        pending = self._pending
        pending.append(line)
        if self._flusher is None and self._interval is not None:
            self._start_flusher()
        if len(pending) >= _MAX_PENDING:
            self.flush()

    def _start_flusher(self) -> None:
        with self._write_lock:
            if self._flusher is None and not self._closed.is_set():
                self._flusher = threading.Thread(
                    target=self._flush_periodically, name="microroutes-access-log", daemon=True
                )
                self._flusher.start()

    def _flush_periodically(self) -> None:
        interval = self._interval
        while not self._closed.wait(interval):
            self.flush()

    def close(self) -> None:
        self._closed.set()
        self._interval = None  # no flusher starts after this
        flusher = self._flusher
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join()
        self.flush()

    def flush(self) -> None:
        # One flush at a time, so batches keep their order.
        with self._write_lock:
            pending = self._pending
            if not pending:
                return
            stream = self._target()
            chunk: list[str] = []
            size = 0
            while pending:
                line = pending.popleft()
                if chunk and size + len(line) > _WRITE_SIZE:
                    _write_whole(stream, chunk)
                    chunk, size = [], 0
                chunk.append(line)
                size += len(line)
            _write_whole(stream, chunk)


def _write_whole(stream: TextIO, lines: list[str]) -> None:
    """One write of ``lines``, flushed at once so it reaches the file in one piece."""
    stream.write("".join(lines))
    stream.flush()


class _SecondClock:
    """The current time as Apache writes it, formatted at most once a second."""

    __slots__ = ("_second", "_text")

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def apache(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            stamp = _dt.datetime.fromtimestamp(second).astimezone()
            self._text = stamp.strftime("%d/%b/%Y:%H:%M:%S %z")
            self._second = second
        return self._text


def _path(environ: dict[str, Any]) -> str:
    """The request path as sent: percent-encoded where the decoded one needs it."""
    path: str = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not is_plain(path) or " " in path:
        # WSGI gives the path decoded, as latin-1 characters: encode it back.
        path = quote(path.encode("latin-1", "replace"), safe=_SAFE_PATH)
    return path


def _target(environ: dict[str, Any], redactor: Redactor) -> str:
    """The request target: path and query, secrets redacted (not yet escaped)."""
    query = environ.get("QUERY_STRING")
    path = _path(environ)
    return f"{path}?{redactor.query(query)}" if query else path


def _combined_line(request: _Request, clock: _SecondClock, redactor: Redactor) -> str:
    micros = int((time.perf_counter() - request.started) * 1_000_000)
    environ = request.environ
    get = environ.get
    client = get("REMOTE_ADDR") or "-"
    method = get("REQUEST_METHOD", "-")
    protocol = get("SERVER_PROTOCOL", "-")
    referer = get("HTTP_REFERER")
    referer = redact_referer(referer) if referer else "-"
    agent = get("HTTP_USER_AGENT") or "-"
    status = request.status
    path = get("PATH_INFO", "")
    script = get("SCRIPT_NAME")
    if script:
        path = script + path
    query = get("QUERY_STRING")
    if query:
        query = redactor.query(query)
    # One check over every field says whether escape() would change any (rarely).
    if " " not in path and is_plain(
        f"{client}{method}{path}{query}{protocol}{referer}{agent}{status}"
    ):
        target = f"{path}?{query}" if query else path
    else:
        client, method, protocol = escape(client), escape(method), escape(protocol)
        referer, agent, status = escape(referer), escape(agent), escape(status)
        target = escape(_target(environ, redactor))
    return (
        f"{client} - - [{clock.apache()}] "
        f'"{method} {target} {protocol}" {status} {request.sent} '
        f'"{referer}" "{agent}" {micros} {environ.get(_REQUEST_ID) or "-"}\n'
    )


def _escaped(value: str | None) -> str | None:
    return None if value is None else escape(value)


def _json_line(request: _Request, clock: _SecondClock, redactor: Redactor) -> str:
    environ = request.environ
    seconds = time.perf_counter() - request.started
    status = request.status
    referer = environ.get("HTTP_REFERER")
    record = {
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"),
        "client": _escaped(environ.get("REMOTE_ADDR") or None),
        "method": _escaped(environ.get("REQUEST_METHOD")),
        "path": escape(_target(environ, redactor)),
        "protocol": _escaped(environ.get("SERVER_PROTOCOL")),
        "status": int(status) if status.isascii() and status.isdigit() else None,
        "bytes": request.sent,
        "duration_ms": round(seconds * 1000, 3),
        "referer": None if referer is None else escape(redact_referer(referer)),
        "user_agent": _escaped(environ.get("HTTP_USER_AGENT")),
        "request_id": environ.get(_REQUEST_ID),
    }
    return json.dumps(record) + "\n"
