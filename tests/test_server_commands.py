"""``microroutes serve`` and ``microroutes dev`` as real servers on a loopback port."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from servers import run_command, running

SITE = {
    "pages/_app.py": (
        "import os\n"
        "def startup(app):\n    app.state.marker = os.environ['MARKER']\n"
        "def shutdown(app):\n"
        "    with open(app.state.marker, 'a') as f:\n        f.write('shutdown\\n')\n"
    ),
    "pages/api/value.py": "def GET(req, res):\n    return {'value': 1}\n",
}


def test_serve_answers_and_runs_the_shutdown_hook_on_sigterm(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    marker = tmp_path / "marker"
    with running("serve", str(site), env={"MARKER": str(marker)}) as server:
        status, headers, body = server.request("GET", "/api/value")
        assert (status, json.loads(body)) == (200, {"value": 1})
        status, headers, body = server.request("GET", "/missing")
        assert status == 404
        assert headers["Content-Type"] == "application/json"
        assert not marker.exists()
    assert marker.read_text() == "shutdown\n"


def test_dev_reloads_an_edited_file_without_restarting(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    marker = tmp_path / "marker"
    route = site / "pages/api/value.py"
    with running("dev", str(site), env={"MARKER": str(marker)}) as server:
        assert json.loads(server.request("GET", "/api/value")[2]) == {"value": 1}
        pid = server.process.pid
        before = route.stat().st_mtime_ns
        route.write_text("def GET(req, res):\n    return {'value': 'edited'}\n")
        os.utime(route, ns=(time.time_ns(), max(before + 1_000_000, time.time_ns())))
        assert json.loads(server.request("GET", "/api/value")[2]) == {"value": "edited"}
        (site / "pages/api/added.py").write_text("def GET(req, res):\n    return [1]\n")
        assert json.loads(server.request("GET", "/api/added")[2]) == [1]
        route.write_text("def GET(req, res) broken\n")
        status, _, body = server.request("GET", "/api/value")
        assert status == 500
        assert "SyntaxError" in json.loads(body)["error"]["message"]
        assert server.request("GET", "/api/added")[0] == 200
        assert server.process.pid == pid
    assert marker.read_text() == "shutdown\n"


def test_serve_refuses_a_broken_site_naming_the_file(make_site) -> None:
    site = make_site(
        {
            "pages/ok.py": "def GET(req, res):\n    return {}\n",
            "pages/api/nothing.py": "VALUE = 1\n",
            "pages/api/arity.py": "def handler(req):\n    return {}\n",
        }
    )
    result = run_command("serve", str(site), "--port", "0")
    assert result.returncode == 1
    assert "api/nothing.py: no handler" in result.stderr
    assert "api/arity.py: handler must accept two arguments (req, res)" in result.stderr


def test_serve_refuses_conflicting_routes_naming_both_files(make_site) -> None:
    site = make_site(
        {
            "pages/a.py": "def GET(req, res):\n    return {}\n",
            "pages/a/index.py": "def GET(req, res):\n    return {}\n",
        }
    )
    result = run_command("serve", str(site), "--port", "0")
    assert result.returncode == 1
    assert "a/index.py and a.py both answer /a" in result.stderr
