"""The interactive docs page: one route file serves it and its assets; tested in Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdp import browser, chromium
from servers import running

from microroutes import App, openapi_document
from microroutes.openapi.docs import docs_handler
from microroutes.testing import Client

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"
ONE_LINE = "from microroutes.openapi.docs import GET as GET\n"

SITE: dict[str, str] = {
    "pages/_app.py": 'OPENAPI = {"title": "Shop <&>", "version": "2.0"}\n',
    "pages/api/docs.py": ONE_LINE,
    "pages/api/items.py": "def GET(req, res) -> list[str]:\n    return ['tea']\n",
    "pages/admin/docs.py": (
        "from microroutes.openapi.docs import docs_handler\n"
        "GET = docs_handler(title='Admin', prefix='/admin')\n"
    ),
    "pages/admin/stats.py": "def GET(req, res) -> dict:\n    return {}\n",
}


def test_one_line_serves_the_page_naming_its_assets(make_site: Any) -> None:
    client = Client(App(make_site(SITE)))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "<title>Shop &lt;&amp;&gt; 2.0: API</title>" in text
    assert 'data-url="?asset=openapi.json"' in text
    assert "<script>" not in text  # no inline script: the page works under a strict CSP
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "init.js", "favicon-32x32.png"):
        assert f"?asset={asset}&amp;v=" in text


@pytest.mark.parametrize(
    ("asset", "media_type"),
    [
        ("swagger-ui.css", "text/css"),
        ("swagger-ui-bundle.js", "text/javascript"),
        ("init.js", "text/javascript"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_the_route_serves_each_asset(make_site: Any, asset: str, media_type: str) -> None:
    answer = Client(App(make_site(SITE))).get(f"/api/docs?asset={asset}&v=1")
    assert answer.status_code == 200
    assert answer.mimetype == media_type
    assert answer.headers["Cache-Control"] == "public, max-age=86400"
    assert len(answer.get_data()) > 100
    assert b"sourceMappingURL" not in answer.get_data()  # no request for a file not shipped


def test_the_route_serves_the_document_it_shows(make_site: Any) -> None:
    app = App(make_site(SITE))
    client = Client(app)
    assert client.get("/api/docs?asset=openapi.json").json == openapi_document(app)
    admin = client.get("/admin/docs?asset=openapi.json").json
    assert admin["info"] == {"title": "Admin", "version": "2.0"}
    assert sorted(admin["paths"]) == ["/admin/stats"]
    assert "<title>Admin 2.0: API</title>" in client.get("/admin/docs").get_data(as_text=True)


def test_the_docs_pages_are_not_in_the_document(make_site: Any) -> None:
    document = openapi_document(App(make_site(SITE)))
    assert sorted(document["paths"]) == ["/admin/stats", "/api/items"]


def test_an_unknown_asset_is_a_json_404(make_site: Any) -> None:
    answer = Client(App(make_site(SITE))).get("/api/docs?asset=../../etc/passwd")
    assert answer.status_code == 404
    assert answer.json["error"]["message"] == (
        "no such asset; the page's assets are swagger-ui.css, swagger-ui-bundle.js, "
        "favicon-32x32.png, init.js, openapi.json"
    )


def test_a_bad_prefix_fails_at_import() -> None:
    with pytest.raises(ValueError, match="starting with '/'"):
        docs_handler(prefix="api")


def test_without_the_extra_the_page_says_what_to_install(tmp_path: Path) -> None:
    """The blog serves with the base install; its docs page answers 501 naming the extra."""
    missing = tmp_path / "no-extra" / "openapi_ui_bundles"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": str(missing.parent), "BLOG_DB": str(tmp_path / "blog.sqlite3")}
    with running("serve", str(BLOG), env=env) as server:
        status, headers, body = server.request("GET", "/api/docs")
        assert status == 501
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body)["error"]["message"] == (
            "the interactive API docs need Swagger UI: pip install 'microroutes[docs]'"
        )
        status, headers, body = server.request("GET", "/api/docs", headers={"Accept": "text/html"})
        assert status == 501
        assert "pip install &#x27;microroutes[docs]&#x27;" in body.decode()
        assert server.request("GET", "/")[0] == 200
        assert server.request("GET", "/api/posts")[0] == 200


# -- in a real browser ----------------------------------------------------------

_LISTED = """
Array.from(document.querySelectorAll('.opblock')).map(block =>
    block.querySelector('.opblock-summary-method').textContent.toLowerCase() + ' ' +
    block.querySelector('.opblock-summary-path').getAttribute('data-path'))
"""
_CLICK = "document.querySelector({selector!r}).click(); true"


def _operations(document: dict[str, Any]) -> list[str]:
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    return sorted(
        f"{method} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    )


@pytest.mark.skipif(chromium() is None, reason="needs chromium (.ci/run installs it)")
def test_the_page_in_headless_chromium(tmp_path: Path) -> None:
    env = {"BLOG_DB": str(tmp_path / "blog.sqlite3")}
    with running("serve", str(BLOG), env=env) as server, browser() as page:
        expected = _operations(json.loads(server.request("GET", "/api/openapi.json")[2]))
        assert len(expected) == 7
        page.call("Network.enable")
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Page.navigate", url=f"{server.url}/api/docs")

        def listed() -> list[str] | None:
            found = page.evaluate(_LISTED)
            return sorted(found) if found and len(found) == len(expected) else None

        assert page.wait_for(listed, "every operation to be listed") == expected

        # Try it out: GET /api/posts, sent by Swagger UI from the page.
        block = "#operations-default-get_api_posts"
        page.evaluate(_CLICK.format(selector=f"{block} .opblock-summary-control"))
        page.wait_for(
            lambda: page.evaluate(f"!!document.querySelector('{block} .try-out__btn')"),
            "the Try it out button",
        )
        page.evaluate(_CLICK.format(selector=f"{block} .try-out__btn"))
        page.wait_for(
            lambda: page.evaluate(f"!!document.querySelector('{block} .execute')"),
            "the Execute button",
        )
        page.evaluate(_CLICK.format(selector=f"{block} .execute"))
        live = f"{block} .live-responses-table tbody"
        status = page.wait_for(
            lambda: page.evaluate(
                f"(document.querySelector('{live} .response-col_status') || {{}}).textContent"
            ),
            "the live response",
        )
        assert status.strip() == "200"
        body = page.evaluate(f"document.querySelector('{live} .microlight').textContent")
        assert json.loads(body)["posts"][0]["slug"]
        page.evaluate("1")  # collect the events that arrived meanwhile

    responses = {
        event["params"]["response"]["url"]: event["params"]["response"]["status"]
        for event in page.events
        if event.get("method") == "Network.responseReceived"
    }
    failed = [
        event["params"] for event in page.events if event.get("method") == "Network.loadingFailed"
    ]
    errors = [
        event["params"] for event in page.events if event.get("method") == "Runtime.exceptionThrown"
    ]
    assert failed == []
    assert errors == []
    assert {url: status for url, status in responses.items() if status >= 400} == {}
    network = [url for url in responses if not url.startswith("data:")]  # inline icons
    assert all(url.startswith(server.url) for url in network), sorted(network)
    assert responses[f"{server.url}/api/docs"] == 200
    assert responses[f"{server.url}/api/docs?asset=openapi.json"] == 200
    assert any(url.startswith(f"{server.url}/api/posts") for url in responses)
