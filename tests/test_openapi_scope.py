"""What goes in the OpenAPI document: ``OPENAPI = False``, a prefix, ``info`` from ``_app.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate
from servers import run_command

from microroutes import App, SiteError, openapi_document, openapi_handler
from microroutes.testing import Client

API = '''
import dataclasses


@dataclasses.dataclass
class Item:
    name: str


def GET(req, res) -> list[Item]:
    """The items."""
    return [Item("teapot")]
'''

PAGE = """
import dataclasses

OPENAPI = False


@dataclasses.dataclass
class PageQuery:
    page: int = 1


def GET(req, res, query: PageQuery):
    return res.html("<h1>Home</h1>")
"""

SITE: dict[str, str] = {
    "pages/index.py": PAGE,
    "pages/api/items.py": API,
    "pages/api/openapi.json.py": (
        "from microroutes import openapi_handler\nGET = openapi_handler(prefix='/api')\n"
    ),
    "pages/apis.py": "def GET(req, res):\n    return {}\n",
    "pages/sitemap.xml.py": "OPENAPI = True\ndef GET(req, res) -> str:\n    return 'x'\n",
    "pages/_app.py": 'OPENAPI = {"title": "Shop", "version": "2.1.0", "description": "Tea."}\n',
}


def test_a_route_with_openapi_false_is_left_out_with_its_types(make_site: Any) -> None:
    document = openapi_document(App(make_site(SITE)))
    validate(document)
    assert sorted(document["paths"]) == [
        "/api/items", "/api/openapi.json", "/apis", "/sitemap.xml"
    ]  # fmt: skip
    assert "PageQuery" not in document["components"]["schemas"]
    assert "Item" in document["components"]["schemas"]


def test_the_page_left_out_is_still_served(make_site: Any) -> None:
    client = Client(App(make_site(SITE)))
    assert client.get("/").get_data(as_text=True) == "<h1>Home</h1>"


@pytest.mark.parametrize("value", ["no", 0, [], {"title": "x"}])
def test_an_openapi_setting_that_is_not_a_bool_names_the_file(make_site: Any, value: Any) -> None:
    source = f"OPENAPI = {value!r}\ndef GET(req, res):\n    return {{}}\n"
    site = make_site({"pages/page.py": source})
    with pytest.raises(SiteError, match=r"page\.py: OPENAPI must be True or False"):
        openapi_document(App(site))


def test_a_prefix_keeps_the_paths_under_it(make_site: Any) -> None:
    app = App(make_site(SITE))
    document = openapi_document(app, prefix="/api")
    validate(document)
    assert sorted(document["paths"]) == ["/api/items", "/api/openapi.json"]  # not /apis
    assert openapi_document(app, prefix="/api/") == document
    assert sorted(openapi_document(app, prefix="/")["paths"]) == sorted(
        openapi_document(app)["paths"]
    )
    assert openapi_document(app, prefix="/nothing")["paths"] == {}


def test_an_optional_catch_all_keeps_the_paths_under_the_prefix(make_site: Any) -> None:
    site = make_site({"pages/docs/[[...slug]].py": "def GET(req, res):\n    return {}\n"})
    document = openapi_document(App(site), prefix="/docs")
    assert sorted(document["paths"]) == ["/docs", "/docs/{slug}"]


def test_a_prefix_not_starting_with_a_slash_is_refused(make_site: Any) -> None:
    with pytest.raises(ValueError, match="starting with '/'"):
        openapi_document(App(make_site(SITE)), prefix="api")
    with pytest.raises(ValueError, match="starting with '/'"):
        openapi_handler(prefix="api")


def test_the_served_document_takes_its_prefix_and_app_py_info(make_site: Any) -> None:
    client = Client(App(make_site(SITE)))
    served = client.get("/api/openapi.json").json
    assert served["info"] == {"title": "Shop", "version": "2.1.0", "description": "Tea."}
    assert sorted(served["paths"]) == ["/api/items", "/api/openapi.json"]


def test_arguments_win_over_app_py(make_site: Any) -> None:
    app = App(make_site(SITE))
    document = openapi_document(app, title="Other", version="9")
    assert document["info"] == {"title": "Other", "version": "9", "description": "Tea."}


def test_without_app_py_the_folder_name_and_1_0_0(make_site: Any) -> None:
    site = make_site({"pages/api/items.py": API})
    assert openapi_document(App(site))["info"] == {"title": site.name, "version": "1.0.0"}


@pytest.mark.parametrize(
    "setting",
    ['"Shop"', '{"title": 3}', '{"name": "Shop"}', '{"title": "Shop", "servers": []}'],
)
def test_a_malformed_app_py_setting_names_the_file(make_site: Any, setting: str) -> None:
    site = make_site({"pages/api/items.py": API, "pages/_app.py": f"OPENAPI = {setting}\n"})
    with pytest.raises(SiteError, match=r"_app\.py: OPENAPI must map some of title, version"):
        openapi_document(App(site))


def test_the_command_reads_app_py_and_takes_a_prefix(make_site: Any) -> None:
    site = make_site(SITE)
    done = run_command("openapi", str(site), "--prefix", "/api")
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    validate(document)
    assert document["info"] == {"title": "Shop", "version": "2.1.0", "description": "Tea."}
    assert sorted(document["paths"]) == ["/api/items", "/api/openapi.json"]
    client = Client(App(site))
    assert client.get("/api/openapi.json").json == document


def test_the_command_refuses_a_relative_prefix(make_site: Any) -> None:
    done = run_command("openapi", str(make_site(SITE)), "--prefix", "api")
    assert done.returncode == 2
    assert "--prefix: a path starting with '/' is expected, got 'api'" in done.stderr
    assert done.stdout == ""
