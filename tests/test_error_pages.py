"""Error pages: ``_404.py`` and ``_error.py`` in the site's look for clients preferring HTML."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import client_for, without_request_id

from microroutes import App, SiteError

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page(label: str) -> str:
    """An error page source that names itself and shows the error and the request."""
    return (
        "import html\n"
        "def render(req, error):\n"
        f'    return f\'<main data-page="{label}">{{error.status}} {{html.escape(error.message)}}'
        " {req.path} {req.id}</main>'\n"
    )


SITE = {
    "pages/_404.py": page("root-404"),
    "pages/_error.py": page("root-error"),
    "pages/docs/_404.py": page("docs-404"),
    "pages/docs/index.py": "def GET(req, res):\n    return 'docs'\n",
    "pages/docs/guide/[topic].py": (
        "from microroutes import NotFound\n"
        "def GET(req, res):\n    raise NotFound(f'no topic {req.params[\"topic\"]}')\n"
    ),
    "pages/blog/[slug]/_404.py": page("post-404"),
    "pages/blog/[slug]/index.py": (
        "from microroutes import NotFound\ndef GET(req, res):\n    raise NotFound('no such post')\n"
    ),
    "pages/(shop)/cart/_error.py": page("cart-error"),
    "pages/(shop)/cart/index.py": (
        "def POST(req, res):\n    return {}\n"
        "def DELETE(req, res):\n    raise RuntimeError('the cart broke')\n"
    ),
    "pages/api/item.py": (
        "from microroutes import HTTPError\n"
        "def GET(req, res):\n    raise HTTPError(409, 'taken <b>')\n"
    ),
}


@pytest.fixture
def client(make_site):
    return client_for(make_site(SITE))


def shown(response) -> str:
    """Which error page answered: its label."""
    text = response.text
    return text.split('data-page="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/nowhere", "root-404"),
        ("/docs/missing", "docs-404"),
        ("/docs/a/b/c", "docs-404"),
        ("/docs/guide/x", "docs-404"),  # raised by a route: the nearest page still wins
        ("/blog/hello", "post-404"),
        ("/blog/hello/more", "post-404"),
        ("/blog", "root-404"),
        ("/cart/nothing", "root-404"),  # (shop) adds no segment; cart has no _404.py
    ],
)
def test_the_nearest_not_found_page_answers(client, path: str, label: str) -> None:
    response = client.get(path, headers=HTML)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert shown(response) == label
    assert f" {path} {response.headers['X-Request-ID']}</main>" in response.text


def test_other_statuses_use_the_nearest_error_page_and_keep_headers(client) -> None:
    conflict = client.get("/api/item", headers=HTML)
    assert (conflict.status_code, shown(conflict)) == (409, "root-error")
    assert "409 taken &lt;b&gt;" in conflict.text
    refused = client.get("/cart", headers=HTML)
    assert (refused.status_code, shown(refused)) == (405, "cart-error")
    assert refused.headers["Allow"] == "POST, DELETE, OPTIONS"
    failed = client.delete("/cart", headers=HTML)
    assert (failed.status_code, shown(failed)) == (500, "cart-error")
    assert "the cart broke" not in failed.text


def test_json_clients_keep_the_json_error(client) -> None:
    for headers in [{}, {"Accept": "application/json"}, {"Accept": "*/*"}]:
        response = client.get("/docs/missing", headers=headers)
        assert response.status_code == 404
        assert without_request_id(response.json) == {
            "error": {"status": 404, "message": "no route for /docs/missing"}
        }


def test_head_gets_the_status_and_no_body(client) -> None:
    response = client.head("/nowhere", headers=HTML)
    assert (response.status_code, response.data) == (404, b"")
    assert response.mimetype == "text/html"


def test_error_pages_without_a_404_page_answer_404_too(make_site) -> None:
    client = client_for(make_site({"pages/_error.py": page("only-error")}))
    response = client.get("/missing", headers=HTML)
    assert (response.status_code, shown(response)) == (404, "only-error")


def test_a_response_returned_keeps_the_error_status(make_site) -> None:
    source = (
        "from microroutes import Response\n"
        "def render(req, error):\n"
        "    res = Response().html('<p>gone</p>')\n"
        "    res.set_header('Cache-Control', 'no-store')\n"
        "    return res\n"
    )
    response = client_for(make_site({"pages/_404.py": source})).get("/x", headers=HTML)
    assert (response.status_code, response.text) == (404, "<p>gone</p>")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "source",
    [
        "def render(req, error):\n    raise RuntimeError('the page broke')\n",
        "def render(req, error):\n    return 42\n",
    ],
)
def test_a_failing_page_falls_back_and_is_logged_once(
    make_site, caplog: pytest.LogCaptureFixture, source: str
) -> None:
    client = client_for(make_site({"pages/docs/_404.py": source}))
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        responses = [client.get("/docs/x", headers=HTML) for _ in range(3)]
    for response in responses:
        assert response.status_code == 404
        assert "<h1>404 no route for /docs/x</h1>" in response.text
    [record] = [r for r in caplog.records if "error page" in r.getMessage()]
    assert "docs/_404.py" in record.getMessage()
    assert responses[0].headers["X-Request-ID"] in record.getMessage()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def render(req, error) oops\n", "_404.py"),
        ("RENDER = 1\n", "_404.py: define render(req, error)"),
        ("def render(req):\n    return ''\n", "_404.py: render must accept (req, error)"),
        (
            "async def render(req, error):\n    return ''\n",
            "_404.py: render(req, error) must be a plain function",
        ),
    ],
)
def test_a_broken_error_page_fails_at_start_up_naming_the_file(
    make_site, source: str, problem: str
) -> None:
    site = make_site({"pages/docs/_404.py": source, "pages/ok.py": "def GET(req, res): ..."})
    with pytest.raises(SiteError, match=re.escape("docs/" + problem)):
        App(site).load_all()
    served = subprocess.run(
        [sys.executable, "-m", "microroutes", "serve", str(site), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert "docs/_404.py" in served.stderr + served.stdout
    assert "Traceback" not in served.stderr + served.stdout


def test_two_error_pages_for_the_same_urls_are_a_start_up_error(make_site) -> None:
    site = make_site({"pages/(a)/_404.py": page("a"), "pages/(b)/_404.py": page("b")})
    with pytest.raises(SiteError, match=r"\(a\)/_404.py and \(b\)/_404.py are error pages"):
        App(site)


def test_the_dev_debugger_still_gets_unexpected_errors(make_site) -> None:
    site = make_site(
        {
            "pages/_error.py": page("root-error"),
            "pages/fail.py": "def GET(req, res):\n    raise RuntimeError('look here')\n",
        }
    )
    client = client_for(App(site, debugger=True))
    with pytest.raises(RuntimeError, match="look here"):
        client.get("/fail", headers=HTML)
    # Errors a handler means to answer still get the site's page.
    assert shown(client.get("/missing", headers=HTML)) == "root-error"


def _write(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime forward, as an editor saving later would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    if before and path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(time.time_ns(), before + 1_000_000))


def test_error_pages_reload_in_development(make_site) -> None:
    site = make_site({"pages/_404.py": page("first"), "pages/ok.py": "def GET(req, res): ..."})
    client = client_for(App(site, reload=True))
    assert shown(client.get("/docs/x", headers=HTML)) == "first"
    _write(site / "pages/_404.py", page("edited"))
    assert shown(client.get("/docs/x", headers=HTML)) == "edited"
    _write(site / "pages/docs/_404.py", page("added"))
    assert shown(client.get("/docs/x", headers=HTML)) == "added"
    (site / "pages/docs/_404.py").unlink()
    assert shown(client.get("/docs/x", headers=HTML)) == "edited"


def test_error_pages_see_the_state_middleware_set(make_site) -> None:
    site = make_site(
        {
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n"
                "    req.state.user = 'ann'\n"
                "    return call_next()\n"
            ),
            "pages/_404.py": (
                "def render(req, error):\n"
                "    return f'<p>sorry, {req.state.user}: {error.message}</p>'\n"
            ),
            "pages/item/[id].py": (
                "from microroutes import NotFound\n\n"
                "def GET(req, res):\n"
                "    raise NotFound('no such item')\n"
            ),
        }
    )
    answer = client_for(App(site)).get("/item/7", headers={"Accept": "text/html"})
    assert answer.status_code == 404
    assert answer.get_data(as_text=True) == "<p>sorry, ann: no such item</p>"
