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

__all__ = ["ACCESS_LOG_FORMATS", "AccessLog", "AccessLogFormat"]

AccessLogFormat = Literal["combined", "json"]
#: The formats :class:`AccessLog` writes.
ACCESS_LOG_FORMATS: tuple[AccessLogFormat, ...] = ("combined", "json")
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_SAFE_PATH = "/!$&'()*+,;=:@-._~%"
#: Buffered lines are written out at least this often (seconds)...
_FLUSH_INTERVAL = 0.25
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
    :param buffered: collect lines and write them in batches (at least every
        quarter second, and on :meth:`flush`) rather than one write per request.
        Servers use it: a write per request costs a system call, and with it a
        round trip for the GIL, that shows in throughput.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        log_format: AccessLogFormat = "combined",
        stream: TextIO | None = None,
        buffered: bool = False,
    ) -> None:
        if log_format not in ACCESS_LOG_FORMATS:
            raise ValueError(f"unknown access log format {log_format!r}")
        self.app = app
        self.log_format = log_format
        self._stream = stream
        self._format = _combined_line if log_format == "combined" else _json_line
        self._clock = _SecondClock()
        self._lines = _LineBuffer(self._target) if buffered else None

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
        line = self._format(request, self._clock)
        if self._lines is not None:
            self._lines.add(line)
            return
        stream = self._target()
        stream.write(line)
        stream.flush()

    def flush(self) -> None:
        """Write out the lines still buffered (servers call it when they stop)."""
        if self._lines is not None:
            self._lines.flush()


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
    least every :data:`_FLUSH_INTERVAL` seconds (a daemon thread, started
    with the first line). Each write holds whole lines and at most
    :data:`_WRITE_SIZE` bytes, so on a pipe shared by several worker
    processes a line is never split by another process's write.
    """

    def __init__(self, target: Callable[[], TextIO]) -> None:
        self._target = target
        # deque's append and popleft are atomic: adding a line takes no lock.
        self._pending: deque[str] = deque()
        self._write_lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def add(self, line: str) -> None:
        pending = self._pending
        pending.append(line)
        if self._flusher is None:
            self._start_flusher()
        if len(pending) >= _MAX_PENDING:
            self.flush()

    def _start_flusher(self) -> None:
        with self._write_lock:
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_periodically, name="microroutes-access-log", daemon=True
                )
                self._flusher.start()

    def _flush_periodically(self) -> None:
        while True:
            time.sleep(_FLUSH_INTERVAL)
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


def _target(environ: dict[str, Any]) -> str:
    """The request target as the client sent it: path (percent-encoded) and query."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not path.isascii() or " " in path or '"' in path:
        # WSGI gives the path decoded, as latin-1 characters: encode it back.
        path = quote(path.encode("latin-1", "replace"), safe=_SAFE_PATH)
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _quoted(value: str) -> str:
    """``value`` safe inside a double-quoted log field (Apache escapes the same way)."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value
    return value.encode("unicode_escape").decode("ascii").replace('"', '\\"')


def _combined_line(request: _Request, clock: _SecondClock) -> str:
    micros = int((time.perf_counter() - request.started) * 1_000_000)
    get = request.environ.get
    path = get("PATH_INFO", "")
    script = get("SCRIPT_NAME")
    if script:
        path = script + path
    query = get("QUERY_STRING")
    method = get("REQUEST_METHOD", "-")
    protocol = get("SERVER_PROTOCOL", "-")
    referer = get("HTTP_REFERER", "-")
    agent = get("HTTP_USER_AGENT", "-")
    # One check over every client-controlled field: the common, plain case
    # needs no escaping at all.
    fields = f"{method}{path}{protocol}{referer}{agent}"
    if (
        not (fields.isascii() and fields.isprintable())
        or '"' in fields
        or "\\" in fields
        or " " in path
    ):
        return _escaped_combined_line(request, clock, micros)
    target = f"{path}?{query}" if query else path
    return (
        f"{get('REMOTE_ADDR') or '-'} - - [{clock.apache()}] "
        f'"{method} {target} {protocol}" {request.status} {request.sent} '
        f'"{referer}" "{agent}" {micros} {get(_REQUEST_ID) or "-"}\n'
    )


def _escaped_combined_line(request: _Request, clock: _SecondClock, micros: int) -> str:
    environ = request.environ
    request_line = _quoted(
        f"{environ.get('REQUEST_METHOD', '-')} {_target(environ)} "
        f"{environ.get('SERVER_PROTOCOL', '-')}"
    )
    referer = _quoted(environ.get("HTTP_REFERER", "-"))
    agent = _quoted(environ.get("HTTP_USER_AGENT", "-"))
    return (
        f"{environ.get('REMOTE_ADDR') or '-'} - - [{clock.apache()}] "
        f'"{request_line}" {request.status} {request.sent} "{referer}" "{agent}" {micros}'
        f" {environ.get(_REQUEST_ID) or '-'}\n"
    )


def _json_line(request: _Request, clock: _SecondClock) -> str:
    environ = request.environ
    seconds = time.perf_counter() - request.started
    status = request.status
    record = {
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"),
        "client": environ.get("REMOTE_ADDR") or None,
        "method": environ.get("REQUEST_METHOD"),
        "path": _target(environ),
        "protocol": environ.get("SERVER_PROTOCOL"),
        "status": int(status) if status.isdigit() else None,
        "bytes": request.sent,
        "duration_ms": round(seconds * 1000, 3),
        "referer": environ.get("HTTP_REFERER"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "request_id": environ.get(_REQUEST_ID),
    }
    return json.dumps(record, ensure_ascii=False) + "\n"
