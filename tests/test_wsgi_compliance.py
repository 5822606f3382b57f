"""PEP 3333 compliance of every kind of response, and the public/ folder."""

from __future__ import annotations

import http.client
import os
import re
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.validate import validator

import pytest
from conftest import environ_for, write_files, wsgi_call

from microroutes import App

ROUTES = {
    "pages/index.py": "def GET(req, res):\n    return {'home': True}\n",
    "pages/json.py": "def GET(req, res):\n    return {'a': [1, 2]}\n",
    "pages/text.py": "def GET(req, res):\n    return 'héllo'\n",
    "pages/stream.py": """\
        def GET(req, res):
            return (f"chunk{i};".encode() for i in range(3))
    """,
    "pages/empty.py": "def GET(req, res):\n    return res.status(204)\n",
    "pages/not-modified.py": "def GET(req, res):\n    return res.status(304)\n",
    "pages/redirect.py": "def GET(req, res):\n    return res.redirect('/json')\n",
    "pages/cookie.py": """\
        def GET(req, res):
            res.set_cookie("a", "1")
            res.set_cookie("b", "2")
            return {}
    """,
    "pages/boom.py": "def GET(req, res):\n    raise RuntimeError('boom')\n",
    "pages/error.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(418, "teapot", {"X-Tea": "earl grey"})
    """,
    "pages/post-only.py": "def POST(req, res):\n    return {'posted': req.json}\n",
    "pages/odd-status.py": "def GET(req, res):\n    return res.status(599).send('odd')\n",
    "pages/robots.txt.py": "def GET(req, res):\n    return 'from the route'\n",
    "public/robots.txt": "User-agent: *\nDisallow:\n",
    "public/css/site.css": "body { color: red }\n",
    "public/.env": "SECRET=1\n",
    "public/sub/.env": "SECRET=2\n",
    "public/.git/config": "[core]\n",
    "public/sub/page.html": "<p>page</p>\n",
    "public/data.bin": b"\x00\x01\x02" * 100,
    "secret.txt": "outside public\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    site = write_files(tmp_path_factory.mktemp("wsgi"), ROUTES)
    os.symlink(site / "secret.txt", site / "public" / "link.txt")
    return site


STATUS_LINE = re.compile(r"^[1-5]\d\d [^\r\n]+$")
TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class StrictServer:
    """Calls an app the way a plain WSGI server does, checking each call's types."""

    def __init__(self, app) -> None:
        self.app = app

    def request(self, environ: dict) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        calls: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status, headers, exc_info=None):
            assert exc_info is None
            assert type(status) is str
            assert STATUS_LINE.match(status), status
            assert type(headers) is list
            for item in headers:
                assert type(item) is tuple
                assert len(item) == 2
                name, value = item
                assert type(name) is str
                assert type(value) is str
                assert TOKEN.match(name), name
                assert not re.search(r"[\r\n\x00]", value), value
                value.encode("latin-1")  # header values must be latin-1
            calls.append((status, headers))
            return self.write

        result = self.app(environ, start_response)
        chunks: list[bytes] = []
        try:
            for chunk in result:
                assert type(chunk) is bytes
                assert calls, "start_response must be called before the first chunk"
                chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        assert len(calls) == 1
        status, headers = calls[0]
        return status, headers, chunks

    @staticmethod
    def write(data: bytes) -> None:
        raise AssertionError("the app must not use write()")


REQUESTS = [
    ("GET", "/", 200),
    ("GET", "/json", 200),
    ("HEAD", "/json", 200),
    ("GET", "/text", 200),
    ("GET", "/stream", 200),
    ("HEAD", "/stream", 200),
    ("GET", "/empty", 204),
    ("HEAD", "/empty", 204),
    ("GET", "/not-modified", 304),
    ("GET", "/redirect", 307),
    ("GET", "/cookie", 200),
    ("GET", "/boom", 500),
    ("GET", "/error", 418),
    ("GET", "/post-only", 405),
    ("OPTIONS", "/post-only", 204),
    ("GET", "/odd-status", 599),
    ("GET", "/nowhere", 404),
    ("GET", "/json/", 308),
    ("GET", "/robots.txt", 200),
    ("GET", "/css/site.css", 200),
    ("HEAD", "/css/site.css", 200),
    ("GET", "/data.bin", 200),
    ("GET", "/.env", 404),
]


@pytest.mark.parametrize(("method", "path", "status"), REQUESTS)
def test_response_passes_wsgiref_validate(client, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    if status in (204, 304) or method == "HEAD":
        assert response.data == b""
    if status not in (204, 304):
        assert response.headers.get("Content-Type")


@pytest.mark.parametrize(("method", "path", "status"), REQUESTS)
@pytest.mark.parametrize("entry", ["__call__", "wsgi_app"])
def test_raw_server_calls(app: App, entry: str, method: str, path: str, status: int) -> None:
    server = StrictServer(getattr(app, entry))
    got, headers, chunks = server.request(environ_for(path, method=method))
    assert int(got[:3]) == status
    names = [name.lower() for name, _ in headers]
    if status in (204, 304):
        assert "content-type" not in names
        assert chunks == [] or b"".join(chunks) == b""
    else:
        assert names.count("content-type") == 1
    if method == "HEAD":
        assert b"".join(chunks) == b""
    length = [value for name, value in headers if name.lower() == "content-length"]
    if length and method != "HEAD":
        assert int(length[0]) == len(b"".join(chunks))


def test_streamed_chunks_arrive_separately(app: App) -> None:
    _, headers, chunks = StrictServer(validator(app)).request(environ_for("/stream"))
    assert chunks == [b"chunk0;", b"chunk1;", b"chunk2;"]
    assert "content-length" not in [name.lower() for name, _ in headers]


def test_repeated_headers_are_separate_tuples(app: App) -> None:
    _, headers, _ = StrictServer(app).request(environ_for("/cookie"))
    cookies = [value for name, value in headers if name == "Set-Cookie"]
    assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def live_server(app: App) -> Iterator[tuple[str, int]]:
    server: WSGIServer = make_server("127.0.0.1", 0, validator(app), handler_class=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield "127.0.0.1", server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fetch(address: tuple[str, int], method: str, path: str, body: bytes | None = None, **headers):
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_through_wsgiref_simple_server(live_server) -> None:
    status, headers, body = fetch(live_server, "GET", "/json")
    assert (status, headers["Content-Type"], body) == (200, "application/json", b'{"a":[1,2]}')
    status, _, body = fetch(live_server, "GET", "/stream")
    assert (status, body) == (200, b"chunk0;chunk1;chunk2;")
    status, _, body = fetch(
        live_server, "POST", "/post-only", b'{"x": 1}', **{"Content-Type": "application/json"}
    )
    assert (status, body) == (200, b'{"posted":{"x":1}}')
    status, headers, body = fetch(live_server, "GET", "/blog/caf%C3%A9/")
    assert status == 308
    status, _, body = fetch(live_server, "GET", "/robots.txt")
    assert status == 200
    status, headers, body = fetch(live_server, "DELETE", "/json")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, OPTIONS"


# --- public/ ------------------------------------------------------------------------


def test_route_wins_over_a_public_file(client) -> None:
    assert client.get("/robots.txt").data == b"from the route"


def test_public_file_get_and_head(client) -> None:
    get = client.get("/css/site.css")
    assert get.status_code == 200
    assert get.data == b"body { color: red }\n"
    assert get.headers["Content-Type"].startswith("text/css")
    assert get.headers["ETag"]
    assert get.headers["Last-Modified"]
    head = client.head("/css/site.css")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_public_file_conditional_get(client) -> None:
    etag = client.get("/css/site.css").headers["ETag"]
    response = client.get("/css/site.css", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    changed = client.get("/css/site.css", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_public_binary_file(client) -> None:
    response = client.get("/data.bin")
    assert response.data == b"\x00\x01\x02" * 100


def test_public_file_rejects_writes(client) -> None:
    response = client.post("/css/site.css")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/css/../../secret.txt",
        "/css/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/css%5c..%5c..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/.env",
        "/sub/.env",
        "/%2eenv",
        "/.git/config",
        "/link.txt",
        "/css",
        "/sub",
        "/public/robots.txt",
        "/css/site.css%00.txt",
    ],
)
def test_public_never_serves_outside_hidden_or_directories(client, path: str) -> None:
    response = client.get(path)
    # A NUL in the path is malformed (400); anything else is simply not there (404).
    assert response.status_code == (400 if "%00" in path else 404), path
    assert b"outside public" not in response.data
    assert b"SECRET" not in response.data
    assert b"[core]" not in response.data


@pytest.mark.parametrize(
    "path_info", ["/../secret.txt", "/css/../../secret.txt", "/..\\secret.txt"]
)
def test_public_traversal_in_raw_path_info(app: App, path_info: str) -> None:
    environ = environ_for("/")
    environ["PATH_INFO"] = path_info
    status, _, body = wsgi_call(app, environ)
    assert status.startswith("404 ")
    assert b"outside public" not in body


def test_no_directory_listing(client) -> None:
    response = client.get("/sub/")
    assert response.status_code == 308
    assert response.headers["Location"] == "/sub"
    listing = client.get("/sub")
    assert listing.status_code == 404
    assert b"page.html" not in listing.data
