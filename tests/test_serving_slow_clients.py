"""Slow request bodies do not take a server from other clients (raw sockets, real servers).

Two clients declare a 200 KB body and send one byte at a time, and keep at
it until the test is over; meanwhile a normal client must be answered.
waitress reads bodies off its threads; granian hands them to the app as
they come, so there a route that reads the body holds a thread while it
arrives (a worker has several), and a route that does not read it answers
at once.
"""

from __future__ import annotations

import importlib.util
import json
import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from servers import Server, running
from test_raw_http import read_until_closed

HAS_GRANIAN = importlib.util.find_spec("granian") is not None
GRANIAN = ("--server", "granian", "--workers", "1")
SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/reads.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/ignores.py": "def POST(req, res):\n    return {'ignored': True}\n",
}
DECLARED = 200_000
#: Generous: only guards against a hang on a loaded machine.
ANSWER_TIMEOUT = 30.0


def _address(server: Server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


@contextmanager
def dribbling(address: tuple[str, int], path: str, count: int) -> Iterator[list[bytes]]:
    """``count`` clients sending a body to ``path`` at ``address`` a byte at a time until
    the block ends.

    Yields the list the answers they got while sending are added to (``b""``:
    closed without one); one still sending when the block ends just leaves.
    """
    stop = threading.Event()
    answers: list[bytes] = []
    started = threading.Barrier(count + 1)

    def client() -> None:
        with socket.create_connection(address, ANSWER_TIMEOUT) as connection:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream"
                f"\r\nContent-Length: {DECLARED}\r\n\r\n"
            )
            connection.sendall(head.encode() + b"x")
            started.wait()
            answered = False
            try:
                # Until the server answers or the test ends, a byte every 100 ms.
                while not answered and not stop.wait(0.1):
                    connection.sendall(b"x")
                    answered = bool(select.select([connection], [], [], 0)[0])
            except OSError:
                answered = True  # the server closed the connection on us
            if answered:
                answers.append(read_until_closed(connection, ANSWER_TIMEOUT))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    started.wait()
    try:
        yield answers
    finally:
        stop.set()
        for thread in threads:
            thread.join(ANSWER_TIMEOUT)


def _normal_get(server: Server) -> dict[str, object]:
    with socket.create_connection(_address(server), ANSWER_TIMEOUT) as connection:
        connection.sendall(b"GET /ok HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        answer = read_until_closed(connection, ANSWER_TIMEOUT)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    parsed: dict[str, object] = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    return parsed


SERVERS = [
    # One thread: waitress does not need more for slow bodies.
    pytest.param(("--threads", "1"), id="waitress"),
    pytest.param(
        GRANIAN, id="granian", marks=pytest.mark.skipif(not HAS_GRANIAN, reason="no granian")
    ),
]


@pytest.mark.parametrize("server_args", SERVERS)
@pytest.mark.parametrize("path", ["/reads", "/ignores"])
def test_a_normal_client_is_answered_while_slow_bodies_dribble(
    make_site, server_args: tuple[str, ...], path: str
) -> None:
    site = make_site(SITE)
    with running("serve", str(site), *server_args) as server, dribbling(_address(server), path, 2):
        assert _normal_get(server) == {"ok": True}


@pytest.mark.skipif(not HAS_GRANIAN, reason="no granian")
def test_granian_answers_without_waiting_for_a_body_the_route_never_reads(make_site) -> None:
    site = make_site(SITE)
    # A single thread: had it waited for the unread bodies, nobody else would be answered.
    with running("serve", str(site), *GRANIAN, "--threads", "1") as server:
        with dribbling(_address(server), "/ignores", 2) as answers:
            assert _normal_get(server) == {"ok": True}
            # The slow clients got their answer while still sending.
            for _ in range(int(ANSWER_TIMEOUT * 10)):
                if len(answers) == 2:
                    break
                threading.Event().wait(0.1)
            assert len(answers) == 2
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 200"), answer
            assert answer.endswith(b'{"ignored":true}'), answer
