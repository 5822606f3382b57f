"""pages/_app.py start-up and shut-down hooks, and fail-fast loading."""

from __future__ import annotations

import pytest

from microroutes import App, SiteError
from microroutes.testing import Client


def test_startup_runs_once_on_first_request_and_shutdown_on_close(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": (
                "EVENTS = []\n"
                "def startup(app):\n    EVENTS.append('start')\n    app.state.events = EVENTS\n"
                "def shutdown(app):\n    EVENTS.append('stop')\n"
            ),
            "pages/index.py": "def GET(req, res):\n    return list(req.app.state.events)\n",
        }
    )
    app = App(site)
    client = Client(app)
    assert client.get("/").json == ["start"]
    assert client.get("/").json == ["start"]
    events = app.state.events
    app.close()
    assert events == ["start", "stop"]
    app.close()
    assert events == ["start", "stop"]


def test_app_file_is_private(make_site) -> None:
    site = make_site({"pages/_app.py": "", "pages/index.py": "def GET(req, res):\n    return 1\n"})
    assert Client(App(site)).get("/_app").status_code == 404


def test_load_all_names_every_broken_file(make_site) -> None:
    site = make_site(
        {
            "pages/ok.py": "def GET(req, res):\n    return {}\n",
            "pages/empty.py": "X = 1\n",
            "pages/arity.py": "def GET(req):\n    return {}\n",
            "pages/crash.py": "raise RuntimeError('boom at import')\n",
            "pages/api/_middleware.py": "def middleware(req, res):\n    return None\n",
            "pages/api/x.py": "def GET(req, res):\n    return {}\n",
        }
    )
    with pytest.raises(SiteError) as caught:
        App(site).load_all()
    message = str(caught.value)
    assert "empty.py: no handler" in message
    assert "arity.py: GET must accept two arguments (req, res)" in message
    assert "crash.py: RuntimeError: boom at import" in message
    assert "api/_middleware.py: middleware must accept (req, res, call_next)" in message
    assert "ok.py:" not in message
