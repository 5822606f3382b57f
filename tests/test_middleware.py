"""Directory middleware: order, short-circuits, post-processing, groups."""

from __future__ import annotations

import pytest
from conftest import without_request_id

from microroutes import App, SiteError
from microroutes.cli import main
from microroutes.testing import Client

TRACE = (
    "def middleware(req, res, call_next):\n"
    "    req.environ.setdefault('trace', []).append('in:{name}')\n"
    "    response = call_next()\n"
    "    req.environ['trace'].append('out:{name}')\n"
    "    response.set_header('X-Trace', ' '.join(req.environ['trace']))\n"
    "    return response\n"
)
HANDLER = (
    "def GET(req, res):\n"
    "    req.environ.setdefault('trace', []).append('handler')\n"
    "    return {'file': __name__.rsplit('.', 1)[-1]}\n"
)


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "pages/_middleware.py": TRACE.format(name="root"),
            "pages/api/_middleware.py": TRACE.format(name="api"),
            "pages/api/post/_middleware.py": TRACE.format(name="post"),
            "pages/api/post/[uid].py": HANDLER,
            "pages/api/list.py": HANDLER,
            "pages/about.py": HANDLER,
            "pages/(admin)/_middleware.py": (
                "from microroutes import Unauthorized\n"
                "def middleware(req, res, call_next):\n"
                "    if req.headers.get('Authorization') != 'Bearer ok':\n"
                "        raise Unauthorized('sign in first')\n"
                "    return call_next()\n"
            ),
            "pages/(admin)/dashboard.py": "def GET(req, res):\n    return {'secret': 42}\n",
            "pages/_private/_middleware.py": "raise RuntimeError('never imported')\n",
            "pages/_private/x.py": HANDLER,
        }
    )


def test_outermost_folder_runs_first_and_responses_travel_back(site) -> None:
    response = Client(App(site)).get("/api/post/abc")
    assert response.json == {"file": "[uid]"}
    # Each middleware writes the trace on the way out, so the outermost write wins.
    assert response.headers["X-Trace"] == (
        "in:root in:api in:post handler out:post out:api out:root"
    )


def test_only_the_folders_above_a_route_apply(site) -> None:
    client = Client(App(site))
    assert client.get("/api/list").headers["X-Trace"] == ("in:root in:api handler out:api out:root")
    assert client.get("/about").headers["X-Trace"] == "in:root handler out:root"


def test_group_middleware_short_circuits_without_reaching_the_handler(site) -> None:
    client = Client(App(site))
    refused = client.get("/dashboard")
    assert refused.status_code == 401
    assert without_request_id(refused.json) == {
        "error": {"status": 401, "message": "sign in first"}
    }
    # The root middleware still post-processes the refusal.
    assert refused.headers["X-Trace"] == "in:root out:root"
    allowed = client.get("/dashboard", headers={"Authorization": "Bearer ok"})
    assert allowed.json == {"secret": 42}


def test_errors_raised_inside_come_back_to_middleware_as_responses(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    response = call_next()\n"
                "    response.set_header('X-Seen-Status', str(response.status_code))\n"
                "    return response\n"
            ),
            "pages/missing.py": (
                "from microroutes import NotFound\ndef GET(req, res):\n    raise NotFound('gone')\n"
            ),
            "pages/only_get.py": "def GET(req, res):\n    return {}\n",
        }
    )
    client = Client(App(site))
    missing = client.get("/missing")
    assert (missing.status_code, missing.headers["X-Seen-Status"]) == (404, "404")
    assert missing.json["error"]["message"] == "gone"
    options = client.options("/only_get")
    assert (options.status_code, options.headers["X-Seen-Status"]) == (204, "204")


def test_middleware_may_answer_with_a_plain_value(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    if req.query.get('maintenance'):\n"
                "        return res.status(503).json({'down': True})\n"
                "    if req.query.get('dict'):\n"
                "        return {'from': 'middleware'}\n"
                "    return call_next()\n"
            ),
            "pages/index.py": "def GET(req, res):\n    return {'from': 'handler'}\n",
        }
    )
    client = Client(App(site))
    assert client.get("/").json == {"from": "handler"}
    assert client.get("/?dict=1").json == {"from": "middleware"}
    down = client.get("/?maintenance=1")
    assert (down.status_code, down.json) == (503, {"down": True})


def test_private_folders_middleware_is_ignored(site) -> None:
    assert Client(App(site)).get("/_private/x").status_code == 404


def test_broken_middleware_file_is_named(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": "MIDDLEWARE = None\n",
            "pages/index.py": "def GET(req, res):\n    return {}\n",
        }
    )
    app = App(site)
    response = Client(app).get("/")
    assert response.status_code == 500
    with pytest.raises(SiteError, match=r"_middleware\.py: define middleware"):
        app.load_all()


def test_routes_command_lists_middleware_per_route(site, capsys) -> None:
    assert main(["routes", str(site)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "_middleware.py, api/_middleware.py, api/post/_middleware.py" in lines["/api/post/[uid]"]
    assert "(admin)/_middleware.py" in lines["/dashboard"]
    assert lines["/about"].split()[-2] == "_middleware.py"
