"""Hostile requests written byte by byte to a real ``microroutes serve`` (waitress) process.

waitress decodes ``PATH_INFO`` itself and sets ``REQUEST_URI``; these tests check
what the app makes of that, and that the server keeps serving afterwards.
The helpers here (:func:`exchange`, :func:`parse_response`) are shared with the
other server-based test modules.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import write_files
from servers import Server, running

SECRET = "TOPSECRET-77c2"
SITE = {
    "secret.txt": SECRET,
    "pages/api/echo.py": """\
        def handler(req, res):
            return {"method": req.method, "path": req.path, "query": len(req.query)}
        """,
    "pages/api/get.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/api/cookies.py": "def GET(req, res):\n    return dict(req.cookies)\n",
    "pages/api/upload.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/api/item/[id].py": "def GET(req, res):\n    return {'id': req.params['id']}\n",
    "pages/_private.py": """\
        from pathlib import Path
        (Path(__file__).parent.parent / "private-imported").write_text("imported")

        def GET(req, res):
            return "PRIVATE-BODY"
        """,
    "public/hello.txt": "hello from public\n",
    "public/.env": "SECRET=" + SECRET,
}

LIMIT = 1 << 20


@dataclass
class RawResponse:
    """One HTTP response as read from the socket."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: Everything read, head included.
    raw: bytes
    #: A chunked body ended with its last-chunk marker (always True when not chunked).
    complete: bool = True

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> object:
        return json.loads(self.body)


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def exchange(port: int, data: bytes, *, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_until_closed(sock, timeout)


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the peer sends until it closes; fails the test after ``timeout`` seconds."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except TimeoutError:
            raise AssertionError(
                f"no end of response within {timeout}s; got {b''.join(chunks)[:300]!r}"
            ) from None
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def parse_response(raw: bytes) -> RawResponse:
    """Parse one response; a chunked body is de-chunked (``complete`` says if it ended)."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, f"no complete response head in {raw[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        assert colon, f"malformed header line {line!r}"
        headers.append((name, value.strip()))
    response = RawResponse(status, headers, rest, raw)
    if (response.header("Transfer-Encoding") or "").lower() == "chunked":
        response.body, response.complete = dechunk(rest)
    return response


def dechunk(data: bytes) -> tuple[bytes, bool]:
    body = bytearray()
    while True:
        size_line, sep, data = data.partition(b"\r\n")
        if not sep:
            return bytes(body), False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(body), True
        if len(data) < size + 2:
            body += data[:size]
            return bytes(body), False
        body += data[:size]
        data = data[size + 2 :]


def request(port: int, line: bytes, headers: bytes = b"", body: bytes = b"") -> RawResponse:
    """A request with ``Connection: close`` built from raw bytes, and its parsed response."""
    data = line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n" + body
    return parse_response(exchange(port, data))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_files(tmp_path_factory.mktemp("raw") / "site", SITE)
    (root / "public/link.txt").symlink_to(root / "secret.txt")
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    with running("serve", str(site)) as started:
        yield started


@pytest.fixture
def port(server: Server) -> Iterator[int]:
    number = port_of(server)
    yield number
    # Whatever the test sent, the server still answers a plain request.
    response = request(number, b"GET /api/get HTTP/1.1")
    assert (response.status, response.json()) == (200, {"ok": True})


def assert_json_error(response: RawResponse, status: int) -> str:
    assert response.status == status, response.raw[:500]
    assert response.header("Content-Type") == "application/json"
    error = response.json()
    assert isinstance(error, dict)
    assert error["error"]["status"] == status
    return str(error["error"]["message"])


# -- paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (b"/api/item/%ff", "not valid UTF-8"),
        (b"/api/item/%C3%28", "not valid UTF-8"),
        (b"/api/item/%ED%A0%80", "not valid UTF-8"),
        (b"/api/item/%zz", "percent-encoding"),
        (b"/api/item/a%2", "percent-encoding"),
        (b"/api/item/%", "percent-encoding"),
        (b"/api/item/a%00b", "NUL"),
        (b"/api/item/%zz?x=1", "percent-encoding"),
    ],
)
def test_malformed_paths_get_a_json_400_from_the_app(
    port: int, target: bytes, message: str
) -> None:
    response = request(port, b"GET " + target + b" HTTP/1.1")
    assert message in assert_json_error(response, 400)


@pytest.mark.parametrize("target", [b"/api/item/\xff", b"/api/item/caf\xc3\xa9", b"/a b"])
def test_raw_non_ascii_bytes_in_the_request_line_are_refused_by_waitress(
    port: int, target: bytes
) -> None:
    response = request(port, b"GET " + target + b" HTTP/1.1")
    assert response.status == 400


@pytest.mark.parametrize(
    ("target", "value"),
    [
        (b"/api/item/caf%C3%A9", "café"),
        (b"/api/item/100%25", "100%"),
        (b"/api/item/%2525", "%25"),
        (b"/api/item/a%20b", "a b"),
        (b"/api/item/%F0%9F%A6%8A", "\U0001f98a"),
    ],
)
def test_percent_escapes_are_decoded_exactly_once(port: int, target: bytes, value: str) -> None:
    response = request(port, b"GET " + target + b" HTTP/1.1")
    assert (response.status, response.json()) == (200, {"id": value})


@pytest.mark.parametrize(
    "target",
    [
        b"/../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E%2Fsecret.txt",
        b"/..%2fsecret.txt",
        b"/..%5csecret.txt",
        b"/..\\secret.txt",
        b"/hello.txt/../../secret.txt",
        b"//secret.txt",
        b"/%2f%2e%2e%2fsecret.txt",
        b"/link.txt",
        b"/.env",
        b"/%2eenv",
        b"/_private",
        b"/%5Fprivate",
        b"/pages/_private.py",
        b"/../pages/_private.py",
        b"/hello.txt%00.py",
        b"http://127.0.0.1/../secret.txt",
        b"/" + b"..%2f" * 30 + b"etc/passwd",
    ],
)
def test_traversal_never_reads_or_imports_a_file_outside_pages_or_public(
    port: int, site: Path, target: bytes
) -> None:
    response = request(port, b"GET " + target + b" HTTP/1.1")
    # A NUL in the path is malformed (400); anything else is simply not there (404).
    expected = 400 if b"%00" in target else 404
    assert response.status == expected, response.raw[:300]
    assert SECRET.encode() not in response.raw
    assert b"PRIVATE-BODY" not in response.raw
    assert not (site / "private-imported").exists()


def test_public_files_are_served(port: int) -> None:
    response = request(port, b"GET /hello.txt HTTP/1.1")
    assert (response.status, response.body) == (200, b"hello from public\n")


def test_a_100_kb_path_is_a_json_404(port: int) -> None:
    response = request(port, b"GET /" + b"a" * 100_000 + b" HTTP/1.1")
    assert_json_error(response, 404)


def test_a_path_with_50000_segments_is_a_json_404(port: int) -> None:
    response = request(port, b"GET " + b"/a" * 50_000 + b" HTTP/1.1")
    assert_json_error(response, 404)


def test_a_request_head_over_waitress_limit_is_refused(port: int) -> None:
    response = request(port, b"GET /api/echo?q=" + b"x" * 300_000 + b" HTTP/1.1")
    assert response.status == 431


def test_a_100_kb_query_string_is_served(port: int) -> None:
    response = request(port, b"GET /api/echo?q=" + b"x" * 100_000 + b" HTTP/1.1")
    assert response.status == 200
    assert response.json() == {"method": "GET", "path": "/api/echo", "query": 1}


@pytest.mark.parametrize(("count", "status"), [(1000, 200), (1001, 400), (20_000, 400)])
def test_query_parameter_cap(port: int, count: int, status: int) -> None:
    query = b"&".join(b"k%d=v" % i for i in range(count))
    response = request(port, b"GET /api/echo?" + query + b" HTTP/1.1")
    if status == 200:
        assert response.status == 200
        assert response.json() == {"method": "GET", "path": "/api/echo", "query": count}
    else:
        assert "too many query parameters" in assert_json_error(response, status)


def test_a_raw_nul_in_the_query_of_a_trailing_slash_path_is_not_a_500(port: int) -> None:
    response = request(port, b"GET /api/get/?a=\x00 HTTP/1.1")
    assert response.status == 308
    assert response.header("Location") == "/api/get?a=%00"


def test_control_characters_in_a_redirected_query_never_split_the_response(port: int) -> None:
    response = request(port, b"GET /api/get/?a=\x01\x7f\x00b HTTP/1.1")
    lines = response.raw.partition(b"\r\n\r\n")[0].split(b"\r\n")
    assert all(b"\x00" not in line for line in lines)
    assert response.status == 308


# -- methods -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", [b"PROPFIND", b"FOO", b"MKCOL", b"TRACE"])
def test_unknown_methods_get_405_with_allow(port: int, method: bytes) -> None:
    response = request(port, method + b" /api/get HTTP/1.1")
    assert_json_error(response, 405)
    assert response.header("Allow") == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("line", [b"GARBAGE", b"GET", b"GET /api/get HTTP/9.9x", b"\x00\x01\x02"])
def test_garbage_request_lines_are_refused_and_the_server_survives(port: int, line: bytes) -> None:
    raw = exchange(port, line + b"\r\n\r\n")
    assert parse_response(raw).status == 400


@pytest.mark.parametrize(
    "header",
    [
        b"Cookie: \xe9=\xfc; a=b",
        b'Cookie: =;;"garbage',
        b"X-Bytes: \xff\xfe\x80",
        b"Accept: \xff/\xff;q=\xff",
        b"Accept-Language: " + b"\xc3" * 1000,
    ],
)
def test_non_ascii_bytes_in_request_headers_are_tolerated(port: int, header: bytes) -> None:
    response = request(port, b"GET /api/echo HTTP/1.1", header + b"\r\n")
    assert response.status == 200
    assert response.json() == {"method": "GET", "path": "/api/echo", "query": 0}


def test_a_non_utf8_cookie_reaches_the_handler_as_text(port: int) -> None:
    response = request(port, b"GET /api/cookies HTTP/1.1", b"Cookie: \xe9=\xfc; a=b\r\n")
    assert response.status == 200
    cookies = response.json()
    assert isinstance(cookies, dict)
    assert cookies["a"] == "b"


# -- Content-Length and body limits ------------------------------------------------------


@pytest.mark.parametrize("value", [b"abc", b"-5", b"1e9", b"0x10", b"5, 5"])
def test_malformed_content_length_is_a_400_without_waiting_for_a_body(
    port: int, value: bytes
) -> None:
    # request() fails the test if the server waits for a body instead of answering.
    response = request(port, b"POST /api/upload HTTP/1.1", b"Content-Length: " + value + b"\r\n")
    assert response.status == 400


def test_a_20_digit_content_length_is_a_413_without_waiting_for_a_body(port: int) -> None:
    response = request(
        port, b"POST /api/upload HTTP/1.1", b"Content-Length: " + b"9" * 20 + b"\r\n"
    )
    assert response.status == 413


def test_a_body_just_over_the_limit_is_a_json_413(port: int) -> None:
    body = b"x" * (LIMIT + 1)
    response = request(
        port,
        b"POST /api/upload HTTP/1.1",
        b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n" % len(body),
        body,
    )
    assert "over the limit" in assert_json_error(response, 413)


def test_a_chunked_body_over_the_limit_is_a_json_413(port: int) -> None:
    chunk = b"x" * 65536
    body = (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 17 + b"0\r\n\r\n"
    response = request(
        port,
        b"POST /api/upload HTTP/1.1",
        b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n",
        body,
    )
    assert_json_error(response, 413)


def test_a_body_under_the_limit_is_read(port: int) -> None:
    body = b"x" * 1000
    response = request(
        port, b"POST /api/upload HTTP/1.1", b"Content-Length: %d\r\n" % len(body), body
    )
    assert (response.status, response.json()) == (200, {"size": 1000})


def test_a_body_far_over_the_limit_is_refused_before_it_is_sent(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % (50 * LIMIT)
        )
        sock.sendall(b"x" * 65536)  # a sliver of the 50 MiB announced
        sock.settimeout(1.5)
        try:
            first = sock.recv(65536)
        except TimeoutError:
            first = b""
    assert first.startswith(b"HTTP/1.1 413 ")


# -- keep-alive --------------------------------------------------------------------------


def test_a_keep_alive_connection_survives_client_errors(port: int) -> None:
    targets = [b"/api/item/%ff", b"/missing", b"/api/item/%zz", b"/api/get"]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for target in targets:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.sendall(b"GET /api/item/last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        raw = read_until_closed(sock, 5)
    statuses = [int(part[:3]) for part in raw.split(b"HTTP/1.1 ")[1:]]
    assert statuses == [400, 404, 400, 200, 200]
    assert raw.endswith(b'{"id":"last"}')
