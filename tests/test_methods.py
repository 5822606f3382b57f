"""Method switching: exports, handler, @handles, allow(), HEAD, OPTIONS and 405."""

from __future__ import annotations

import logging

import pytest
from conftest import without_request_id, write_files

from microroutes import App, SiteError, allow, handles
from microroutes.errors import HTTPStatus, MethodNotAllowed
from microroutes.methods import MethodTable, check_handler

unknown_method = pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")

ROUTES = {
    "pages/exports.py": """\
        def GET(req, res):
            return {"by": "GET", "method": req.method}

        def POST(req, res):
            return {"by": "POST"}
    """,
    "pages/get-only.py": "def GET(req, res):\n    return {'fixed': 'body'}\n",
    "pages/post-only.py": "def POST(req, res):\n    return {'by': 'POST'}\n",
    "pages/head-export.py": """\
        def GET(req, res):
            return res.set_header("X-By", "GET").send("get body")

        def HEAD(req, res):
            return res.set_header("X-By", "HEAD").send("head body!")
    """,
    "pages/options-export.py": """\
        def GET(req, res):
            return {}

        def OPTIONS(req, res):
            return res.status(200).set_header("X-Own", "1").json({"own": True})
    """,
    "pages/handler-only.py": """\
        def handler(req, res):
            res.set_header("X-Method", req.method)
            return {"by": "handler", "method": req.method}
    """,
    "pages/mixed.py": """\
        def GET(req, res):
            return {"by": "GET"}

        def DELETE(req, res):
            return {"by": "DELETE"}

        def handler(req, res):
            return {"by": "handler", "method": req.method}
    """,
    "pages/declared.py": """\
        from microroutes import handles

        @handles("GET", "POST")
        def handler(req, res):
            res.set_header("X-Method", req.method)
            return {"by": "handler", "method": req.method}
    """,
    "pages/declared-with-export.py": """\
        from microroutes import handles

        def PUT(req, res):
            return {"by": "PUT"}

        @handles("POST")
        def handler(req, res):
            return {"by": "handler", "method": req.method}
    """,
    "pages/inline.py": """\
        from microroutes import allow

        def handler(req, res):
            allow(req, "GET", "PUT")
            match req.method:
                case "GET" | "HEAD":
                    return {"by": "get"}
                case "PUT":
                    return {"by": "put"}
    """,
    "pages/inline-options.py": """\
        from microroutes import allow

        def handler(req, res):
            allow(req, "GET", "OPTIONS")
            if req.method == "OPTIONS":
                return res.status(200).send("custom options")
            return {"by": "get"}
    """,
    "pages/no-handler.py": "VALUE = 1\n",
    "pages/wrong-signature.py": "def GET(req):\n    return {}\n",
    "pages/wrong-handler.py": "def handler():\n    return {}\n",
    "pages/not-callable.py": "GET = 'nope'\n",
    "pages/flexible.py": """\
        def GET(req, res, *extra, flag=False):
            return {"ok": True}

        def POST(*args):
            return {"ok": len(args)}
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("methods"), ROUTES))


# --- exports only -------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_exports_405_with_allow(client, method: str) -> None:
    response = client.open("/exports", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.json["error"]["status"] == 405


@unknown_method
@pytest.mark.parametrize("method", ["PROPFIND", "BREW", "TRACE"])
def test_unknown_method_is_405_with_allow(client, method: str) -> None:
    response = client.open("/exports", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_exports_options_is_204_with_allow(client) -> None:
    response = client.options("/exports")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_post_only_has_no_head(client) -> None:
    assert client.head("/post-only").status_code == 405
    assert client.get("/post-only").headers["Allow"] == "POST, OPTIONS"
    assert client.options("/post-only").headers["Allow"] == "POST, OPTIONS"


def test_head_falls_back_to_get_without_body(client) -> None:
    get = client.get("/get-only")
    head = client.head("/get-only")
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] != "0"
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_handler_sees_head_as_the_method(client) -> None:
    # The GET export answers HEAD; req.method is still HEAD.
    get = client.get("/exports")
    assert get.json == {"by": "GET", "method": "GET"}
    head = client.head("/exports")
    assert head.headers["Content-Length"] == str(len(b'{"by":"GET","method":"HEAD"}'))


def test_head_export_wins_over_get(client) -> None:
    head = client.head("/head-export")
    assert head.headers["X-By"] == "HEAD"
    assert head.headers["Content-Length"] == str(len("head body!"))
    assert head.data == b""
    assert client.get("/head-export").data == b"get body"


def test_options_export_wins(client) -> None:
    response = client.options("/options-export")
    assert response.status_code == 200
    assert response.headers["X-Own"] == "1"
    assert response.json == {"own": True}


# --- handler only ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_handler_receives_every_standard_method(client, method: str) -> None:
    response = client.open("/handler-only", method=method)
    assert response.status_code == 200
    assert response.json == {"by": "handler", "method": method}


@unknown_method
def test_bare_handler_does_not_receive_extension_methods(client) -> None:
    response = client.open("/handler-only", method="PROPFIND")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


def test_handler_receives_head_and_body_is_dropped(client) -> None:
    response = client.head("/handler-only")
    assert response.status_code == 200
    assert response.headers["X-Method"] == "HEAD"
    assert response.data == b""


# --- exports + handler ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "by"),
    [("GET", "GET"), ("DELETE", "DELETE"), ("POST", "handler"), ("PATCH", "handler")],
)
def test_exports_win_over_handler(client, method: str, by: str) -> None:
    response = client.open("/mixed", method=method)
    assert response.json["by"] == by


def test_head_with_get_export_and_handler_uses_get(client) -> None:
    response = client.head("/mixed")
    assert response.headers["Content-Length"] == str(len(b'{"by":"GET"}'))


# --- @handles ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_handles_passes_declared_methods(client, method: str) -> None:
    assert client.open("/declared", method=method).json == {"by": "handler", "method": method}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_handles_rejects_others_with_allow(client, method: str) -> None:
    response = client.open("/declared", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_handles_answers_options(client) -> None:
    response = client.options("/declared")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_handles_implies_head_from_get(client) -> None:
    response = client.head("/declared")
    assert response.status_code == 200
    assert response.headers["X-Method"] == "HEAD"
    assert response.data == b""


def test_handles_combines_with_exports(client) -> None:
    assert client.put("/declared-with-export").json == {"by": "PUT"}
    assert client.post("/declared-with-export").json == {"by": "handler", "method": "POST"}
    response = client.get("/declared-with-export")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, PUT, OPTIONS"


def test_handles_marks_the_function() -> None:
    @handles("DELETE", "GET")
    def handler(req, res):
        return None

    table = MethodTable.build({}, check_handler(handler, "m.py: handler"))
    assert table.allowed == ("GET", "HEAD", "DELETE", "OPTIONS")
    assert table.resolve("DELETE") is handler
    with pytest.raises(MethodNotAllowed) as caught:
        table.resolve("POST")
    assert caught.value.headers == [("Allow", "GET, HEAD, DELETE, OPTIONS")]


@pytest.mark.parametrize("methods", [(), ("GET POST",), ("",), ("-GET",), ("GET/1",), (1,)])
def test_handles_rejects_bad_method_names(methods) -> None:
    with pytest.raises(ValueError, match="method"):
        handles(*methods)


# --- allow() ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "by"), [("GET", "get"), ("PUT", "put")])
def test_allow_passes(client, method: str, by: str) -> None:
    assert client.open("/inline", method=method).json == {"by": by}


def test_allow_head_with_get(client) -> None:
    response = client.head("/inline")
    assert response.status_code == 200
    assert response.data == b""


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH"])
def test_allow_rejects_with_405(client, method: str) -> None:
    response = client.open("/inline", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT, OPTIONS"
    assert response.json["error"]["status"] == 405


def test_allow_answers_options(client) -> None:
    response = client.options("/inline")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, PUT, OPTIONS"
    assert response.data == b""


def test_allow_with_options_listed_leaves_it_to_the_handler(client) -> None:
    response = client.options("/inline-options")
    assert response.status_code == 200
    assert response.data == b"custom options"


def test_allow_directly() -> None:
    class FakeRequest:
        method = "DELETE"

    with pytest.raises(MethodNotAllowed) as caught:
        allow(FakeRequest(), "GET")  # type: ignore[arg-type]
    assert caught.value.allowed == ("GET", "HEAD", "OPTIONS")
    FakeRequest.method = "OPTIONS"
    with pytest.raises(HTTPStatus) as status:
        allow(FakeRequest(), "POST")  # type: ignore[arg-type]
    assert status.value.status == 204
    assert status.value.headers == [("Allow", "POST, OPTIONS")]
    FakeRequest.method = "GET"
    assert allow(FakeRequest(), "GET") is None  # type: ignore[arg-type]


# --- broken modules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "file", "fragment"),
    [
        ("/no-handler", "no-handler.py", "no handler"),
        ("/wrong-signature", "wrong-signature.py", "two arguments"),
        ("/wrong-handler", "wrong-handler.py", "two arguments"),
        ("/not-callable", "not-callable.py", "must be a function"),
    ],
)
def test_broken_module_is_500_and_logged(client, caplog, path, file, fragment) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get(path)
    assert response.status_code == 500
    assert without_request_id(response.json) == {
        "error": {"status": 500, "message": "internal server error"}
    }
    assert file.encode() not in response.data
    errors = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], SiteError)]
    assert errors
    message = str(errors[0].exc_info[1])
    assert file in message
    assert fragment in message
    assert client.get("/exports").status_code == 200


@pytest.mark.parametrize(
    ("file", "fragment"),
    [
        ("no-handler.py", "no handler"),
        ("wrong-signature.py", "two arguments"),
        ("wrong-handler.py", "two arguments"),
        ("not-callable.py", "must be a function"),
    ],
)
def test_broken_module_raises_site_error_naming_the_file(app: App, file, fragment) -> None:
    (endpoint,) = [e for route, e in app.router if route.file == file]
    with pytest.raises(SiteError, match=fragment) as caught:
        endpoint.module.get()
    assert str(caught.value).startswith(file)


def test_flexible_signatures_are_accepted(client) -> None:
    assert client.get("/flexible").json == {"ok": True}
    assert client.post("/flexible").json == {"ok": 2}


def test_broken_module_fails_routes_command(make_site, capsys) -> None:
    from microroutes.cli import main

    site = make_site({"pages/ok.py": ROUTES["pages/exports.py"], "pages/bad.py": "X = 1\n"})
    assert main(["routes", str(site)]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.rstrip().endswith("bad.py")]
    assert "no handler" in line


def test_allow_leaves_a_listed_options_to_the_caller() -> None:
    class OptionsRequest:
        method = "OPTIONS"

    assert allow(OptionsRequest(), "GET", "OPTIONS") is None  # type: ignore[arg-type]
    with pytest.raises(HTTPStatus):
        allow(OptionsRequest(), "GET")  # type: ignore[arg-type]
