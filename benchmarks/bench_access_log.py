"""The access log's cost per request: formatting, escaping, redacting and buffering a line.

A trivial WSGI app is called bare, with a bare f-string line of the same
fields (no escaping, no redaction: the least any log line costs), and
wrapped in :class:`~microroutes.serving.AccessLog` (buffered, as ``serve``
runs it, into an in-memory stream), for requests that need no escaping,
one with a query, one with a secret in it, and one full of control
characters and quotes. The cost of a line is the wrapped time minus the
bare app's; it is given as a multiple of the f-string's::

    python benchmarks/bench_access_log.py              # --requests 20000 --rounds 7
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from typing import Any

from _common import best_per_op, format_table, make_environ, noop_start_response, versions

from microroutes.serving import AccessLog

Environ = dict[str, Any]

CASES: dict[str, Environ] = {
    "plain": make_environ("/api/post/abc"),
    "query": make_environ("/api/post/abc", "page=2&sort=new"),
    "secret in query": make_environ("/api/post/abc", "page=2&token=abcdef123456"),
    "controls and quotes": make_environ(
        "/api/post/abc", "q=\x1b]0;owned\x07", headers={"HTTP_USER_AGENT": 'evil" 200 1 "x'}
    ),
}
for _environ in CASES.values():
    _environ["HTTP_REFERER"] = "https://example.com/list?page=2"


def _app(environ: Environ, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def _bare_line(environ: Environ) -> str:
    get = environ.get
    return (
        f"{get('REMOTE_ADDR')} - - [05/Dec/2026:07:00:00 +0000] "
        f'"{get("REQUEST_METHOD")} {get("PATH_INFO")}?{get("QUERY_STRING")} '
        f'{get("SERVER_PROTOCOL")}" 200 5 "{get("HTTP_REFERER")}" "{get("HTTP_USER_AGENT")}" 1\n'
    )


def _runner(environ: Environ, call: Callable[[Environ], object]) -> Callable[[int], float]:
    def run(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            call(dict(environ))
        return time.perf_counter() - started

    return run


def _cases(environ: Environ) -> dict[str, Callable[[int], float]]:
    sink = io.StringIO()
    combined = AccessLog(_app, stream=sink, buffered=True, flush_interval=None)
    json_log = AccessLog(_app, log_format="json", stream=sink, buffered=True, flush_interval=None)

    def with_fstring(env: Environ) -> object:
        _bare_line(env)
        return _app(env, noop_start_response)

    def drained(log: AccessLog) -> Callable[[Environ], object]:
        def call(env: Environ) -> object:
            answer = log(env, noop_start_response)
            if sink.tell() > 1 << 20:
                sink.seek(0)
                sink.truncate()
            return answer

        return call

    return {
        "app": _runner(environ, lambda env: _app(env, noop_start_response)),
        "f-string": _runner(environ, with_fstring),
        "combined": _runner(environ, drained(combined)),
        "json": _runner(environ, drained(json_log)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(versions("microroutes"))
    rows = []
    for name, environ in CASES.items():
        best = best_per_op(_cases(environ), args.requests, args.rounds, warmup=1000)
        floor = best["f-string"] - best["app"]
        row = [name, f"{floor * 1e6:.2f}"]
        for log_format in ("combined", "json"):
            cost = best[log_format] - best["app"]
            row.append(f"{cost * 1e6:.2f} ({cost / floor:.1f}x)")
        rows.append(row)
    header = ["request", "f-string µs", "combined µs (x f-string)", "json µs (x f-string)"]
    print(format_table(header, rows))


if __name__ == "__main__":
    main()
