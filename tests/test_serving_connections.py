"""Connection limits and idle timeouts of ``serve``, against real servers and raw sockets."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest
from servers import Server, run_command, running

GRANIAN = ("--server", "granian", "--workers", "2")
BOTH_SERVERS = [
    pytest.param((), id="waitress"),
    pytest.param(
        GRANIAN,
        id="granian",
        marks=pytest.mark.skipif(
            not __import__("importlib").util.find_spec("granian"), reason="granian not installed"
        ),
    ),
]
SITE = {"pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n"}
DEADLINE = 20.0


def _address(server: Server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def _keep_alive_request(connection: socket.socket) -> bytes:
    """One GET on ``connection``, leaving it open; the response head and body."""
    connection.sendall(b"GET /ok HTTP/1.1\r\nHost: test\r\n\r\n")
    received = b""
    while b'{"ok":true}' not in received:
        chunk = connection.recv(4096)
        assert chunk, received
        received += chunk
    return received


@contextlib.contextmanager
def _idle_connections(server: Server, count: int) -> Iterator[list[socket.socket]]:
    """``count`` keep-alive connections that each had one answer and now sit idle."""
    with contextlib.ExitStack() as stack:
        connections = []
        for _ in range(count):
            connection = stack.enter_context(socket.create_connection(_address(server), 10))
            assert _keep_alive_request(connection).startswith(b"HTTP/1.1 200")
            connections.append(connection)
        yield connections


@pytest.mark.parametrize("server_args", BOTH_SERVERS)
def test_idle_keep_alive_connections_do_not_lock_new_clients_out(
    make_site, server_args: tuple[str, ...]
) -> None:
    site = make_site(SITE)
    with (
        running("serve", str(site), *server_args) as server,
        _idle_connections(server, 150),
        socket.create_connection(_address(server), 10) as newcomer,
    ):
        assert _keep_alive_request(newcomer).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("server_args", BOTH_SERVERS)
def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(
    make_site, server_args: tuple[str, ...]
) -> None:
    site = make_site(SITE)
    with (
        running("serve", str(site), *server_args, "--idle-timeout", "1") as server,
        _idle_connections(server, 1) as (connection,),
    ):
        connection.settimeout(DEADLINE)
        started = time.monotonic()
        assert connection.recv(4096) == b""  # closed by the server
        assert time.monotonic() - started < DEADLINE


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_bad_idle_timeout_is_refused(make_site, value: str) -> None:
    result = run_command("serve", str(make_site(SITE)), "--idle-timeout", value)
    assert result.returncode == 2
    assert "--idle-timeout" in result.stderr
