"""HTTP errors: JSON and HTML bodies, 404s, 500s, logging and debug mode."""

from __future__ import annotations

import logging

import pytest
from conftest import client_for, without_request_id, write_files

import microroutes
from microroutes import (
    App,
    BadRequest,
    Halt,
    HTTPError,
    MethodNotAllowed,
    RouteConflictError,
    RouteError,
    SiteError,
)

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
GENERIC_500 = {"error": {"status": 500, "message": "internal server error"}}

ROUTES = {
    "pages/missing.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(404, "no such post")
    """,
    "pages/detail.py": """\
        from microroutes import UnprocessableContent

        def POST(req, res):
            raise UnprocessableContent("invalid post", detail={"title": ["required"]})
    """,
    "pages/limited.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(429, "slow down", {"Retry-After": "30", "X-Limit": "10"})
    """,
    "pages/escape.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(400, "<script>alert(1)</script>")
    """,
    "pages/subclass/[name].py": """\
        import microroutes

        def GET(req, res):
            raise getattr(microroutes, req.params["name"])()
    """,
    "pages/boom.py": """\
        def GET(req, res):
            raise RuntimeError("database password is hunter2")
    """,
    "pages/status.py": """\
        from microroutes import Halt

        def GET(req, res):
            raise Halt(304, {"ETag": '"abc"'})
    """,
    "pages/bad-status.py": """\
        from microroutes import Halt

        def GET(req, res):
            raise Halt(int(req.query["code"]))
    """,
    "pages/bad-error-header.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(400, "bad", {"X-Echo": req.query["v"]})
    """,
    "pages/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
    "pages/syntax.py": "def GET(req, res)\n    return {}\n",
    "pages/import-fails.py": """\
        raise ImportError("missing dependency")

        def GET(req, res):
            return {}
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    return write_files(tmp_path_factory.mktemp("errors"), ROUTES)


# --- JSON bodies ----------------------------------------------------------------


def test_http_error_json_shape(client) -> None:
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert without_request_id(response.json) == {
        "error": {"status": 404, "message": "no such post"}
    }


def test_http_error_detail(client) -> None:
    response = client.post("/detail")
    assert response.status_code == 422
    assert without_request_id(response.json) == {
        "error": {"status": 422, "message": "invalid post", "detail": {"title": ["required"]}}
    }


def test_http_error_custom_headers(client) -> None:
    response = client.get("/limited")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-Limit"] == "10"
    assert response.json["error"]["message"] == "slow down"


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("BadRequest", 400, "Bad Request"),
        ("Unauthorized", 401, "Unauthorized"),
        ("Forbidden", 403, "Forbidden"),
        ("NotFound", 404, "Not Found"),
        ("Conflict", 409, "Conflict"),
        ("PayloadTooLarge", 413, "Content Too Large"),
        ("UnsupportedMediaType", 415, "Unsupported Media Type"),
        ("UnprocessableContent", 422, "Unprocessable Content"),
        ("TooManyRequests", 429, "Too Many Requests"),
        ("InternalServerError", 500, "Internal Server Error"),
    ],
)
def test_error_subclasses(client, name: str, status: int, message: str) -> None:
    cls = getattr(microroutes, name)
    assert issubclass(cls, HTTPError)
    assert cls().status == status
    response = client.get(f"/subclass/{name}")
    assert response.status_code == status
    error = response.json["error"]
    assert error["status"] == status
    # the default message is the reason phrase as RFC 9110 names it, on every Python
    assert error["message"] == message
    assert response.status == f"{status} {message}"


def test_subclass_message_headers_detail() -> None:
    error = BadRequest("nope", {"X-A": "1"}, detail=[1])
    assert (error.status, error.message, error.headers, error.detail) == (
        400,
        "nope",
        [("X-A", "1")],
        [1],
    )
    assert str(error) == "400 nope"


def test_method_not_allowed_carries_allow() -> None:
    error = MethodNotAllowed(["GET", "POST"])
    assert error.status == 405
    assert error.allowed == ("GET", "POST")
    assert error.headers == [("Allow", "GET, POST")]


@pytest.mark.parametrize("status", [200, 204, 302, 399, 600, 0, -1])
def test_http_error_status_out_of_range_raises(status: int) -> None:
    with pytest.raises(ValueError, match="400 to 599"):
        HTTPError(status, "x")


@pytest.mark.parametrize("status", [400, 418, 499, 500, 599])
def test_http_error_status_in_range(status: int) -> None:
    assert HTTPError(status).status == status


def test_http_status_short_circuits_without_body(client) -> None:
    response = client.get("/status")
    assert response.status_code == 304
    assert response.headers["ETag"] == '"abc"'
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_exception_hierarchy() -> None:
    assert issubclass(HTTPError, Halt)
    assert issubclass(RouteConflictError, RouteError)
    assert issubclass(RouteError, SiteError)
    assert not issubclass(SiteError, Halt)


# --- HTML or JSON --------------------------------------------------------------


def test_html_for_browsers(client) -> None:
    response = client.get("/missing", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "404" in text
    assert "no such post" in text


def test_html_error_page_escapes_the_message(client) -> None:
    response = client.get("/escape", headers={"Accept": "text/html"})
    text = response.get_data(as_text=True)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json, text/html;q=0.5",
        "text/plain",
        "image/png",
        "text/html;q=0",
    ],
)
def test_json_unless_html_is_preferred(client, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/missing", headers=headers)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json["error"]["message"] == "no such post"


@pytest.mark.parametrize("accept", ["text/html", "text/html, application/json;q=0.9"])
def test_html_when_preferred(client, accept: str) -> None:
    response = client.get("/missing", headers={"Accept": accept})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_html_for_a_500_hides_the_error(client) -> None:
    response = client.get("/boom", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"hunter2" not in response.data
    assert b"RuntimeError" not in response.data


def test_unknown_path_is_json_404(client) -> None:
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json["error"]["status"] == 404
    assert isinstance(response.json["error"]["message"], str)


def test_unknown_path_is_html_404_for_browsers(client) -> None:
    response = client.get("/no/such/path", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


# --- 500s ------------------------------------------------------------------------


def test_uncaught_exception_is_a_generic_500(client, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert without_request_id(response.json) == GENERIC_500
    for secret in (b"hunter2", b"Traceback", b"RuntimeError", b"boom.py"):
        assert secret not in response.data
    (record,) = [r for r in caplog.records if r.name == "microroutes"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "/boom" in record.getMessage()
    assert "hunter2" in caplog.text


def test_app_keeps_serving_after_a_500(client) -> None:
    for _ in range(3):
        assert client.get("/boom").status_code == 500
        assert client.get("/ok").json == {"ok": True}


def test_debug_shows_the_traceback(site) -> None:
    client = client_for(App(site, debug=True))
    response = client.get("/boom")
    assert response.status_code == 500
    error = response.json["error"]
    assert error["status"] == 500
    assert error["message"] == "RuntimeError: database password is hunter2"
    assert "Traceback" in error["detail"]
    assert "boom.py" in error["detail"]


def test_debug_html_shows_the_traceback(site) -> None:
    client = client_for(App(site, debug=True))
    response = client.get("/boom", headers={"Accept": "text/html"})
    text = response.get_data(as_text=True)
    assert "Traceback" in text
    assert "<pre>" in text


@pytest.mark.parametrize(
    ("path", "needle"), [("/syntax", "SyntaxError"), ("/import-fails", "missing dependency")]
)
def test_route_that_fails_to_import(client, caplog, path: str, needle: str) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    for _ in range(2):  # a failed import is retried, not cached as a success
        response = client.get(path)
        assert response.status_code == 500
        assert without_request_id(response.json) == GENERIC_500
    assert needle in caplog.text
    assert client.get("/ok").status_code == 200


def test_route_that_fails_to_import_in_debug(site) -> None:
    response = client_for(App(site, debug=True)).get("/import-fails")
    assert response.status_code == 500
    assert "missing dependency" in response.json["error"]["message"]


@pytest.mark.parametrize("code", [100, 99, 600])
def test_http_status_with_an_invalid_code_is_a_500(client, code: int) -> None:
    response = client.get(f"/bad-status?code={code}")
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500


def test_http_error_header_with_crlf_is_a_500(client) -> None:
    response = client.get("/bad-error-header?v=a%0D%0AX-Evil:%201")
    assert response.status_code == 500
    assert without_request_id(response.json) == GENERIC_500
    assert "X-Evil" not in response.headers


def test_http_error_header_sanity(client) -> None:
    response = client.get("/bad-error-header?v=fine")
    assert response.status_code == 400
    assert response.headers["X-Echo"] == "fine"


def test_a_missing_query_or_form_key_is_a_400_naming_it(make_site) -> None:
    site = make_site(
        {
            "pages/search.py": (
                "def GET(req, res):\n    return {'q': req.query['q']}\n\n"
                "def POST(req, res):\n    return {'q': req.form['q']}\n"
            ),
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    response = call_next()\n"
                "    response.set_header('X-Wrapped', 'yes')\n"
                "    return response\n"
            ),
        }
    )
    client = client_for(site)
    assert client.get("/search?q=x").json == {"q": "x"}
    missing = client.get("/search")
    assert missing.status_code == 400
    assert missing.json["error"]["message"] == "missing parameter 'q'"
    assert missing.headers["X-Wrapped"] == "yes"
    form = client.post("/search", data={"other": "1"})
    assert (form.status_code, form.json["error"]["message"]) == (400, "missing parameter 'q'")
