"""Development reload: edits, new and removed files, broken files, state kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from microroutes import App
from microroutes.testing import Client


def _write(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime forward, as an editor saving later would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    before = path.stat().st_mtime_ns if existed else 0
    path.write_text(text)
    if existed and path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(time.time_ns(), before + 1_000_000))


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "pages/api/value.py": "def GET(req, res):\n    return {'value': 1}\n",
            "pages/api/other.py": "def GET(req, res):\n    return {'other': True}\n",
            "pages/api/helped.py": (
                "from .._helper import WORD\n\ndef GET(req, res):\n    return {'word': WORD}\n"
            ),
            "pages/_helper.py": "WORD = 'first'\n",
            "pages/_app.py": (
                "def startup(app):\n"
                "    app.state.starts = getattr(app.state, 'starts', 0) + 1\n"
                "    app.state.pool = object()\n"
                "\n"
                "def shutdown(app):\n"
                "    app.state.closed = True\n"
            ),
            "pages/api/state.py": (
                "def GET(req, res):\n"
                "    return {'starts': req.app.state.starts, 'pool': id(req.app.state.pool)}\n"
            ),
        }
    )


def test_edited_route_file_answers_anew(site: Path) -> None:
    client = Client(App(site, reload=True))
    assert client.get("/api/value").json == {"value": 1}
    _write(site / "pages/api/value.py", "def GET(req, res):\n    return {'value': 22}\n")
    assert client.get("/api/value").json == {"value": 22}


def test_edited_helper_module_is_reimported(site: Path) -> None:
    client = Client(App(site, reload=True))
    assert client.get("/api/helped").json == {"word": "first"}
    _write(site / "pages/_helper.py", "WORD = 'second'\n")
    assert client.get("/api/helped").json == {"word": "second"}


def test_added_removed_and_renamed_files_update_the_routes(site: Path) -> None:
    client = Client(App(site, reload=True))
    assert client.get("/api/new").status_code == 404
    _write(site / "pages/api/new.py", "def GET(req, res):\n    return {'new': 1}\n")
    assert client.get("/api/new").json == {"new": 1}
    (site / "pages/api/new.py").rename(site / "pages/api/renamed.py")
    assert client.get("/api/new").status_code == 404
    assert client.get("/api/renamed").json == {"new": 1}
    (site / "pages/api/renamed.py").unlink()
    assert client.get("/api/renamed").status_code == 404
    _write(site / "pages/api/deep/[id].py", "def GET(req, res):\n    return req.params\n")
    assert client.get("/api/deep/7").json == {"id": "7"}


def test_syntax_error_breaks_only_its_route_until_fixed(site: Path) -> None:
    client = Client(App(site, reload=True))
    assert client.get("/api/value").status_code == 200
    _write(site / "pages/api/value.py", "def GET(req, res)\n    return {}\n")
    broken = client.get("/api/value")
    assert broken.status_code == 500
    assert "SyntaxError" in broken.json["error"]["message"]
    assert client.get("/api/other").json == {"other": True}
    _write(site / "pages/api/value.py", "def GET(req, res):\n    return {'value': 3}\n")
    assert client.get("/api/value").json == {"value": 3}


def test_route_conflict_added_in_development_answers_500_until_removed(site: Path) -> None:
    client = Client(App(site, reload=True))
    _write(site / "pages/api/value/index.py", "def GET(req, res):\n    return {}\n")
    response = client.get("/api/other")
    assert response.status_code == 500
    assert "api/value.py" in response.json["error"]["message"]
    assert "api/value/index.py" in response.json["error"]["message"]
    (site / "pages/api/value/index.py").unlink()
    assert client.get("/api/other").status_code == 200


def test_app_state_is_created_once_across_reloads(site: Path) -> None:
    app = App(site, reload=True)
    client = Client(app)
    first = client.get("/api/state").json
    _write(site / "pages/api/state.py", (site / "pages/api/state.py").read_text() + "\n# edit\n")
    _write(site / "pages/api/value.py", "def GET(req, res):\n    return {'value': 5}\n")
    assert client.get("/api/value").json == {"value": 5}
    assert client.get("/api/state").json == first == {"starts": 1, "pool": first["pool"]}
    app.close()
    assert app.state.closed is True


def test_unchanged_site_is_not_rescanned(site: Path) -> None:
    app = App(site, reload=True)
    client = Client(app)
    client.get("/api/value")
    router = app.router
    for _ in range(5):
        assert client.get("/api/value").status_code == 200
    assert app.router is router


def test_production_mode_never_reloads(site: Path) -> None:
    app = App(site)
    client = Client(app)
    assert client.get("/api/value").json == {"value": 1}
    _write(site / "pages/api/value.py", "def GET(req, res):\n    return {'value': 9}\n")
    _write(site / "pages/api/new.py", "def GET(req, res):\n    return {}\n")
    assert client.get("/api/value").json == {"value": 1}
    assert client.get("/api/new").status_code == 404
