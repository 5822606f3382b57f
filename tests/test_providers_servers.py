"""Generator providers finish after a streamed response under real servers.

The provider writes what happened to a file (the server is another process);
the test polls that file with a deadline.
"""

from __future__ import annotations

import http.client
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from servers import running

APP = """\
import os


class Connection:
    def __init__(self):
        self.chunks = 0


def _log(line):
    with open(os.environ["EVENTS_FILE"], "a") as file:
        file.write(line + "\\n")


def connection(req):
    conn = Connection()
    _log(f"open {req.path}")
    try:
        yield conn
    except Exception as error:
        _log(f"rollback {req.path} {type(error).__name__} after {conn.chunks}")
        raise
    else:
        _log(f"commit {req.path} after {conn.chunks}")


providers = {Connection: connection}
"""

ROUTE = """\
from .._app import Connection

def GET(req, res, conn: Connection):
    chunk = b"x" * int(req.query.get("size", "10"))
    total = int(req.query.get("chunks", "3"))
    fail = req.query.get("fail")

    def rows():
        for _ in range(total):
            conn.chunks += 1
            yield chunk
            if fail and conn.chunks == 2:
                raise LookupError("lost the cursor")

    return rows()
"""

SERVERS = [
    pytest.param(("serve",), id="waitress"),
    pytest.param(("serve", "--server", "granian", "--workers", "1"), id="granian"),
]


def _wait_for_line(file: Path, fragment: str, timeout: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        lines = file.read_text().splitlines() if file.exists() else []
        if any(fragment in line for line in lines):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"{fragment!r} never logged; got {lines!r}")
        time.sleep(0.02)


def _get(url: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        try:
            return response.status, response.read()
        except http.client.IncompleteRead as error:  # the server dropped a failed stream
            return response.status, error.partial
    finally:
        conn.close()


@pytest.mark.parametrize("command", SERVERS)
def test_generator_provider_finishes_after_the_stream(make_site, tmp_path, command) -> None:
    site = make_site({"pages/_app.py": APP, "pages/api/export.py": ROUTE})
    events = tmp_path / "events.log"
    with running(*command, str(site), env={"EVENTS_FILE": str(events)}) as server:
        status, body = _get(server.url, "/api/export")
        assert (status, body) == (200, b"x" * 30)
        lines = _wait_for_line(events, "commit /api/export")
        assert lines == ["open /api/export", "commit /api/export after 3"]

        status, body = _get(server.url, "/api/export?fail=1")
        assert status == 200  # the headers went out before the stream failed
        lines = _wait_for_line(events, "rollback")
        assert lines[-1] == "rollback /api/export LookupError after 2"


@pytest.mark.parametrize("command", SERVERS)
def test_generator_provider_finishes_when_the_client_hangs_up(make_site, tmp_path, command) -> None:
    site = make_site({"pages/_app.py": APP, "pages/api/export.py": ROUTE})
    events = tmp_path / "events.log"
    with running(*command, str(site), env={"EVENTS_FILE": str(events)}) as server:
        parts = urlsplit(server.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        # 64 KiB chunks, far more than socket buffers hold: the server must notice the hang-up.
        conn.request("GET", "/api/export?size=65536&chunks=100000")
        response = conn.getresponse()
        assert response.status == 200
        assert response.read(65536)
        response.close()  # the socket closes once both let go of it
        conn.close()
        lines = _wait_for_line(events, "/api/export after", timeout=30)
        finished = lines[-1]
        count = int(finished.rsplit(" ", 1)[1])
        assert count < 100000, finished
