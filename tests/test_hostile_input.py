"""Hostile input, in process: every malformed request gets a clear 4xx and the app keeps serving.

The same attacks through a real waitress server are in ``test_raw_http.py``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import environ_for, write_files, wsgi_call
from werkzeug.test import run_wsgi_app

from microroutes import App

SECRET = "TOPSECRET-4f1d"
#: Every route module; ``_private.py`` and ``.hidden.py`` write a marker file if imported.
SITE = {
    "secret.txt": SECRET,
    "pages/api/echo.py": """\
        def handler(req, res):
            return {
                "method": req.method,
                "path": req.path,
                "query": len(req.query),
                "cookies": dict(req.cookies),
                "body": repr(req.body)[:200],
            }
        """,
    "pages/api/get.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/api/form.py": """\
        def POST(req, res):
            return {"form": len(req.form), "files": len(req.files)}
        """,
    "pages/api/json.py": "def POST(req, res):\n    return {'json': req.json}\n",
    "pages/api/small.py": """\
        MAX_BODY_SIZE = 16

        def POST(req, res):
            return {"size": len(req.data)}
        """,
    "pages/api/item/[id].py": "def GET(req, res):\n    return {'id': req.params['id']}\n",
    "pages/_private.py": """\
        from pathlib import Path
        (Path(__file__).parent.parent / "private-imported").write_text("imported")

        def GET(req, res):
            return "PRIVATE-BODY"
        """,
    "pages/.hidden.py": """\
        from pathlib import Path
        (Path(__file__).parent.parent / "hidden-imported").write_text("imported")

        def GET(req, res):
            return "PRIVATE-BODY"
        """,
    "pages/_lib/helper.py": "def GET(req, res):\n    return 'PRIVATE-BODY'\n",
    "public/hello.txt": "hello from public\n",
    "public/.env": "SECRET=" + SECRET,
    "public/sub/inner.txt": "inner\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_files(tmp_path_factory.mktemp("hostile") / "site", SITE)
    (root / "public/link.txt").symlink_to(root / "secret.txt")
    (root / "public/pages").symlink_to(root / "pages")
    return root


def call(app: Any, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """One request without ``wsgiref.validate``, for environs it would refuse to pass on."""
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), dict(headers.to_wsgi_list()), b"".join(body)


def error_of(status: int, headers: dict[str, str], body: bytes) -> str:
    """The message of a JSON error body, checking its shape."""
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str)
    assert error["message"]
    return str(error["message"])


def assert_still_serving(app: App) -> None:
    status, _, body = wsgi_call(app, environ_for("/api/get"))
    assert (status, json.loads(body)) == ("200 OK", {"ok": True})


def raw_environ(path_info: str, request_uri: str | None = None, **options: Any) -> dict[str, Any]:
    environ = environ_for("/", **options)
    environ["PATH_INFO"] = path_info
    if request_uri is not None:
        environ["REQUEST_URI"] = request_uri
    return environ


class ExplodingInput(io.RawIOBase):
    """A ``wsgi.input`` that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")

    def readline(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")


class CountingInput(io.RawIOBase):
    """An endless body of ``x`` that records how many bytes were asked for in total."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("an unbounded read of an endless body")
        self.served += size
        return b"x" * size


# -- the URL path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path_info", "request_uri", "message"),
    [
        ("/api/item/\xff", "/api/item/%FF", "not valid UTF-8"),
        ("/api/item/\xc3", "/api/item/%C3", "not valid UTF-8"),
        ("/api/item/\xed\xa0\x80", "/api/item/%ED%A0%80", "not valid UTF-8"),  # a surrogate
        ("/api/item/\xc0\xaf", "/api/item/%C0%AF", "not valid UTF-8"),  # overlong '/'
        ("/api/item/%zz", "/api/item/%zz", "percent-encoding"),
        ("/api/item/%4", "/api/item/%4", "percent-encoding"),
        ("/api/item/%", "/api/item/%", "percent-encoding"),
        ("/api/item/a\x00b", "/api/item/a%00b", "NUL"),
        ("api/item/x", None, "must start with '/'"),
    ],
)
def test_malformed_paths_are_a_400_with_a_message(
    app: App, path_info: str, request_uri: str | None, message: str
) -> None:
    status, headers, body = call(app, raw_environ(path_info, request_uri))
    assert status == 400
    assert message in error_of(status, headers, body)
    assert_still_serving(app)


def test_valid_utf8_in_the_path_is_decoded_once(app: App) -> None:
    # The server already unquoted "%25" and "%C3%A9": no second unquoting.
    status, _, body = call(app, raw_environ("/api/item/100%\xc3\xa9", "/api/item/100%25%C3%A9"))
    assert (status, json.loads(body)) == (200, {"id": "100%é"})


TRAVERSALS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/public/../secret.txt",
    "/hello.txt/../../secret.txt",
    "/sub/../../secret.txt",
    "//secret.txt",
    "///../secret.txt",
    "/..\\secret.txt",
    "/\\..\\secret.txt",
    "/sub\\..\\..\\secret.txt",
    "/hello.txt\x00.py",
    "/link.txt",
    "/.env",
    "/sub/../.env",
    "/pages/api/get.py",
    "/pages/_private.py",
    "/../pages/api/get.py",
    "/../pages/_private.py",
    "/_private",
    "/_private.py",
    "/api/../_private",
    "/%5fprivate",
    "/.hidden",
    "/_lib/helper",
    "/_lib/helper.py",
    "/secret.txt",
    "/sub",
    "/" + "../" * 20 + "etc/passwd",
    "/%2fetc%2fpasswd",
    "//etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_no_file_outside_pages_or_public_is_served_or_imported(
    app: App, site: Path, path: str, method: str
) -> None:
    status, headers, body = call(app, raw_environ(path, method=method))
    # A NUL in the path is malformed (400); anything else is simply not there (404).
    assert status == (400 if "\x00" in path else 404), (path, status, body)
    assert SECRET.encode() not in body
    assert b"def GET" not in body
    assert b"PRIVATE-BODY" not in body
    assert headers["Content-Type"] == "application/json"
    assert not (site / "private-imported").exists()
    assert not (site / "hidden-imported").exists()


def test_private_modules_are_never_imported_by_any_request(app: App, site: Path) -> None:
    for path in TRAVERSALS:
        call(app, raw_environ(path))
    names = [route.file for route, _ in app.router]
    assert "_private.py" not in names
    assert ".hidden.py" not in names
    assert not (site / "private-imported").exists()
    assert not (site / "hidden-imported").exists()


def test_public_files_are_served_and_read_only(app: App) -> None:
    status, _, body = call(app, raw_environ("/hello.txt"))
    assert (status, body) == (200, b"hello from public\n")
    status, _, body = call(app, raw_environ("/sub/inner.txt"))
    assert (status, body) == (200, b"inner\n")
    status, headers, body = call(app, raw_environ("/hello.txt", method="DELETE"))
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_absurdly_long_paths_are_a_404_not_a_500(app: App, size: int) -> None:
    for path in ("/" + "a" * size, "/a" * (size // 2), "/api/item/" + "x" * size):
        status, headers, body = call(app, raw_environ(path))
        expected = 200 if path.startswith("/api/item/") else 404
        assert status == expected
        if status == 404:
            error_of(status, headers, body)
    # A deep path ending in "/" is redirected without the slash, not crashed on.
    status, headers, _ = call(app, raw_environ("/a" * (size // 2) + "/"))
    assert status == 308
    assert headers["Location"] == "/a" * (size // 2)
    assert_still_serving(app)


def test_a_long_query_string_is_served(app: App) -> None:
    environ = environ_for("/api/echo", query_string="q=" + "x" * 500_000)
    status, _, body = wsgi_call(app, environ)
    assert status == "200 OK"
    assert json.loads(body)["query"] == 1


# -- the query string --------------------------------------------------------------------


def test_query_parameters_up_to_the_cap_work(app: App) -> None:
    query = "&".join(f"k{i}=v" for i in range(1000))
    status, _, body = wsgi_call(app, environ_for("/api/echo", query_string=query))
    assert status == "200 OK"
    assert json.loads(body)["query"] == 1000


@pytest.mark.parametrize("count", [1001, 50_000])
def test_query_parameters_over_the_cap_are_a_400(app: App, count: int) -> None:
    query = "&".join(f"k{i}=v" for i in range(count))
    status, headers, body = call(app, environ_for("/api/echo", query_string=query))
    assert status == 400
    assert "too many query parameters" in error_of(status, headers, body)
    assert_still_serving(app)


@pytest.mark.parametrize("query", ["%zz=%ff", "a=%", "=&=&&", "a=\xff\xfe", "%00=%00", ";;;"])
def test_malformed_query_strings_are_tolerated(app: App, query: str) -> None:
    status, _, body = call(app, environ_for("/api/echo", query_string=query))
    assert status == 200
    assert json.loads(body)["method"] == "GET"


# -- Content-Length and bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["abc", "-5", "1e9", "0x10", "+5", " 5", "5 5", "5,5", "\uff15", "9" * 20]
)
def test_malformed_content_length_is_a_400_and_the_body_is_not_read(app: App, value: str) -> None:
    environ = environ_for("/api/echo", method="POST")
    environ["CONTENT_LENGTH"] = value
    environ["wsgi.input"] = ExplodingInput()
    status, headers, body = call(app, environ)
    assert status == 400
    assert "Content-Length" in error_of(status, headers, body)


@pytest.mark.parametrize(
    ("path", "length"), [("/api/echo", str((1 << 20) + 1)), ("/api/small", "17")]
)
def test_a_declared_body_over_the_limit_is_a_413_without_reading_it(
    app: App, path: str, length: str
) -> None:
    environ = environ_for(path, method="POST", content_type="application/octet-stream")
    environ["CONTENT_LENGTH"] = length
    environ["wsgi.input"] = ExplodingInput()
    status, headers, body = call(app, environ)
    assert status == 413
    assert "over the limit" in error_of(status, headers, body)
    assert_still_serving(app)


def test_a_chunked_body_over_the_limit_is_read_only_one_byte_past_it(app: App) -> None:
    environ = environ_for("/api/small", method="POST", content_type="application/octet-stream")
    environ.pop("CONTENT_LENGTH", None)
    stream = CountingInput()
    environ["wsgi.input"] = stream
    environ["wsgi.input_terminated"] = True
    status, headers, body = call(app, environ)
    assert status == 413
    error_of(status, headers, body)
    assert stream.served <= 17


def test_a_body_shorter_than_its_content_length_is_a_400(app: App) -> None:
    environ = environ_for("/api/json", method="POST", content_type="application/json")
    environ["CONTENT_LENGTH"] = "100"
    environ["wsgi.input"] = io.BytesIO(b'{"a": 1}')
    status, headers, body = call(app, environ)
    assert status == 400
    assert "shorter" in error_of(status, headers, body)


@pytest.mark.parametrize(
    "data",
    [
        b"{bad",
        b"[" * 100_000,
        b'{"a": "\xff"}',
        b'{"a": 1}garbage',
        b"{'a': 1}",
        b'{"a": 1,}',
        b"\x00",
        b"[1, 2",
    ],
)
def test_malformed_json_is_a_400_with_a_message(app: App, data: bytes) -> None:
    environ = environ_for("/api/json", method="POST", data=data, content_type="application/json")
    status, headers, body = call(app, environ)
    assert status == 400
    assert "malformed JSON" in error_of(status, headers, body)
    assert_still_serving(app)


@pytest.mark.parametrize(("data", "value"), [(b"", None), (b"\xef\xbb\xbf{}", {})])
def test_odd_but_valid_json_is_accepted(app: App, data: bytes, value: object) -> None:
    environ = environ_for("/api/json", method="POST", data=data, content_type="application/json")
    status, _, body = call(app, environ)
    assert (status, json.loads(body)) == (200, {"json": value})


def test_a_json_integer_too_long_to_convert_is_a_400(app: App) -> None:
    # Python refuses integers over 4300 digits: malformed input, not a crash.
    environ = environ_for(
        "/api/json", method="POST", data=b"1" * 5000, content_type="application/json"
    )
    status, headers, body = call(app, environ)
    assert status == 400
    assert "malformed JSON" in error_of(status, headers, body)


def test_a_json_lone_surrogate_is_a_400(app: App) -> None:
    environ = environ_for(
        "/api/json", method="POST", data=b'{"a": "\\ud800"}', content_type="application/json"
    )
    status, _, body = call(app, environ)
    assert status == 400
    assert json.loads(body)["error"]["status"] == 400


def multipart(parts: int, boundary: bytes = b"XX") -> bytes:
    fields = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % (boundary, i)
        for i in range(parts)
    )
    return fields + b"--%s--\r\n" % boundary


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (multipart(3), "multipart/form-data; boundary=XX", 200),
        (multipart(999), "multipart/form-data; boundary=XX", 200),
        (multipart(1001), "multipart/form-data; boundary=XX", 413),
        (multipart(3), "multipart/form-data", 400),  # no boundary
        (multipart(3), "multipart/form-data; boundary=", 400),
        (multipart(3), "multipart/form-data; boundary=YY", 400),  # wrong boundary
        (multipart(3)[:-20], "multipart/form-data; boundary=XX", 400),  # truncated
        (b"garbage", "multipart/form-data; boundary=XX", 400),
        (b"--XX\r\n\r\n\r\n--XX--\r\n", "multipart/form-data; boundary=XX", 400),
        (b"a=%zz&b=%ff&&=", "application/x-www-form-urlencoded", 200),
    ],
)
def test_malformed_forms_are_a_400_or_413(
    app: App, data: bytes, content_type: str, expected: int
) -> None:
    environ = environ_for("/api/form", method="POST", data=data, content_type=content_type)
    status, headers, body = call(app, environ)
    assert status == expected, body
    if status != 200:
        error_of(status, headers, body)
    assert_still_serving(app)


def test_a_multipart_file_over_the_route_limit_is_a_413(make_site) -> None:
    site = make_site(
        {"pages/up.py": "MAX_BODY_SIZE = 1000\n\ndef POST(req, res):\n    return {'n': 1}\n"}
    )
    data = (
        b'--XX\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'
        + b"x" * 5000
        + b"\r\n--XX--\r\n"
    )
    environ = environ_for(
        "/up", method="POST", data=data, content_type="multipart/form-data; boundary=XX"
    )
    status, headers, body = call(App(site), environ)
    assert status == 413
    error_of(status, headers, body)


def test_urlencoded_bodies_over_the_field_cap_are_refused(app: App) -> None:
    data = b"&".join(b"f%d=v" % i for i in range(5000))
    environ = environ_for(
        "/api/form", method="POST", data=data, content_type="application/x-www-form-urlencoded"
    )
    status, headers, body = call(app, environ)
    assert status == 400
    assert "too many form fields" in error_of(status, headers, body)


# -- cookies, headers, methods -----------------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    [
        "a=b; c",
        '=;;==;"',
        "\x00\x01garbage",
        'a="unterminated',
        "a=b" * 5000,
        ";" * 10_000,
        "a=" + "x" * 100_000,
        "a=\\",
        "$Version=1; a=b; $Path=/",
        "a=\x7f\x1b",
    ],
)
def test_garbage_cookie_headers_are_tolerated(app: App, cookie: str) -> None:
    status, _, body = call(app, environ_for("/api/echo", headers={"Cookie": cookie}))
    assert status == 200
    assert isinstance(json.loads(body)["cookies"], dict)


def test_cookie_header_with_non_utf8_bytes_is_tolerated(app: App) -> None:
    # waitress hands header bytes over as latin-1 characters: b"\xe9=\xfc" -> "é=ü".
    status, _, body = call(app, environ_for("/api/echo", headers={"Cookie": "\xe9=\xfc; a=b"}))
    assert status == 200
    assert json.loads(body)["cookies"]["a"] == "b"


@pytest.mark.parametrize("value", ["\xff\xfe", "\x00", "é" * 1000, "a" * 100_000])
def test_odd_request_header_values_are_tolerated(app: App, value: str) -> None:
    environ = environ_for("/api/echo", headers={"X-Odd": value, "Accept": value})
    status, _, body = call(app, environ)
    assert status == 200
    assert json.loads(body)["method"] == "GET"


@pytest.mark.parametrize("method", ["PROPFIND", "FOO", "TRACE", "CONNECT", "MKCOL", "get"])
def test_unknown_methods_are_a_405_with_allow(app: App, method: str) -> None:
    status, headers, body = call(app, environ_for("/api/get", method=method))
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, OPTIONS"
    error_of(status, headers, body)


@pytest.mark.parametrize("method", ["PROPFIND", "FOO", "get", "head"])
def test_a_bare_handler_route_takes_only_the_standard_methods(app: App, method: str) -> None:
    status, headers, body = call(app, environ_for("/api/echo", method=method))
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    error_of(status, headers, body)


def test_html_clients_get_an_escaped_html_error(app: App) -> None:
    environ = raw_environ("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    status, headers, body = call(app, environ)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"<script>" not in body
    assert b"&lt;script&gt;" in body


@pytest.mark.parametrize(
    ("path_info", "query"),
    [
        ("//evil.example/", ""),
        ("///evil.example//", "a=1"),
        ("/\\evil.example/", ""),
        ("/\\/evil.example/", ""),
        ("/%2f%2fevil.example/", ""),
    ],
)
def test_trailing_slash_redirects_never_leave_the_site(
    app: App, path_info: str, query: str
) -> None:
    status, headers, _ = call(app, raw_environ(path_info, query_string=query))
    assert status == 308
    location = headers["Location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert "\\" not in location


def test_a_redirect_query_with_crlf_never_splits_the_response(app: App) -> None:
    environ = raw_environ("/api/get/")
    environ["QUERY_STRING"] = "a=1\r\nSet-Cookie: injected=1"
    status, headers, _ = call(app, environ)
    assert "Set-Cookie" not in headers
    for value in headers.values():
        assert "\r" not in value
        assert "\n" not in value
    assert status == 308


@pytest.mark.parametrize("query", ["a=\x00", "a=1\r\nX: y", "a=\x01\x7f"])
def test_a_trailing_slash_redirect_keeps_an_odd_query_without_failing(app: App, query: str) -> None:
    environ = raw_environ("/api/get/")
    environ["QUERY_STRING"] = query
    status, headers, _ = call(app, environ)
    assert status == 308
    location = headers["Location"]
    assert location.startswith("/api/get?")
    assert location.isascii()
    assert all(" " < c < "\x7f" for c in location)
