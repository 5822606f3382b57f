"""Faults seen on the wire, against real ``microroutes serve`` and ``microroutes dev`` processes.

Raw sockets, so what the server writes is checked byte for byte: a HEAD
answer ends with its head, a stream that dies of ``SystemExit`` closes the
connection instead of leaving the client waiting, a header the server would
refuse is our JSON 500, and a body the dev server cannot de-chunk is a 400
without a traceback. A socket timeout is what detects a hang.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_for, without_request_id, write_files
from servers import Server, running
from test_raw_http import parse_response, port_of, read_until_closed, request

GENERIC_500 = {"error": {"status": 500, "message": "internal server error"}}
#: Seconds without a byte or a close before a read counts as a hang.
HANG = 10.0

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/echo.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/stream.py": """\
        def GET(req, res):
            res.set_header("Content-Type", "text/plain; charset=utf-8")

            def rows():
                for number in range(3):
                    yield f"row {number}\\n"
            return rows()
        """,
    "pages/sized-stream.py": """\
        import os
        from pathlib import Path

        def GET(req, res):
            res.set_header("Content-Length", "6")

            def rows():
                yield b"abc"
                yield b"def"
                Path(os.environ["MARKER"]).write_text("ran to the end")
            return rows()
        """,
    "pages/dies.py": """\
        def GET(req, res):
            kind = req.query["kind"]

            def rows():
                yield b"first chunk\\n"
                if kind == "exit":
                    raise SystemExit(1)
                if kind == "interrupt":
                    raise KeyboardInterrupt
                raise GeneratorExit
            return rows()
        """,
    "pages/header.py": """\
        def GET(req, res):
            res.set_header(req.query["name"], req.query["value"])
            return {"ok": True}
        """,
    "pages/tuple.py": "def GET(req, res):\n    return 'created', 201\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("wire") / "site", SITE)


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers") / "sized-stream"


@pytest.fixture(scope="module")
def server(site: Path, marker: Path) -> Iterator[Server]:
    with running("serve", str(site), env={"MARKER": str(marker)}) as started:
        yield started


def output_shows(server: Server, text: str) -> bool:
    """Whether the server printed ``text``, waiting up to :data:`HANG` seconds for its output."""
    deadline = time.monotonic() + HANG
    while text not in "".join(server.output):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def exchange_raw(port: int, data: bytes) -> bytes:
    """Send ``data`` and read until the server closes; a hang fails the test."""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as sock:
        sock.sendall(data)
        return read_until_closed(sock, HANG)


# -- HEAD on a stream ----------------------------------------------------------------


def test_head_on_a_stream_ends_with_its_head(server: Server) -> None:
    port = port_of(server)
    raw = exchange_raw(port, b"HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    _, _, after = raw.partition(b"\r\n\r\n")
    assert after == b""  # no stray last chunk
    response = parse_response(raw)
    assert response.status == 200
    assert response.header("Transfer-Encoding") is None
    get = request(port, b"GET /stream HTTP/1.1")
    assert response.header("Content-Length") == str(len(get.body))
    assert get.body == b"row 0\nrow 1\nrow 2\n"


def test_head_on_a_stream_that_declares_its_length_does_not_run_it(
    server: Server, marker: Path
) -> None:
    port = port_of(server)
    raw = exchange_raw(port, b"HEAD /sized-stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n")
    assert parse_response(raw).header("Content-Length") == "6"
    assert not marker.exists()
    assert request(port, b"GET /sized-stream HTTP/1.1").body == b"abcdef"
    assert marker.read_text() == "ran to the end"


def test_head_on_a_stream_that_declares_its_length_in_process(site: Path) -> None:
    response = client_for(site).head("/sized-stream")
    assert (response.status_code, response.headers["Content-Length"], response.data) == (
        200,
        "6",
        b"",
    )


def test_head_then_get_on_one_connection_stay_in_step(server: Server) -> None:
    # A stray "0\r\n\r\n" after the HEAD would be read as the start of the next answer.
    data = (
        b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    raw = exchange_raw(port_of(server), data)
    first, _, rest = raw.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n")
    assert parse_response(rest).json() == {"ok": True}


# -- streams dying of BaseException --------------------------------------------------


@pytest.mark.parametrize("kind", ["exit", "interrupt", "generator-exit"])
def test_a_stream_dying_of_a_base_exception_closes_the_connection(
    server: Server, kind: str
) -> None:
    port = port_of(server)
    raw = exchange_raw(port, f"GET /dies?kind={kind} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    response = parse_response(raw)
    assert response.status == 200
    assert response.body == b"first chunk\n"
    assert not response.complete  # cut short: the client can tell
    assert request(port, b"GET /ok HTTP/1.1").json() == {"ok": True}


def test_the_server_logs_the_stream_that_died_and_keeps_every_thread(server: Server) -> None:
    port = port_of(server)
    # waitress has 4 threads by default: more dead streams than threads, then normal service.
    for _ in range(6):
        exchange_raw(port, b"GET /dies?kind=exit HTTP/1.1\r\nHost: x\r\n\r\n")
    answers = [request(port, b"GET /ok HTTP/1.1").status for _ in range(6)]
    assert answers == [200] * 6
    assert output_shows(server, "dies.py: the streamed body raised SystemExit")


# -- bad headers and return values ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("Connection", "close"), ("Transfer-Encoding", "chunked"), ("Content-Length", "abc")],
)
def test_a_header_the_server_would_refuse_is_our_json_500(
    server: Server, name: str, value: str
) -> None:
    target = f"/header?name={name}&value={value}".encode()
    response = request(port_of(server), b"GET " + target + b" HTTP/1.1")
    assert response.status == 500
    assert response.header("Content-Type") == "application/json"
    assert without_request_id(response.json()) == GENERIC_500


def test_a_returned_tuple_is_one_whole_500_never_a_cut_stream(server: Server) -> None:
    response = request(port_of(server), b"GET /tuple HTTP/1.1")
    assert response.status == 500
    assert response.header("Content-Length") is not None
    assert without_request_id(response.json()) == GENERIC_500
    assert b"created" not in response.raw


# -- the dev server and unreadable bodies --------------------------------------------


@pytest.fixture(scope="module")
def dev_server(site: Path) -> Iterator[Server]:
    with running("dev", str(site)) as started:
        yield started


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"],
    ids=["bad chunk size", "missing chunk terminator"],
)
def test_a_malformed_chunked_body_under_dev_is_a_400_without_traceback(
    dev_server: Server, body: bytes
) -> None:
    head = b"Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n"
    response = request(port_of(dev_server), b"POST /echo HTTP/1.1", head, body)
    assert response.status == 400
    assert without_request_id(response.json()) == {
        "error": {
            "status": 400,
            "message": "the request body could not be read: malformed or cut short",
        }
    }
    assert b"Traceback" not in response.raw
    request_id = response.json()["error"]["request_id"]
    assert output_shows(
        dev_server,
        f"client error: could not read the body of POST /echo (request id {request_id}): OSError",
    )


def test_a_client_leaving_mid_chunked_body_under_dev_is_a_400(dev_server: Server) -> None:
    port = port_of(dev_server)
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
        sock.shutdown(socket.SHUT_WR)  # gone mid-chunk
        response = parse_response(read_until_closed(sock, HANG))
    assert response.status == 400
    assert b"Traceback" not in response.raw
    assert request(port, b"GET /ok HTTP/1.1").json() == {"ok": True}
