"""``microroutes dev`` says what each reload saw: files changed, routes added or removed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from servers import Server, running

GET = "def GET(req, res):\n    return {'value': %d}\n"
WAIT = 15.0


def _write(path: Path, text: str) -> None:
    """Write ``text`` atomically with a later mtime, as an editor saving would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.stat().st_mtime_ns if path.exists() else 0
    temporary = path.with_name(path.name + ".swp")
    temporary.write_text(text)
    os.utime(temporary, ns=(time.time_ns(), max(time.time_ns(), before + 1_000_000)))
    os.replace(temporary, path)


def _wait_for(server: Server, text: str) -> str:
    """The server's output once it holds ``text`` (the reader thread may lag behind)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        output = "".join(server.output)
        if text in output:
            return output
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never printed:\n{''.join(server.output)}")


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "pages/api/value.py": GET % 1,
            "pages/api/old.py": GET % 2,
            "pages/_app.py": "def startup(app):\n    app.state.ready = True\n",
        }
    )


def test_each_reload_names_the_files_and_routes(site: Path) -> None:
    with running("dev", str(site)) as server:
        assert json.loads(server.request("GET", "/api/value")[2]) == {"value": 1}
        assert "reloaded" not in "".join(server.output)

        _write(site / "pages/api/value.py", GET % 10)
        assert json.loads(server.request("GET", "/api/value")[2]) == {"value": 10}
        _wait_for(server, "microroutes: reloaded: edited api/value.py\n")

        _write(site / "pages/api/new/[id].py", GET % 3)
        (site / "pages/api/old.py").unlink()
        assert server.request("GET", "/api/new/7")[0] == 200
        output = _wait_for(server, "route removed: /api/old (api/old.py)\n")
        assert "microroutes: reloaded: added api/new/[id].py; removed api/old.py\n" in output
        assert "microroutes: route added: /api/new/[id] (api/new/[id].py)\n" in output
        # Each change is logged once, by the request that noticed it.
        assert output.count("reloaded:") == 2


def test_an_edited_app_file_says_to_restart(site: Path) -> None:
    with running("dev", str(site)) as server:
        _write(site / "pages/_app.py", "def startup(app):\n    app.state.ready = False\n")
        assert server.request("GET", "/api/value")[0] == 200
        output = _wait_for(server, "restart the server")
        assert "microroutes: reloaded: edited _app.py\n" in output
        assert (
            "microroutes: _app.py changed: restart the server to run its new startup/shutdown "
            "hooks (routes, providers and exceptions reload; startup/shutdown do not)\n"
        ) in output
        # Later requests do not reload again; a later edit is the next reload.
        assert server.request("GET", "/api/value")[0] == 200
        _write(site / "pages/api/value.py", GET % 20)
        assert json.loads(server.request("GET", "/api/value")[2]) == {"value": 20}
        output = _wait_for(server, "reloaded: edited api/value.py\n")
        assert output.count("reloaded:") == 2


def test_a_conflict_made_while_editing_is_logged_and_answered(site: Path) -> None:
    with running("dev", str(site)) as server:
        _write(site / "pages/api/value/index.py", GET % 4)
        status, _, body = server.request("GET", "/api/old")
        assert status == 500
        message = json.loads(body)["error"]["message"]
        assert "api/value.py" in message
        assert "api/value/index.py" in message
        output = _wait_for(server, "both answer /api/value")
        assert "microroutes: reloaded: added api/value/index.py\n" in output


def test_an_edited_module_beside_pages_says_to_restart(make_site) -> None:
    site = make_site(
        {
            "catalog.py": "WORD = 'first'\n",
            "pages/api/word.py": "import catalog\n\ndef GET(req, res):\n    return catalog.WORD\n",
        }
    )
    with running("dev", str(site)) as server:
        assert server.request("GET", "/api/word")[2] == b"first"
        _write(site / "catalog.py", "WORD = 'second'\n")
        assert server.request("GET", "/api/word")[0] == 200
        output = _wait_for(server, "catalog.py is beside pages/")
        assert "microroutes: reloaded: edited ../catalog.py\n" in output
        assert (
            "microroutes: catalog.py is beside pages/, imported once: "
            "restart the server to load the edit\n"
        ) in output
