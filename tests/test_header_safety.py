"""Response headers can never be split: CR, LF or NUL set by a handler is an error, not a header.

In process, the handler's ``ValueError`` becomes a generic 500 and is logged;
through a real waitress server no injected header line ever reaches the wire.
Cookies are written by werkzeug's ``dump_cookie`` with safe defaults.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import client_for, environ_for, without_request_id, write_files
from servers import Server, running
from test_raw_http import port_of, request
from werkzeug.test import run_wsgi_app

from microroutes import App, Response

INJECTED = "\r\nSet-Cookie: injected=1\r\nX-Injected: yes"

#: ``/set?how=<case>&v=<value>``: each case puts ``v`` somewhere in the response head.
SET_ROUTE = """\
from microroutes import HTTPError, Halt, Response

def GET(req, res):
    how, value = req.query.get("how"), req.query.get("v", "")
    if how == "set_header":
        res.set_header("X-Echo", value)
    elif how == "add_header":
        res.add_header("X-Echo", value)
    elif how == "header_name":
        res.set_header("X-" + value, "1")
    elif how == "content_type":
        res.set_header("Content-Type", "text/plain" + value)
    elif how == "redirect":
        return res.redirect("/next" + value)
    elif how == "cookie_name":
        res.set_cookie("c" + value, "v")
    elif how == "cookie_domain":
        res.set_cookie("c", "v", domain="example.com" + value)
    elif how == "constructor":
        return Response("x", headers={"X-Echo": value})
    elif how == "error_headers":
        raise HTTPError(400, "bad", headers={"X-Echo": value})
    elif how == "status_headers":
        raise Halt(204, [("X-Echo", value)])
    elif how == "request_header":
        res.set_header("X-Echo", req.headers.get("X-Folded", ""))
    elif how == "non_latin1":
        res.set_header("X-Echo", "caf\\u00e9 \\u20ac")
    return {"how": how}
"""
#: Cases where a bad value makes the handler raise ValueError.
RAISING = [
    "set_header",
    "add_header",
    "header_name",
    "content_type",
    "redirect",
    "cookie_name",
    "cookie_domain",
    "constructor",
]
#: Cases where the bad header comes with a raised HTTPError or Halt.
ERROR_HEADERS = ["error_headers", "status_headers"]

SITE = {
    "pages/set.py": SET_ROUTE,
    "pages/cookie.py": """\
        def GET(req, res):
            res.set_cookie("plain", req.query.get("v", ""), path=req.query.get("path", "/"))
            return {"ok": True}
        """,
    "pages/error.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(400, req.query["v"])
        """,
    "pages/mw/_middleware.py": """\
        def middleware(req, res, call_next):
            response = call_next()
            response.set_header("X-From-Middleware", req.query.get("v", ""))
            return response
        """,
    "pages/mw/index.py": "def GET(req, res):\n    return {'ok': True}\n",
}

BAD_VALUES = ["\r\nX-Injected: yes", "\nX-Injected: yes", "\rX-Injected: yes", "a\x00b", INJECTED]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("headers") / "site", SITE)


def call(app: App, path: str, query: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    environ = environ_for(path, query_string=query)
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), headers.to_wsgi_list(), b"".join(body)


def assert_no_injection(headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        assert not any(c in name + value for c in "\r\n\x00"), (name, value)
        assert name.lower() != "x-injected"


def assert_generic_500(status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    assert status == 500
    assert dict(headers)["Content-Type"] == "application/json"
    assert without_request_id(json.loads(body)) == {
        "error": {"status": 500, "message": "internal server error"}
    }


# -- in process --------------------------------------------------------------------------


@pytest.mark.parametrize("how", RAISING)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_cr_lf_or_nul_set_by_a_handler_is_a_logged_500(
    app: App, how: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        status, headers, body = call(app, "/set", {"how": how, "v": value})
    assert_generic_500(status, headers, body)
    assert_no_injection(headers)
    errors = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert any(isinstance(e, ValueError) and "header" in str(e).lower() for e in errors), errors


@pytest.mark.parametrize("how", RAISING)
def test_safe_values_go_through(app: App, how: str) -> None:
    status, headers, _ = call(app, "/set", {"how": how, "v": "ok-value"})
    assert status == (307 if how == "redirect" else 200)
    assert_no_injection(headers)


@pytest.mark.parametrize("how", ERROR_HEADERS)
def test_cr_lf_in_an_http_error_header_is_a_generic_500(app: App, how: str) -> None:
    status, headers, body = call(app, "/set", {"how": how, "v": INJECTED})
    assert_generic_500(status, headers, body)


def test_a_header_value_that_is_not_latin1_is_refused_by_the_app(app: App) -> None:
    status, headers, body = call(app, "/set", {"how": "non_latin1"})
    assert_generic_500(status, headers, body)


def test_a_middleware_setting_a_crlf_header_is_a_generic_500(app: App) -> None:
    status, headers, body = call(app, "/mw", {"v": INJECTED})
    assert_generic_500(status, headers, body)
    assert_no_injection(headers)


def test_an_error_message_with_crlf_stays_in_the_json_body(app: App) -> None:
    status, headers, body = call(app, "/error", {"v": INJECTED})
    assert status == 400
    assert json.loads(body)["error"]["message"] == INJECTED
    assert_no_injection(headers)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_cookie_values_are_quoted_never_split(app: App, value: str) -> None:
    status, headers, _ = call(app, "/cookie", {"v": value, "path": "/" + value})
    assert status == 200
    cookies = [v for k, v in headers if k == "Set-Cookie"]
    assert len(cookies) == 1
    assert cookies[0].startswith('plain="')
    assert_no_injection(headers)


def test_response_objects_refuse_bad_headers_directly() -> None:
    response = Response()
    for value in BAD_VALUES:
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            response.set_header("X-A", value)
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            response.add_header("X-A", value)
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            response.redirect("/x" + value)
    for name in ["X A", "X:A", "X\r\nA", "", "X\x00", "Ä"]:
        with pytest.raises(ValueError, match="invalid header name"):
            response.set_header(name, "1")
    with pytest.raises(TypeError):
        response.set_header("X-A", 5)  # type: ignore[arg-type]
    assert response.headers == []


# -- cookie defaults ---------------------------------------------------------------------


def cookie_header(**kwargs: Any) -> str:
    response = Response().set_cookie("sid", "abc", **kwargs)
    (header,) = [v for k, v in response.headers if k == "Set-Cookie"]
    return header


def attributes(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")[1:]}


def test_cookies_default_to_httponly_samesite_lax_path_root() -> None:
    header = cookie_header()
    assert header.startswith("sid=abc;")
    assert attributes(header) == {"HttpOnly", "Path=/", "SameSite=Lax"}


def test_cookie_options_are_written() -> None:
    header = cookie_header(secure=True, samesite="Strict", max_age=60, domain="example.com")
    assert {"Secure", "HttpOnly", "SameSite=Strict", "Max-Age=60", "Domain=example.com"} <= (
        attributes(header)
    )


def test_httponly_is_only_off_when_asked() -> None:
    assert "HttpOnly" not in attributes(cookie_header(httponly=False))


def test_delete_cookie_expires_it() -> None:
    response = Response().delete_cookie("sid")
    (header,) = [v for k, v in response.headers if k == "Set-Cookie"]
    assert header.startswith("sid=;")
    assert "Max-Age=0" in attributes(header)
    assert any(a.startswith("Expires=Thu, 01 Jan 1970") for a in attributes(header))


def test_cookies_reach_the_client_with_their_defaults(make_site) -> None:
    site = make_site(
        {"pages/login.py": "def POST(req, res):\n    res.set_cookie('sid', 'abc')\n    return {}\n"}
    )
    response = client_for(site).post("/login")
    assert response.headers.getlist("Set-Cookie") == ["sid=abc; HttpOnly; Path=/; SameSite=Lax"]


# -- on the wire, through waitress -------------------------------------------------------


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    with running("serve", str(site)) as started:
        yield started


def quoted(value: str) -> bytes:
    return "".join(f"%{b:02X}" for b in value.encode()).encode()


def wire_head(raw: bytes) -> list[bytes]:
    return raw.partition(b"\r\n\r\n")[0].split(b"\r\n")


@pytest.mark.parametrize("how", [*RAISING, *ERROR_HEADERS, "non_latin1"])
def test_no_injected_header_line_reaches_the_wire(server: Server, how: str) -> None:
    target = b"/set?how=" + how.encode() + b"&v=" + quoted(INJECTED)
    response = request(port_of(server), b"GET " + target + b" HTTP/1.1")
    assert response.status == 500
    assert without_request_id(response.json()) == {
        "error": {"status": 500, "message": "internal server error"}
    }
    lines = wire_head(response.raw)
    assert not any(line.lower().startswith((b"x-injected", b"set-cookie")) for line in lines)
    assert b"\x00" not in response.raw


def test_the_rejected_header_is_logged_by_the_server(server: Server) -> None:
    target = b"/set?how=set_header&v=" + quoted("\r\nX-Logged-Marker: 1")
    request(port_of(server), b"GET " + target + b" HTTP/1.1")
    server.wait_for_output(
        "unhandled error answering GET /set",
        "ValueError: header X-Echo: value contains the control character '\\r'",
    )


def test_quoted_cookies_on_the_wire_are_one_line(server: Server) -> None:
    response = request(port_of(server), b"GET /cookie?v=" + quoted(INJECTED) + b" HTTP/1.1")
    assert response.status == 200
    lines = wire_head(response.raw)
    cookies = [line for line in lines if line.lower().startswith(b"set-cookie")]
    assert len(cookies) == 1
    assert cookies[0].startswith(b'Set-Cookie: plain="')
    assert not any(line.lower().startswith(b"x-injected") for line in lines)


def test_a_folded_request_header_copied_into_the_response_stays_one_line(
    server: Server,
) -> None:
    # An obsolete line folding in a request header must not smuggle a line break
    # into a value the handler copies into the response.
    response = request(
        port_of(server),
        b"GET /set?how=request_header HTTP/1.1",
        b"X-Folded: a\r\n X-Injected: yes\r\n",
    )
    assert response.status == 200
    assert not any(line.lower().startswith(b"x-injected") for line in wire_head(response.raw))
