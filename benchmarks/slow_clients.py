"""Slow clients against ``microroutes serve``: a normal client's latency while bodies dribble.

    python benchmarks/slow_clients.py [--slow 8] [--requests 200] [--interval 0.5] [--only ...]

For each server setup (waitress; granian with 2 workers and its default
threads; granian with 1 thread per worker, the old default; granian behind
nginx configured as docs/deploying.md shows, "Behind nginx"), serves a small
site and measures a normal client's ``GET /ok`` latency (a new connection
each time) first on an idle server, then while ``--slow`` clients each
declare a 200 KB body and send one byte every ``--interval`` seconds, half
to a route that reads the body and half to one that never reads it.

Prints, per setup, the normal client's median, p99 and worst latency in
both phases, how many of its requests failed (no answer within 10 s), and
the ratio of the loaded median to the idle one.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from pg import free_port  # noqa: E402
from topology import Nginx, documented_site  # noqa: E402

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/reads.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/ignores.py": "def POST(req, res):\n    return {'ignored': True}\n",
}
GRANIAN = ("--server", "granian", "--workers", "2")
#: Label: (serve's arguments, behind nginx as docs/deploying.md configures it).
SETUPS: dict[str, tuple[tuple[str, ...], bool]] = {
    "waitress (8 threads)": ((), False),
    "granian, 2 workers x 4 threads": (GRANIAN, False),
    "granian, 2 workers x 1 thread": ((*GRANIAN, "--threads", "1"), False),
    "nginx + granian, 2 workers x 4": (GRANIAN, True),
}
DECLARED = 200_000
TIMEOUT = 10.0


def _start(site: Path, args: tuple[str, ...]) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "-m", "microroutes", "serve", str(site), *args, "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, int(found.group(1))
    raise SystemExit(f"server did not start: {command}")


def _get_ok(port: int) -> float | None:
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), TIMEOUT) as connection:
            connection.sendall(b"GET /ok HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
    except OSError:
        return None
    if not received.startswith(b"HTTP/1.1 200"):
        return None
    return time.perf_counter() - started


def _dribble(port: int, path: str, interval: float, stop: threading.Event) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), TIMEOUT) as connection:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: bench\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {DECLARED}\r\n\r\n"
            )
            connection.sendall(head.encode())
            while not stop.wait(interval):
                connection.sendall(b"x")
    except OSError:
        pass  # answered and closed, or refused: the client just goes away


def _latencies(port: int, requests: int) -> tuple[list[float], int]:
    times, failed = [], 0
    for _ in range(requests):
        took = _get_ok(port)
        if took is None:
            failed += 1
        else:
            times.append(took)
    return times, failed


def _summary(times: list[float]) -> str:
    if not times:
        return "      -        -        -"
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered) * 1000:7.2f}  {p99 * 1000:7.2f}  {ordered[-1] * 1000:7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=8, help="slow clients (default 8)")
    parser.add_argument("--requests", type=int, default=200, help="normal requests per phase")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between bytes")
    parser.add_argument(
        "--only", nargs="*", help="setups whose label contains one of these (default: all)"
    )
    options = parser.parse_args()
    setups = {
        label: setup
        for label, setup in SETUPS.items()
        if not options.only or any(part in label for part in options.only)
    }
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        for name, text in SITE.items():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text(text)
        print(f"{options.slow} slow clients, one byte every {options.interval:g} s; ms:")
        print(f"{'setup':32} {'phase':6}  median      p99    worst  failed")
        for label, (args, behind_nginx) in setups.items():
            process, port = _start(site, args)
            nginx = None
            try:
                if behind_nginx:
                    upstream, port = f"127.0.0.1:{port}", free_port()
                    listen = f"127.0.0.1:{port}"
                    site_config = documented_site(upstream, listen)
                    nginx = Nginx([upstream], port, site=site_config, ready_path="/ok")
                    nginx.start()
                _latencies(port, 20)  # warm-up
                idle, idle_failed = _latencies(port, options.requests)
                stop = threading.Event()
                slow = [
                    threading.Thread(
                        target=_dribble,
                        args=(port, "/reads" if i % 2 else "/ignores", options.interval, stop),
                        daemon=True,
                    )
                    for i in range(options.slow)
                ]
                for thread in slow:
                    thread.start()
                time.sleep(options.interval * 2)  # let every slow request reach the app
                loaded, loaded_failed = _latencies(port, options.requests)
                stop.set()
            finally:
                if nginx is not None:
                    nginx.stop()
                process.terminate()
                process.wait(30)
            print(f"{label:32} idle    {_summary(idle)}  {idle_failed:6}")
            ratio = (
                f"{statistics.median(loaded) / statistics.median(idle):.1f}x"
                if loaded and idle
                else "-"
            )
            print(f"{'':32} slow    {_summary(loaded)}  {loaded_failed:6}  (median {ratio})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
