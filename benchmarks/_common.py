"""Helpers shared by the benchmarks: WSGI environs, timing loops, tables, versions.

Timing conventions (see benchmarks/README.md):

* Cases are interleaved round-robin inside each round, so every case sees the
  same noise on a shared machine; the figure kept is the best (minimum) round.
* The garbage collector is paused while a batch runs (as :mod:`timeit` does)
  and a collection runs between batches.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import importlib.metadata
import io
import platform
import pstats
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "Environ",
    "WSGIApp",
    "add_request_options",
    "best_per_op",
    "call_wsgi",
    "environ_factory",
    "format_table",
    "make_environ",
    "measure_requests",
    "net_report",
    "noop_start_response",
    "profile_requests",
    "run_requests",
    "stop_process",
    "timed",
    "versions",
]

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]

#: Request headers a browser or HTTP client typically sends, as a server puts them in environ.
_CLIENT_HEADERS = {
    "HTTP_HOST": "localhost:8000",
    "HTTP_USER_AGENT": "bench/1.0",
    "HTTP_ACCEPT": "*/*",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate",
    "HTTP_CONNECTION": "keep-alive",
}


def make_environ(
    path: str,
    query: str = "",
    method: str = "GET",
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> Environ:
    """A fresh PEP 3333 environ for one request, shaped like the one waitress builds.

    ``path`` is the decoded URL path as WSGI servers pass it (latin-1 characters).
    ``headers`` adds or overrides ``HTTP_*``/``CONTENT_*`` keys.
    """
    environ: Environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_URI": f"{path}?{query}" if query else path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    environ.update(_CLIENT_HEADERS)
    if headers:
        environ.update(headers)
    return environ


def environ_factory(path: str, query: str = "", method: str = "GET") -> Callable[[], Environ]:
    """A zero-argument function returning a new environ for the same request each call."""

    def make() -> Environ:
        return make_environ(path, query, method)

    return make


def noop_start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], object]:
    """A ``start_response`` that records nothing (the timing loops use it)."""
    return _noop_write


def _noop_write(data: bytes) -> object:
    return None


def call_wsgi(app: WSGIApp, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run one request and return ``(status, headers, body)``, closing the body iterable."""
    started: list[Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        started[:] = [status, list(headers)]
        return _noop_write

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the application returned without calling start_response")
    return started[0], started[1], body


def run_requests(
    app: WSGIApp,
    make: Callable[[], Environ],
    n: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Seconds ``clock`` counts over ``n`` requests: new environ, call, consume, close the body."""
    start_response = noop_start_response
    begin = clock()
    for _ in range(n):
        result = app(make(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return clock() - begin


def profile_requests(
    app: WSGIApp, make: Callable[[], Environ], requests: int, top: int, title: str
) -> None:
    """Print a cProfile of ``requests`` calls of ``app``: ``top`` functions by own time.

    The app first answers a warm-up batch, so importing its route module is left out.
    """
    run_requests(app, make, min(requests, 2000))
    profiler = cProfile.Profile()
    profiler.enable()
    run_requests(app, make, requests)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs()
    print(f"{title}, {requests} requests\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def stop_process(process: subprocess.Popen[Any], grace: float) -> int:
    """Stop ``process`` with SIGTERM, or kill it after ``grace`` seconds; its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def timed(run: Callable[[int], float], n: int) -> float:
    """``run(n)`` with the garbage collector paused, after a full collection."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return run(n)
    finally:
        if enabled:
            gc.enable()


def best_per_op(
    cases: Mapping[str, Callable[[int], float]],
    n: int,
    rounds: int,
    *,
    warmup: int = 0,
    progress: bool = False,
) -> dict[str, float]:
    """Best seconds per operation of each case over ``rounds`` interleaved rounds.

    Each case is ``run(n) -> seconds for n operations``. Within a round every
    case runs once, in a rotated order so no case always goes first.
    """
    names = list(cases)
    if warmup:
        for name in names:
            cases[name](warmup)
    best = dict.fromkeys(names, float("inf"))
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = min(best[name], timed(cases[name], n) / n)
        if progress:
            print(f"  round {round_no + 1}/{rounds} done", file=sys.stderr, flush=True)
    return best


def add_request_options(parser: argparse.ArgumentParser, profiled: str) -> None:
    """``--requests``, ``--rounds``, ``--profile`` (of the ``profiled`` case) and ``--top``."""
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds (best one kept)")
    parser.add_argument(
        "--profile", action="store_true", help=f"cProfile {profiled} and print top functions"
    )
    parser.add_argument("--top", type=int, default=25, help="functions shown by --profile")


def measure_requests(
    apps: Mapping[str, WSGIApp],
    harness: WSGIApp,
    make: Callable[[], Environ],
    requests: int,
    rounds: int,
) -> dict[str, float]:
    """Best seconds per request of each app, and of ``harness`` under ``"(harness)"``."""

    def case(app: WSGIApp) -> Callable[[int], float]:
        return lambda n: run_requests(app, make, n)

    cases = {name: case(app) for name, app in apps.items()}
    cases["(harness)"] = case(harness)
    return best_per_op(cases, requests, rounds, warmup=min(requests, 2000), progress=True)


def net_report(best: dict[str, float], baselines: Mapping[str, str]) -> str:
    """A table of :func:`measure_requests`' figures, also net of the harness.

    ``baselines`` maps a column's heading to the app each ratio is taken to.
    """
    harness = best.pop("(harness)")
    net = {name: seconds - harness for name, seconds in best.items()}
    rows = [
        [
            name,
            f"{seconds * 1e6:.2f}",
            f"{net[name] * 1e6:.2f}",
            *(f"{net[name] / net[baseline]:.2f}x" for baseline in baselines.values()),
        ]
        for name, seconds in best.items()
    ]
    header = ["app", "µs/request", "net µs/request", *baselines]
    return (
        f"{format_table(header, rows)}\n\nharness (environ + call loop + body handling): "
        f"{harness * 1e6:.2f} µs/request, subtracted in 'net'; ratios use net times."
    )


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; the first column left-aligned, others right."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i else (":" + "-" * (w + 1)) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def versions(*distributions: str) -> str:
    """One line naming Python, the platform, the date and each distribution's version."""
    found = []
    for name in distributions:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    python = f"Python {platform.python_version()} ({platform.python_implementation()})"
    today = _dt.date.today().isoformat()
    return ", ".join([python, *found]) + f"; {platform.machine()} {sys.platform}; {today}"
