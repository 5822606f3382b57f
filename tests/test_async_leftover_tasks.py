"""Tasks an ``async def`` handler starts and leaves running end with its request.

They are cancelled (and logged) when the request's async work ends, so they
never run inside a later, unrelated request on the same event loop, and the
number of pending tasks stays flat however many requests left one behind.
Checked in process and against a real waitress process whose single thread
reuses one loop for every request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_for, write_files
from servers import Server, running
from test_raw_http import port_of, read_until_closed

import microroutes.asyncio_bridge as bridge
from microroutes import App

#: Seconds without an answer before a read counts as a hang.
HANG = 20.0

SITE = {
    "pending.py": """\
        import asyncio
        import gc


        def pending_tasks():
            gc.collect()  # a task dropped with its closed loop lingers until collected
            return sum(
                1 for task in gc.get_objects() if isinstance(task, asyncio.Task) and not task.done()
            )
        """,
    "pages/leave.py": """\
        import asyncio


        async def _forever():
            await asyncio.sleep(3600)


        async def GET(req, res):
            asyncio.get_running_loop().create_task(_forever())
            return {"left": 1}
        """,
    "pages/spin.py": """\
        import asyncio


        async def _spin(state):
            while True:
                await asyncio.sleep(0)
                state.steps = getattr(state, "steps", 0) + 1


        async def GET(req, res):
            asyncio.get_running_loop().create_task(_spin(req.app.state))
            return {"spinning": True}
        """,
    "pages/probe.py": """\
        import asyncio

        from pending import pending_tasks


        async def GET(req, res):
            state = req.app.state
            before = getattr(state, "steps", 0)
            for _ in range(10):
                await asyncio.sleep(0)
            # This request's own task is the one pending task expected.
            steps = getattr(state, "steps", 0) - before
            return {"leftover_steps": steps, "pending": pending_tasks()}
        """,
    "pages/stubborn.py": """\
        import asyncio


        async def _refuse(state):
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                state.refused = True
                await asyncio.Event().wait()  # never returns: ignores the cancellation


        async def GET(req, res):
            asyncio.get_running_loop().create_task(_refuse(req.app.state))
            return {"ok": True}
        """,
    "pages/feed.py": """\
        import asyncio


        async def _produce(queue):
            for number in range(5):
                await asyncio.sleep(0)
                await queue.put(f"{number}\\n")
            await queue.put(None)


        async def _items(queue):
            while (item := await queue.get()) is not None:
                yield item


        async def GET(req, res):
            queue = asyncio.Queue()
            asyncio.get_running_loop().create_task(_produce(queue))
            res.set_header("Content-Type", "text/plain")
            return _items(queue)
        """,
    "pages/mw/index.py": "def GET(req, res):\n    return {'through': 'middleware'}\n",
    "pages/mw/_middleware.py": """\
        import asyncio


        async def _forever():
            await asyncio.sleep(3600)


        async def middleware(req, res, call_next):
            if req.query.get("leave"):
                asyncio.get_running_loop().create_task(_forever())
            return await call_next()
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("leftovers") / "site", SITE)


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    # One thread: every request takes the same event loop, as a busy server's thread does.
    with running("serve", str(site), "--threads", "1") as started:
        yield started


def get_all(port: int, paths: list[str]) -> list[bytes]:
    """GET each path in turn on one keep-alive connection; each raw answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as sock:
        requests = [f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n" for path in paths]
        requests[-1] = requests[-1][:-2] + "Connection: close\r\n\r\n"
        sock.sendall("".join(requests).encode())
        raw = read_until_closed(sock, HANG)
    answers = raw.split(b"HTTP/1.1 ")[1:]
    assert len(answers) == len(paths), raw[-500:]
    return answers


def json_of(answer: bytes) -> object:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def test_a_leftover_task_never_runs_inside_the_next_request(server: Server) -> None:
    spin, probe = get_all(port_of(server), ["/spin", "/probe"])
    assert json_of(spin) == {"spinning": True}
    assert json_of(probe) == {"leftover_steps": 0, "pending": 1}
    server.wait_for_output("spin.py: GET left 1 asyncio task(s) running", "_spin")


def test_pending_tasks_stay_flat_under_many_requests_leaving_one(server: Server) -> None:
    port = port_of(server)
    answers = get_all(port, ["/leave"] * 250 + ["/probe"])
    assert all(json_of(answer) == {"left": 1} for answer in answers[:-1])
    assert json_of(answers[-1]) == {"leftover_steps": 0, "pending": 1}
    server.wait_for_output("leave.py: GET left 1 asyncio task(s) running")


def test_async_middleware_leftovers_are_cancelled_too(server: Server) -> None:
    answers = get_all(port_of(server), ["/mw?leave=1"] * 20 + ["/probe"])
    assert all(json_of(answer) == {"through": "middleware"} for answer in answers[:-1])
    assert json_of(answers[-1]) == {"leftover_steps": 0, "pending": 1}
    server.wait_for_output("mw/_middleware.py: middleware left 1 asyncio task(s) running")


# -- in process --------------------------------------------------------------------------


def test_the_warning_names_the_route_and_the_task(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(App(site))
    # Tasks other tests of this process left elsewhere count too: compare with a baseline.
    baseline = client.get("/probe").json["pending"]
    with caplog.at_level(logging.WARNING, logger="microroutes"):
        assert client.get("/leave").json == {"left": 1}
    [record] = [r for r in caplog.records if "asyncio task" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "leave.py: GET left 1 asyncio task(s) running when its request ended" in (
        record.getMessage()
    )
    assert "_forever" in record.getMessage()
    assert client.get("/probe").json == {"leftover_steps": 0, "pending": baseline}


def test_tasks_a_streaming_handler_starts_live_until_its_body_ends(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="microroutes"):
        response = client_for(App(site)).get("/feed")
    assert response.data == b"0\n1\n2\n3\n4\n"
    assert not [r for r in caplog.records if "asyncio task" in r.getMessage()]


def test_a_task_ignoring_cancellation_is_logged_and_its_loop_not_reused(
    site: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge, "TASK_CANCEL_WAIT", 0.05)
    app = App(site)
    client = client_for(app)
    baseline = client.get("/probe").json["pending"]
    with caplog.at_level(logging.WARNING, logger="microroutes"):
        assert client.get("/stubborn").json == {"ok": True}
    assert app.state.refused is True
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        "stubborn.py: GET: 1 asyncio task(s) still running" in message and "not reused" in message
        for message in errors
    ), errors
    # The stuck task is gone with its loop: the next request runs on a fresh one.
    assert client.get("/probe").json == {"leftover_steps": 0, "pending": baseline}


def test_run_awaitable_cancels_what_it_leaves() -> None:
    started: list[asyncio.Task[None]] = []

    async def leave() -> str:
        started.append(asyncio.get_running_loop().create_task(asyncio.sleep(3600)))
        return "done"

    assert bridge.run_awaitable(leave(), "a test") == "done"
    assert started[0].cancelled()
