"""A typed API in eight stacks: in-process CPU per request, then req/s on granian.

The three endpoints of ``api_apps.py`` ((a) one item with a typed query, (b) a
typed POST of five fields, (c) a list of 100 items) in microroutes (msgspec
Structs, dataclasses, pydantic), Falcon + msgspec by hand, Flask + pydantic,
FastAPI, Litestar (both optional: ``pip install fastapi litestar``) and a
bare WSGI function with msgspec. Every answer is checked equal to the bare
function's (status and JSON) and a bad query checked refused with a 4xx, before
anything is timed.

In-process: WSGI apps are called as a server calls them, ASGI apps through a
minimal ASGI driver; rounds interleaved, the median round kept. End to end:
each stack under ``granian --workers 2`` (WSGI or ASGI interface), ``wrk`` on
loopback, stacks interleaved in every round, the median kept.

    python benchmarks/bench_api.py                       # in-process only
    python benchmarks/bench_api.py --granian --seconds 5 # and end to end
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import api_apps
from _common import (
    call_wsgi,
    format_table,
    make_environ,
    run_requests,
    stop_process,
    timed,
    versions,
)

BODY = json.dumps(api_apps.NEW_ITEM).encode()
#: name -> (method, path, query, body)
ENDPOINTS: dict[str, tuple[str, str, str, bytes]] = {
    "(a) GET one, typed query": ("GET", "/api/items/7", "scale=2", b""),
    "(b) typed POST, 5 fields": ("POST", "/api/items", "", BODY),
    "(c) GET a list of 100": ("GET", "/api/items", "limit=100", b""),
}
BAD = ("GET", "/api/items", "limit=1000", b"")


class Stack:
    """One framework's app, and how to call it in-process."""

    def __init__(self, name: str, app: Any, asgi: bool, factory: str) -> None:
        self.name, self.app, self.asgi, self.factory = name, app, asgi, factory
        self._loop = asyncio.new_event_loop() if asgi else None

    def call(self, method: str, path: str, query: str, body: bytes) -> tuple[int, bytes]:
        """One request: ``(status, body)``."""
        if self._loop is None:
            environ = _environ(method, path, query, body)
            status, _, data = call_wsgi(self.app, environ)
            return int(status[:3]), data
        answer = self._loop.run_until_complete(_asgi_call(self.app, method, path, query, body))
        return answer[0], answer[1]

    def run(self, method: str, path: str, query: str, body: bytes) -> Callable[[int], float]:
        """``run(n) -> seconds`` for ``n`` such requests."""
        if self._loop is None:
            app = self.app
            return lambda n: run_requests(app, lambda: _environ(method, path, query, body), n)
        loop = self._loop

        def run_asgi(n: int) -> float:
            async def many() -> float:
                begin = time.perf_counter()
                for _ in range(n):
                    await _asgi_call(self.app, method, path, query, body)
                return time.perf_counter() - begin

            return loop.run_until_complete(many())

        return run_asgi


def _environ(method: str, path: str, query: str, body: bytes) -> dict[str, Any]:
    headers = {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))} if body else {}
    return make_environ(path, query, method, body, headers)


async def _asgi_call(
    app: Any, method: str, path: str, query: str, body: bytes
) -> tuple[int, bytes]:
    headers = [(b"host", b"localhost:8000"), (b"accept", b"*/*")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 8000),
        "state": {},
    }
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client keeps the connection: nothing more to read
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def build_stacks(root: Path, wanted: list[str] | None) -> list[Stack]:
    """Every stack that can be built here (FastAPI and Litestar only when installed)."""
    stacks = []
    for models in ("struct", "dataclass", "pydantic"):
        site = api_apps.write_microroutes_site(root / models, models)
        stacks.append(
            Stack(f"microroutes ({models})", api_apps.microroutes_app(site), False, str(site))
        )
    builders = [
        ("falcon + msgspec", api_apps.falcon_app, False),
        ("flask + pydantic", api_apps.flask_app, False),
        ("fastapi", api_apps.fastapi_app, True),
        ("litestar", api_apps.litestar_app, True),
        ("bare WSGI + msgspec", api_apps.bare_app, False),
    ]
    for name, builder, asgi in builders:
        try:
            app = builder()
        except ImportError as error:
            print(f"skipping {name}: {error}", file=sys.stderr)
            continue
        stacks.append(Stack(name, app, asgi, builder.__name__))
    return [stack for stack in stacks if not wanted or stack.name in wanted]


def check_answers(stacks: list[Stack]) -> None:
    """Every stack answers each endpoint as the bare function does, and refuses a bad query."""
    reference = next(stack for stack in stacks if stack.name.startswith("bare"))
    for label, request in ENDPOINTS.items():
        status, body = reference.call(*request)
        expected = (status, json.loads(body))
        for stack in stacks:
            got_status, got_body = stack.call(*request)
            if (got_status, json.loads(got_body)) != expected:
                raise SystemExit(f"{stack.name} {label}: {got_status} {got_body[:200]!r}")
    for stack in stacks:
        status, _ = stack.call(*BAD)
        if not 400 <= status < 500:
            raise SystemExit(f"{stack.name}: a limit of 1000 answered {status}")


def in_process(stacks: list[Stack], requests: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median µs per request of each stack on each endpoint."""
    figures: dict[str, dict[str, float]] = {}
    for label, request in ENDPOINTS.items():
        cases = {stack.name: stack.run(*request) for stack in stacks}
        for run in cases.values():
            run(min(requests, 500))  # warm-up: imports, caches
        samples: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for round_no in range(rounds):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(timed(cases[name], requests) / requests)
        figures[label] = {name: statistics.median(s) * 1e6 for name, s in samples.items()}
        print(f"  {label} measured", file=sys.stderr, flush=True)
    return figures


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(stack: Stack, port: int) -> subprocess.Popen[bytes]:
    here = Path(__file__).resolve().parent
    if stack.name.startswith("microroutes"):
        target, env = "api_apps:microroutes_app", {"BENCH_API_SITE": stack.factory}
    else:
        target, env = f"api_apps:{stack.factory}", {}
    command = [sys.executable, "-m", "granian", "--interface", "asgi" if stack.asgi else "wsgi"]
    command += ["--factory", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--no-ws", "--log-level", "error", target]
    return subprocess.Popen(
        command,
        cwd=here,
        env={**os.environ, **env, "PYTHONPATH": str(here)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"granian exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/items?limit=1")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("granian did not answer")


_LUA = """
wrk.method = "{method}"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
"""


def _wrk(port: int, request: tuple[str, str, str, bytes], seconds: int, lua: Path) -> float:
    method, path, query, body = request
    lua.write_text(_LUA.format(method=method, body=body.decode()))
    url = f"http://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")
    done = subprocess.run(
        ["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    )
    if "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        raise SystemExit(f"wrk saw errors:\n{done.stdout}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if found is None:
        raise SystemExit(done.stdout)
    return float(found[1])


def end_to_end(
    stacks: list[Stack], seconds: int, rounds: int, root: Path
) -> dict[str, dict[str, float]]:
    """Median req/s of each stack on each endpoint under granian with two workers."""
    samples: dict[str, dict[str, list[float]]] = {
        label: {stack.name: [] for stack in stacks} for label in ENDPOINTS
    }
    lua = root / "request.lua"
    for round_no in range(rounds):
        shift = round_no % len(stacks)
        for stack in stacks[shift:] + stacks[:shift]:
            port = _free_port()
            process = _serve(stack, port)
            try:
                _wait(port, process)
                for label, request in ENDPOINTS.items():
                    samples[label][stack.name].append(_wrk(port, request, seconds, lua))
            finally:
                stop_process(process, 10)
        print(f"  end-to-end round {round_no + 1}/{rounds} done", file=sys.stderr, flush=True)
    return {
        label: {name: statistics.median(s) for name, s in by_stack.items()}
        for label, by_stack in samples.items()
    }


def report(figures: dict[str, dict[str, float]], unit: str, lower_is_better: bool) -> str:
    labels = list(figures)
    names = list(next(iter(figures.values())))
    rows = []
    for name in names:
        cells = [name]
        for label in labels:
            value = figures[label][name]
            falcon = figures[label].get("falcon + msgspec")
            ratio = f" ({value / falcon:.2f}x)" if falcon else ""
            cells.append(f"{value:,.1f}{ratio}")
        rows.append(cells)
    note = "lower is better" if lower_is_better else "higher is better"
    return f"{unit}, ratio to Falcon + msgspec in brackets ({note})\n\n" + format_table(
        ["stack", *labels], rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--granian", action="store_true", help="also measure end to end")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per endpoint")
    parser.add_argument("--e2e-rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="stack names to keep")
    args = parser.parse_args()
    print(versions("microroutes", "falcon", "flask", "pydantic", "fastapi", "litestar", "granian"))
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        stacks = build_stacks(root, args.only)
        check_answers(stacks)
        print("\nIn-process, median of rounds:\n")
        print(report(in_process(stacks, args.requests, args.rounds), "µs/request", True))
        if args.granian:
            figures = end_to_end(stacks, args.seconds, args.e2e_rounds, root)
            print("\nEnd to end, granian --workers 2, wrk -t2 -c32, median of rounds:\n")
            print(report(figures, "req/s", False))


if __name__ == "__main__":
    main()
