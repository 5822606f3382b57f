"""``HEAD`` on a stream that never ends, against real waitress and granian processes.

A ``HEAD`` runs a streamed body only to measure it, and only for a bounded
number of chunks (``App(head_drain_chunks=...)``): a longer stream is closed
and answered without a ``Content-Length``. Endless streams (server-sent
events, sync and async) must neither hold a server thread nor be left open.
A socket timeout is what detects a hang.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_for, write_files
from servers import Server, running
from test_raw_http import RawResponse, parse_response, port_of, read_until_closed
from test_raw_http import request as send

from microroutes import App

#: Seconds without an answer before a read counts as a hang.
HANG = 10.0

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/events.py": """\
        import itertools
        import os
        import uuid
        from pathlib import Path


        def GET(req, res):
            res.set_header("Content-Type", "text/event-stream")
            tag = req.query.get("tag", "none")

            def events():
                try:
                    for number in itertools.count():
                        yield f"data: {number}\\n\\n"
                finally:
                    Path(os.environ["MARKERS"], f"{tag}-{uuid.uuid4().hex}").write_text("closed")

            return events()
        """,
    "pages/async-events.py": """\
        import asyncio
        import itertools
        import os
        import uuid
        from pathlib import Path


        async def GET(req, res):
            res.set_header("Content-Type", "text/event-stream")
            tag = req.query.get("tag", "none")
            try:
                for number in itertools.count():
                    await asyncio.sleep(0)
                    yield f"data: {number}\\n\\n"
            finally:
                Path(os.environ["MARKERS"], f"{tag}-{uuid.uuid4().hex}").write_text("closed")
        """,
    "pages/mw/_middleware.py": """\
        def middleware(req, res, call_next):
            response = call_next()
            response.set_header("X-Through", "middleware")
            return response
        """,
    "pages/mw/events.py": """\
        import itertools


        def GET(req, res):
            return (b"tick\\n" for _ in itertools.count())
        """,
    "pages/rows/[count].py": """\
        def GET(req, res, count: int):
            res.set_header("Content-Type", "text/plain")
            return (f"row {number}\\n" for number in range(count))
        """,
}

ENDLESS = ["/events", "/async-events"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("head") / "site", SITE)


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("head-markers")


@pytest.fixture(scope="module")
def waitress(site: Path, markers: Path) -> Iterator[Server]:
    with running("serve", str(site), env={"MARKERS": str(markers)}) as started:
        yield started


@pytest.fixture(scope="module")
def granian(site: Path, markers: Path) -> Iterator[Server]:
    command = ("serve", str(site), "--server", "granian", "--workers", "1", "--threads", "1")
    with running(*command, env={"MARKERS": str(markers)}) as started:
        yield started


def read_head(sock: socket.socket) -> bytes:
    """Bytes up to the end of the first response head; a hang fails the test."""
    data = b""
    deadline = time.monotonic() + HANG
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise AssertionError(f"no answer head within {HANG}s; got {data[:300]!r}") from None
        if not chunk:
            raise AssertionError(f"closed before the head ended: {data[:300]!r}")
        data += chunk
    return data


def concurrent_heads(port: int, path: str, count: int) -> list[bytes]:
    """``count`` HEADs on ``path``, all sent before any answer is read; each answer's bytes.

    Each socket is read until its answer's head ends (granian keeps the
    connection open; waitress closes it and its whole output is returned).
    """
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=HANG) for _ in range(count)]
    try:
        for sock in sockets:
            sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return [read_head(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def closed_streams(markers: Path, tag: str, expected: int) -> int:
    """How many streams tagged ``tag`` were closed, waiting up to :data:`HANG` for ``expected``."""
    deadline = time.monotonic() + HANG
    while True:
        found = len(list(markers.glob(f"{tag}-*")))
        if found >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def assert_head_without_length(raw: bytes) -> RawResponse:
    response = parse_response(raw)
    assert response.status == 200
    assert response.header("Content-Type") == "text/event-stream"
    assert response.header("Content-Length") is None
    return response


@pytest.mark.parametrize("path", ENDLESS)
def test_endless_heads_under_waitress_each_answer_and_the_server_keeps_serving(
    waitress: Server, markers: Path, path: str
) -> None:
    port = port_of(waitress)
    tag = uuid.uuid4().hex
    # More than waitress's 8 threads: draining forever would take every one of them.
    answers = concurrent_heads(port, f"{path}?tag={tag}", 10)
    for raw in answers:
        assert_head_without_length(raw)
    assert send(port, b"GET /ok HTTP/1.1").json() == {"ok": True}
    assert closed_streams(markers, tag, 10) == 10


@pytest.mark.parametrize("path", ENDLESS)
def test_endless_heads_under_granian_each_answer_and_the_server_keeps_serving(
    granian: Server, markers: Path, path: str
) -> None:
    port = port_of(granian)
    tag = uuid.uuid4().hex
    answers = concurrent_heads(port, f"{path}?tag={tag}", 5)
    for raw in answers:
        assert_head_without_length(raw)
    assert send(port, b"GET /ok HTTP/1.1").json() == {"ok": True}
    assert closed_streams(markers, tag, 5) == 5


def test_an_unmeasured_head_under_waitress_ends_with_its_head(waitress: Server) -> None:
    with socket.create_connection(("127.0.0.1", port_of(waitress)), timeout=HANG) as sock:
        sock.sendall(b"HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = read_until_closed(sock, HANG)
    assert_head_without_length(raw)
    assert raw.endswith(b"\r\n\r\n")  # no stray last chunk after the head
    assert raw.count(b"\r\n\r\n") == 1


def test_an_unmeasured_head_under_granian_keeps_the_connection_in_step(granian: Server) -> None:
    with socket.create_connection(("127.0.0.1", port_of(granian)), timeout=HANG) as sock:
        sock.sendall(
            b"HEAD /async-events HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        raw = read_until_closed(sock, HANG)
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert_head_without_length(head + b"\r\n\r\n")
    assert parse_response(rest).json() == {"ok": True}


@pytest.mark.parametrize("server_name", ["waitress", "granian"])
def test_a_short_stream_is_still_measured(server_name: str, request: pytest.FixtureRequest) -> None:
    server: Server = request.getfixturevalue(server_name)
    port = port_of(server)
    get = send(port, b"GET /rows/16 HTTP/1.1")
    head = send(port, b"HEAD /rows/16 HTTP/1.1")
    assert head.status == 200
    assert head.header("Content-Length") == str(len(get.body))
    assert head.body == b""


# -- the setting, in process -------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "count", "measured"),
    [(16, 16, True), (16, 17, False), (2, 2, True), (2, 3, False), (0, 0, True), (0, 1, False)],
)
def test_head_drain_chunks_bounds_what_is_measured(
    site: Path, limit: int, count: int, measured: bool
) -> None:
    client = client_for(App(site, head_drain_chunks=limit))
    head = client.head(f"/rows/{count}")
    assert (head.status_code, head.data) == (200, b"")
    expected = str(len(client.get(f"/rows/{count}").data)) if measured else None
    assert head.headers.get("Content-Length") == expected


@pytest.mark.parametrize("path", ENDLESS)
def test_an_endless_stream_in_process_is_closed_after_the_bound(
    site: Path, markers: Path, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARKERS", str(markers))
    tag = uuid.uuid4().hex
    head = client_for(App(site, head_drain_chunks=4)).head(f"{path}?tag={tag}")
    assert (head.status_code, head.data) == (200, b"")
    assert "Content-Length" not in head.headers
    assert len(list(markers.glob(f"{tag}-*"))) == 1


def test_head_drain_chunks_can_be_set_at_startup(site: Path) -> None:
    app = App(site)
    app.head_drain_chunks = 1
    assert "Content-Length" not in client_for(app).head("/rows/2").headers


@pytest.mark.parametrize("value", [-1, 1.5, "16", True, None])
def test_head_drain_chunks_must_be_a_chunk_count(site: Path, value: object) -> None:
    with pytest.raises(ValueError, match="head_drain_chunks must be a number of chunks"):
        App(site, head_drain_chunks=value)  # type: ignore[arg-type]


def test_head_drain_chunks_set_later_is_checked_too(site: Path) -> None:
    app = App(site)
    with pytest.raises(ValueError, match="head_drain_chunks must be a number of chunks"):
        app.head_drain_chunks = -1
    assert app.head_drain_chunks == 16


def test_an_endless_stream_behind_middleware_is_bounded_too(site: Path) -> None:
    head = client_for(App(site)).head("/mw/events")
    assert (head.status_code, head.data, head.headers["X-Through"]) == (200, b"", "middleware")
    assert "Content-Length" not in head.headers
