"""The example blog (examples/blog) through the validating test client.

Each test runs twice: on its own SQLite file (``BLOG_DB`` in ``tmp_path``),
and on its own PostgreSQL database (``BLOG_DATABASE_URL``, on a server made
by ``initdb`` for the session). The site creates and seeds the database on
its first request; tests check the database directly (:func:`rows`) where
that says more than the API would. Tests about the SQLite file itself run
on SQLite only.
"""

from __future__ import annotations

import sqlite3
import threading
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lxml import etree
from sitemap_schemas import INDEX_SCHEMA, URLSET_SCHEMA
from werkzeug.test import EnvironBuilder

from microroutes import App
from microroutes.sitemap import parse_sitemap, site_urls
from microroutes.testing import Client, TestResponse

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
POST_ALLOW = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
POSTS_ALLOW = "GET, HEAD, POST, OPTIONS"
#: The patterns of the blog's types, as msgspec's messages quote them.
TITLE_PATTERN = r"^[^\r\n]*[^\s][^\r\n]*(?![\s\S])"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?![\s\S])"


@dataclass(frozen=True)
class PgDatabase:
    """A PostgreSQL database of the blog's, by URL."""

    url: str


#: The blog's database in a test: a SQLite file, or a PostgreSQL database.
Database = Path | PgDatabase
#: Run a test on SQLite only: ``@SQLITE_ONLY``.
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The blog's database for this test (created and seeded by the first request)."""
    monkeypatch.delenv("BLOG_BASE_URL", raising=False)
    monkeypatch.delenv("BLOG_SITEMAP_SIZE", raising=False)
    if request.param == "sqlite":
        path = tmp_path / "blog.sqlite3"
        monkeypatch.setenv("BLOG_DB", str(path))
        monkeypatch.delenv("BLOG_DATABASE_URL", raising=False)
        return path
    url: str = request.getfixturevalue("pg_url")
    monkeypatch.setenv("BLOG_DATABASE_URL", url)
    return PgDatabase(url)


@pytest.fixture
def app(db: Database) -> Iterator[App]:
    site = App(BLOG)
    yield site
    site.close()  # the shut-down hook closes a PostgreSQL pool


@pytest.fixture
def client(app: App) -> Client:
    return Client(app)


def rows(db: Database, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run a query (``?`` placeholders) on the blog's database, independently of the site."""
    if isinstance(db, PgDatabase):
        with psycopg.connect(db.url, autocommit=True) as pg:
            return pg.execute(sql.replace("?", "%s").encode(), args).fetchall()
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def slugs_in(db: Database) -> set[str]:
    return {slug for (slug,) in rows(db, "SELECT slug FROM posts")}


def error_of(response: TestResponse, status: int) -> dict[str, Any]:
    """The JSON error object of a response that must have ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.json["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def problems(response: TestResponse) -> list[tuple[list[str | int], str]]:
    """A 422's problems as ``(loc, msg)`` pairs, checking the error's shape on the way."""
    error = error_of(response, 422)
    return [(problem["loc"], problem["msg"]) for problem in error["detail"]]


def create(client: Client, **fields: Any) -> TestResponse:
    return client.post("/api/posts", json=fields)


def assert_schema_valid(body: bytes, schema: str) -> None:
    """Validate a sitemap (``sitemap.xsd``) or an index (``siteindex.xsd``) with lxml."""
    validator = {"sitemap.xsd": URLSET_SCHEMA, "siteindex.xsd": INDEX_SCHEMA}[schema]
    document = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    assert validator.validate(document), validator.error_log


def sitemap_locs(body: bytes) -> list[str]:
    """The locs of a urlset, checked against the schema on the way."""
    assert_schema_valid(body, "sitemap.xsd")
    root = ET.fromstring(body)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return [loc.text or "" for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]


# -- the database ------------------------------------------------------------


@SQLITE_ONLY
def test_first_request_creates_and_seeds_the_database_in_wal_mode(client: Client, db: Path) -> None:
    assert not db.exists()
    assert client.get("/api/posts").status_code == 200
    assert db.exists()
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    columns = [row[1] for row in rows(db, "PRAGMA table_info(posts)")]
    assert columns == ["id", "slug", "title", "body", "created", "updated"]
    assert len(slugs_in(db)) >= 3
    # A second App on the same file keeps the data instead of seeding again.
    assert create(client, title="Kept", body="text").status_code == 201
    count = rows(db, "SELECT count(*) FROM posts")[0][0]
    assert Client(App(BLOG)).get("/api/posts").json["total"] == count


def test_database_folder_is_created_when_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nested" / "deeper" / "blog.sqlite3"
    monkeypatch.setenv("BLOG_DB", str(path))
    monkeypatch.delenv("BLOG_DATABASE_URL", raising=False)
    assert Client(App(BLOG)).get("/api/posts").status_code == 200
    assert path.is_file()


@SQLITE_ONLY
def test_each_request_reads_blog_db_anew(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create(client, title="Only in the first", body="x").status_code == 201
    monkeypatch.setenv("BLOG_DB", str(tmp_path / "other.sqlite3"))
    assert client.get("/api/post/only-in-the-first").status_code == 404
    assert (tmp_path / "other.sqlite3").is_file()


# -- GET /api/posts ----------------------------------------------------------


def test_list_posts_newest_first_with_default_paging(client: Client, db: Database) -> None:
    response = client.get("/api/posts")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    page = response.json
    expected = [
        slug for (slug,) in rows(db, "SELECT slug FROM posts ORDER BY created DESC, id DESC")
    ]
    assert page["total"] == len(expected)
    assert (page["limit"], page["offset"]) == (10, 0)
    assert [post["slug"] for post in page["posts"]] == expected[:10]
    first = page["posts"][0]
    assert set(first) == {"id", "slug", "title", "body", "created", "updated", "url"}
    assert first["url"] == f"/posts/{first['slug']}"


def test_paging_through_next_links_visits_every_post_once(client: Client, db: Database) -> None:
    for number in range(7):
        assert create(client, title=f"Paging {number}", body="x").status_code == 201
    seen: list[str] = []
    url: str | None = "/api/posts?limit=3"
    while url is not None:
        page = client.get(url).json
        assert len(page["posts"]) <= 3
        seen += [post["slug"] for post in page["posts"]]
        url = page["next"]
    assert len(seen) == len(set(seen))
    assert set(seen) == slugs_in(db)


def test_offset_past_the_end_is_an_empty_page(client: Client) -> None:
    page = client.get("/api/posts?offset=1000").json
    assert page["posts"] == []
    assert page["next"] is None


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=1.5", "limit"),
        ("limit=%EF%BC%95", "limit"),  # a full-width digit five
        ("limit=1e3", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("offset=99999999999999999999999", "offset"),
    ],
)
def test_bad_paging_values_are_422_naming_the_parameter(
    client: Client, query: str, name: str
) -> None:
    (problem,) = problems(client.get(f"/api/posts?{query}"))
    loc, message = problem
    assert loc == ["query", name]
    assert message.startswith("Expected `int`")


# -- POST /api/posts ---------------------------------------------------------


def test_create_a_post(client: Client, db: Database) -> None:
    response = create(client, title="  My first post  ", body="Line one.\n\nLine two.")
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/post/my-first-post"
    post = response.json
    assert post["slug"] == "my-first-post"
    assert post["title"] == "My first post"
    assert post["body"] == "Line one.\n\nLine two."
    assert post["created"] == post["updated"]
    assert client.get("/api/post/my-first-post").json == post
    assert rows(db, "SELECT title FROM posts WHERE slug = 'my-first-post'") == [("My first post",)]
    listed = client.get("/api/posts?limit=100").json["posts"]
    assert post in listed


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Héllo, Wörld! 2", "hello-world-2"),
        ("Ça va -- très bien?", "ca-va-tres-bien"),
        ("x" * 300, "x" * 80),
    ],
)
def test_slug_is_made_from_the_title(client: Client, title: str, slug: str) -> None:
    response = create(client, title=title[:200], body="b")
    assert response.status_code == 201, response.json
    assert response.json["slug"] == slug


def test_explicit_slug_is_kept(client: Client) -> None:
    response = create(client, title="Anything", body="b", slug="chosen-1")
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/post/chosen-1"
    assert client.get("/api/post/chosen-1").json["title"] == "Anything"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {},
            [
                (["body", "title"], "Object missing required field `title`"),
                (["body", "body"], "Object missing required field `body`"),
            ],
        ),
        ({"title": "t"}, [(["body", "body"], "Object missing required field `body`")]),
        (
            {"title": 5, "body": ["x"]},
            [
                (["body", "title"], "Expected `str`, got `int`"),
                (["body", "body"], "Expected `str`, got `array`"),
            ],
        ),
        (
            {"title": "   ", "body": ""},
            [
                (["body", "title"], f"Expected `str` matching regex {TITLE_PATTERN!r}"),
                (["body", "body"], "Expected `str` of length >= 1"),
            ],
        ),
        (
            {"title": "two\nlines", "body": "b"},
            [(["body", "title"], f"Expected `str` matching regex {TITLE_PATTERN!r}")],
        ),
        (
            {"title": "t" * 201, "body": "b"},
            [(["body", "title"], "Expected `str` of length <= 200")],
        ),
        (
            {"title": "t", "body": " \n ", "slug": None},
            [
                (["body", "body"], "Expected `str` matching regex '[^\\\\s]'"),
                (["body", "slug"], "Expected `str`, got `null`"),
            ],
        ),
    ],
)
def test_invalid_fields_are_422_with_a_problem_per_field(
    client: Client, db: Database, body: dict[str, Any], detail: list[tuple[list[str], str]]
) -> None:
    client.get("/api/posts")  # create the database
    before = slugs_in(db)
    response = client.post("/api/posts", json=body)
    assert problems(response) == detail
    assert response.json["error"]["message"] == "invalid request body"
    assert slugs_in(db) == before


@pytest.mark.parametrize("slug", ["Upper", "two  spaces", "-lead", "trail-", "a--b", "", "x" * 81])
def test_malformed_slugs_are_422(client: Client, slug: str) -> None:
    ((loc, message),) = problems(create(client, title="t", body="b", slug=slug))
    assert loc == ["body", "slug"]
    if not slug:
        assert message == "Expected `str` of length >= 1"
    elif len(slug) > 80:
        assert message == "Expected `str` of length <= 80"
    else:
        assert message == f"Expected `str` matching regex {SLUG_PATTERN!r}"


@pytest.mark.parametrize("name", ["author", "id", "created"])
def test_unknown_and_server_set_fields_are_refused(client: Client, name: str) -> None:
    response = create(client, title="t", body="b", **{name: "x"})
    assert problems(response) == [(["body"], f"Object contains unknown field `{name}`")]


def test_a_title_with_no_letters_needs_an_explicit_slug(client: Client) -> None:
    response = create(client, title="日本語 !!", body="b")
    assert problems(response) == [(["body", "slug"], "cannot be made from this title; send a slug")]
    assert create(client, title="日本語 !!", body="b", slug="japanese").status_code == 201


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"[1, 2]", "array"), (b'"text"', "str"), (b"3", "int"), (b"null", "null"), (b"true", "bool")],
)
def test_a_body_that_is_not_an_object_is_422(client: Client, data: bytes, kind: str) -> None:
    response = client.post("/api/posts", data=data, content_type="application/json")
    assert problems(response) == [(["body"], f"Expected `object`, got `{kind}`")]


def test_an_empty_body_is_422(client: Client) -> None:
    response = client.post("/api/posts", data=b"", content_type="application/json")
    assert problems(response) == [(["body"], "a request body is required")]


def test_malformed_json_is_400(client: Client) -> None:
    response = client.post("/api/posts", data=b'{"title": ', content_type="application/json")
    assert "malformed JSON" in error_of(response, 400)["message"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'{"title": "x", "body": "y"}', "text/plain"),
        (b'{"title": "x", "body": "y"}', None),
    ],
)
def test_a_body_that_is_not_declared_json_or_a_form_is_415(
    client: Client, data: bytes, content_type: str | None
) -> None:
    response = client.post("/api/posts", data=data, content_type=content_type)
    assert "application/json" in error_of(response, 415)["message"]


def test_a_new_post_never_comes_as_a_form(client: Client) -> None:
    # A form post needs no CORS preflight: the API takes JSON only.
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        response = client.post(
            "/api/posts", data={"title": "From a form", "body": "Hello"}, content_type=content_type
        )
        assert response.status_code == 415
        assert response.json["error"]["message"] == (
            "the body must be sent as application/json, application/*+json"
        )


def test_a_duplicate_slug_is_409(client: Client, db: Database) -> None:
    assert create(client, title="Same", body="one").status_code == 201
    count = len(slugs_in(db))
    for attempt in (
        {"title": "Same", "body": "two"},
        {"title": "Else", "body": "b", "slug": "same"},
    ):
        error = error_of(client.post("/api/posts", json=attempt), 409)
        assert "'same'" in error["message"]
        assert error["detail"] == {"slug": "is taken by another post"}
    assert len(slugs_in(db)) == count


def test_a_body_over_the_route_limit_is_413(client: Client) -> None:
    response = create(client, title="Big", body="x" * (300 * 1024))
    assert error_of(response, 413)["message"]


# -- /api/post/<slug> ----------------------------------------------------------


def test_get_one_post_and_head(client: Client) -> None:
    slug = client.get("/api/posts").json["posts"][0]["slug"]
    response = client.get(f"/api/post/{slug}")
    assert response.status_code == 200
    assert response.json["slug"] == slug
    head = client.head(f"/api/post/{slug}")
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Length"] == response.headers["Content-Length"]


@pytest.mark.parametrize("path", ["/api/post/missing", "/api/post/%E2%9C%93", "/api/post/a%20b"])
def test_an_unknown_post_is_a_json_404(client: Client, path: str) -> None:
    assert error_of(client.get(path), 404)["message"] == "no such post"


def test_put_replaces_title_and_body_and_keeps_the_slug(client: Client, db: Database) -> None:
    client.get("/")  # seed
    (before,) = rows(db, "SELECT id, slug, created, updated FROM posts ORDER BY id LIMIT 1")
    post_id, slug, created, updated = before
    response = client.put(f"/api/post/{slug}", json={"title": "New title", "body": "New body"})
    assert response.status_code == 200
    post = response.json
    assert (post["id"], post["slug"], post["created"]) == (post_id, slug, created)
    assert (post["title"], post["body"]) == ("New title", "New body")
    assert post["updated"] > updated
    assert client.get(f"/api/post/{slug}").json == post


def test_put_needs_every_field(client: Client) -> None:
    response = client.put("/api/post/hello-world", json={"title": "Only"})
    assert problems(response) == [(["body", "body"], "Object missing required field `body`")]


def test_put_or_patch_on_a_missing_post_is_404(client: Client, db: Database) -> None:
    for method in ("PUT", "PATCH"):
        response = client.open("/api/post/nope", method=method, json={"title": "t", "body": "b"})
        assert error_of(response, 404)["message"] == "no such post"
    assert "nope" not in slugs_in(db)


def test_patch_changes_only_the_given_fields(client: Client) -> None:
    before = create(client, title="Patch me", body="old body").json
    response = client.patch("/api/post/patch-me", json={"body": "new body"})
    assert response.status_code == 200
    after = response.json
    assert after["body"] == "new body"
    assert {k: v for k, v in after.items() if k not in ("body", "updated")} == {
        k: v for k, v in before.items() if k not in ("body", "updated")
    }


def test_patch_can_rename_the_slug(client: Client) -> None:
    create(client, title="Old name", body="b")
    response = client.patch("/api/post/old-name", json={"slug": "new-name"})
    assert response.status_code == 200
    assert response.json["slug"] == "new-name"
    assert response.json["url"] == "/posts/new-name"
    assert response.headers["Content-Location"] == "/api/post/new-name"
    assert client.get("/api/post/old-name").status_code == 404
    assert client.get("/api/post/new-name").json["title"] == "Old name"


def test_renaming_to_a_taken_slug_is_409_and_changes_nothing(client: Client) -> None:
    create(client, title="First", body="1")
    create(client, title="Second", body="2")
    for method in ("PATCH", "PUT"):
        body = {"slug": "first", "title": "Changed", "body": "changed"}
        error = error_of(client.open("/api/post/second", method=method, json=body), 409)
        assert error["detail"] == {"slug": "is taken by another post"}
    assert client.get("/api/post/second").json["title"] == "Second"
    assert client.get("/api/post/first").json["title"] == "First"


def test_patch_with_nothing_to_change_is_422(client: Client) -> None:
    response = client.patch("/api/post/hello-world", json={})
    assert problems(response) == [(["body"], "send at least one of title, body and slug")]


def test_patch_validates_fields_and_media_type(client: Client) -> None:
    response = client.patch("/api/post/hello-world", json={"title": ""})
    assert problems(response) == [(["body", "title"], "Expected `str` of length >= 1")]
    response = client.patch("/api/post/hello-world", data="title=x")
    error_of(response, 415)


def test_delete_a_post(client: Client, db: Database) -> None:
    create(client, title="Short lived", body="b")
    response = client.delete("/api/post/short-lived")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "short-lived" not in slugs_in(db)
    assert client.get("/api/post/short-lived").status_code == 404
    assert error_of(client.delete("/api/post/short-lived"), 404)["message"] == "no such post"


# -- methods -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/api/post/hello-world", POST_ALLOW),
        ("TRACE", "/api/post/hello-world", POST_ALLOW),
        ("DELETE", "/api/posts", POSTS_ALLOW),
        ("PUT", "/api/posts", POSTS_ALLOW),
        ("POST", "/", "GET, HEAD, OPTIONS"),
        ("DELETE", "/posts/hello-world", "GET, HEAD, OPTIONS"),
        ("POST", "/sitemap.xml", "GET, HEAD, OPTIONS"),
    ],
)
def test_unsupported_methods_are_405_with_allow(
    client: Client, method: str, path: str, allow: str
) -> None:
    response = client.open(path, method=method)
    error_of(response, 405)
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize(
    ("path", "allow"), [("/api/post/hello-world", POST_ALLOW), ("/api/posts", POSTS_ALLOW)]
)
def test_options_lists_the_methods(client: Client, path: str, allow: str) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["Allow"] == allow


def test_trailing_slash_redirects_to_the_route(client: Client) -> None:
    response = client.get("/api/posts/?limit=2")
    assert response.status_code == 308
    assert response.headers["Location"] == "/api/posts?limit=2"


# -- HTML pages ----------------------------------------------------------------


def test_home_page_links_every_post_and_the_stylesheet(client: Client, db: Database) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<link rel="stylesheet" href="/style.css">' in html
    for slug, title in rows(db, "SELECT slug, title FROM posts"):
        assert f'<a href="/posts/{slug}">{title}</a>' in html
    css = client.get("/style.css")
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert b"body" in css.get_data()


def test_home_page_pages_through_older_posts(client: Client, db: Database) -> None:
    for number in range(25):
        create(client, title=f"Bulk {number}", body="b")
    first = client.get("/").get_data(as_text=True)
    assert 'href="/?page=2"' in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert 'href="/?page=1"' in second
    total = len(slugs_in(db))
    listed = first.count('<a href="/posts/') + second.count('<a href="/posts/')
    assert listed == total
    assert client.get("/?page=3").status_code == 404


@pytest.mark.parametrize("page", ["0", "x", "-1", "2.5", "99999999", ""])
def test_home_page_rejects_bad_page_numbers(client: Client, page: str) -> None:
    ((loc, message),) = problems(client.get(f"/?page={page}"))
    assert loc == ["query", "page"]
    assert message.startswith("Expected `int`")


def test_post_page_shows_the_post_with_every_text_escaped(client: Client) -> None:
    title = "<script>alert('t')</script> & co"
    body = 'First <b>para</b> "quoted"\n\nSecond para'
    create(client, title=title, body=body, slug="xss")
    page = client.get("/posts/xss")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b>para</b>" not in html
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; &amp; co" in html
    assert "<p>First &lt;b&gt;para&lt;/b&gt; &quot;quoted&quot;</p>" in html
    assert "<p>Second para</p>" in html
    home = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in home
    assert '<a href="/posts/xss">&lt;script&gt;' in home


def test_missing_post_page_is_404_as_html_for_browsers(client: Client) -> None:
    response = client.get("/posts/missing", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>No such post</h1>" in response.get_data(as_text=True)  # the blog's own page
    error_of(client.get("/posts/missing"), 404)


# -- sitemap and robots.txt ----------------------------------------------------


def test_sitemap_lists_the_home_page_and_every_post(client: Client, db: Database) -> None:
    create(client, title="In the sitemap", body="b")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert "Content-Length" not in response.headers  # streamed
    body = response.get_data()
    locs = sitemap_locs(body)
    expected = ["http://localhost/"] + [
        f"http://localhost/posts/{slug}"
        for (slug,) in rows(db, "SELECT slug FROM posts ORDER BY id")
    ]
    assert locs == expected
    root = ET.fromstring(body)
    lastmods = {
        url.findtext("sm:loc", namespaces=SITEMAP_NS): url.findtext(
            "sm:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("sm:url", SITEMAP_NS)
    }
    for slug, updated in rows(db, "SELECT slug, updated FROM posts"):
        assert lastmods[f"http://localhost/posts/{slug}"] == updated
    # The project's own reader gets the same entries back.
    parsed = list(parse_sitemap(body))
    assert [url.loc for url in parsed] == expected
    assert {(url.changefreq, url.priority) for url in parsed[1:]} == {("weekly", 0.7)}


def test_sitemap_uses_blog_base_url(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOG_BASE_URL", "https://blog.example.com/")
    locs = sitemap_locs(client.get("/sitemap.xml").get_data())
    assert locs[0] == "https://blog.example.com/"
    assert all(loc.startswith("https://blog.example.com/") for loc in locs)


def test_sitemap_host_comes_from_the_request(client: Client) -> None:
    response = client.get("/sitemap.xml", headers={"Host": "Blog.Example.org:8080"})
    assert sitemap_locs(response.get_data())[0] == "http://blog.example.org:8080/"


@pytest.mark.parametrize("host", ["bad host", "evil.example/path", "user@evil.example", "a:99999"])
def test_a_malformed_host_is_400_not_500(client: Client, host: str) -> None:
    for path in ("/sitemap.xml", "/robots.txt"):
        error = error_of(client.get(path, headers={"Host": host}), 400)
        assert "Host" in error["message"]


def test_big_sitemaps_become_an_index_of_parts(
    client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(6):
        create(client, title=f"Part post {number}", body="b")
    total = 1 + len(slugs_in(db))  # the home page and the posts
    monkeypatch.setenv("BLOG_SITEMAP_SIZE", "4")
    body = client.get("/sitemap.xml").get_data()
    assert_schema_valid(body, "siteindex.xsd")
    index = ET.fromstring(body)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert parts == [f"http://localhost/sitemaps/{n}.xml" for n in range(1, -(-total // 4) + 1)]
    locs: list[str] = []
    for part in parts:
        response = client.get(part.removeprefix("http://localhost"))
        assert response.status_code == 200
        found = sitemap_locs(response.get_data())
        assert 1 <= len(found) <= 4
        locs += found
    slugs = [slug for (slug,) in rows(db, "SELECT slug FROM posts ORDER BY id")]
    assert locs == ["http://localhost/"] + [f"http://localhost/posts/{slug}" for slug in slugs]
    assert error_of(client.get(f"/sitemaps/{len(parts) + 1}.xml"), 404)
    for bad in ("0.xml", "1", "one.xml", "01.xml"):
        error_of(client.get(f"/sitemaps/{bad}"), 404)


def test_site_urls_lists_the_home_page_then_a_streamed_entry_per_post(
    app: App, client: Client, db: Database
) -> None:
    create(client, title="Listed", body="b")
    entries = site_urls(app)
    assert isinstance(entries, Iterator)
    home = next(entries)
    assert home == {"loc": "/", "changefreq": "daily", "priority": 1.0}
    first_post = next(entries)
    assert set(first_post) == {"loc", "lastmod", "changefreq", "priority"}
    listed = [first_post, *entries]
    expected = rows(db, "SELECT slug, updated FROM posts ORDER BY id")
    assert [(e["loc"], e["lastmod"]) for e in listed] == [
        (f"/posts/{slug}", updated) for slug, updated in expected
    ]


def test_robots_txt_points_at_the_sitemap(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /api/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    monkeypatch.setenv("BLOG_BASE_URL", "https://blog.example.com")
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://blog.example.com/sitemap.xml" in text.splitlines()


# -- concurrency and memory ----------------------------------------------------


def test_concurrent_writers_all_succeed(app: App, db: Database) -> None:
    client = Client(app)
    client.get("/api/posts")  # create the database first
    results: list[int] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        own = Client(app)
        for number in range(5):
            status = own.post(
                "/api/posts", json={"title": f"Writer {worker} post {number}", "body": "b"}
            ).status_code
            with lock:
                results.append(status)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [201] * 40
    assert sum(slug.startswith("writer-") for slug in slugs_in(db)) == 40


def _stream_peak(app: App) -> tuple[int, int]:
    """Stream /sitemap.xml without keeping it; (bytes streamed, peak traced memory)."""
    environ = EnvironBuilder(path="/sitemap.xml").get_environ()
    tracemalloc.start()
    try:
        body = app(environ, lambda status, headers, exc_info=None: lambda data: None)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _add_posts(db: Database, count: int, start: int = 0) -> None:
    if isinstance(db, PgDatabase):
        rows(
            db,
            "INSERT INTO posts (slug, title, body, created, updated)"
            " SELECT 'bulk-' || n, 'Bulk ' || n, 'b', '2024-06-01T00:00:00+00:00', '2024-06-01'"
            " FROM generate_series(?::bigint, ?::bigint) AS n RETURNING 1",
            start,
            start + count - 1,
        )
        return
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO posts (slug, title, body, created, updated) VALUES (?, ?, ?, ?, ?)",
            (
                (f"bulk-{n}", f"Bulk {n}", "b", "2024-06-01T00:00:00+00:00", "2024-06-01")
                for n in range(start, start + count)
            ),
        )
    conn.close()


def test_sitemap_streams_in_flat_memory(app: App, client: Client, db: Database) -> None:
    client.get("/api/posts")  # create the database
    _add_posts(db, 500)
    _stream_peak(app)  # first-use allocations (imports, caches) are not what is measured
    _add_posts(db, 1_000, start=500)
    small_size, small_peak = _stream_peak(app)
    _add_posts(db, 3_500, start=1_500)
    big_size, big_peak = _stream_peak(app)
    assert big_size > 3 * small_size
    # Memory is bounded by the writer's read-ahead and chunk size, not the output size.
    assert big_peak < 1.25 * small_peak + 64 * 1024, (small_peak, big_peak)


@pytest.mark.slow
def test_a_million_posts_stream_as_an_index_of_parts(
    app: App, client: Client, db: Database
) -> None:
    client.get("/api/posts")
    _add_posts(db, 1_000_000)
    index = ET.fromstring(client.get("/sitemap.xml").get_data())
    parts = index.findall("sm:sitemap/sm:loc", SITEMAP_NS)
    total = 1 + len(slugs_in(db))
    assert len(parts) == -(-total // 50_000)
    last = client.get(f"/sitemaps/{len(parts)}.xml").get_data()
    assert len(sitemap_locs(last)) == total - 50_000 * (len(parts) - 1)


def test_browsers_get_the_blog_s_error_pages_in_its_layout(client: Client) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    post = client.get("/posts/not-there", headers=browser)
    assert (post.status_code, post.mimetype) == (404, "text/html")
    assert "<h1>No such post</h1>" in post.text
    assert '<link rel="stylesheet" href="/style.css">' in post.text
    assert "<code>/posts/not-there</code>" in post.text
    page = client.get("/no/such/<page>", headers=browser)
    assert page.status_code == 404
    assert "<h1>No such page</h1>" in page.text
    assert "&lt;page&gt;" in page.text
    assert "<page>" not in page.text
    bad = client.get("/?page=zero", headers=browser)
    assert bad.status_code == 422
    assert "<h1>Error 422</h1>" in bad.text
    assert f"<code>{bad.headers['X-Request-ID']}</code>" in bad.text
    # API clients keep the JSON errors.
    assert client.get("/posts/not-there").json["error"]["message"] == "no such post"
