"""Graceful stop with real signals: in-flight requests finish, new connections are refused.

The slow route writes a ``started`` file and then waits for a ``release``
file, so the test knows the request is in flight before it signals, and
decides when it may finish.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from pathlib import Path

import pytest
from servers import Server, listening, running

SITE = {
    "pages/_app.py": """
        import os

        def shutdown(app):
            with open(os.environ["MARKER"], "a") as f:
                f.write(f"shutdown {os.getpid()}\\n")
    """,
    "pages/api/slow.py": """
        import os, time
        from pathlib import Path

        def GET(req, res):
            folder = Path(os.environ["SLOW_DIR"])
            (folder / "started").write_text("")
            deadline = time.monotonic() + 20
            while not (folder / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            return {"finished": True}
    """,
    "pages/api/fast.py": "def GET(req, res):\n    return {'fast': True}\n",
}

CASES = [
    pytest.param(("serve",), signal.SIGTERM, id="waitress-SIGTERM"),
    pytest.param(("serve",), signal.SIGINT, id="waitress-SIGINT"),
    pytest.param(
        ("serve", "--server", "granian", "--workers", "2"), signal.SIGTERM, id="granian-SIGTERM"
    ),
    pytest.param(
        ("serve", "--server", "granian", "--workers", "2"), signal.SIGINT, id="granian-SIGINT"
    ),
]


def _wait_for(path: Path, what: str) -> None:
    deadline = time.monotonic() + 15
    while not path.exists():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _stops_listening(server: Server) -> bool:
    """Whether the server lets go of its listening socket, waiting up to 10 s for it.

    New connections are then refused by the kernel; connecting to find out
    would be fooled by another test's server taking the freed port number.
    """
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not listening(server.process.pid):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(("command", "signum"), CASES)
def test_a_signal_drains_in_flight_requests_then_runs_shutdown(
    make_site, tmp_path: Path, command: tuple[str, ...], signum: signal.Signals
) -> None:
    site = make_site(SITE)
    slow_dir = tmp_path / "slow"
    slow_dir.mkdir()
    marker = tmp_path / "marker"
    env = {"MARKER": str(marker), "SLOW_DIR": str(slow_dir)}
    answers: list[tuple[int, dict[str, str], bytes]] = []
    with running(*command, str(site), env=env) as server:
        assert server.request("GET", "/api/fast")[0] == 200
        in_flight = threading.Thread(target=lambda: answers.append(_slow(server)))
        in_flight.start()
        _wait_for(slow_dir / "started", "the slow request to start")
        assert listening(server.process.pid)
        server.process.send_signal(signum)
        assert _stops_listening(server)
        assert server.process.poll() is None  # still draining
        (slow_dir / "release").write_text("")
        # Generous bounds: they only guard against a hang on a loaded machine.
        in_flight.join(60)
        server.process.wait(60)
    status, _, body = answers[0]
    assert (status, json.loads(body)) == (200, {"finished": True})
    shutdowns = marker.read_text().splitlines()
    assert len(shutdowns) == (2 if "granian" in command else 1)
    assert all(line.startswith("shutdown ") for line in shutdowns)


def _slow(server: Server) -> tuple[int, dict[str, str], bytes]:
    return server.request("GET", "/api/slow")


def test_waitress_closes_after_the_graceful_timeout(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    slow_dir = tmp_path / "slow"
    slow_dir.mkdir()
    env = {"MARKER": str(tmp_path / "marker"), "SLOW_DIR": str(slow_dir)}
    with running("serve", str(site), "--graceful-timeout", "0.5", env=env) as server:
        stuck = threading.Thread(target=lambda: _ignore_errors(server), daemon=True)
        stuck.start()
        _wait_for(slow_dir / "started", "the slow request to start")
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(15)
        (slow_dir / "release").write_text("")
    assert "1 connection(s) still busy after 0.5 s; closing" in "".join(server.output)


def _ignore_errors(server: Server) -> None:
    with contextlib.suppress(OSError):  # the server closes the connection: that is the point
        server.request("GET", "/api/slow")
