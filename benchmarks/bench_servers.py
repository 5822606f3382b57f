"""Requests per second through real servers: waitress vs granian, microroutes vs its peers.

Every case is a real server process on 127.0.0.1 answering
``GET /api/post/abc`` with ``{"uid": "abc"}``, driven by ``wrk`` with 16
keep-alive connections (``apt-get install wrk``). All servers start first and
stay up; the cases then run round-robin inside each round (rotated, so none
always goes first). The best round of each is kept for the ratios (noise
only ever lowers a rate); the ratio of the medians is printed beside it.

    python benchmarks/bench_servers.py [--rounds 3] [--seconds 5] [--workers 2]

Cases, all granian ones with the same settings (``--workers``, one blocking
thread per worker, granian's default backpressure):

* ``microroutes serve`` (waitress, its default 8 threads);
* ``microroutes serve --server granian --workers N``, with and without
  ``--access-log`` (written to a file), and on an ``async def`` copy of the route;
* a bare WSGI function, Falcon and Flask under granian's own CLI.

Then, in process (no server), the per-request cost of the ``async def``
route against the sync one, as ``bench_wsgi.py`` measures requests.

Targets: granian/waitress >= 5x; microroutes >= 0.9x the bare function on
granian; microroutes ahead of Falcon and Flask; access log on >= 0.9x off.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from _common import (
    best_per_op,
    environ_factory,
    format_table,
    run_requests,
    stop_process,
    versions,
)

BENCH_DIR = Path(__file__).resolve().parent
PATH = "/api/post/abc"
ASYNC_PATH = "/api/async_post/abc"
SYNC_ROUTE = 'def GET(req, res):\n    return {"uid": req.params["uid"]}\n'
ASYNC_ROUTE = 'async def GET(req, res):\n    return {"uid": req.params["uid"]}\n'
PEER_APPS = textwrap.dedent(
    f"""\
    import sys
    sys.path.insert(0, {str(BENCH_DIR)!r})
    from bench_wsgi import falcon_app, flask_app, raw_wsgi_app

    raw = raw_wsgi_app()
    falcon = falcon_app()
    flask = flask_app()
    """
)
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*")


@dataclass
class Case:
    """One measured case: a name, the server's URL and the path to load."""

    name: str
    url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server for {url} did not start")


def start(stack: ExitStack, command: list[str], log: Path, check_path: str = PATH) -> str:
    """Start a server process; stop it (SIGTERM) when ``stack`` closes. Returns its base URL."""
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    output = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(command, stdout=output, stderr=output)

    stack.callback(stop_process, process, 30)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + check_path, process)
    return base


def wrk(url: str, seconds: int, connections: int) -> float:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = _ERRORS.search(result.stdout)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(0)}\n{result.stdout}")
    found = _RATE.search(result.stdout)
    if found is None:
        raise RuntimeError(f"no rate in wrk output:\n{result.stdout}")
    return float(found.group(1))


def make_site(root: Path) -> Path:
    site = root / "site"
    for path, source in {PATH: SYNC_ROUTE, ASYNC_PATH: ASYNC_ROUTE}.items():
        route = site / "pages" / (path.rsplit("/", 1)[0].lstrip("/") + "/[uid].py")
        route.parent.mkdir(parents=True, exist_ok=True)
        route.write_text(source, encoding="utf-8")
    return site


def start_all(stack: ExitStack, root: Path, workers: int) -> list[Case]:
    site = make_site(root)
    (root / "peer_apps.py").write_text(PEER_APPS, encoding="utf-8")
    python = sys.executable
    serve = [python, "-m", "microroutes", "serve", str(site), "--port", "{port}"]
    granian_serve = [*serve, "--server", "granian", "--workers", str(workers)]
    peers = [
        *(python, "-m", "granian", "--interface", "wsgi", "--workers", str(workers)),
        *("--blocking-threads", "1", "--port", "{port}", "--log-level", "warning"),
        *("--working-dir", str(root)),
    ]
    waitress = start(stack, serve, root / "waitress.log")
    granian = start(stack, granian_serve, root / "granian.log")
    logged = start(stack, [*granian_serve, "--access-log"], root / "access.log")
    raw = start(stack, [*peers, "peer_apps:raw"], root / "raw.log")
    falcon = start(stack, [*peers, "peer_apps:falcon"], root / "falcon.log")
    flask = start(stack, [*peers, "peer_apps:flask"], root / "flask.log")
    return [
        Case("waitress: microroutes serve", waitress + PATH),
        Case(f"granian x{workers}: microroutes", granian + PATH),
        Case(f"granian x{workers}: microroutes, async def", granian + ASYNC_PATH),
        Case(f"granian x{workers}: microroutes, --access-log", logged + PATH),
        Case(f"granian x{workers}: bare WSGI function", raw + PATH),
        Case(f"granian x{workers}: falcon", falcon + PATH),
        Case(f"granian x{workers}: flask", flask + PATH),
    ]


def measure(
    cases: list[Case], rounds: int, seconds: int, connections: int
) -> dict[str, list[float]]:
    """Every round's rate of each case (requests/s), the cases interleaved and rotated."""
    rates: dict[str, list[float]] = {case.name: [] for case in cases}
    for case in cases:  # warm-up: imports, first requests, caches
        wrk(case.url, 1, connections)
    for round_no in range(rounds):
        shift = round_no % len(cases)
        for case in cases[shift:] + cases[:shift]:
            rates[case.name].append(wrk(case.url, seconds, connections))
        print(f"  round {round_no + 1}/{rounds} done", file=sys.stderr, flush=True)
    return rates


def in_process_async_cost(root: Path, requests: int, rounds: int) -> dict[str, float]:
    from microroutes import App

    app = App(make_site(root / "inprocess"))
    cases = {
        "sync def GET": lambda n: run_requests(app, environ_factory(PATH), n),
        "async def GET": lambda n: run_requests(app, environ_factory(ASYNC_PATH), n),
    }
    return best_per_op(cases, requests, rounds, warmup=1000)


def ratio_line(label: str, value: float, target: str, met: bool) -> str:
    return f"- {label}: **{value:.2f}x** (target {target}: {'met' if met else 'NOT met'})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20000, help="in-process requests/round")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    print(versions("microroutes", "waitress", "granian", "falcon", "flask"))
    print(f"{os.cpu_count()} CPUs; wrk -t2 -c{args.connections} -d{args.seconds:g}s, ", end="")
    print(f"{args.rounds} interleaved rounds, best kept\n")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        root = Path(folder)
        cases = start_all(stack, root, args.workers)
        rounds = measure(cases, args.rounds, args.seconds, args.connections)
        stack.close()
        per_request = in_process_async_cost(root, args.requests, max(args.rounds, 5))
    names = [case.name for case in cases]
    rates = {name: max(found) for name, found in rounds.items()}
    medians = {name: statistics.median(found) for name, found in rounds.items()}
    mr, mr_median = rates[names[1]], medians[names[1]]
    rows = [
        [
            name,
            f"{rates[name]:,.0f}",
            f"{rates[name] / mr:.2f}x",
            f"{medians[name] / mr_median:.2f}x",
        ]
        for name in names
    ]
    print(
        format_table(["server: app", "best requests/s", "best vs row 2", "median vs row 2"], rows)
    )
    print()
    waitress, async_rate, logged, raw, falcon, flask = (rates[n] for n in [names[0], *names[2:]])
    checks = [
        ("granian microroutes / waitress microroutes", waitress, ">= 5x", 5.0),
        ("microroutes / bare WSGI function, on granian", raw, ">= 0.9x", 0.9),
        ("microroutes / falcon, on granian", falcon, "> 1x", 1.0),
        ("microroutes / flask, on granian", flask, "> 1x", 1.0),
    ]
    for label, other, target, bound in checks:
        print(ratio_line(label, mr / other, target, mr / other >= bound))
    print(ratio_line("access log on / off, on granian", logged / mr, ">= 0.9x", logged >= 0.9 * mr))
    print(f"- async def route / sync route, on granian: {async_rate / mr:.2f}x")
    sync_us, async_us = (per_request[k] * 1e6 for k in ("sync def GET", "async def GET"))
    print()
    print(
        format_table(
            ["in process", "µs/request"],
            [["sync def GET", f"{sync_us:.2f}"], ["async def GET", f"{async_us:.2f}"]],
        )
    )
    extra = async_us - sync_us
    print(f"\nasync def costs {extra:.2f} µs more per request ({async_us / sync_us:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
