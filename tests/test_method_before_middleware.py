"""A method the route does not answer gets 405 before any middleware or provider runs."""

from __future__ import annotations

from conftest import without_request_id

from microroutes import App
from microroutes.testing import Client

SITE = {
    "pages/_app.py": (
        "class Db: pass\n"
        "def db(req):\n"
        "    req.app.state.calls.append('provider')\n"
        "    return Db()\n"
        "providers = {Db: db}\n"
        "def startup(app):\n"
        "    app.state.calls = []\n"
    ),
    "pages/_middleware.py": (
        "from microroutes import Unauthorized\n"
        "from microroutes.cors import CORS\n"
        "cors = CORS(allow_origins=['https://app.example'])\n"
        "def require_token(req, res, call_next):\n"
        "    req.app.state.calls.append('middleware')\n"
        "    if req.headers.get('Authorization') != 'Bearer good':\n"
        "        raise Unauthorized('token required')\n"
        "    return call_next()\n"
        "def middleware(req, res, call_next):\n"
        "    return cors(req, res, lambda: require_token(req, res, call_next))\n"
    ),
    "pages/items.py": (
        "from ._app import Db\ndef GET(req, res, db: Db):\n    return {'items': []}\n"
    ),
    "pages/any.py": (
        "from microroutes import handles\n"
        "@handles('GET', 'PUT')\n"
        "def handler(req, res):\n"
        "    return {'method': req.method}\n"
    ),
}


def test_405_comes_before_middleware_and_providers(make_site) -> None:
    app = App(make_site(SITE))
    client = Client(app)
    refused = client.post("/items")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert without_request_id(refused.json) == {
        "error": {"status": 405, "message": "Method Not Allowed"}
    }
    assert client.delete("/any").headers["Allow"] == "GET, HEAD, PUT, OPTIONS"
    raw = Client(app, validate=False)  # wsgiref.validate warns on unknown methods
    assert raw.open("/items", method="get").status_code == 405  # methods are case-sensitive
    assert app.state.calls == []


def test_allowed_methods_still_run_middleware_then_providers(make_site) -> None:
    app = App(make_site(SITE))
    client = Client(app)
    assert client.get("/items").status_code == 401
    assert app.state.calls == ["middleware"]
    app.state.calls.clear()
    answer = client.get("/items", headers={"Authorization": "Bearer good"})
    assert answer.json == {"items": []}
    assert app.state.calls == ["middleware", "provider"]
    app.state.calls.clear()
    head = client.head("/items", headers={"Authorization": "Bearer good"})
    assert (head.status_code, head.data) == (200, b"")
    assert app.state.calls == ["middleware", "provider"]


def test_options_and_cors_preflights_still_reach_middleware(make_site) -> None:
    app = App(make_site(SITE))
    client = Client(app)
    preflight = client.options(
        "/items",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # A plain OPTIONS goes through the chain as before (here: the token check).
    assert client.options("/items").status_code == 401
    assert app.state.calls == ["middleware"]
