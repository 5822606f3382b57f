"""Methods are case-sensitive (RFC 9110, section 9.1): ``get`` is not ``GET``.

Nothing is normalised. A method a route file does not take, whatever its case,
gets 405 with ``Allow`` for every style of route file; a bare ``handler``
receives the seven standard methods, and extension methods only when declared
with ``@handles``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import environ_for, without_request_id, write_files, wsgi_call
from servers import Server, running
from test_raw_http import port_of, request

from microroutes import App, Request, allow, handles

pytestmark = pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")

SEVEN = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

ROUTES = {
    "pages/exports.py": """\
        def GET(req, res):
            return {"method": req.method}

        def POST(req, res):
            return {"method": req.method}
    """,
    "pages/inline.py": """\
        from microroutes import allow

        def handler(req, res):
            allow(req, "GET", "POST")
            return {"method": req.method}
    """,
    "pages/declared.py": """\
        from microroutes import handles

        @handles("GET", "POST")
        def handler(req, res):
            return {"method": req.method}
    """,
    "pages/bare.py": """\
        def handler(req, res):
            return {"method": req.method}
    """,
    "pages/purge.py": """\
        from microroutes import handles

        @handles("GET", "PURGE")
        def handler(req, res):
            return {"method": req.method}
    """,
    "pages/lower-allow.py": """\
        from microroutes import allow

        def handler(req, res):
            allow(req, "get")
            return {"method": req.method}
    """,
}

#: ``Allow`` on a 405 for a method outside the seven standard ones. The app cannot see
#: the list inside an ``allow()`` call, so a bare handler using it advertises all seven.
ALLOW = {
    "/exports": "GET, HEAD, POST, OPTIONS",
    "/inline": SEVEN,
    "/declared": "GET, HEAD, POST, OPTIONS",
    "/bare": SEVEN,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("method-case"), ROUTES)


@pytest.fixture(scope="module")
def app(site: Path) -> App:
    return App(site)


def call(app: App, path: str, method: str) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = wsgi_call(app, environ_for(path, method=method), validate=False)
    return int(status.split()[0]), headers, body


@pytest.mark.parametrize("path", sorted(ALLOW))
@pytest.mark.parametrize("method", ["get", "head", "Get", "post", "FOO", "options"])
def test_a_method_in_another_case_is_405_with_allow_for_every_style(
    app: App, path: str, method: str
) -> None:
    status, headers, body = call(app, path, method)
    assert status == 405
    assert headers["Allow"] == ALLOW[path]
    assert headers["Content-Type"] == "application/json"
    assert without_request_id(json.loads(body)) == {
        "error": {"status": 405, "message": "Method Not Allowed"}
    }


@pytest.mark.parametrize("path", sorted(ALLOW))
def test_the_upper_case_method_is_served_as_sent(app: App, path: str) -> None:
    status, _, body = call(app, path, "GET")
    assert (status, json.loads(body)) == (200, {"method": "GET"})


def test_allow_answers_a_standard_method_it_does_not_list(app: App) -> None:
    status, headers, _ = call(app, "/inline", "PUT")
    assert (status, headers["Allow"]) == (405, "GET, HEAD, POST, OPTIONS")


@pytest.mark.parametrize("path", ["/inline", "/declared", "/bare"])
def test_upper_case_head_is_still_get_without_a_body(app: App, path: str) -> None:
    status, _, body = call(app, path, "HEAD")
    assert (status, body) == (200, b"")


def test_a_declared_extension_method_reaches_the_handler(app: App) -> None:
    status, _, body = call(app, "/purge", "PURGE")
    assert (status, json.loads(body)) == (200, {"method": "PURGE"})
    status, headers, _ = call(app, "/purge", "purge")
    assert (status, headers["Allow"]) == (405, "GET, HEAD, OPTIONS, PURGE")


@pytest.mark.parametrize("method", ["PURGE", "PROPFIND", "BREW"])
def test_a_bare_handler_does_not_receive_extension_methods(app: App, method: str) -> None:
    status, headers, _ = call(app, "/bare", method)
    assert (status, headers["Allow"]) == (405, SEVEN)


@pytest.mark.parametrize("name", ["get", "Post", "purge"])
def test_handles_refuses_a_lower_case_name_and_says_what_to_write(name: str) -> None:
    with pytest.raises(ValueError, match=f"write '{name.upper()}'.*case-sensitive"):
        handles("GET", name)


def test_allow_refuses_a_lower_case_name_and_says_what_to_write(app: App) -> None:
    req = Request(environ_for("/x", method="GET"), "/x", {}, app)
    with pytest.raises(ValueError, match="write 'GET'"):
        allow(req, "get")


def test_a_lower_case_name_in_allow_is_a_logged_500_naming_the_fix(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    status, _, body = call(app, "/lower-allow", "GET")
    assert status == 500
    assert without_request_id(json.loads(body)) == {
        "error": {"status": 500, "message": "internal server error"}
    }
    assert "write 'GET'" in caplog.text


# -- through waitress ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    with running("serve", str(site)) as started:
        yield started


def test_waitress_refuses_a_lower_case_method_before_the_app(server: Server) -> None:
    response = request(port_of(server), b"head /bare HTTP/1.1")
    assert response.status == 400
    assert b"Malformed HTTP method" in response.body


@pytest.mark.parametrize(
    ("path", "status", "allowed"),
    [("/bare", 405, SEVEN), ("/exports", 405, "GET, HEAD, POST, OPTIONS"), ("/purge", 200, None)],
)
def test_an_extension_method_over_the_wire(
    server: Server, path: str, status: int, allowed: str | None
) -> None:
    response = request(port_of(server), b"PURGE " + path.encode() + b" HTTP/1.1")
    assert response.status == status
    assert response.header("Allow") == allowed
    if status == 200:
        assert json.loads(response.body) == {"method": "PURGE"}


# -- OPTIONS listed in @handles ----------------------------------------------------------------


def test_a_handler_listing_options_answers_it_itself(make_site) -> None:
    site = make_site(
        {
            "pages/own.py": """\
                from microroutes import handles

                @handles("GET", "OPTIONS")
                def handler(req, res):
                    res.set_header("X-Own", req.method)
                    return res.status(204) if req.method == "OPTIONS" else {"ok": True}
            """,
            "pages/implied.py": """\
                from microroutes import handles

                @handles("GET")
                def handler(req, res):
                    res.set_header("X-Own", req.method)
                    return {"ok": True}
            """,
        }
    )
    app = App(site)
    status, headers, _ = call(app, "/own", "OPTIONS")
    assert (status, headers.get("X-Own")) == (204, "OPTIONS")
    status, headers, _ = call(app, "/implied", "OPTIONS")
    assert (status, headers.get("X-Own"), headers["Allow"]) == (204, None, "GET, HEAD, OPTIONS")
