"""The access log's cost per line: formatting and buffering one request's line.

Runs :class:`~microroutes.serving.AccessLog` around a trivial WSGI app and
compares it, in the same run, with the same app unwrapped (the floor) and with
a bare f-string of the same fields (what any log line costs at least)::

    python benchmarks/bench_access_log.py
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from microroutes.serving import AccessLog

ROUNDS = 5
CALLS = 20_000


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
    return lambda data: None


def _environ(query: str, agent: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/post/abc",
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": agent,
        "HTTP_REFERER": "https://example.com/list?page=2",
    }


CASES = {
    "plain": _environ("", "curl/8.5.0"),
    "query": _environ("page=2&sort=new", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"),
    "secret query": _environ("page=2&token=abcdef123456", "curl/8.5.0"),
    "control chars": _environ("q=\x1b]0;owned\x07", 'evil" 200 1 "x'),
}


def _best(run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best / CALLS * 1e6


def _bare_line(environ: dict[str, Any]) -> str:
    get = environ.get
    return (
        f"{get('REMOTE_ADDR')} - - [05/Dec/2026:07:00:00 +0000] "
        f'"{get("REQUEST_METHOD")} {get("PATH_INFO")}?{get("QUERY_STRING")} '
        f'{get("SERVER_PROTOCOL")}" 200 5 "{get("HTTP_REFERER")}" "{get("HTTP_USER_AGENT")}" 1\n'
    )


def _measure(environ: dict[str, Any], log_format: str) -> tuple[float, float, float]:
    """µs per call: the app alone, plus an f-string line, wrapped in :class:`AccessLog`."""
    sink = io.StringIO()
    logged = AccessLog(_app, log_format=log_format, stream=sink, buffered=True)  # type: ignore[arg-type]

    def alone() -> None:
        for _ in range(CALLS):
            _app(dict(environ), _start_response)

    def fstring() -> None:
        for _ in range(CALLS):
            _app(dict(environ), _start_response)
            _bare_line(environ)

    def wrapped() -> None:
        for _ in range(CALLS):
            logged(dict(environ), _start_response)
        sink.seek(0)
        sink.truncate()

    return _best(alone), _best(fstring), _best(wrapped)


def main() -> None:
    print(f"µs per request, best of {ROUNDS} x {CALLS:,} calls")
    print("| case | format | app alone | f-string | AccessLog | log cost |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, environ in CASES.items():
        for log_format in ("combined", "json"):
            base, floor, cost = _measure(environ, log_format)
            print(
                f"| {name} | {log_format} | {base:.2f} | {floor:.2f} | {cost:.2f} "
                f"| {cost - base:.2f} ({(cost - base) / (floor - base):.1f}x f-string) |"
            )


if __name__ == "__main__":
    main()
