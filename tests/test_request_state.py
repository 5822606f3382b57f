"""``req.state``: a namespace per request, shared by middleware and the handler."""

from __future__ import annotations

import threading

import pytest

from microroutes import App, Request
from microroutes.state import RequestState
from microroutes.testing import Client


def test_middleware_hands_state_to_the_handler(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    req.state.user = req.headers.get('X-User')\n"
                "    return call_next()\n"
            ),
            "pages/index.py": "def GET(req, res):\n    return {'user': req.state.user}\n",
        }
    )
    client = Client(App(site))
    assert client.get("/", headers={"X-User": "ada"}).json == {"user": "ada"}
    assert client.get("/", headers={"X-User": "bob"}).json == {"user": "bob"}


def test_state_is_fresh_for_every_request(make_site) -> None:
    site = make_site(
        {
            "pages/index.py": (
                "def GET(req, res):\n"
                "    seen = sorted(vars(req.state))\n"
                "    req.state.mark = True\n"
                "    return {'seen': seen}\n"
            ),
        }
    )
    client = Client(App(site))
    assert client.get("/").json == {"seen": []}
    assert client.get("/").json == {"seen": []}


def test_a_missing_name_is_an_attribute_error_naming_it(make_site) -> None:
    site = make_site({"pages/index.py": "def GET(req, res):\n    return {}\n"})
    req = Request({"REQUEST_METHOD": "GET"}, "/", {}, App(site))
    assert isinstance(req.state, RequestState)
    assert req.state is req.state
    with pytest.raises(AttributeError, match="'user'"):
        req.state.user  # noqa: B018
    assert getattr(req.state, "user", None) is None


def test_concurrent_requests_do_not_share_state(make_site) -> None:
    site = make_site(
        {
            "pages/[n].py": (
                "import threading\n"
                "arrived = threading.Barrier(2, timeout=10)\n"
                "def GET(req, res):\n"
                "    req.state.n = req.params['n']\n"
                "    arrived.wait()\n"
                "    return {'n': req.state.n}\n"
            ),
        }
    )
    app = App(site)
    answers: dict[str, object] = {}

    def ask(n: str) -> None:
        answers[n] = Client(app).get(f"/{n}").json

    threads = [threading.Thread(target=ask, args=(n,)) for n in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert answers == {"1": {"n": "1"}, "2": {"n": "2"}}
