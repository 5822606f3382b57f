"""Faults: handlers that raise, modules that do not import, streams that break or lose their client.

A fault answers 500 with a generic body (a traceback only with ``App(debug=True)``),
is logged, and never takes another route or the next request down with it.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_for, environ_for, without_request_id, write_files
from servers import Server, running
from test_raw_http import parse_response, port_of, read_until_closed, request

from microroutes import App

SECRET_MESSAGE = "db password is hunter2"
GENERIC = {"error": {"status": 500, "message": "internal server error"}}

#: Streams 64 KiB chunks; ``mode=boom`` raises after three, ``mode=bad_first`` yields an int.
#: The generator's ``finally`` writes ``$MARKER_DIR/<id>`` when the stream is closed.
STREAM_ROUTE = """\
import os
import time
from pathlib import Path

def GET(req, res):
    marker = Path(os.environ["MARKER_DIR"]) / req.query.get("id", "none")
    mode = req.query.get("mode", "")
    chunks = int(req.query.get("chunks", "5000"))

    def stream():
        try:
            if mode == "early":
                raise RuntimeError("broke before the first chunk")
            if mode == "bad_first":
                yield 42
            for i in range(chunks):
                if mode == "boom" and i == 3:
                    raise RuntimeError("stream broke after three chunks")
                yield b"x" * 65536
                if mode == "slow":
                    time.sleep(0.002)
            marker.with_name(marker.name + ".finished").write_text("finished")
        finally:
            marker.write_text("closed")

    return stream()
"""

SITE = {
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/raises.py": f"def GET(req, res):\n    raise KeyError({SECRET_MESSAGE!r})\n",
    "pages/stream.py": STREAM_ROUTE,
    "pages/bad_return.py": "def GET(req, res):\n    return 42\n",
    "pages/bad_status.py": "def GET(req, res):\n    return res.status(1000)\n",
    "pages/recursion.py": "def GET(req, res):\n    return GET(req, res)\n",
    "pages/closing.py": """\
        import os
        from pathlib import Path

        class Body:
            def __init__(self, marker):
                self.marker = marker

            def __iter__(self):
                yield b"first"
                yield b"second"

            def close(self):
                self.marker.write_text("closed")

        def GET(req, res):
            return Body(Path(os.environ["MARKER_DIR"]) / req.query["id"])
        """,
}

BROKEN_MODULES = {
    "pages/broken/syntax.py": "def GET(req, res)\n    return 1\n",
    "pages/broken/import_error.py": "import no_such_module_here\n",
    "pages/broken/raises.py": f"raise RuntimeError({SECRET_MESSAGE!r})\n",
    "pages/broken/no_handler.py": "VALUE = 1\n",
    "pages/broken/bad_signature.py": "def GET(req):\n    return 1\n",
}


@pytest.fixture(scope="module")
def marker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, marker_dir: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKER_DIR", str(marker_dir))  # for the in-process app
        yield write_files(tmp_path_factory.mktemp("faults") / "site", SITE)


def wait_for_text(path: Path, timeout: float = 5.0) -> str:
    """The file's text once it has some: the server creates it, then writes to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.01)
    raise AssertionError(f"{path.name} was not written within {timeout} s")


# -- handlers that raise -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/raises", "/bad_return", "/bad_status", "/recursion"])
def test_a_failing_handler_is_a_generic_logged_500(
    site: Path, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(site)
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        response = client.get(path)
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC
    assert b"Traceback" not in response.data
    assert any(r.exc_info for r in caplog.records if path in r.getMessage())
    assert client.get("/ok").json == {"ok": True}


def test_html_clients_get_a_generic_page_without_the_traceback(site: Path) -> None:
    response = client_for(site).get("/raises", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert b"internal server error" in response.data
    assert b"Traceback" not in response.data
    assert SECRET_MESSAGE.encode() not in response.data


def test_debug_shows_the_traceback(site: Path) -> None:
    response = client_for(site, debug=True).get("/raises")
    assert response.status_code == 500
    error = response.json["error"]
    assert SECRET_MESSAGE in error["message"]
    assert "Traceback" in error["detail"]
    assert "raises.py" in error["detail"]


# -- modules that fail to import ---------------------------------------------------------


@pytest.fixture
def broken_site(make_site) -> Path:
    return make_site({**SITE, **BROKEN_MODULES})


@pytest.mark.parametrize("file", sorted(BROKEN_MODULES))
def test_a_module_that_fails_to_import_is_a_500_and_others_still_answer(
    broken_site: Path, file: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/" + file.removeprefix("pages/").removesuffix(".py")
    client = client_for(broken_site)
    for _ in range(2):  # still failing, and not half-imported, the second time
        with caplog.at_level(logging.ERROR, logger="microroutes"):
            response = client.get(path)
        assert response.status_code == 500
        assert without_request_id(response.json) == GENERIC
        assert client.get("/ok").json == {"ok": True}
    assert any(path in r.getMessage() for r in caplog.records)


def test_a_module_raising_system_exit_at_import_is_a_500(make_site) -> None:
    site = make_site({**SITE, "pages/exits.py": "raise SystemExit('missing setting')\n"})
    client = client_for(site)
    response = client.get("/exits")
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC)
    assert client.get("/ok").json == {"ok": True}


def test_import_errors_are_named_in_debug_mode(broken_site: Path) -> None:
    response = client_for(broken_site, debug=True).get("/broken/syntax")
    assert response.status_code == 500
    assert "SyntaxError" in response.json["error"]["message"]


def test_load_all_lists_every_broken_module(broken_site: Path) -> None:
    from microroutes import SiteError

    with pytest.raises(SiteError) as raised:
        App(broken_site).load_all()
    for file in ["syntax.py", "import_error.py", "raises.py", "no_handler.py"]:
        assert file in str(raised.value)


def test_a_failing_startup_hook_is_a_generic_500_until_it_succeeds(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": """\
                calls = []

                def startup(app):
                    calls.append(1)
                    if len(calls) == 1:
                        raise RuntimeError("database unreachable")
                    app.state.ready = True
                """,
            "pages/ok.py": "def GET(req, res):\n    return {'ready': req.app.state.ready}\n",
        }
    )
    client = client_for(site)
    first = client.get("/ok")
    assert (first.status_code, without_request_id(first.json)) == (500, GENERIC)
    assert client.get("/ok").json == {"ready": True}


# -- streams, in process -----------------------------------------------------------------


def test_a_stream_failing_before_its_first_chunk_is_a_clean_500(
    site: Path, marker_dir: Path
) -> None:
    response = client_for(site).get("/stream?mode=early&id=early")
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC)
    assert (marker_dir / "early").read_text() == "closed"


def test_a_stream_whose_first_chunk_is_not_bytes_is_a_clean_500(site: Path) -> None:
    response = client_for(site).get("/stream?mode=bad_first&id=bad_first")
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC)


def test_head_on_a_stream_sends_its_length_but_no_body_and_closes_the_generator(
    site: Path, marker_dir: Path
) -> None:
    response = client_for(site).head("/stream?id=head&chunks=3")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(3 * 65536)
    assert (marker_dir / "head.finished").read_text() == "finished"
    assert (marker_dir / "head").read_text() == "closed"


def test_head_on_a_stream_failing_before_its_first_chunk_is_a_500(site: Path) -> None:
    response = client_for(site).head("/stream?mode=early&id=head-early")
    assert response.status_code == 500
    assert response.data == b""


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_streamed_iterable_is_always_closed(site: Path, marker_dir: Path, method: str) -> None:
    response = client_for(site).open(f"/closing?id=closing-{method}", method=method)
    assert response.status_code == 200
    assert response.data == (b"firstsecond" if method == "GET" else b"")
    assert (marker_dir / f"closing-{method}").read_text() == "closed"


def test_a_stream_closed_early_by_the_server_runs_its_finally(site: Path, marker_dir: Path) -> None:
    environ = environ_for("/stream", query_string="id=partial")
    body = App(site)(environ, lambda status, headers, exc_info=None: lambda data: None)
    iterator = iter(body)
    assert len(next(iterator)) == 65536
    assert not (marker_dir / "partial").exists()
    body.close()  # type: ignore[attr-defined]
    assert (marker_dir / "partial").read_text() == "closed"
    assert not (marker_dir / "partial.finished").exists()


# -- streams through waitress ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(site: Path, marker_dir: Path) -> Iterator[Server]:
    with running("serve", str(site), env={"MARKER_DIR": str(marker_dir)}) as started:
        yield started


def test_a_stream_raising_midway_truncates_the_response_and_is_logged(
    server: Server, marker_dir: Path
) -> None:
    port = port_of(server)
    raw = read_raw(port, b"GET /stream?mode=boom&id=boom HTTP/1.1\r\nHost: x\r\n\r\n")
    response = parse_response(raw)
    assert response.status == 200
    assert response.header("Transfer-Encoding") == "chunked"
    assert not response.complete  # no last chunk: the client can tell it was cut
    assert len(response.body) == 3 * 65536
    assert (marker_dir / "boom").read_text() == "closed"
    server.wait_for_output(
        "error while streaming the body of stream.py",
        "RuntimeError: stream broke after three chunks",
    )
    # A new connection is served normally.
    after = request(port, b"GET /ok HTTP/1.1")
    assert (after.status, after.json()) == (200, {"ok": True})


def read_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        return read_until_closed(sock, 5)


def test_a_client_leaving_mid_stream_closes_the_generator(server: Server, marker_dir: Path) -> None:
    port = port_of(server)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /stream?mode=slow&id=gone HTTP/1.1\r\nHost: x\r\n\r\n")
        received = 0
        while received < 256 * 1024:
            chunk = sock.recv(65536)
            assert chunk
            received += len(chunk)
        assert not (marker_dir / "gone").exists()
    # 5000 chunks at 2 ms each would take 10 s; the close must come much sooner.
    assert wait_for_text(marker_dir / "gone") == "closed"
    assert not (marker_dir / "gone.finished").exists()
    after = request(port, b"GET /ok HTTP/1.1")
    assert after.status == 200


def test_a_failing_handler_through_waitress_leaks_nothing(server: Server) -> None:
    response = request(port_of(server), b"GET /raises HTTP/1.1")
    assert (response.status, without_request_id(response.json())) == (500, GENERIC)
    assert SECRET_MESSAGE.encode() not in response.raw
    server.wait_for_output(f"KeyError: '{SECRET_MESSAGE}'")


def test_a_complete_stream_through_waitress_ends_properly(server: Server, marker_dir: Path) -> None:
    response = request(port_of(server), b"GET /stream?chunks=4&id=whole HTTP/1.1")
    assert response.status == 200
    assert response.complete
    assert response.body == b"x" * 4 * 65536
    assert (marker_dir / "whole.finished").exists()
