"""``exceptions = {ExceptionType: answer}`` in ``pages/_app.py``; exceptions through middleware."""

from __future__ import annotations

import logging

import pytest
from conftest import without_request_id

from microroutes import App, SiteError
from microroutes.testing import Client

APP = """\
from microroutes import Conflict, NotFound, Response, ServiceUnavailable

class Outage(Exception):
    pass

class Locked(Outage):
    pass

class Teapot(Exception):
    pass

class Wrong(Exception):
    pass

class Broken(Exception):
    pass

class Maybe(Exception):
    pass

def maybe(req, exc):
    return Conflict("answered") if str(exc) == "mine" else None

def teapot(req, exc):
    return Response(status=418).json({"teapot": str(exc), "path": req.path})

def wrong(req, exc):
    return 42

def broken(req, exc):
    raise RuntimeError("the answer itself failed")

def refuse(req, exc):
    raise Conflict(f"refused: {exc}")

exceptions = {
    Outage: ServiceUnavailable,
    Locked: ServiceUnavailable("locked, try again", retry_after=3),
    LookupError: NotFound,
    KeyError: refuse,
    Teapot: teapot,
    Wrong: wrong,
    Broken: broken,
    Maybe: maybe,
}
"""

RAISE = """\
import _app

def GET(req, res):
    raise eval(req.query["raise"], vars(_app))
"""


@pytest.fixture
def client(make_site) -> Client:
    boom = RAISE.replace("import _app", "from . import _app")
    site = make_site({"pages/_app.py": APP, "pages/boom.py": boom})
    return Client(App(site))


@pytest.mark.parametrize(
    ("raised", "status", "message"),
    [
        ("Outage('db down')", 503, "Service Unavailable"),
        ("Locked('db locked')", 503, "locked, try again"),  # the most specific entry wins
        ("IndexError('no such row')", 404, "Not Found"),  # found along the class hierarchy
        ("KeyError('x')", 409, "refused: 'x'"),  # an answer function raising an HTTP error
        ("Maybe('mine')", 409, "answered"),
    ],
)
def test_mapped_exceptions_answer_as_mapped(client, raised: str, status: int, message: str) -> None:
    answer = client.get("/boom", query_string={"raise": raised})
    assert answer.status_code == status
    assert without_request_id(answer.json) == {"error": {"status": status, "message": message}}


def test_an_instance_answer_keeps_its_headers_and_is_not_shared(client) -> None:
    for _ in range(3):
        answer = client.get("/boom", query_string={"raise": "Locked('x')"})
        assert answer.headers.getlist("Retry-After") == ["3"]


def test_an_answer_function_may_return_a_response(client) -> None:
    answer = client.get("/boom", query_string={"raise": "Teapot('short and stout')"})
    assert answer.status_code == 418
    assert answer.json == {"teapot": "short and stout", "path": "/boom"}


@pytest.mark.parametrize(
    "raised", ["Wrong('x')", "Broken('x')", "ZeroDivisionError('x')", "Maybe('not mine')"]
)
def test_unmapped_or_failing_answers_are_logged_500s(client, caplog, raised: str) -> None:
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        answer = client.get("/boom", query_string={"raise": raised})
    assert answer.status_code == 500
    assert without_request_id(answer.json) == {
        "error": {"status": 500, "message": "internal server error"}
    }
    assert [r for r in caplog.records if r.levelno == logging.ERROR]


def test_the_map_applies_to_providers_middleware_and_stream_starts(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": (
                "from microroutes import ServiceUnavailable\n"
                "class Db: pass\n"
                "def db(req):\n"
                "    if req.query.get('provider'):\n"
                "        raise ConnectionError('no database')\n"
                "    return Db()\n"
                "providers = {Db: db}\n"
                "exceptions = {ConnectionError: ServiceUnavailable('down', retry_after=1)}\n"
            ),
            "pages/api/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    if req.query.get('middleware'):\n"
                "        raise ConnectionError('no cache')\n"
                "    return call_next()\n"
            ),
            "pages/api/rows.py": (
                "from .._app import Db\n"
                "def GET(req, res, db: Db):\n"
                "    def rows():\n"
                "        if req.query.get('stream'):\n"
                "            raise ConnectionError('lost')\n"
                "        yield b'row'\n"
                "    return rows()\n"
            ),
        }
    )
    client = Client(App(site))
    assert client.get("/api/rows").data == b"row"
    for where in ("provider", "middleware", "stream"):
        answer = client.get(f"/api/rows?{where}=1")
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "1"), where
        assert without_request_id(answer.json) == {"error": {"status": 503, "message": "down"}}


def test_middleware_catches_the_handlers_exception_itself(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "from microroutes import Conflict\n"
                "def middleware(req, res, call_next):\n"
                "    try:\n"
                "        return call_next()\n"
                "    except LookupError as error:\n"
                "        raise Conflict(f'translated {type(error).__name__}') from error\n"
            ),
            "pages/items.py": (
                "def POST(req, res):\n"
                "    raise KeyError('duplicate')\n"
                "def PUT(req, res):\n"
                "    raise ValueError('not translated')\n"
            ),
        }
    )
    client = Client(App(site))
    conflict = client.post("/items")
    assert without_request_id(conflict.json) == {
        "error": {"status": 409, "message": "translated KeyError"}
    }
    assert client.put("/items").status_code == 500


def test_unhandled_errors_are_logged_once_through_nested_middleware(make_site, caplog) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    try:\n"
                "        return call_next()\n"
                "    except Exception as error:\n"
                "        req.app.state.seen = type(error).__name__\n"
                "        raise\n"
            ),
            "pages/api/_middleware.py": (
                "def middleware(req, res, call_next):\n    return call_next()\n"
            ),
            "pages/api/x.py": "def GET(req, res):\n    raise ValueError('bug')\n",
        }
    )
    app = App(site)
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        assert Client(app).get("/api/x").status_code == 500
    assert app.state.seen == "ValueError"
    assert len([r for r in caplog.records if "unhandled error" in r.getMessage()]) == 1


def test_cors_marks_mapped_answers_and_500s(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": (
                "from microroutes import ServiceUnavailable\n"
                "exceptions = {TimeoutError: ServiceUnavailable}\n"
            ),
            "pages/_middleware.py": (
                "from microroutes.cors import CORS\n"
                "middleware = CORS(allow_origins=['https://app.example'])\n"
            ),
            "pages/x.py": (
                "def GET(req, res):\n"
                "    raise TimeoutError() if req.query.get('timeout') else ValueError()\n"
            ),
        }
    )
    client = Client(App(site))
    origin = {"Origin": "https://app.example"}
    for query, status in (("timeout=1", 503), ("", 500)):
        answer = client.get(f"/x?{query}", headers=origin)
        assert answer.status_code == status
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example"


@pytest.mark.parametrize(
    ("app_file", "message"),
    [
        ("exceptions = {'x': 1}\n", r"_app\.py: exceptions key 'x' is not an exception class"),
        (
            "exceptions = {ValueError: 3}\n",
            r"_app\.py: exceptions\[ValueError\] must be an HTTP error class or instance",
        ),
        (
            "from microroutes import MethodNotAllowed\n"
            "exceptions = {ValueError: MethodNotAllowed}\n",
            r"_app\.py: exceptions\[ValueError\]: MethodNotAllowed cannot be made",
        ),
        ("exceptions = [ValueError]\n", r"_app\.py: exceptions must be a dict"),
    ],
)
def test_a_broken_map_is_a_start_up_error(make_site, app_file: str, message: str) -> None:
    index = "def GET(req, res):\n    return {}\n"
    site = make_site({"pages/_app.py": app_file, "pages/index.py": index})
    with pytest.raises(SiteError, match=message):
        App(site).load_all()
