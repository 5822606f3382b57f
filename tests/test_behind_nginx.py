"""granian behind a real nginx, configured as ``docs/deploying.md`` shows ("Behind nginx").

granian alone hands a handler a malformed chunked body as an empty one, and
reads bodies with no time limit, so slow clients on a route that reads its
body hold worker threads. The documented nginx in front refuses the first
with a 400 and reads whole bodies itself, cutting off a client that stops
sending: the app only ever sees complete requests.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest
from conftest import write_files
from pg import free_port
from servers import Server, running
from test_raw_http import exchange, port_of, read_until_closed
from test_serving_slow_clients import DECLARED, dribbling
from topology import Nginx, documented_site

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/reads.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
}
#: Two workers of one thread each: two slow bodies reaching granian would hold it all.
GRANIAN = ("--server", "granian", "--workers", "2", "--threads", "1")
#: nginx's client_body_timeout here, shorter than the documented one to keep the test short.
BODY_TIMEOUT = 2
#: Generous: only guards against a hang on a loaded machine.
ANSWER_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def fronted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """granian serving :data:`SITE`, and nginx's port in front of it."""
    site = write_files(tmp_path_factory.mktemp("behind-nginx"), SITE)
    with running("serve", str(site), *GRANIAN) as server:
        upstream = server.url.removeprefix("http://")
        port = free_port()
        nginx = Nginx(
            [upstream],
            port,
            site=documented_site(upstream, f"127.0.0.1:{port}", body_timeout=BODY_TIMEOUT),
            ready_path="/ok",
        )
        try:
            nginx.start()
            yield server, port
        finally:
            nginx.stop()


def _exchange(port: int, request: bytes) -> bytes:
    return exchange(port, request, timeout=ANSWER_TIMEOUT)


def _chunked(size_line: str) -> bytes:
    return (
        "POST /reads HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
        f"Connection: close\r\n\r\n{size_line}\r\nhello\r\n0\r\n\r\n"
    ).encode()


def _body_of(answer: bytes) -> object:
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def test_a_valid_chunked_body_reaches_the_app_whole(fronted: tuple[Server, int]) -> None:
    _, port = fronted
    assert _body_of(_exchange(port, _chunked("5"))) == {"size": 5}


@pytest.mark.parametrize("size_line", ["-1", "+5", "0x5", "99999999999999999999"])
def test_a_malformed_chunk_size_is_refused_before_the_app(
    fronted: tuple[Server, int], size_line: str
) -> None:
    server, port = fronted
    # granian alone gives the handler an empty body: a 200 saying so.
    assert _body_of(_exchange(port_of(server), _chunked(size_line))) == {"size": 0}
    answer = _exchange(port, _chunked(size_line))
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert b"\r\nServer: nginx" in answer, answer


def test_slow_bodies_take_no_worker_from_other_clients(fronted: tuple[Server, int]) -> None:
    _, port = fronted
    # Four slow bodies, a byte every 100 ms (within the body timeout): twice the
    # threads granian has in all.
    with dribbling(("127.0.0.1", port), "/reads", 4) as answers:
        for _ in range(3):
            get = b"GET /ok HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
            assert _body_of(_exchange(port, get)) == {"ok": True}
            post = (
                b"POST /reads HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n"
                b"Connection: close\r\n\r\nabc"
            )
            assert _body_of(_exchange(port, post)) == {"size": 3}
        assert answers == []  # still sending, and still connected


def test_a_client_that_stops_sending_its_body_is_cut_off(fronted: tuple[Server, int]) -> None:
    _, port = fronted
    with socket.create_connection(("127.0.0.1", port), ANSWER_TIMEOUT) as connection:
        head = f"POST /reads HTTP/1.1\r\nHost: test\r\nContent-Length: {DECLARED}\r\n\r\n"
        connection.sendall(head.encode() + b"x" * 10)
        began = time.monotonic()
        ready, _, _ = select.select([connection], [], [], ANSWER_TIMEOUT)
        assert ready, "nginx never cut the stalled body off"
        answer = read_until_closed(connection, ANSWER_TIMEOUT)
        waited = time.monotonic() - began
    assert answer == b"", answer  # nginx closes a connection that timed out, saying nothing
    # Cut off by the body timeout, not by the guard above.
    assert BODY_TIMEOUT - 0.5 <= waited < ANSWER_TIMEOUT
