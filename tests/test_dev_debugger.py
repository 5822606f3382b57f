"""``microroutes dev`` shows werkzeug's debugger to clients preferring HTML; ``serve`` never."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import pytest
from servers import Server, running

FAILING_ROUTE = (
    "def GET(req, res):\n    answer = 41\n    raise RuntimeError('the handler failed')\n"
)
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PIN = "123456789"


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "pages/api/fail.py": FAILING_ROUTE,
            "pages/api/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
        }
    )


def _debugger_page(server: Server) -> tuple[str, str]:
    """The debugger page for the failing route: its SECRET and the failing frame's id."""
    status, headers, body = server.request("GET", "/api/fail", headers=HTML)
    assert status == 500
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "Werkzeug Debugger" in page
    assert "EVALEX = true" in page
    secret = re.search(r'SECRET = "([^"]+)"', page)
    assert secret is not None
    # The frame of the route file's GET, where `answer` lives.
    frames = re.findall(
        r'<div class="frame[^"]*" id="frame-(\d+)">\s*<h4>File <cite class="filename">"([^"]+)"',
        page,
    )
    (frame,) = [number for number, filename in frames if filename.endswith("api/fail.py")]
    return secret.group(1), frame


def _command(server: Server, secret: str, frame: str, code: str, cookie: str = "") -> str:
    path = f"/?__debugger__=yes&cmd={quote(code)}&frm={frame}&s={secret}"
    headers = {"Cookie": cookie} if cookie else {}
    return server.request("GET", path, headers=headers)[2].decode()


def test_dev_html_client_gets_the_interactive_debugger(site) -> None:
    with running("dev", str(site), env={"WERKZEUG_DEBUG_PIN": PIN}) as server:
        _debugger_page(server)
        assert "the handler failed" in server.request("GET", "/api/fail", headers=HTML)[2].decode()
        # The handler's other routes answer as usual.
        assert server.request("GET", "/api/ok", headers=HTML)[0] == 200
        # The access log sits outside the debugger: its 500s are logged too.
        deadline = time.monotonic() + 10
        while not any('"GET /api/fail HTTP/1.1" 500' in line for line in server.output):
            assert time.monotonic() < deadline, server.output
            time.sleep(0.02)


def test_dev_json_client_gets_the_json_error_with_the_traceback(site) -> None:
    with running("dev", str(site)) as server:
        status, headers, body = server.request(
            "GET", "/api/fail", headers={"Accept": "application/json"}
        )
        assert status == 500
        assert headers["Content-Type"].startswith("application/json")
        error = json.loads(body)["error"]
        assert error["status"] == 500
        assert error["message"] == "RuntimeError: the handler failed"
        assert "api/fail.py" in error["detail"]
        assert "Traceback" in error["detail"]
        # A client that states no preference gets JSON too.
        status, headers, _ = server.request("GET", "/api/fail")
        assert status == 500
        assert headers["Content-Type"].startswith("application/json")


def test_dev_prints_the_pin_and_the_console_needs_it(site) -> None:
    with running("dev", str(site), env={"WERKZEUG_DEBUG_PIN": PIN}) as server:
        assert " * Debugger PIN: 123-456-789\n" in server.output
        secret, frame = _debugger_page(server)
        # Without the PIN, a command in the frame is not run.
        refused = _command(server, secret, frame, "answer + 1")
        assert "42" not in re.sub(r'"request_id": ?"[^"]*"', "", refused)  # ids are random
        wrong = server.request("GET", f"/?__debugger__=yes&cmd=pinauth&pin=111-111-111&s={secret}")
        assert json.loads(wrong[2]) == {"auth": False, "exhausted": False}
        _, headers, body = server.request(
            "GET", f"/?__debugger__=yes&cmd=pinauth&pin=123-456-789&s={secret}"
        )
        assert json.loads(body) == {"auth": True, "exhausted": False}
        cookie = headers["Set-Cookie"].partition(";")[0]
        # With the PIN's cookie, code runs in the failing frame (evalex is on).
        assert "42" in _command(server, secret, frame, "answer + 1", cookie)


def test_dev_prints_a_pin_by_default(site) -> None:
    with running("dev", str(site), env={"WERKZEUG_DEBUG_PIN": None}) as server:
        output = "".join(server.output)
        assert " * Debugger is active!\n" in output
        assert re.search(r"^ \* Debugger PIN: \d{3}-\d{3}-\d{3}$", output, re.M)


def test_dev_says_when_the_pin_is_turned_off(site) -> None:
    with running("dev", str(site), env={"WERKZEUG_DEBUG_PIN": "off"}) as server:
        assert " * Debugger PIN disabled. DEBUGGER UNSECURED!\n" in server.output
        secret, frame = _debugger_page(server)
        # Without a PIN, the console runs code for anyone on a trusted host.
        assert "42" in _command(server, secret, frame, "answer + 1")


def test_debugger_commands_from_an_untrusted_host_are_refused(site) -> None:
    with running("dev", str(site), env={"WERKZEUG_DEBUG_PIN": PIN}) as server:
        secret, _ = _debugger_page(server)
        status, _, body = server.request(
            "GET",
            f"/?__debugger__=yes&cmd=pinauth&pin=123-456-789&s={secret}",
            headers={"Host": "attacker.example"},
        )
        # werkzeug's trusted-host default refuses it: 400, no authentication.
        assert status == 400
        assert b"auth" not in body


def test_serve_never_shows_the_debugger(site) -> None:
    with running("serve", str(site)) as server:
        status, headers, body = server.request("GET", "/api/fail", headers=HTML)
        assert status == 500
        assert headers["Content-Type"].startswith("text/html")
        page = body.decode()
        assert "Werkzeug Debugger" not in page
        assert "__debugger__" not in page
        assert "Traceback" not in page
        assert "the handler failed" not in page
        assert "internal server error" in page
        # The debugger's own URLs mean nothing to serve.
        resource = server.request("GET", "/?__debugger__=yes&cmd=resource&f=debugger.js")
        assert resource[0] == 404
        assert resource[1]["Content-Type"].startswith("application/json")
