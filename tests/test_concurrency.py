"""Thread safety under waitress's thread pool.

No request state lives in module globals or thread-locals, so concurrent
requests never see each other's data; a route module is imported exactly
once even when its first requests arrive together.
"""

from __future__ import annotations

import ast
import http.client
import json
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import without_request_id, write_files
from servers import Server, running
from waitress import wasyncore
from waitress.server import create_server

import microroutes
from microroutes import App

THREADS = 8
REQUESTS_PER_THREAD = 25

ECHO_ROUTE = """\
import random
import time

def handler(req, res):
    uid = req.params["uid"]          # read first ...
    time.sleep(random.uniform(0.001, 0.006))
    return {                         # ... and the rest after other requests had a go
        "uid": uid,
        "method": req.method,
        "query": req.query.get("q"),
        "tags": req.query.getlist("tag"),
        "header": req.headers.get("X-Token"),
        "cookie": req.cookies.get("c"),
        "body": req.json,
        "path": req.path,
    }
"""

#: Imported slowly on purpose, logging each import to ``$COUNTER_FILE``.
SLOW_IMPORT_ROUTE = """\
import os
import time

with open(os.environ["COUNTER_FILE"], "a") as counter:
    counter.write(__name__ + "\\n")
time.sleep(0.15)

def GET(req, res):
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = write_files(
        tmp_path_factory.mktemp("concurrency") / "site", {"pages/echo/[uid].py": ECHO_ROUTE}
    )
    with running("serve", str(site), "--threads", str(THREADS)) as server:
        yield server


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def one_client(port: int, worker: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``REQUESTS_PER_THREAD`` requests on one keep-alive connection: (sent, answer) pairs."""
    results = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for n in range(REQUESTS_PER_THREAD):
            token = uuid.uuid4().hex
            method = "POST" if n % 2 else "PUT"
            sent = {
                "uid": f"w{worker}-{n}-{token[:6]}",
                "method": method,
                "query": f"q-{token}",
                "tags": [f"t1-{token}", f"t2-{token}"],
                "header": f"h-{token}",
                "cookie": f"c-{token}",
                "body": {"token": token, "n": n, "worker": worker},
            }
            sent["path"] = f"/echo/{sent['uid']}"
            connection.request(
                method,
                f"{sent['path']}?q={sent['query']}&tag={sent['tags'][0]}&tag={sent['tags'][1]}",
                body=json.dumps(sent["body"]),
                headers={
                    "X-Token": sent["header"],
                    "Cookie": f"other=1; c={sent['cookie']}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            assert response.status == 200
            results.append((sent, json.loads(response.read())))
    finally:
        connection.close()
    return results


def test_concurrent_requests_never_see_each_others_data(echo_server: Server) -> None:
    port = port_of(echo_server)
    with ThreadPoolExecutor(THREADS) as pool:
        batches = list(pool.map(lambda worker: one_client(port, worker), range(THREADS)))
    pairs = [pair for batch in batches for pair in batch]
    assert len(pairs) == THREADS * REQUESTS_PER_THREAD
    mismatched = [(sent, got) for sent, got in pairs if sent != got]
    assert not mismatched, mismatched[:3]


# -- imports under concurrency -----------------------------------------------------------


@contextmanager
def waitress_serving(app: App, threads: int = THREADS) -> Iterator[int]:
    """A real waitress server in this process (so the app is not pre-loaded); its port."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads)
    stop = threading.Event()

    def serve() -> None:
        # waitress's own loop, in short turns, so the server stops in its own thread.
        while not stop.is_set():
            wasyncore.loop(timeout=0.02, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    runner = threading.Thread(target=serve, daemon=True)
    runner.start()
    try:
        yield int(server.effective_port)
    finally:
        stop.set()
        runner.join(10)
        assert not runner.is_alive()


def hit_together(port: int, paths: list[str]) -> list[tuple[int, bytes]]:
    """GET every path at once, from one thread each, released by a barrier."""
    barrier = threading.Barrier(len(paths))

    def get(path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        try:
            connection.connect()
            barrier.wait(10)
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(get, paths))


def test_concurrent_first_requests_import_a_route_exactly_once(
    make_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "imports.log"
    monkeypatch.setenv("COUNTER_FILE", str(counter))
    site = make_site(
        {
            "pages/slow.py": SLOW_IMPORT_ROUTE,
            "pages/items/[id].py": SLOW_IMPORT_ROUTE,
            "pages/mw/_middleware.py": "import os, time\n"
            "with open(os.environ['COUNTER_FILE'], 'a') as f:\n"
            "    f.write(__name__ + '\\n')\n"
            "time.sleep(0.15)\n"
            "def middleware(req, res, call_next):\n    return call_next()\n",
            "pages/mw/index.py": SLOW_IMPORT_ROUTE,
        }
    )
    app = App(site)
    paths = ["/slow", "/items/a", "/items/b", "/mw"] * 4
    with waitress_serving(app) as port:
        answers = hit_together(port, paths)
    assert all(status == 200 for status, _ in answers), answers
    imported = counter.read_text().splitlines()
    assert len(imported) == 4, imported  # slow, items/[id], mw/_middleware, mw/index
    assert len(set(imported)) == 4, imported


def test_concurrent_first_requests_to_a_broken_route_all_fail_cleanly(
    make_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "imports.log"
    monkeypatch.setenv("COUNTER_FILE", str(counter))
    site = make_site(
        {
            "pages/broken.py": SLOW_IMPORT_ROUTE + "raise RuntimeError('cannot start')\n",
            "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
        }
    )
    with waitress_serving(App(site)) as port:
        answers = hit_together(port, ["/broken"] * 4 + ["/ok"] * 2)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 200] + [500] * 4
    assert all(
        without_request_id(body) == {"error": {"status": 500, "message": "internal server error"}}
        for status, body in answers
        if status == 500
    )
    # Imports are serialised per module: each failed attempt ran alone.
    assert 1 <= len(counter.read_text().splitlines()) <= 4


# -- no shared request state -------------------------------------------------------------


def module_globals() -> dict[tuple[str, str], int]:
    """``id()`` of every global of every loaded microroutes module."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name == "microroutes" or name.startswith("microroutes."):
            for key, value in vars(module).items():
                found[(name, key)] = id(value)
    return found


def test_serving_requests_rebinds_no_module_global(make_site) -> None:
    site = make_site({"pages/echo/[uid].py": ECHO_ROUTE})
    app = App(site)
    with waitress_serving(app) as port:
        one_client(port, 0)  # import everything a request touches
        before = module_globals()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda worker: one_client(port, worker), range(4)))
        after = module_globals()
    assert before == after


def test_the_library_keeps_no_thread_or_context_locals() -> None:
    package = Path(microroutes.__file__).parent
    offenders = []
    for file in sorted(package.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                offenders.append(f"{file.name}:{node.lineno}: global {', '.join(node.names)}")
            elif isinstance(node, ast.Attribute) and node.attr == "local":
                if isinstance(node.value, ast.Name) and node.value.id == "threading":
                    offenders.append(f"{file.name}:{node.lineno}: threading.local")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                if "contextvars" in names or module == "contextvars":
                    offenders.append(f"{file.name}:{node.lineno}: contextvars")
                if module == "threading" and "local" in names:
                    offenders.append(f"{file.name}:{node.lineno}: threading.local")
    assert not offenders, offenders
