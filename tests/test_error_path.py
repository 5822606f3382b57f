"""One path from any exception to a response, with or without middleware.

``App.error_response`` is the only place an exception becomes a response: an
:class:`HTTPError` renders itself (``to_dict``/``to_html``), werkzeug's errors
become ours, anything else is a logged 500. Middleware always gets a response
from ``call_next()``, so headers it adds (CORS above all) reach error
responses too.
"""

from __future__ import annotations

import ast
import logging
import threading
from pathlib import Path

import pytest
from conftest import client_for, environ_for, without_request_id, write_files
from werkzeug.exceptions import NotFound as WerkzeugNotFound

import microroutes
from microroutes import (
    App,
    ContentTooLarge,
    Halt,
    HTTPError,
    HTTPStatus,
    NotFound,
    PayloadTooLarge,
)
from microroutes.testing import Client

ORIGIN = "https://app.example.com"
GENERIC_500 = {"error": {"status": 500, "message": "internal server error"}}
#: What a browser sends with a cross-origin fetch().
BROWSER = {
    "Origin": ORIGIN,
    "Accept": "*/*",
    "Accept-Language": "en-GB,en;q=0.9",
    "Referer": ORIGIN + "/",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Dest": "empty",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
}

FAILING_ROUTES = {
    "boom.py": "def GET(req, res):\n    raise RuntimeError('broken')\n",
    "early-stream.py": """\
        def GET(req, res):
            def rows():
                raise RuntimeError("broken before the first row")
                yield b""
            return rows()
        """,
    "bad-return.py": "def GET(req, res):\n    return 'created', 201\n",
    "missing.py": "def GET(req, res):\n    return {'q': req.query['q']}\n",
    "gone.py": "import microroutes\n\ndef GET(req, res):\n    raise microroutes.NotFound('gone')\n",
}

#: The composition docs/middleware.md shows: the check runs inside CORS.
COMPOSED_MIDDLEWARE = f"""\
from microroutes import Unauthorized
from microroutes.cors import CORS

cors = CORS(allow_origins=[{ORIGIN!r}], allow_credentials=True)


def require_token(req, res, call_next):
    if req.path.startswith("/api/private/") and (
        req.headers.get("Authorization") != "Bearer let-me-in"
    ):
        raise Unauthorized("sign in first")
    return call_next()


def middleware(req, res, call_next):
    return cors(req, res, lambda: require_token(req, res, call_next))
"""

SITE = {
    "pages/api/_middleware.py": COMPOSED_MIDDLEWARE,
    "pages/api/private/data.py": "def GET(req, res):\n    return {'secret': 42}\n",
    **{f"pages/api/{name}": source for name, source in FAILING_ROUTES.items()},
    # CORS alone for a whole folder, an outer middleware around it.
    "pages/open/_middleware.py": (
        f"from microroutes.cors import CORS\n\nmiddleware = CORS(allow_origins=[{ORIGIN!r}])\n"
    ),
    **{f"pages/open/{name}": source for name, source in FAILING_ROUTES.items()},
    "pages/_middleware.py": """\
        def middleware(req, res, call_next):
            response = call_next()
            response.set_header("X-Seen-Status", str(response.status_code))
            return response
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("error-path") / "site", SITE)


# -- CORS on error responses ---------------------------------------------------------


def test_a_401_from_the_documented_composition_carries_cors_headers(client: Client) -> None:
    refused = client.get("/api/private/data", headers=BROWSER)
    assert (refused.status_code, without_request_id(refused.json)) == (
        401,
        {"error": {"status": 401, "message": "sign in first"}},
    )
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert refused.headers["Access-Control-Allow-Credentials"] == "true"
    assert refused.headers["Vary"] == "Origin"

    allowed = client.get(
        "/api/private/data", headers={**BROWSER, "Authorization": "Bearer let-me-in"}
    )
    assert (allowed.status_code, allowed.json) == (200, {"secret": 42})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_preflight_is_answered_before_the_check_runs(client: Client) -> None:
    preflight = client.options(
        "/api/private/data",
        headers={
            **BROWSER,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("folder", ["api", "open"])
@pytest.mark.parametrize(
    ("route", "status"),
    [("boom", 500), ("early-stream", 500), ("bad-return", 500), ("missing", 400), ("gone", 404)],
)
def test_error_responses_inside_cors_carry_cors_headers(
    client: Client, caplog: pytest.LogCaptureFixture, folder: str, route: str, status: int
) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get(f"/{folder}/{route}", headers=BROWSER)
    assert response.status_code == status
    assert response.json["error"]["status"] == status
    if status == 500:
        assert without_request_id(response.json) == GENERIC_500
        assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["X-Seen-Status"] == str(status)


def test_an_error_for_another_origin_gets_no_cors_headers(client: Client) -> None:
    response = client.get("/open/boom", headers={**BROWSER, "Origin": "https://evil.example"})
    assert response.status_code == 500
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


# -- one path ------------------------------------------------------------------------


def test_a_werkzeug_error_without_middleware_is_our_json_400(make_site) -> None:
    app = App(make_site({"pages/missing.py": FAILING_ROUTES["missing.py"]}))
    assert [route.middleware for route in app.routes()] == [()]
    response = client_for(app).get("/missing")
    assert (response.status_code, without_request_id(response.json)) == (
        400,
        {"error": {"status": 400, "message": "missing parameter 'q'"}},
    )


def test_error_response_turns_any_exception_into_a_response(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    app = App(site)
    environ = environ_for("/anything")
    cases: list[tuple[BaseException, int]] = [
        (NotFound("no such thing"), 404),
        (Halt(304, [("ETag", '"x"')]), 304),
        (WerkzeugNotFound(), 404),
        (RuntimeError("broken"), 500),
        (SystemExit(3), 500),
        (GeneratorExit(), 500),
    ]
    for error, status in cases:
        assert app.error_response(error, environ).status_code == status
    assert [r.getMessage() for r in caplog.records] == [
        "unhandled error answering GET /anything (request id -)"
    ] * 3


def test_a_keyboard_interrupt_stops_the_main_thread_only(make_site) -> None:
    site = make_site({"pages/stop.py": "def GET(req, res):\n    raise KeyboardInterrupt\n"})
    client = client_for(site)
    with pytest.raises(KeyboardInterrupt):
        client.get("/stop")

    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(client.get("/stop").status_code))
    worker.start()
    worker.join(10)
    assert answers == [500]


def test_http_errors_render_themselves() -> None:
    error = HTTPError(422, "invalid <post>", detail={"title": ["required"]})
    assert error.to_dict() == {
        "error": {"status": 422, "message": "invalid <post>", "detail": {"title": ["required"]}}
    }
    assert NotFound().to_dict() == {"error": {"status": 404, "message": "Not Found"}}
    page = error.to_html()
    assert "<title>422 invalid &lt;post&gt;</title>" in page
    assert "<pre>{&#x27;title&#x27;: [&#x27;required&#x27;]}</pre>" in page


def test_the_old_names_are_aliases_of_the_new() -> None:
    assert HTTPStatus is Halt
    assert PayloadTooLarge is ContentTooLarge
    assert ContentTooLarge().status == 413
    assert ContentTooLarge().message == "Content Too Large"
    for name in ("Halt", "HTTPStatus", "ContentTooLarge", "PayloadTooLarge"):
        assert name in microroutes.__all__


def _imports(module: str) -> set[str]:
    source = (Path(microroutes.__file__).parent / f"{module}.py").read_text()
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(node.module or "")
    return found


def test_errors_speak_the_http_vocabulary_not_the_response() -> None:
    assert "response" not in _imports("errors")
    assert "http" in _imports("errors")
    assert "http" in _imports("response")


DYING_STREAM = """\
def GET(req, res):
    error = {"exit": SystemExit(1), "interrupt": KeyboardInterrupt(), "stop": GeneratorExit()}

    def rows():
        yield b"first"
        raise error[req.query["kind"]]
    return rows()
"""


@pytest.mark.parametrize("kind", ["exit", "stop"])
def test_a_stream_dying_of_a_base_exception_hands_the_server_an_exception(
    make_site, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    client = client_for(make_site({"pages/dies.py": DYING_STREAM}))
    name = {"exit": "SystemExit", "stop": "GeneratorExit"}[kind]
    with pytest.raises(RuntimeError, match=f"^dies.py: the streamed body raised {name}$"):
        client.get(f"/dies?kind={kind}", headers={"X-Request-ID": "dies-1"})
    assert caplog.records[-1].getMessage() == (
        "error while streaming the body of dies.py (request id dies-1)"
    )


def test_a_keyboard_interrupt_in_a_stream_stops_the_main_thread(make_site) -> None:
    client = client_for(make_site({"pages/dies.py": DYING_STREAM}))
    with pytest.raises(KeyboardInterrupt):
        client.get("/dies?kind=interrupt")


def test_an_http_error_that_cannot_render_is_a_logged_500(
    make_site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    site = make_site(
        {
            "pages/odd.py": (
                "from microroutes import BadRequest\n\n"
                "def GET(req, res):\n    raise BadRequest('odd', detail=object())\n"
            )
        }
    )
    response = client_for(site).get("/odd")
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC_500)
    assert "object is not JSON serializable" in caplog.text
