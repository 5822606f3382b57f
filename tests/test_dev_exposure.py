"""``microroutes dev`` reachable from other machines: the debugger and tracebacks stay local.

The server runs as a real process bound to a non-loopback address of this
machine; a client connecting to that address has it as its peer address
(``REMOTE_ADDR``), exactly as another machine would, whatever ``Host`` or
request line it sends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import without_request_id
from servers import Server, running

from microroutes.debug_access import is_loopback, reachable_from_outside

FAILING_ROUTE = (
    "def GET(req, res):\n    answer = 41\n    raise RuntimeError('the handler failed')\n"
)
HTML = b"Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
PIN = "123456789"
_DUMMY = f"mrdev{os.getpid() % 100000}"
_DUMMY_ADDRESS = "198.18.37.1"


def _global_ipv4() -> str | None:
    """A non-loopback IPv4 address of this machine that can be listened on, if any."""
    try:
        listing = subprocess.run(
            ["ip", "-o", "-4", "addr", "show", "scope", "global"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for address in re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", listing):
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind((address, 0))
            return address
    return None


@pytest.fixture(scope="module")
def outside_address() -> Iterator[str]:
    """An address of this machine that is not loopback: an existing one, or a dummy interface."""
    found = _global_ipv4()
    if found is not None:
        yield found
        return
    steps = [
        ["ip", "link", "add", _DUMMY, "type", "dummy"],
        ["ip", "addr", "add", f"{_DUMMY_ADDRESS}/32", "dev", _DUMMY],
        ["ip", "link", "set", _DUMMY, "up"],
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        subprocess.run(["ip", "link", "del", _DUMMY], capture_output=True, check=False)
        pytest.skip(f"this machine has only loopback and no dummy interface can be made: {error}")
    try:
        yield _DUMMY_ADDRESS
    finally:
        subprocess.run(["ip", "link", "del", _DUMMY], capture_output=True, check=False)


@pytest.fixture
def site(make_site):
    return make_site({"pages/api/fail.py": FAILING_ROUTE})


def _raw(address: str, port: int, request_line: bytes, headers: bytes) -> tuple[int, str, str]:
    """One request sent as given to ``address``: ``(status, headers, body)``."""
    with socket.create_connection((address, port), timeout=10) as sock:
        sock.sendall(request_line + b"\r\nConnection: close\r\n" + headers + b"\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), body.decode("utf-8", "replace")


def _port(server: Server) -> int:
    port = urlsplit(server.url).port
    assert port is not None
    return port


def _assert_no_internals(body: str) -> None:
    for leak in ("Werkzeug Debugger", "__debugger__", "Traceback", "the handler failed", "fail.py"):
        assert leak not in body, body


def _remote_attempts(address: str, port: int, secret: str) -> None:
    """What another machine might try; each answer must be a plain one."""
    for host in (b"localhost", b"evil.localhost", b"127.0.0.1"):
        headers = b"Host: " + host + b"\r\n"
        for line in (b"GET /api/fail HTTP/1.1", b"GET http://" + host + b"/api/fail HTTP/1.1"):
            status, head, body = _raw(address, port, line, headers + HTML)
            assert status == 500
            assert "text/html" in head
            assert "internal server error" in body
            _assert_no_internals(body)
            status, head, body = _raw(address, port, line, headers)
            assert status == 500
            assert without_request_id(json.loads(body)) == {
                "error": {"status": 500, "message": "internal server error"}
            }
        # Neither the console nor the debugger's commands answer.
        status, _, body = _raw(address, port, b"GET /_console HTTP/1.1", headers + HTML)
        assert status == 404
        _assert_no_internals(body)
        for _ in range(11):  # more wrong PINs than werkzeug allows before it locks
            pinauth = f"GET /?__debugger__=yes&cmd=pinauth&pin=111-111-111&s={secret} HTTP/1.1"
            status, _, body = _raw(address, port, pinauth.encode(), headers)
            assert "auth" not in body
            assert status == 404


def _local_debugger_secret(port: int) -> str:
    status, _, body = _raw(
        "127.0.0.1", port, b"GET /api/fail HTTP/1.1", b"Host: localhost\r\n" + HTML
    )
    assert status == 500
    assert "Werkzeug Debugger" in body
    assert "the handler failed" in body
    found = re.search(r'SECRET = "([^"]+)"', body)
    assert found is not None
    return found.group(1)


def test_dev_on_every_address_keeps_the_debugger_for_this_machine(site, outside_address) -> None:
    env = {"WERKZEUG_DEBUG_PIN": PIN}
    with running("dev", str(site), host="0.0.0.0", env=env) as server:
        port = _port(server)
        text = server.wait_for_output("WARNING: dev listens on 0.0.0.0")
        assert "only to\nmicroroutes: clients on this machine" in text
        secret = _local_debugger_secret(port)
        _remote_attempts(outside_address, port, secret)
        # The peer address, not a header, decided: the access log names the remote client.
        server.wait_for_output(f"{outside_address} - - [", '"GET /_console HTTP/1.1" 404')
        # The developer is not locked out by the remote attempts.
        pinauth = f"GET /?__debugger__=yes&cmd=pinauth&pin=123-456-789&s={secret} HTTP/1.1"
        status, _, body = _raw("127.0.0.1", port, pinauth.encode(), b"Host: localhost\r\n")
        assert (status, json.loads(body)) == (200, {"auth": True, "exhausted": False})
        # JSON clients on this machine still get the traceback.
        status, _, body = _raw("127.0.0.1", port, b"GET /api/fail HTTP/1.1", b"Host: localhost\r\n")
        assert status == 500
        assert "Traceback" in json.loads(body)["error"]["detail"]


def test_dev_on_a_non_loopback_address_warns_and_hides_internals(site, outside_address) -> None:
    with running("dev", str(site), host=outside_address) as server:
        server.wait_for_output(f"WARNING: dev listens on {outside_address}")
        _remote_attempts(outside_address, _port(server), "0" * 20)


def test_dev_on_loopback_gives_no_warning(site) -> None:
    with running("dev", str(site)) as server:
        assert "WARNING" not in "".join(server.output)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.200.3.4", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.0.2.2", False),
        ("::ffff:192.0.2.2", False),
        ("fe80::1%eth0", False),
        ("0.0.0.0", False),
        ("localhost", False),  # a name is not a peer address
        ("", False),
        (None, False),
    ],
)
def test_loopback_peers(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("host", "outside"),
    [("127.0.0.1", False), ("::1", False), ("localhost", False), ("0.0.0.0", True), ("::", True)],
)
def test_which_listening_hosts_are_reachable_from_outside(host: str, outside: bool) -> None:
    assert reachable_from_outside(host) is outside


def test_an_address_of_this_machine_is_reachable_from_outside(outside_address) -> None:
    assert not ipaddress.ip_address(outside_address).is_loopback
    assert reachable_from_outside(outside_address)
