"""The access log of real waitress and granian processes: escaped fields, redacted secrets."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from servers import Server, running

SITE = {"pages/x.py": "def GET(req, res):\n    return {'ok': 1}\n"}
# A terminal title change, then a quote that would end the request line early and forge
# the status and referer fields, then a secret.
HOSTILE_QUERY = b'a=\x1b]0;owned\x07&b="200"forged&token=s3cret-query'
HOSTILE_LOGGED = "a=\\x1B]0;owned\\x07&b=\\x22200\\x22forged&token=REDACTED"


def _raw_get(server: Server, target: bytes, headers: bytes = b"") -> bytes:
    """Send one request exactly as given; the status line of the answer."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + headers + b"\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.partition(b"\r\n")[0]


def _line(server: Server, needle: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        found = [line for line in list(server.output) if needle in line]
        if found:
            (line,) = found
            return line
        assert time.monotonic() < deadline, "".join(server.output)
        time.sleep(0.02)


def _assert_clean(server: Server) -> None:
    text = "".join(server.output)
    assert "s3cret" not in text
    assert all(char == "\n" or (char.isascii() and char.isprintable()) for char in text), text


def test_waitress_escapes_every_field_and_redacts_secrets(make_site) -> None:
    site = make_site(SITE)
    with running("serve", str(site), "--access-log") as server:
        status = _raw_get(
            server,
            b"/x?" + HOSTILE_QUERY,
            b'User-Agent: ua" \x9b\xff\tz\r\nReferer: http://r.example/p?token=s3cret-ref\r\n',
        )
        assert status == b"HTTP/1.1 200 OK"
        line = _line(server, "owned")
        assert f'"GET /x?{HOSTILE_LOGGED} HTTP/1.1" 200 8 ' in line
        assert line.endswith(
            ' "http://r.example/p?REDACTED" "ua\\x22 \\x9B\\xFF\\x09z" '
            + " ".join(line.split()[-2:])
            + "\n"
        )
        assert line.count('"') == 6
        _assert_clean(server)


@pytest.mark.parametrize("log_format", ["combined", "json"])
def test_granian_escapes_every_field_and_redacts_secrets(make_site, log_format: str) -> None:
    site = make_site(SITE)
    args = ("--server", "granian", "--access-log", "--access-log-format", log_format)
    with running("serve", str(site), *args) as server:
        status = _raw_get(
            server,
            b"/x?a=\\x1b&access_token=s3cret-query",
            b'User-Agent: ua" 200 1 "x\tz\r\nReferer: http://r.example/p?code=s3cret-ref\r\n',
        )
        assert status == b"HTTP/1.1 200 OK"
        line = _line(server, "access_token")
        if log_format == "json":
            record = json.loads(line)
            assert record["path"] == "/x?a=\\x5Cx1b&access_token=REDACTED"
            assert record["user_agent"] == "ua\\x22 200 1 \\x22x\\x09z"
            assert record["referer"] == "http://r.example/p?REDACTED"
        else:
            assert '"GET /x?a=\\x5Cx1b&access_token=REDACTED HTTP/1.1" 200 8 ' in line
            assert ' "http://r.example/p?REDACTED" "ua\\x22 200 1 \\x22x\\x09z" ' in line
            assert line.count('"') == 6
        _assert_clean(server)


def test_the_redacted_names_are_configurable(make_site) -> None:
    site = make_site(SITE)
    with running(
        "serve", str(site), "--access-log", "--access-log-redact", "Session,sid"
    ) as server:
        assert _raw_get(server, b"/x?session=s3cret&token=t0ken&sid=s3cret")[-6:] == b"200 OK"
        line = _line(server, "t0ken")
        assert '"GET /x?session=REDACTED&token=t0ken&sid=REDACTED HTTP/1.1"' in line
        _assert_clean(server)
