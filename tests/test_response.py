"""The Response: status, headers, bodies, cookies, redirects and return values."""

from __future__ import annotations

import logging
from pathlib import Path
from wsgiref.validate import validator

import pytest
from conftest import environ_for, without_request_id, write_files

from microroutes import App, Response

GENERIC_500 = {"error": {"status": 500, "message": "internal server error"}}

ROUTES = {
    "pages/chain.py": """\
        def GET(req, res):
            return res.status(201).set_header("X-A", "1").json({"ok": True})
    """,
    "pages/json.py": """\
        import datetime, decimal, uuid

        def GET(req, res):
            return res.json({
                "text": "café ✓",
                "date": datetime.date(2024, 5, 1),
                "when": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc),
                "id": uuid.UUID(int=1),
                "price": decimal.Decimal("1.50"),
                "tags": {"x"},
            })
    """,
    "pages/send/str.py": "def GET(req, res):\n    return res.send('héllo')\n",
    "pages/send/bytes.py": "def GET(req, res):\n    return res.send(b'\\x00\\x01')\n",
    "pages/send/typed.py": """\
        def GET(req, res):
            return res.set_header("Content-Type", "text/csv").send("a,b\\n")
    """,
    "pages/send/iter.py": """\
        def GET(req, res):
            def chunks():
                yield b"one,"
                yield "two,"
                yield bytearray(b"three")
            return res.send(chunks())
    """,
    "pages/html.py": "def GET(req, res):\n    return res.html('<p>hi</p>')\n",
    "pages/headers.py": """\
        def GET(req, res):
            res.set_header("X-Set", "1").set_header("x-set", "2")
            res.add_header("X-Multi", "a").add_header("X-Multi", "b")
            res.set_header("X-Gone", "x").remove_header("x-gone")
            res.add_header("Content-Type", "application/xml")
            seen = {
                "set": res.get_header("X-SET"),
                "multi": res.get_header("x-multi"),
                "gone": res.get_header("X-Gone", "default"),
                "type": res.get_header("content-type"),
            }
            res.send(repr(seen))
    """,
    "pages/empty.py": "def GET(req, res):\n    pass\n",
    "pages/accepted.py": "def GET(req, res):\n    return res.status(202)\n",
    "pages/no-type.py": """\
        def GET(req, res):
            return res.send(b"x").remove_header("Content-Type")
    """,
    "pages/nobody/[code].py": """\
        def GET(req, res):
            code = int(req.params["code"])
            res.status(code).set_header("Content-Type", "application/json").send(b"{}")
            res.set_header("ETag", '"v1"')
    """,
    "pages/redirect/default.py": "def GET(req, res):\n    return res.redirect('/elsewhere?a=1')\n",
    "pages/redirect/[code].py": """\
        def GET(req, res):
            return res.redirect("https://example.org/x", int(req.params["code"]))
    """,
    "pages/redirect/bad.py": "def GET(req, res):\n    return res.redirect('/x', 200)\n",
    "pages/cookie/set.py": """\
        def GET(req, res):
            res.set_cookie("sid", "abc")
            res.set_cookie("pref", "dark", secure=True, max_age=60, httponly=False)
            res.set_cookie("cross", "1", samesite="None", secure=True, path="/api")
    """,
    "pages/cookie/delete.py": "def GET(req, res):\n    res.delete_cookie('sid')\n",
    "pages/cookie/tricky.py": """\
        def GET(req, res):
            res.set_cookie("v", req.query["v"])
    """,
    "pages/inject.py": """\
        def GET(req, res):
            res.set_header(req.query.get("name", "X-Test"), req.query.get("value", "ok"))
            return {"reached": True}
    """,
    "pages/inject-redirect.py": """\
        def GET(req, res):
            return res.redirect(req.query["to"])
    """,
    "pages/inject-cookie.py": """\
        def GET(req, res):
            res.set_cookie("a", "b", path=req.query["path"])
    """,
    "pages/returns/dict.py": "def GET(req, res):\n    return {'a': 1}\n",
    "pages/returns/list.py": "def GET(req, res):\n    return [1, 'two']\n",
    "pages/returns/str.py": "def GET(req, res):\n    return 'plain'\n",
    "pages/returns/bytes.py": "def GET(req, res):\n    return b'\\xffraw'\n",
    "pages/returns/generator.py": """\
        def GET(req, res):
            return (part.encode() for part in ["x", "y", "z"])
    """,
    "pages/returns/response.py": """\
        from microroutes import Response

        def GET(req, res):
            res.set_header("X-Ignored", "1")
            return Response("made", status=203, headers={"X-Own": "yes"})
    """,
    "pages/returns/res.py": "def GET(req, res):\n    return res.status(206).send('partial')\n",
    "pages/returns/none.py": """\
        def GET(req, res):
            res.status(418).json({"teapot": True})
    """,
    "pages/returns/int.py": "def GET(req, res):\n    return 42\n",
    "pages/returns/object.py": "def GET(req, res):\n    return object()\n",
    "pages/returns/dict-tuple.py": "def GET(req, res):\n    return {'a': 1}, 201\n",
    "pages/gen/raise-first.py": """\
        def GET(req, res):
            def body():
                raise RuntimeError("secret failure")
                yield b""
            return body()
    """,
    "pages/gen/http-first.py": """\
        from microroutes import Conflict

        def GET(req, res):
            def body():
                raise Conflict("busy", detail={"retry": True})
                yield b""
            return body()
    """,
    "pages/gen/bad-chunk.py": "def GET(req, res):\n    return iter([1, 2])\n",
    "pages/gen/empty.py": "def GET(req, res):\n    return iter([])\n",
    "pages/closing/[mode].py": """\
        def handler(req, res):
            log = req.app.site_dir / "closed.log"
            mode = req.params["mode"]

            class Body:
                def __iter__(self):
                    if mode == "raise-first":
                        raise RuntimeError("before the first chunk")
                    yield b"first"
                    if mode == "raise-later":
                        raise RuntimeError("after the first chunk")
                    yield b"second"

                def close(self):
                    with open(log, "a") as out:
                        out.write(mode + "\\n")

            if mode == "204":
                res.status(204)
            return res.send(Body())
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("response"), ROUTES))


@pytest.fixture
def closed_log(app: App):
    log = Path(app.site_dir) / "closed.log"
    log.unlink(missing_ok=True)

    def read() -> list[str]:
        return log.read_text().split() if log.exists() else []

    return read


# --- status, json, send, html -------------------------------------------------


def test_status_chaining(client) -> None:
    response = client.get("/chain")
    assert response.status_code == 201
    assert response.headers["X-A"] == "1"
    assert response.content_type == "application/json"
    assert response.json == {"ok": True}


def test_json_body(client) -> None:
    response = client.get("/json")
    assert response.content_type == "application/json"
    assert response.headers["Content-Length"] == str(len(response.data))
    assert "café ✓".encode() in response.data  # not \\u-escaped
    assert response.json == {
        "text": "café ✓",
        "date": "2024-05-01",
        "when": "2024-05-01T12:30:00+00:00",
        "id": "00000000-0000-0000-0000-000000000001",
        "price": "1.50",
        "tags": ["x"],
    }


@pytest.mark.parametrize(
    ("path", "content_type", "data"),
    [
        ("/send/str", "text/plain; charset=utf-8", "héllo".encode()),
        ("/send/bytes", "application/octet-stream", b"\x00\x01"),
        ("/send/typed", "text/csv", b"a,b\n"),
        ("/html", "text/html; charset=utf-8", b"<p>hi</p>"),
    ],
)
def test_send_and_html(client, path: str, content_type: str, data: bytes) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(data))
    assert response.data == data


def test_send_iterable_streams_chunks(app: App) -> None:
    seen: dict[str, object] = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)
        return lambda data: None

    body = validator(app)(environ_for("/send/iter"), start_response)
    try:
        chunks = list(body)
    finally:
        body.close()
    assert seen["status"] == "200 OK"
    assert chunks == [b"one,", b"two,", b"three"]
    headers = seen["headers"]
    assert headers["Content-Type"] == "application/octet-stream"
    assert "Content-Length" not in headers


def test_send_rejects_wrong_types() -> None:
    for value in (1, {"a": 1}, None, 2.5):
        with pytest.raises(TypeError):
            Response().send(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [199, 600, 0, "200", 200.0])
def test_invalid_status_raises(code) -> None:
    with pytest.raises(ValueError, match="status"):
        Response().status(code)


def test_response_constructor() -> None:
    response = Response("hi", status=201, headers=[("X-A", "1")], content_type="text/x")
    assert response.status_code == 201
    assert response.body == b"hi"
    assert response.headers == [("X-A", "1"), ("Content-Type", "text/x")]


# --- headers ----------------------------------------------------------------------


def test_header_set_add_get_remove(client) -> None:
    response = client.get("/headers")
    assert response.data.decode() == repr(
        {"set": "2", "multi": "a", "gone": "default", "type": "application/xml"}
    )
    assert response.headers.getlist("X-Set") == ["2"]
    assert response.headers.getlist("X-Multi") == ["a", "b"]
    assert "X-Gone" not in response.headers
    # a Content-Type set before send() is kept
    assert response.headers.getlist("Content-Type") == ["application/xml"]


def test_headers_property_is_a_copy() -> None:
    response = Response().set_header("X-A", "1").json({})
    headers = response.headers
    headers.append(("X-B", "2"))
    assert response.headers == [("X-A", "1"), ("Content-Type", "application/json")]
    assert response.get_header("x-b") is None


@pytest.mark.parametrize(
    "path",
    [
        "/empty",
        "/accepted",
        "/no-type",
        "/redirect/default",
        "/nowhere",
        "/returns/int",
        "/gen/raise-first",
        "/chain",
        "/send/bytes",
    ],
)
def test_every_body_carrying_response_has_a_content_type(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code not in (204, 304)
    assert response.headers.get("Content-Type")
    assert response.headers["Content-Length"] == str(len(response.data))


def test_empty_200(client) -> None:
    response = client.get("/empty")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("code", [204, 304])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_no_body_statuses(client, code: int, method: str) -> None:
    response = client.open(f"/nobody/{code}", method=method)
    assert response.status_code == code
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert response.headers["ETag"] == '"v1"'


# --- redirects --------------------------------------------------------------------


def test_redirect_default_307(client) -> None:
    response = client.get("/redirect/default")
    assert response.status_code == 307
    assert response.headers["Location"] == "/elsewhere?a=1"
    assert response.content_type.startswith("text/plain")
    assert b"/elsewhere" in response.data


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_custom_status(client, code: int) -> None:
    response = client.get(f"/redirect/{code}")
    assert response.status_code == code
    assert response.headers["Location"] == "https://example.org/x"


@pytest.mark.parametrize("code", [200, 300, 304, 305, 400, 500])
def test_invalid_redirect_status_raises(code: int) -> None:
    with pytest.raises(ValueError, match="redirect"):
        Response().redirect("/x", code)


def test_invalid_redirect_status_in_a_handler_is_500(client) -> None:
    response = client.get("/redirect/bad")
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500


# --- cookies ------------------------------------------------------------------------


def test_set_cookie_defaults_and_options(client) -> None:
    cookies = client.get("/cookie/set").headers.getlist("Set-Cookie")
    assert len(cookies) == 3
    sid, pref, cross = cookies
    assert sid.startswith("sid=abc;")
    assert "HttpOnly" in sid
    assert "SameSite=Lax" in sid
    assert "Path=/" in sid
    assert "Secure" not in sid
    assert "Secure" in pref
    assert "Max-Age=60" in pref
    assert "Expires=" in pref
    assert "HttpOnly" not in pref
    assert "SameSite=None" in cross
    assert "Path=/api" in cross


def test_delete_cookie(client) -> None:
    (cookie,) = client.get("/cookie/delete").headers.getlist("Set-Cookie")
    assert cookie.startswith("sid=;")
    assert "Max-Age=0" in cookie
    assert "1970" in cookie
    assert "Path=/" in cookie


def test_cookie_round_trip_through_the_client(client) -> None:
    client.get("/cookie/set")
    assert client.get_cookie("sid").value == "abc"
    client.get("/cookie/delete")
    assert client.get_cookie("sid") is None


@pytest.mark.parametrize("value", ["a;b", 'q"uote', "sp ace", "x\r\nSet-Cookie: evil=1"])
def test_cookie_values_are_escaped(client, value: str) -> None:
    from urllib.parse import quote

    response = client.get(f"/cookie/tricky?v={quote(value)}")
    assert response.status_code == 200
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("v=")
    assert "\r" not in cookie
    assert "\n" not in cookie
    assert "evil" not in response.headers


# --- header injection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Test", "a\r\nSet-Cookie: evil=1"),
        ("X-Test", "a\nX-Evil: 1"),
        ("X-Test", "a\rb"),
        ("X-Test", "a\x00b"),
        ("X-Evil\r\nX-More", "v"),
        ("X-Evil\n", "v"),
        ("X\x00", "v"),
        ("X Space", "v"),
        ("", "v"),
    ],
)
def test_header_injection_is_a_500(client, name: str, value: str) -> None:
    from urllib.parse import urlencode

    response = client.get("/inject?" + urlencode({"name": name, "value": value}))
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500
    assert "X-Evil" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert "X-Test" not in response.headers


def test_redirect_injection_is_a_500(client) -> None:
    response = client.get("/inject-redirect?to=/x%0D%0ASet-Cookie:%20evil=1")
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500
    assert "Set-Cookie" not in response.headers


def test_cookie_attribute_injection_is_refused(client) -> None:
    response = client.get("/inject-cookie?path=/x%0D%0AX-Evil:%201")
    assert "X-Evil" not in response.headers
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "\r" not in cookie
        assert "\n" not in cookie


def test_header_injection_sanity(client) -> None:
    response = client.get("/inject?name=X-Test&value=fine")
    assert response.headers["X-Test"] == "fine"


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-A", "a\r\nb"), ("X-A", "a\nb"), ("X-A", "a\rb"), ("X-A", "a\x00b"), ("X\r\nA", "v")],
)
@pytest.mark.parametrize("setter", ["set_header", "add_header"])
def test_header_injection_raises_value_error(setter: str, name: str, value: str) -> None:
    response = Response()
    with pytest.raises(ValueError, match="header"):
        getattr(response, setter)(name, value)
    assert response.headers == []


def test_redirect_injection_raises_value_error() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        Response().redirect("/x\r\nSet-Cookie: a=b")


def test_header_value_must_be_latin1() -> None:
    assert Response().set_header("X-A", "café").get_header("x-a") == "café"
    with pytest.raises(ValueError, match="latin-1"):
        Response().set_header("X-A", "check ✓")


@pytest.mark.parametrize(
    ("url", "location"),
    [("/posts/café", "/posts/caf%C3%A9"), ("/✓?q=ü", "/%E2%9C%93?q=%C3%BC")],
)
def test_redirect_to_a_non_ascii_url_is_percent_encoded(url: str, location: str) -> None:
    assert Response().redirect(url).get_header("Location") == location


def test_header_value_must_be_str() -> None:
    with pytest.raises(TypeError):
        Response().set_header("X-A", 1)  # type: ignore[arg-type]


# --- return values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "content_type", "data"),
    [
        ("/returns/dict", 200, "application/json", b'{"a":1}'),
        ("/returns/list", 200, "application/json", b'[1,"two"]'),
        ("/returns/str", 200, "text/plain; charset=utf-8", b"plain"),
        ("/returns/bytes", 200, "application/octet-stream", b"\xffraw"),
        ("/returns/generator", 200, "application/octet-stream", b"xyz"),
        ("/returns/response", 203, "text/plain; charset=utf-8", b"made"),
        ("/returns/res", 206, "text/plain; charset=utf-8", b"partial"),
        ("/returns/none", 418, "application/json", b'{"teapot":true}'),
        ("/gen/empty", 200, "application/octet-stream", b""),
    ],
)
def test_return_values(client, path: str, status: int, content_type: str, data: bytes) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert response.data == data


def test_returned_response_replaces_res(client) -> None:
    response = client.get("/returns/response")
    assert response.headers["X-Own"] == "yes"
    assert "X-Ignored" not in response.headers


@pytest.mark.parametrize("path", ["/returns/int", "/returns/object"])
def test_wrong_return_type_is_a_500(client, caplog, path: str) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get(path)
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500
    assert "which is not a body" in caplog.text


# --- streaming errors and close() ---------------------------------------------------


def test_generator_raising_before_first_chunk_is_a_json_500(client, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get("/gen/raise-first")
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500
    assert b"secret failure" not in response.data
    assert "secret failure" in caplog.text


def test_http_error_before_first_chunk_sets_the_status(client) -> None:
    response = client.get("/gen/http-first")
    assert response.status_code == 409
    assert without_request_id(response.json) == {
        "error": {"status": 409, "message": "busy", "detail": {"retry": True}}
    }


def test_head_reports_an_error_raised_before_the_first_chunk(client) -> None:
    assert client.head("/gen/http-first").status_code == client.get("/gen/http-first").status_code


@pytest.mark.parametrize("path", ["/gen/bad-chunk", "/returns/dict-tuple"])
def test_wrong_first_chunk_type_is_a_500(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_streamed_body_is_closed(client, closed_log, method: str) -> None:
    response = client.open("/closing/ok", method=method)
    assert response.status_code == 200
    assert response.data == (b"firstsecond" if method == "GET" else b"")
    assert closed_log() == ["ok"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_streamed_body_is_closed_for_204(client, closed_log, method: str) -> None:
    response = client.open("/closing/204", method=method)
    assert response.status_code == 204
    assert response.data == b""
    assert closed_log() == ["204"]


def test_streamed_body_is_closed_when_it_fails_early(client, closed_log) -> None:
    response = client.get("/closing/raise-first")
    assert response.status_code == 500
    assert closed_log() == ["raise-first"]


def test_streamed_body_is_closed_when_it_fails_midway(client, closed_log, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    with pytest.raises(RuntimeError, match="after the first chunk"):
        client.get("/closing/raise-later")
    assert closed_log() == ["raise-later"]
    assert "closing/[mode].py" in caplog.text
