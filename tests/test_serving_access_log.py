"""The access log: in process for its details, and ``microroutes dev`` logging by default."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from conftest import environ_for
from servers import running

from microroutes import App
from microroutes.serving import AccessLog

COMBINED_END = re.compile(
    r'" (?P<status>\d{3}) (?P<bytes>\d+) "[^"]*" "[^"]*" (?P<micros>\d+) (?P<request_id>\S+)\n$'
)


def _call(app: Any, environ: dict[str, Any]) -> tuple[Iterable[bytes], list[str]]:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], Any]:
        statuses.append(status)
        return lambda data: None

    return app(environ, start_response), statuses


def test_a_streamed_body_is_logged_on_close_with_the_bytes_sent() -> None:
    def streaming(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"abc"
        yield b"defgh"

    lines = io.StringIO()
    body, _ = _call(AccessLog(streaming, stream=lines), environ_for("/stream"))
    assert b"".join(body) == b"abcdefgh"
    assert lines.getvalue() == ""  # not yet: the server has not closed the body
    body.close()  # type: ignore[attr-defined]
    found = COMBINED_END.search(lines.getvalue())
    assert found, lines.getvalue()
    assert (found["status"], found["bytes"]) == ("200", "8")
    body.close()  # type: ignore[attr-defined]
    assert lines.getvalue().count("\n") == 1  # closing twice logs once


def test_the_write_callable_is_counted() -> None:
    def old_style(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("201 Created", [("Content-Type", "text/plain")])
        write(b"12345")
        return [b"678"]

    lines = io.StringIO()
    _call(AccessLog(old_style, log_format="json", stream=lines), environ_for("/w"))
    record = json.loads(lines.getvalue())
    assert (record["status"], record["bytes"]) == (201, 8)


def test_an_app_that_raises_is_logged_as_500_and_the_error_goes_on() -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("broken app")

    lines = io.StringIO()
    with pytest.raises(RuntimeError, match="broken app"):
        _call(AccessLog(broken, log_format="json", stream=lines), environ_for("/x"))
    assert json.loads(lines.getvalue())["status"] == 500


def test_odd_paths_and_headers_cannot_break_a_combined_line(make_site) -> None:
    site = make_site({"pages/[name].py": "def GET(req, res):\n    return {}\n"})
    lines = io.StringIO()
    environ = environ_for('/caf\u00e9 "x"')
    environ["HTTP_USER_AGENT"] = 'evil"\n127.0.0.1 - - fake line'
    environ["HTTP_REFERER"] = "r\\x"
    body, _ = _call(AccessLog(App(site), stream=lines), environ)
    list(body)
    text = lines.getvalue()
    assert text.count("\n") == 1, text
    assert '"GET /caf%C3%A9%20%22x%22 HTTP/1.1" 200 2 ' in text
    assert '"r\\x5Cx" "evil\\x22\\x0A127.0.0.1 - - fake line"' in text


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown access log format 'xml'"):
        AccessLog(lambda environ, start_response: [], log_format="xml")  # type: ignore[arg-type]


def test_dev_logs_each_request_by_default_and_not_with_no_access_log(make_site) -> None:
    site = make_site({"pages/api/value.py": "def GET(req, res):\n    return {'value': 1}\n"})
    with running("dev", str(site)) as server:
        assert server.request("GET", "/api/value?dev=1")[0] == 200
        deadline = time.monotonic() + 10
        while not any("/api/value?dev=1" in line for line in server.output):
            assert time.monotonic() < deadline, server.output
            time.sleep(0.02)
        logged = [line for line in server.output if "/api/value?dev=1" in line]
        assert len(logged) == 1  # werkzeug's own request line is replaced, not doubled
        assert COMBINED_END.search(logged[0])
    with running("dev", str(site), "--no-access-log") as quiet:
        assert quiet.request("GET", "/api/value?quiet=1")[0] == 200
        quiet.process.terminate()
        quiet.process.wait(15)
    assert not any("quiet=1" in line for line in quiet.output)


class _RecordingStream(io.StringIO):
    """A text stream that keeps each write separately."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_buffered_lines_go_out_in_full_batches_and_on_flush(make_site) -> None:
    site = make_site({"pages/[name].py": "def GET(req, res):\n    return {'ok': 1}\n"})
    stream = _RecordingStream()
    # No background flusher: only a full batch (256 lines) and flush() write.
    logged = AccessLog(App(site), stream=stream, buffered=True, flush_interval=None)
    for number in range(255):
        list(_call(logged, environ_for(f"/page{number}"))[0])
    assert stream.writes == []
    list(_call(logged, environ_for("/page255"))[0])
    assert stream.getvalue().count("\n") == 256
    for number in range(256, 300):
        list(_call(logged, environ_for(f"/page{number}"))[0])
    assert stream.getvalue().count("\n") == 256
    logged.flush()
    lines = stream.getvalue().splitlines()
    assert [line.split('"')[1].split()[1] for line in lines] == [f"/page{n}" for n in range(300)]
    for write in stream.writes:
        assert write.endswith("\n")
        assert len(write) <= 4096
    # Whole lines, as many as fit in 4096 bytes, per write: the batch, then the rest.
    sizes = [len(line) + 1 for line in lines]
    assert len(stream.writes) == _batches(sizes[:256]) + _batches(sizes[256:])


def _batches(sizes: list[int]) -> int:
    count, used = 1, 0
    for size in sizes:
        if used and used + size > 4096:
            count, used = count + 1, 0
        used += size
    return count


def test_the_background_flusher_writes_waiting_lines_and_close_stops_it() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    stream = _RecordingStream()
    logged = AccessLog(app, stream=stream, buffered=True, flush_interval=0.01)
    list(_call(logged, environ_for("/first"))[0])
    deadline = time.monotonic() + 10
    while "/first" not in stream.getvalue():
        assert time.monotonic() < deadline, "the flusher never wrote the line"
        time.sleep(0.01)
    flushers = [t for t in threading.enumerate() if t.name == "microroutes-access-log"]
    list(_call(logged, environ_for("/second"))[0])
    logged.close()
    assert "/second" in stream.getvalue()  # close() writes what was waiting
    assert not any(t.is_alive() for t in flushers)
    list(_call(logged, environ_for("/third"))[0])
    assert "/third" not in stream.getvalue()  # after close, only flush() writes
    logged.flush()
    assert "/third" in stream.getvalue()


@pytest.mark.parametrize("interval", [0, -1.0])
def test_a_flush_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="flush_interval must be over 0 seconds"):
        AccessLog(lambda environ, start_response: [], buffered=True, flush_interval=interval)
