"""Malformed chunk sizes and percent-escapes, written byte by byte to real servers.

waitress parses chunked framing itself: a chunk size that is not plain hex
(``-1``, ``+5``, ``0x5``) or not a 64-bit number (20 digits) is its 400, one
declaring more than the body limit its 413, each in the JSON error shape and
before the app runs. granian hands the app an empty body for the same
requests and closes the connection after the answer (see
docs/deploying.md): these tests pin exactly that, and that nothing after the
bad chunk is ever read as a request. granian passes no raw URI, so a decoded
path with a ``%`` not followed by two hex digits is refused there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import without_request_id, write_files
from servers import Server, running
from test_raw_http import exchange, parse_response, port_of
from test_raw_http import request as send

#: Seconds without an answer before a read counts as a hang.
HANG = 10.0

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/echo.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/api/item/[id].py": "def GET(req, res):\n    return {'id': req.params['id']}\n",
}

BAD_SIZES = [b"-1", b"+5", b"0x5", b"99999999999999999999", b"FFFFFFFFFFFFFFFFFFFF"]
PIPELINED = b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("framing") / "site", SITE)


@pytest.fixture(scope="module")
def waitress(site: Path) -> Iterator[Server]:
    with running("serve", str(site)) as started:
        yield started


@pytest.fixture(scope="module")
def granian(site: Path) -> Iterator[Server]:
    with running("serve", str(site), "--server", "granian", "--workers", "1") as started:
        yield started


def chunked_post(size: bytes) -> bytes:
    """A chunked POST whose first chunk has ``size``, with a GET pipelined behind it."""
    return (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n"
        + size
        + b"\r\nhello\r\n0\r\n\r\n"
        + PIPELINED
    )


def answers(raw: bytes) -> list[object]:
    """The JSON bodies of the responses in ``raw``, in order."""
    return [parse_response(b"HTTP/1.1 " + one).json() for one in raw.split(b"HTTP/1.1 ")[1:]]


@pytest.mark.parametrize("size", BAD_SIZES, ids=lambda size: size.decode())
def test_a_malformed_chunk_size_under_waitress_is_a_json_400(waitress: Server, size: bytes) -> None:
    port = port_of(waitress)
    raw = exchange(port, chunked_post(size), timeout=HANG)
    assert raw.count(b"HTTP/1.1 ") == 1  # the pipelined GET is never read
    response = parse_response(raw)
    assert response.status == 400
    assert response.header("Content-Type") == "application/json"
    assert response.json() == {"error": {"status": 400, "message": "Invalid chunk size"}}
    assert send(port, b"GET /ok HTTP/1.1").json() == {"ok": True}


def test_a_chunk_larger_than_the_body_limit_under_waitress_is_a_413_at_once(
    waitress: Server,
) -> None:
    # 2 GiB declared, 5 bytes sent: refused on reading the size, not after a timeout.
    raw = exchange(port_of(waitress), chunked_post(b"7FFFFFFF"), timeout=HANG)
    response = parse_response(raw)
    assert response.status == 413
    assert response.header("Content-Type") == "application/json"
    # The server's limit: the largest route limit (1 MiB by default) plus 1 MiB.
    limit = 2 << 20
    assert response.json() == {"error": {"status": 413, "message": f"exceeds max_body of {limit}"}}


@pytest.mark.parametrize("size", [b"5", b"00000000000000000005", b"5;ext=1"])
def test_a_valid_chunk_size_under_waitress_reaches_the_handler(
    waitress: Server, size: bytes
) -> None:
    raw = exchange(port_of(waitress), chunked_post(size), timeout=HANG)
    assert answers(raw) == [{"size": 5}, {"ok": True}]


@pytest.mark.parametrize("size", BAD_SIZES, ids=lambda size: size.decode())
def test_a_malformed_chunk_size_under_granian_gives_one_answer_then_a_close(
    granian: Server, size: bytes
) -> None:
    # What granian 2.8 does, which the app cannot change: it hands the app an empty
    # body (exactly as for "0\r\n\r\n") and closes the connection after the answer.
    port = port_of(granian)
    raw = exchange(port, chunked_post(size), timeout=HANG)
    assert raw.count(b"HTTP/1.1 ") == 1  # nothing after the bad chunk is read as a request
    response = parse_response(raw)
    assert (response.status, response.json()) == (200, {"size": 0})
    assert send(port, b"GET /ok HTTP/1.1").json() == {"ok": True}


def test_a_valid_chunked_body_under_granian_keeps_the_connection(granian: Server) -> None:
    raw = exchange(port_of(granian), chunked_post(b"5"), timeout=HANG)
    assert answers(raw) == [{"size": 5}, {"ok": True}]


# -- percent-escapes in the path ----------------------------------------------------------


@pytest.mark.parametrize("target", [b"/api/item/%zz", b"/api/item/%4", b"/api/item/%", b"/%zz"])
@pytest.mark.parametrize("server_name", ["waitress", "granian"])
def test_malformed_percent_encoding_is_a_400_on_both_servers(
    server_name: str, target: bytes, request: pytest.FixtureRequest
) -> None:
    server: Server = request.getfixturevalue(server_name)
    response = send(port_of(server), b"GET " + target + b" HTTP/1.1")
    assert response.status == 400
    assert without_request_id(response.json()) == {
        "error": {"status": 400, "message": "the URL path has malformed percent-encoding"}
    }


@pytest.mark.parametrize(
    ("target", "expected"),
    [(b"/api/item/%41", "A"), (b"/api/item/%2541", "%41"), (b"/api/item/%C3%A9", "é")],
)
@pytest.mark.parametrize("server_name", ["waitress", "granian"])
def test_well_formed_escapes_are_decoded_once_on_both_servers(
    server_name: str, target: bytes, expected: str, request: pytest.FixtureRequest
) -> None:
    server: Server = request.getfixturevalue(server_name)
    response = send(port_of(server), b"GET " + target + b" HTTP/1.1")
    assert (response.status, response.json()) == (200, {"id": expected})


def test_an_escaped_percent_sign_needs_the_raw_uri(waitress: Server, granian: Server) -> None:
    # waitress passes the raw URI: "100%25" is the parameter "100%". granian does not,
    # and its decoded path "/api/item/100%" cannot be told from "/api/item/100%"
    # sent raw, so it is refused there (docs/deploying.md).
    target = b"GET /api/item/100%25 HTTP/1.1"
    assert send(port_of(waitress), target).json() == {"id": "100%"}
    assert send(port_of(granian), target).status == 400
