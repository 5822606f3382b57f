"""The OpenAPI document of routes without annotations: paths, operations, open answers, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from microroutes import App, SiteError, openapi_document

OPEN_ANSWER = {
    "description": "The handler's answer (its return value is not annotated).",
    "content": {"*/*": {"schema": {}}},
}
OPEN_BODY = {
    "description": "Any body: the handler reads it itself.",
    "required": False,
    "content": {"*/*": {"schema": {}}},
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


SITE = {
    "pages/index.py": '''
        """The home page.

        Lists what there is.
        """

        def GET(req, res):
            """Say hello.

            A longer description
            over two lines.
            """
            return {"hello": "world"}
    ''',
    "pages/api/post/[uid].py": """
        def GET(req, res):
            return {}

        def DELETE(req, res):
            return None
    """,
    "pages/docs/[...slug].py": """
        def handler(req, res):
            return {}
    """,
    "pages/shop/[[...path]].py": """
        from microroutes import handles

        @handles("GET", "POST")
        def handler(req, res):
            return {}
    """,
    "pages/(marketing)/about-us.py": """
        MAX_BODY_SIZE = None

        def GET(req, res):
            return "ok"

        def PUT(req, res):
            return "ok"
    """,
    "pages/about_us.py": "def GET(req, res):\n    return 'x'\n",
    "pages/sitemap.xml.py": """
        ERRORS = {"GET": {503: "The database is down."}, "POST": {409: "Taken."}}

        def GET(req, res):
            return ""

        def POST(req, res):
            return ""
    """,
    "pages/_private.py": "X = 1\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_files

    root = tmp_path_factory.mktemp("site")
    (root / "pages").mkdir()
    return write_files(root, SITE)


@pytest.fixture(scope="module")
def document(app: App) -> dict[str, Any]:
    found = openapi_document(app, title="Test site", version="2.5")
    validate(found)
    return found


def test_info_and_version(document: dict[str, Any], app: App) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Test site", "version": "2.5"}
    default = openapi_document(app)
    assert default["info"] == {"title": app.site_dir.name, "version": "1.0.0"}


def test_paths_come_from_patterns_with_catch_alls_spelled_out(document: dict[str, Any]) -> None:
    assert list(document["paths"]) == [
        "/",
        "/about-us",
        "/about_us",
        "/api/post/{uid}",
        "/docs/{slug}",
        "/shop",
        "/shop/{path}",
        "/sitemap.xml",
    ]


def test_path_parameters_say_what_they_match(document: dict[str, Any]) -> None:
    paths = document["paths"]
    (uid,) = paths["/api/post/{uid}"]["get"]["parameters"]
    assert uid == {
        "name": "uid",
        "in": "path",
        "required": True,
        "description": "One path segment.",
        "schema": {"type": "string", "minLength": 1},
    }
    (slug,) = paths["/docs/{slug}"]["get"]["parameters"]
    assert slug["description"] == "One or more path segments, separated by '/'."
    (rest,) = paths["/shop/{path}"]["post"]["parameters"]
    assert rest["name"] == "path"
    assert rest["description"] == "One or more path segments, separated by '/'."
    assert "parameters" not in paths["/shop"]["get"]
    assert "parameters" not in paths["/"]["get"]


def test_operations_follow_the_method_table(document: dict[str, Any]) -> None:
    methods = {
        path: sorted(set(item) - {"summary", "description"})
        for path, item in document["paths"].items()
    }
    assert methods == {
        "/": ["get"],
        "/about-us": ["get", "put"],
        "/about_us": ["get"],
        "/api/post/{uid}": ["delete", "get"],
        # A handler without declared methods answers every one, OPTIONS included.
        "/docs/{slug}": ["delete", "get", "options", "patch", "post", "put"],
        "/shop": ["get", "post"],
        "/shop/{path}": ["get", "post"],
        "/sitemap.xml": ["get", "post"],
    }


def test_operation_ids_are_unique_and_readable(document: dict[str, Any]) -> None:
    ids = {
        (path, method): operation["operationId"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }
    assert len(set(ids.values())) == len(ids)
    assert ids[("/", "get")] == "get_index"
    assert ids[("/api/post/{uid}", "delete")] == "delete_api_post_uid"
    assert ids[("/shop", "get")] == "get_shop"
    assert ids[("/shop/{path}", "get")] == "get_shop_path"
    assert ids[("/sitemap.xml", "get")] == "get_sitemap_xml"
    # /about-us and /about_us spell the same words: the later one is numbered.
    assert ids[("/about-us", "put")] == "put_about_us"
    assert ids[("/about-us", "get")] == "get_about_us"
    assert ids[("/about_us", "get")] == "get_about_us_2"


def test_summary_and_description_come_from_docstrings(document: dict[str, Any]) -> None:
    item = document["paths"]["/"]
    assert item["summary"] == "The home page."
    assert item["description"] == (
        "Lists what there is.\n\nOther methods get 405 with `Allow: GET, HEAD, OPTIONS`."
    )
    assert item["get"]["summary"] == "Say hello."
    assert item["get"]["description"] == "A longer description\nover two lines."
    undocumented = document["paths"]["/api/post/{uid}"]
    assert "summary" not in undocumented
    assert "summary" not in undocumented["get"]
    assert undocumented["description"] == (
        "Other methods get 405 with `Allow: GET, HEAD, DELETE, OPTIONS`."
    )


def test_untyped_operations_have_open_answers_and_bodies(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/"]["get"]["responses"] == {
        "400": ref("BadRequest"),
        "500": ref("InternalServerError"),
        "default": OPEN_ANSWER,
    }
    assert "requestBody" not in paths["/"]["get"]
    assert "requestBody" not in paths["/api/post/{uid}"]["delete"]
    assert paths["/shop"]["post"]["requestBody"] == OPEN_BODY
    assert paths["/docs/{slug}"]["patch"]["requestBody"] == OPEN_BODY


def test_framework_errors_per_operation(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/api/post/{uid}"]["get"]["responses"]) == {"400", "404", "500", "default"}
    # The route's body limit (1 MiB by default) is named; no limit, no 413.
    shop = paths["/shop/{path}"]["post"]["responses"]
    assert set(shop) == {"400", "404", "413", "500", "default"}
    assert shop["413"]["description"] == (
        "The body is larger than this route's limit of 1048576 bytes."
    )
    assert shop["413"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Error"}
    }
    assert set(paths["/about-us"]["put"]["responses"]) == {"400", "500", "default"}
    # A handler without declared methods may call allow() and answer 405 itself.
    docs = paths["/docs/{slug}"]["get"]["responses"]
    assert docs["405"] == ref("MethodNotAllowed")
    assert "405" not in paths["/shop/{path}"]["get"]["responses"]


def test_errors_a_route_declares_are_documented(document: dict[str, Any]) -> None:
    sitemap = document["paths"]["/sitemap.xml"]
    assert sitemap["get"]["responses"]["503"]["description"] == "The database is down."
    assert sitemap["post"]["responses"]["409"]["description"] == "Taken."
    assert "409" not in sitemap["get"]["responses"]
    assert "503" not in sitemap["post"]["responses"]


def test_the_error_schema_and_shared_responses(document: dict[str, Any]) -> None:
    components = document["components"]
    error = components["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["status", "message"]
    assert set(error["properties"]["error"]["properties"]) == {"status", "message", "detail"}
    responses = components["responses"]
    # RFC 9110 names, as the error classes have, under every Python version.
    assert sorted(responses) == [
        "BadRequest",
        "ContentTooLarge",
        "InternalServerError",
        "MethodNotAllowed",
        "NotFound",
        "UnprocessableContent",
        "UnsupportedMediaType",
    ]
    assert responses["ContentTooLarge"]["description"].startswith("The body is larger")
    assert responses["MethodNotAllowed"]["headers"]["Allow"]["schema"] == {"type": "string"}
    assert set(responses["NotFound"]["content"]) == {"application/json", "text/html"}


def test_the_document_is_the_same_every_time(app: App) -> None:
    assert openapi_document(app) == openapi_document(App(app.site_dir))


@pytest.mark.parametrize(
    "errors",
    [
        "[409]",
        "{'GET': [409]}",
        "{'GET': {200: 'fine'}}",
        "{'GET': {True: 'yes'}}",
        "{'GET': {409: None}}",
        "{409: {'GET': 'x'}}",
    ],
)
def test_a_malformed_errors_setting_names_the_file(make_site: Any, errors: str) -> None:
    site = make_site(
        {"pages/thing.py": f"ERRORS = {errors}\ndef GET(req, res):\n    return {{}}\n"}
    )
    with pytest.raises(SiteError, match=r"thing\.py: ERRORS must map a method name"):
        openapi_document(App(site))
