"""Readiness routes: 200 while serving, 503 through the drain delay after SIGTERM (real servers)."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import client_for, without_request_id
from servers import Server, run_command, running

SITE = {
    "pages/healthz.py": "from microroutes.health import ready\n\nGET = ready()\n",
    "pages/fast.py": "def GET(req, res):\n    return {'fast': True}\n",
    "pages/slow.py": """
import os
import time
from pathlib import Path


def GET(req, res):
    Path(os.environ["SLOW_STARTED"]).touch()
    deadline = time.monotonic() + 60
    while not os.path.exists(os.environ["SLOW_RELEASE"]):
        if time.monotonic() > deadline:
            return {"slow": "never released"}
        time.sleep(0.01)
    return {"slow": "done"}
""",
}
SERVERS = {
    "waitress": (),
    "granian": ("--server", "granian", "--workers", "2", "--threads", "4"),
}
DEADLINE = 15.0


def _wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def _probe(server: Server) -> tuple[int, dict[str, str], Any]:
    status, headers, body = server.request("GET", "/healthz")
    return status, {name.lower(): value for name, value in headers.items()}, json.loads(body)


def _refuses_connections(server: Server) -> bool:
    address = urlsplit(server.url)
    try:
        with socket.create_connection((address.hostname, address.port), timeout=2):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("name", list(SERVERS))
def test_readiness_turns_503_while_the_server_drains_then_it_stops(
    make_site, tmp_path: Path, name: str
) -> None:
    site = make_site(SITE)
    started, release = tmp_path / "started", tmp_path / "release"
    env = {"SLOW_STARTED": str(started), "SLOW_RELEASE": str(release)}
    with running("serve", str(site), *SERVERS[name], "--drain-delay", "60", env=env) as server:
        status, headers, body = _probe(server)
        assert (status, body) == (200, {"status": "ready"})
        assert headers["cache-control"] == "no-store"

        slow: dict[str, Any] = {}
        in_flight = threading.Thread(
            target=lambda: slow.update(answer=server.request("GET", "/slow")), daemon=True
        )
        in_flight.start()
        _wait_until(started.exists, "the slow request started")

        server.process.send_signal(signal.SIGTERM)
        _wait_until(lambda: _probe(server)[0] == 503, "the probe answered 503")
        # Every worker drains, and each answer says why; other routes still answer.
        for _ in range(8):
            status, headers, body = _probe(server)
            assert status == 503
            assert without_request_id(body) == {"error": {"status": 503, "message": "draining"}}
            assert headers["cache-control"] == "no-store"
        assert server.request("GET", "/fast")[0] == 200
        assert in_flight.is_alive()

        # A second signal ends the drain delay: the server stops accepting...
        server.process.send_signal(signal.SIGTERM)
        _wait_until(lambda: _refuses_connections(server), "the server stopped accepting")
        assert server.process.poll() is None  # ...and waits for the request in flight,
        release.touch()
        in_flight.join(DEADLINE)
        status, _, answer = slow["answer"]
        assert (status, json.loads(answer)) == (200, {"slow": "done"})
        server.process.wait(DEADLINE)  # ...then exits.
    assert server.process.returncode == 0


def test_the_drain_delay_alone_ends_the_drain(make_site) -> None:
    site = make_site(SITE)
    with running("serve", str(site), "--drain-delay", "0.5") as server:
        assert _probe(server)[0] == 200
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(DEADLINE)
    assert server.process.returncode == 0


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_a_bad_drain_delay_is_refused(make_site, value: str) -> None:
    result = run_command("serve", str(make_site(SITE)), "--drain-delay", value)
    assert result.returncode == 2
    assert "--drain-delay" in result.stderr


CHECKED = """
import os

from microroutes.health import ready


def check(req):
    state = os.environ.get("READINESS", "ready")
    if state == "raise":
        raise ConnectionRefusedError("db down")
    return state == "ready"


GET = ready(check)
"""


@pytest.mark.parametrize(
    ("state", "status", "body"),
    [
        ("ready", 200, {"status": "ready"}),
        ("no", 503, {"error": {"status": 503, "message": "not ready"}}),
        ("raise", 503, {"error": {"status": 503, "message": "not ready: ConnectionRefusedError"}}),
    ],
)
def test_a_site_check_decides_readiness(
    make_site, monkeypatch: pytest.MonkeyPatch, state: str, status: int, body: Any
) -> None:
    monkeypatch.setenv("READINESS", state)
    client = client_for(make_site({"pages/ready.py": CHECKED}))
    answer = client.get("/ready")
    got = answer.json if status == 200 else without_request_id(answer.json)
    assert (answer.status_code, got) == (status, body)
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.head("/ready").status_code == status
