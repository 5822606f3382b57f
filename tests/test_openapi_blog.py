"""The example blog's OpenAPI document: valid, complete, and true to what the blog answers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from microroutes import App, openapi_document
from microroutes.testing import Client, TestResponse

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"
TITLE = "The microroutes blog"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    monkeypatch.setenv("BLOG_DB", str(tmp_path / "blog.sqlite3"))
    monkeypatch.delenv("BLOG_BASE_URL", raising=False)
    monkeypatch.delenv("BLOG_SITEMAP_SIZE", raising=False)
    return App(BLOG)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The blog's document, built and validated once (building it reads no database)."""
    found = openapi_document(App(BLOG))
    validate(found)
    return found


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def statuses(document: dict[str, Any], path: str, method: str) -> list[str]:
    return sorted(document["paths"][path][method]["responses"])


def test_the_blog_serves_its_own_document(app: App, document: dict[str, Any]) -> None:
    served = Client(app).get("/api/openapi.json")
    assert served.status_code == 200
    assert served.mimetype == "application/json"
    assert served.json == document


def test_every_route_and_method_is_in_the_document(document: dict[str, Any]) -> None:
    operations = {
        path: sorted(key for key in item if key not in ("summary", "description"))
        for path, item in document["paths"].items()
    }
    assert operations == {
        "/api/openapi.json": ["get"],
        "/api/post/{uid}": ["delete", "get", "patch", "put"],
        "/api/posts": ["get", "post"],
    }


def test_the_api_types_are_shared_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {"NewPost", "PostPatch", "Post", "PostPage", "Paging"} <= set(schemas)
    new_post = schemas["NewPost"]
    assert new_post["required"] == ["title", "body"]
    assert new_post["additionalProperties"] is False
    assert new_post["properties"]["slug"]["maxLength"] == 80
    assert new_post["properties"]["title"]["maxLength"] == 200
    assert schemas["PostPatch"]["required"] == []
    assert schemas["PostPage"]["properties"]["posts"] == {"type": "array", "items": ref("Post")}
    assert set(schemas["Post"]["required"]) == {
        "id", "slug", "title", "body", "created", "updated", "url"
    }  # fmt: skip


def test_the_posts_operations(document: dict[str, Any]) -> None:
    posts = document["paths"]["/api/posts"]
    limit, offset = posts["get"]["parameters"]
    assert (limit["name"], limit["in"], limit["required"]) == ("limit", "query", False)
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    assert offset["name"] == "offset"
    assert posts["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": ref("PostPage")}
    }
    assert statuses(document, "/api/posts", "get") == ["200", "400", "422", "500"]
    post = posts["post"]
    assert post["requestBody"]["content"]["application/json"] == {"schema": ref("NewPost")}
    assert post["responses"]["201"]["content"] == {"application/json": {"schema": ref("Post")}}
    assert statuses(document, "/api/posts", "post") == [
        "201", "400", "409", "413", "415", "422", "500"
    ]  # fmt: skip
    assert "262144 bytes" in post["responses"]["413"]["description"]


def test_the_post_operations(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/post/{uid}"]
    assert statuses(document, "/api/post/{uid}", "get") == ["200", "400", "404", "500"]
    assert statuses(document, "/api/post/{uid}", "delete") == ["204", "400", "404", "500"]
    for method in ("put", "patch"):
        assert statuses(document, "/api/post/{uid}", method) == [
            "200", "400", "404", "409", "413", "415", "422", "500"
        ]  # fmt: skip
    assert post["put"]["requestBody"]["content"]["application/json"] == {"schema": ref("NewPost")}
    assert post["patch"]["requestBody"]["content"]["application/json"] == {
        "schema": {**ref("PostPatch"), "minProperties": 1}
    }
    assert (
        "Other methods get 405 with `Allow: GET, HEAD, PUT, PATCH, DELETE, OPTIONS`."
        in (post["description"])
    )


def test_the_title_and_version_come_from_app_py(document: dict[str, Any]) -> None:
    assert document["info"] == {"title": TITLE, "version": "1.0.0"}


def test_the_pages_and_sitemaps_are_left_out(app: App, document: dict[str, Any]) -> None:
    """The HTML pages, robots.txt and the sitemaps say ``OPENAPI = False``: only the API is in."""
    left_out = {"/", "/posts/[slug]", "/robots.txt", "/sitemap.xml", "/sitemaps/[part]"}
    routes = {route.pattern for route in app.routes()}
    assert left_out <= routes
    assert set(document["paths"]) == {"/api/openapi.json", "/api/post/{uid}", "/api/posts"}
    assert "HomeQuery" not in document["components"]["schemas"]


# -- what the blog answers is what its document says --------------------------

REQUESTS: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("/api/posts", "get", "/api/posts?limit=2", {}, 200),
    ("/api/posts", "get", "/api/posts?limit=0", {}, 422),
    ("/api/posts", "post", "/api/posts", {"json": {"title": "Doc", "body": "b"}}, 201),
    ("/api/posts", "post", "/api/posts", {"json": {"title": "Hello, world", "body": "b"}}, 409),
    ("/api/posts", "post", "/api/posts", {"json": {"title": "!!", "body": "b"}}, 422),
    ("/api/posts", "post", "/api/posts", {"json": {"title": 3}}, 422),
    ("/api/posts", "post", "/api/posts", {"data": b"{", "content_type": "application/json"}, 400),
    ("/api/posts", "post", "/api/posts", {"data": b"x", "content_type": "text/plain"}, 415),
    ("/api/posts", "post", "/api/posts", {"json": {"title": "t", "body": "x" * 300_000}}, 413),
    ("/api/post/{uid}", "get", "/api/post/hello-world", {}, 200),
    ("/api/post/{uid}", "get", "/api/post/missing", {}, 404),
    ("/api/post/{uid}", "patch", "/api/post/hello-world", {"json": {}}, 422),
    ("/api/post/{uid}", "patch", "/api/post/hello-world", {"json": {"slug": "serving-it"}}, 409),
    ("/api/post/{uid}", "patch", "/api/post/hello-world", {"json": {"body": "new"}}, 200),
    ("/api/post/{uid}", "put", "/api/post/missing", {"json": {"title": "t", "body": "b"}}, 404),
    ("/api/post/{uid}", "delete", "/api/post/serving-it", {}, 204),
    ("/api/openapi.json", "get", "/api/openapi.json", {}, 200),
]


def _declared(document: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = document["paths"][path][method]["responses"]
    found = responses.get(str(status), responses.get("default"))
    assert found is not None, f"{method.upper()} {path}: {status} is not in the document"
    if "$ref" in found:
        found = document["components"]["responses"][found["$ref"].rsplit("/", 1)[-1]]
    response: dict[str, Any] = found
    return response


def _check_body(document: dict[str, Any], declared: dict[str, Any], answer: TestResponse) -> None:
    content = declared.get("content")
    if content is None:
        assert answer.get_data() == b""
        return
    kind = answer.mimetype.partition("/")[0]
    matching = [m for m in content if m in (answer.mimetype, f"{kind}/*", "*/*")]
    assert matching, f"{answer.mimetype} is not one of {sorted(content)}"
    schema = content[matching[0]].get("schema", {})
    if answer.mimetype == "application/json":
        validator = Draft202012Validator({**schema, "components": document["components"]})
        validator.validate(answer.json)


@pytest.mark.parametrize(("path", "method", "url", "options", "status"), REQUESTS)
def test_each_answer_is_declared_with_its_media_type_and_shape(
    app: App,
    document: dict[str, Any],
    path: str,
    method: str,
    url: str,
    options: dict[str, Any],
    status: int,
) -> None:
    answer = Client(app).open(url, method=method.upper(), **options)
    assert answer.status_code == status, answer.get_data(as_text=True)
    declared = _declared(document, path, method, answer.status_code)
    _check_body(document, declared, answer)


def test_the_document_is_built_once_per_app(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    routes = app.routes

    def counting_routes() -> Any:
        built.append(1)
        return routes()

    monkeypatch.setattr(app, "routes", counting_routes)
    client = Client(app)
    first = client.get("/api/openapi.json").get_data()
    assert client.get("/api/openapi.json").get_data() == first
    assert built == [1]


def test_a_reload_rebuilds_the_served_document(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(BLOG / "pages", site / "pages")
    app = App(site, reload=True)
    client = Client(app)
    assert "/extra" not in client.get("/api/openapi.json").json["paths"]
    (site / "pages" / "extra.py").write_text("def GET(req, res) -> str:\n    return 'x'\n")
    assert "/extra" in client.get("/api/openapi.json").json["paths"]
