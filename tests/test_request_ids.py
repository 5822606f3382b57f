"""Request ids: ``req.id``, ``X-Request-ID`` on every response, in JSON errors and error logs."""

from __future__ import annotations

import logging
import os
import re

import pytest
from conftest import client_for

from microroutes import App
from microroutes.request_ids import ENVIRON_KEY, new_request_id

MADE = re.compile(r"[0-9a-f]{20}-[1-9][0-9]*")
SITE = {
    "pages/api/who.py": (
        "def GET(req, res):\n"
        f"    return {{'id': req.id, 'environ': req.environ[{ENVIRON_KEY!r}]}}\n"
    ),
    "pages/api/only_post.py": "def POST(req, res):\n    return {}\n",
    "pages/api/boom.py": "def GET(req, res):\n    raise RuntimeError('boom')\n",
    "pages/api/guarded/_middleware.py": (
        "from microroutes import HTTPError\n"
        "def middleware(req, res, call_next):\n"
        "    raise HTTPError(401, 'sign in first')\n"
    ),
    "pages/api/guarded/page.py": "def GET(req, res):\n    return {}\n",
    "public/robots.txt": "User-agent: *\n",
}


@pytest.fixture
def site(make_site):
    return make_site(SITE)


def test_a_sane_incoming_id_is_req_id_and_echoed(site) -> None:
    client = client_for(site)
    for sent in ["abc", "edge-7f3a.2:web@host=1", "A/b+c=", "x" * 128]:
        response = client.get("/api/who", headers={"X-Request-ID": sent})
        assert response.json == {"id": sent, "environ": sent}
        assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    ["", "x" * 129, "has space", 'quote"d', "semi;colon", "caf\u00e9", "tab\there", "a,b"],
)
def test_an_unsafe_or_overlong_id_is_replaced(site, sent: str) -> None:
    response = client_for(site).get("/api/who", headers={"X-Request-ID": sent})
    made = response.json["id"]
    assert made != sent
    assert MADE.fullmatch(made)
    assert response.headers["X-Request-ID"] == made


def test_without_an_incoming_id_each_request_gets_a_new_one(site) -> None:
    client = client_for(site)
    ids = {client.get("/api/who").headers["X-Request-ID"] for _ in range(200)}
    assert len(ids) == 200
    assert all(MADE.fullmatch(value) for value in ids)


def test_the_length_limit_is_configurable_and_zero_ignores_incoming_ids(site) -> None:
    short = client_for(App(site, max_request_id_length=8))
    assert short.get("/api/who", headers={"X-Request-ID": "12345678"}).json["id"] == "12345678"
    assert MADE.fullmatch(short.get("/api/who", headers={"X-Request-ID": "123456789"}).json["id"])
    never = client_for(App(site, max_request_id_length=0))
    assert MADE.fullmatch(never.get("/api/who", headers={"X-Request-ID": "abc"}).json["id"])


@pytest.mark.parametrize("limit", [-1, 1.5, "128", True, None])
def test_a_bad_length_limit_is_refused(site, limit: object) -> None:
    with pytest.raises(ValueError, match="max_request_id_length must be a whole number >= 0"):
        App(site, max_request_id_length=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/who", 200),
        ("HEAD", "/api/who", 200),
        ("GET", "/api/missing", 404),
        ("GET", "/api/only_post", 405),
        ("GET", "/api/who/", 308),
        ("GET", "/robots.txt", 200),
        ("HEAD", "/robots.txt", 200),
        ("GET", "/api/boom", 500),
        ("GET", "/api/guarded/page", 401),
        ("GET", "/a%00b", 400),
    ],
)
def test_every_response_carries_the_id(site, method: str, path: str, status: int) -> None:
    response = client_for(site).open(path, method=method, headers={"X-Request-ID": "trace-1"})
    assert response.status_code == status
    assert response.headers.getlist("X-Request-ID") == ["trace-1"]
    if status >= 400 and method != "HEAD":
        assert response.json["error"]["request_id"] == "trace-1"


def test_a_broken_site_still_answers_with_the_id(make_site) -> None:
    site = make_site({"pages/_app.py": "def startup(app):\n    raise RuntimeError('no db')\n"})
    response = client_for(site).get("/", headers={"X-Request-ID": "boot-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "boot-1"
    assert response.json["error"]["request_id"] == "boot-1"


def test_the_500_log_line_names_the_id(site, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        client_for(site).get("/api/boom", headers={"X-Request-ID": "find-me-42"})
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "unhandled error answering GET /api/boom (request id find-me-42)"


def test_a_handler_setting_the_header_keeps_its_value(make_site) -> None:
    site = make_site(
        {"pages/x.py": "def GET(req, res):\n    res.set_header('X-Request-ID', 'mine')\n"}
    )
    response = client_for(site).get("/x", headers={"X-Request-ID": "theirs"})
    assert response.headers.getlist("X-Request-ID") == ["mine"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_makes_ids_of_its_own() -> None:
    before = new_request_id()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: report one id and leave at once
        os.write(writer, new_request_id().encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        theirs = pipe.read().decode()
    os.waitpid(child, 0)
    assert MADE.fullmatch(theirs)
    assert theirs[:20] != before[:20]  # a different random prefix
