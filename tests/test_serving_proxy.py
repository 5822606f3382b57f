"""``serve --trusted-proxy``: the client's view from ``X-Forwarded-*``, from trusted peers only."""

from __future__ import annotations

import http.client
import importlib.util
import json

import pytest
from servers import Server, running

from microroutes.serving import TrustedProxies
from microroutes.testing import Client

BOTH_SERVERS = [
    pytest.param((), id="waitress"),
    pytest.param(
        ("--server", "granian", "--workers", "1"),
        id="granian",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("granian") is None, reason="granian not installed"
        ),
    ),
]
SITE = {
    "pages/whoami.py": """
        def GET(req, res):
            return {"url": req.url, "client": req.environ["REMOTE_ADDR"]}
    """,
}
FORWARDED = {
    "X-Forwarded-For": "198.51.100.9, 203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "blog.example.com",
    "X-Forwarded-Prefix": "/blog",
}


def _raw_get(server: Server, path: str) -> http.client.HTTPResponse:
    """A GET that does not follow redirects."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers=FORWARDED)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("server_args", BOTH_SERVERS)
def test_a_trusted_proxy_gives_the_clients_view(make_site, server_args: tuple[str, ...]) -> None:
    site = make_site(SITE)
    args = ("--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1", "--access-log")
    with running("serve", str(site), *server_args, *args) as server:
        status, _, body = server.request("GET", "/whoami?x=1", headers=FORWARDED)
        assert status == 200
        # One proxy deep: the address nginx appended, not what the client claimed before it.
        assert json.loads(body) == {
            "url": "https://blog.example.com/blog/whoami?x=1",
            "client": "203.0.113.7",
        }
        redirect = _raw_get(server, "/whoami/?x=1")
        assert redirect.status == 308
        assert redirect.headers["Location"] == "/blog/whoami?x=1"
        # The log shows the request as the client sent it to the proxy.
        log = server.wait_for_output('"GET /blog/whoami?x=1 HTTP/1.1" 200')
        line = next(line for line in log.splitlines() if "GET /blog/whoami?x=1" in line)
        assert line.startswith("203.0.113.7 - - [")


@pytest.mark.parametrize("server_args", BOTH_SERVERS)
def test_forwarded_headers_from_anyone_else_are_not_honoured(
    make_site, server_args: tuple[str, ...]
) -> None:
    site = make_site(SITE)
    for trust in (("--trusted-proxy", "10.0.0.0/8"), ()):
        with running("serve", str(site), *server_args, *trust, "--access-log") as server:
            status, _, body = server.request("GET", "/whoami", headers=FORWARDED)
            assert status == 200
            assert json.loads(body) == {"url": f"{server.url}/whoami", "client": "127.0.0.1"}
            assert _raw_get(server, "/whoami/").headers["Location"] == "/whoami"
            log = server.wait_for_output('"GET /whoami HTTP/1.1" 200')
            line = next(line for line in log.splitlines() if "GET /whoami " in line)
            assert line.startswith("127.0.0.1 - - [")


def test_a_bad_trusted_proxy_is_refused_by_serve(make_site) -> None:
    from servers import run_command

    result = run_command("serve", str(make_site(SITE)), "--trusted-proxy", "nginx.local")
    assert result.returncode == 2
    assert "not an IP address or network: 'nginx.local'" in result.stderr


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        ("127.0.0.1", True),
        ("::ffff:127.0.0.1", True),
        ("10.1.2.3", True),
        ("::1", True),
        ("127.0.0.2", False),
        ("11.0.0.1", False),
        ("", False),
        ("not-an-address", False),
    ],
)
def test_which_peers_are_trusted(make_site, peer: str, trusted: bool) -> None:
    from microroutes import App

    proxies = TrustedProxies(App(make_site(SITE)), ["127.0.0.1", "10.0.0.0/8", "::1"])
    assert proxies.trusts(peer) is trusted
    answer = Client(proxies).get("/whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer})
    assert (answer.json["client"] == "203.0.113.7") is trusted
