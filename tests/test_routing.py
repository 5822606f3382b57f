"""Routing conformance: which file answers which path, with which params."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from conftest import ECHO_ROUTE, client_for, environ_for, write_files, wsgi_call

from microroutes import App, RouteConflictError
from microroutes.routing import (
    Route,
    RouteKind,
    Router,
    Segment,
    SegmentKind,
    parse_segment,
    scan_pages,
)

ROUTE_FILES = [
    "index.py",
    "about.py",
    "sitemap.xml.py",
    "feed.rss.py",
    "a/b/c/d.py",
    "a/index.py",
    "docs/index.py",
    "docs/intro.py",
    "docs/[...slug].py",
    "blog/[id].py",
    "blog/new.py",
    "blog/[id]/comments.py",
    "users/[uid]/posts/[pid].py",
    "shop/[[...path]].py",
    "p2/[id]/abc.py",
    "p2/[...rest].py",
    "s/static/deep.py",
    "s/[id]/other.py",
    "y/[id].py",
    "y/[[...rest]].py",
    "(marketing)/pricing.py",
    "(marketing)/team/index.py",
    "(marketing)/(inner)/careers.py",
    "api/(v1)/things/[tid].py",
    # private: never routed
    "_private.py",
    "_lib/helper.py",
    ".hidden.py",
    ".hiddendir/x.py",
    "blog/_draft.py",
    "docs/_partial/[x].py",
]

ROUTING_TABLE = [
    # (request path, file that answers, params)
    ("/", "index.py", {}),
    ("/about", "about.py", {}),
    ("/sitemap.xml", "sitemap.xml.py", {}),
    ("/feed.rss", "feed.rss.py", {}),
    ("/a", "a/index.py", {}),
    ("/a/b/c/d", "a/b/c/d.py", {}),
    ("/docs", "docs/index.py", {}),
    ("/docs/intro", "docs/intro.py", {}),
    ("/docs/x", "docs/[...slug].py", {"slug": ["x"]}),
    ("/docs/intro/more", "docs/[...slug].py", {"slug": ["intro", "more"]}),
    ("/docs/a/b/c", "docs/[...slug].py", {"slug": ["a", "b", "c"]}),
    ("/blog/new", "blog/new.py", {}),
    ("/blog/42", "blog/[id].py", {"id": "42"}),
    ("/blog/new/comments", "blog/[id]/comments.py", {"id": "new"}),
    ("/blog/42/comments", "blog/[id]/comments.py", {"id": "42"}),
    ("/users/u1/posts/p9", "users/[uid]/posts/[pid].py", {"uid": "u1", "pid": "p9"}),
    ("/shop", "shop/[[...path]].py", {"path": []}),
    ("/shop/a", "shop/[[...path]].py", {"path": ["a"]}),
    ("/shop/a/b", "shop/[[...path]].py", {"path": ["a", "b"]}),
    # backtracking: [id] has no leaf for "x", so the catch-all answers
    ("/p2/5/abc", "p2/[id]/abc.py", {"id": "5"}),
    ("/p2/5/x", "p2/[...rest].py", {"rest": ["5", "x"]}),
    ("/p2/5", "p2/[...rest].py", {"rest": ["5"]}),
    ("/p2/5/abc/more", "p2/[...rest].py", {"rest": ["5", "abc", "more"]}),
    # backtracking from a static branch to a dynamic one
    ("/s/static/deep", "s/static/deep.py", {}),
    ("/s/static/other", "s/[id]/other.py", {"id": "static"}),
    # dynamic beats optional catch-all; the optional takes the rest
    ("/y", "y/[[...rest]].py", {"rest": []}),
    ("/y/1", "y/[id].py", {"id": "1"}),
    ("/y/1/2", "y/[[...rest]].py", {"rest": ["1", "2"]}),
    # (group) folders are left out of the URL
    ("/pricing", "(marketing)/pricing.py", {}),
    ("/team", "(marketing)/team/index.py", {}),
    ("/careers", "(marketing)/(inner)/careers.py", {}),
    ("/api/things/t1", "api/(v1)/things/[tid].py", {"tid": "t1"}),
    # percent-decoding happens once; UTF-8 is decoded
    ("/blog/100%25", "blog/[id].py", {"id": "100%"}),
    ("/blog/100%2525", "blog/[id].py", {"id": "100%25"}),
    ("/blog/caf%C3%A9", "blog/[id].py", {"id": "café"}),
    ("/blog/%E2%9C%93/comments", "blog/[id]/comments.py", {"id": "✓"}),
    ("/blog/a%20b", "blog/[id].py", {"id": "a b"}),
    ("/docs/caf%C3%A9/%F0%9F%98%80", "docs/[...slug].py", {"slug": ["café", "😀"]}),
]

NOT_ROUTED = [
    "/_private",
    "/_lib/helper",
    "/.hidden",
    "/.hiddendir/x",
    "/blog/_draft/x",  # falls to nothing: blog/[id] has no catch-all below it
    "/index",
    "/a/index",
    "/marketing/pricing",
    "/(marketing)/pricing",
    "/sitemap",
    "/sitemap.xml.py",
    "/about/extra",
    "/a/b",
    "/a/b/c",
    "/users/u1",
    "/users/u1/posts",
    "/api/v1/things/t1",
    # empty segments never match, not even a catch-all
    "/a//b",
    "/docs//x",
    "/docs/x//y",
    "/shop//a",
]


@pytest.fixture(scope="module")
def routed_app(tmp_path_factory: pytest.TempPathFactory) -> App:
    site = tmp_path_factory.mktemp("routing")
    write_files(site, {f"pages/{name}": ECHO_ROUTE for name in ROUTE_FILES})
    return App(site)


@pytest.mark.parametrize(("path", "file", "params"), ROUTING_TABLE)
def test_path_is_answered_by_file(routed_app: App, path: str, file: str, params: dict) -> None:
    response = client_for(routed_app).get(path)
    assert response.status_code == 200, response.data
    assert response.json == {"file": file, "params": params}


@pytest.mark.parametrize("path", NOT_ROUTED)
def test_path_is_not_routed(routed_app: App, path: str) -> None:
    response = client_for(routed_app).get(path)
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_private_files_are_not_in_the_route_table(routed_app: App) -> None:
    files = {route.file for route, _ in routed_app.router}
    public = {
        name
        for name in ROUTE_FILES
        if not any(part.startswith(("_", ".")) for part in name.split("/"))
    }
    assert len(public) == len(ROUTE_FILES) - 6
    assert files == public


def test_private_helper_is_importable_from_a_route(make_site) -> None:
    site = make_site(
        {
            "pages/_db.py": "POSTS = {'1': 'hello'}\n",
            "pages/api/post/[uid].py": """\
                from ..._db import POSTS

                def GET(req, res):
                    return {"title": POSTS[req.params["uid"]]}
            """,
        }
    )
    client = client_for(site)
    assert client.get("/api/post/1").json == {"title": "hello"}
    assert client.get("/_db").status_code == 404


def test_dotted_route_file_can_import_private_helpers(make_site) -> None:
    site = make_site(
        {
            "pages/_urls.py": "URLS = ['/a', '/b']\n",
            "pages/sitemap.xml.py": """\
                from ._urls import URLS

                def GET(req, res):
                    return res.set_header("Content-Type", "application/xml").send(" ".join(URLS))
            """,
            "pages/feeds/all.rss.py": """\
                from .._urls import URLS

                def GET(req, res):
                    return {"urls": URLS}
            """,
        }
    )
    client = client_for(site)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.data == b"/a /b"
    assert response.content_type == "application/xml"
    assert client.get("/feeds/all.rss").json == {"urls": ["/a", "/b"]}


@pytest.mark.parametrize(
    ("path", "params"),
    [("/", {"all": []}), ("/a", {"all": ["a"]}), ("/a/b/c", {"all": ["a", "b", "c"]})],
)
def test_root_optional_catch_all(make_site, path: str, params: dict) -> None:
    site = make_site({"pages/[[...all]].py": ECHO_ROUTE, "pages/fixed.py": ECHO_ROUTE})
    response = client_for(site).get(path)
    assert response.json == {"file": "[[...all]].py", "params": params}


def test_root_optional_catch_all_loses_to_static(make_site) -> None:
    site = make_site({"pages/[[...all]].py": ECHO_ROUTE, "pages/fixed.py": ECHO_ROUTE})
    assert client_for(site).get("/fixed").json == {"file": "fixed.py", "params": {}}


def test_root_dynamic_segment(make_site) -> None:
    site = make_site({"pages/[slug].py": ECHO_ROUTE, "pages/index.py": ECHO_ROUTE})
    client = client_for(site)
    assert client.get("/hello").json == {"file": "[slug].py", "params": {"slug": "hello"}}
    assert client.get("/").json == {"file": "index.py", "params": {}}
    assert client.get("/hello/there").status_code == 404


def test_precedence_static_dynamic_catch_all_at_one_level(make_site) -> None:
    site = make_site(
        {
            "pages/x/fixed.py": ECHO_ROUTE,
            "pages/x/[id].py": ECHO_ROUTE,
            "pages/x/[...rest].py": ECHO_ROUTE,
        }
    )
    client = client_for(site)
    assert client.get("/x/fixed").json["file"] == "x/fixed.py"
    assert client.get("/x/other").json["file"] == "x/[id].py"
    assert client.get("/x/fixed/more").json == {
        "file": "x/[...rest].py",
        "params": {"rest": ["fixed", "more"]},
    }
    assert client.get("/x").status_code == 404


# --- malformed paths ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "path_info"),
    [
        ("/blog/%FF", "/blog/\xff"),
        ("/blog/caf%E9", "/blog/caf\xe9"),
        ("/blog/%C3%28", "/blog/\xc3("),
        ("/%80", "/\x80"),
    ],
)
def test_invalid_utf8_is_400(routed_app: App, raw: str, path_info: str) -> None:
    # werkzeug's client replaces invalid UTF-8 itself, so build the environ
    # the way a server does: percent-decoded bytes as latin-1 characters.
    environ = environ_for("/")
    environ["PATH_INFO"] = path_info
    environ["REQUEST_URI"] = environ["RAW_URI"] = raw
    status, headers, body = wsgi_call(routed_app, environ)
    assert status.startswith("400 ")
    assert headers["Content-Type"] == "application/json"
    assert b"UTF-8" in body


def test_malformed_percent_encoding_in_raw_uri_is_400(routed_app: App) -> None:
    environ = environ_for("/blog/x")
    environ["PATH_INFO"] = "/blog/%zz"
    environ["REQUEST_URI"] = environ["RAW_URI"] = "/blog/%zz"
    status, headers, body = wsgi_call(routed_app, environ)
    assert b"percent" in body
    assert status.startswith("400 ")
    assert headers["Content-Type"] == "application/json"


def test_nul_in_path_is_400(routed_app: App) -> None:
    assert client_for(routed_app).get("/blog/a%00b").status_code == 400


def test_latin1_path_info_from_server_is_redecoded(routed_app: App) -> None:
    environ = environ_for("/blog/x")
    environ["PATH_INFO"] = "/blog/caf\u00c3\u00a9"  # UTF-8 bytes of "café" as latin-1
    status, _, body = wsgi_call(routed_app, environ)
    assert status.startswith("200 ")
    assert b'"id":"caf\xc3\xa9"' in body


# --- trailing slash -------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_trailing_slash_redirects_with_308(routed_app: App, method: str) -> None:
    response = client_for(routed_app).open("/about/", method=method)
    assert response.status_code == 308
    assert response.headers["Location"] == "/about"


def test_trailing_slash_redirect_keeps_the_query(routed_app: App) -> None:
    response = client_for(routed_app).get("/blog/42/?a=1&b=%20x")
    assert response.status_code == 308
    assert response.headers["Location"] == "/blog/42?a=1&b=%20x"


def test_trailing_slash_redirect_keeps_percent_encoding(routed_app: App) -> None:
    response = client_for(routed_app).get("/blog/100%25/")
    assert response.headers["Location"] == "/blog/100%25"
    response = client_for(routed_app).get("/blog/caf%C3%A9/")
    assert response.headers["Location"] == "/blog/caf%C3%A9"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_trailing_slash_is_served_directly_for_other_methods(routed_app: App, method) -> None:
    response = client_for(routed_app).open("/blog/42/", method=method)
    assert response.status_code == 200
    assert response.json == {"file": "blog/[id].py", "params": {"id": "42"}}


def test_trailing_slash_redirect_keeps_script_name(routed_app: App) -> None:
    environ = environ_for("/about/?x=1")
    environ["SCRIPT_NAME"] = "/mount"
    status, headers, _ = wsgi_call(routed_app, environ)
    assert status.startswith("308 ")
    assert headers["Location"] == "/mount/about?x=1"


def test_empty_path_info_is_the_root(routed_app: App) -> None:
    environ = environ_for("/")
    environ["PATH_INFO"] = ""
    status, _, body = wsgi_call(routed_app, environ)
    assert status.startswith("200 ")
    assert b'"file":"index.py"' in body


def test_root_is_not_redirected(routed_app: App) -> None:
    assert client_for(routed_app).get("/").status_code == 200


@pytest.mark.parametrize(
    "path_info", ["//evil.example/", "//evil.example", "///evil.example//", "//evil.example/x/"]
)
def test_slash_redirect_is_never_protocol_relative(routed_app: App, path_info: str) -> None:
    environ = environ_for("/")
    environ["PATH_INFO"] = path_info
    environ["REQUEST_URI"] = environ["RAW_URI"] = path_info
    status, headers, _ = wsgi_call(routed_app, environ)
    location = headers.get("Location")
    if location is not None:
        assert status.startswith("308 ")
        assert not location.startswith("//")
        assert location.startswith("/")
        assert "\\" not in location
    else:
        assert status.startswith("404 ")


def test_backslash_slash_redirect_is_not_protocol_relative(routed_app: App) -> None:
    environ = environ_for("/")
    environ["PATH_INFO"] = "/\\evil.example/"
    status, headers, _ = wsgi_call(routed_app, environ)
    assert status.startswith("308 ")
    assert headers["Location"] == "/%5Cevil.example"


# --- scale ----------------------------------------------------------------


def test_thousands_of_routes_match_correctly(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for section in range(40):
        for item in range(30):
            files[f"pages/s{section}/item{item}.py"] = ECHO_ROUTE
        files[f"pages/s{section}/[id]/detail.py"] = ECHO_ROUTE
        files[f"pages/s{section}/[id]/[...rest].py"] = ECHO_ROUTE
    app = App(write_files(tmp_path / "big", files))
    assert len(app.router) == 40 * 32
    client = client_for(app)
    checks = [
        ("/s0/item0", "s0/item0.py", {}),
        ("/s39/item29", "s39/item29.py", {}),
        ("/s31/item17", "s31/item17.py", {}),
        ("/s31/item17/detail", "s31/[id]/detail.py", {"id": "item17"}),
        ("/s7/zzz/a/b", "s7/[id]/[...rest].py", {"id": "zzz", "rest": ["a", "b"]}),
    ]
    for path, file, params in checks:
        assert client.get(path).json == {"file": file, "params": params}, path
    for missing in ("/s40/item0", "/s0", "/s0/x", "/item0"):
        assert client.get(missing).status_code == 404, missing


def test_router_with_many_synthetic_routes() -> None:
    router: Router[str] = Router()
    for i in range(3000):
        segments = (
            Segment(SegmentKind.STATIC, f"n{i % 50}"),
            Segment(SegmentKind.STATIC, f"leaf{i}"),
        )
        router.add(Route(segments, f"n{i % 50}/leaf{i}.py", Path("unused")), f"static{i}")
    for group in range(50):
        segments = (Segment(SegmentKind.STATIC, f"n{group}"), Segment(SegmentKind.DYNAMIC, "x"))
        router.add(Route(segments, f"n{group}/[x].py", Path("unused")), f"dynamic{group}")
    assert len(router) == 3050
    for i in range(0, 3000, 7):
        assert router.match(f"/n{i % 50}/leaf{i}") == (f"static{i}", {})
    assert router.match("/n3/leaf4") == ("dynamic3", {"x": "leaf4"})
    assert router.match("/n50/leaf50") is None


# --- the Router API -------------------------------------------------------


def test_router_matches_scanned_routes(make_site) -> None:
    site = make_site(
        {
            f"pages/{name}": "def GET(req, res): pass\n"
            for name in ["index.py", "a.py", "b/[id].py", "c/[...all].py", "d/[[...o]].py"]
        }
    )
    router: Router[str] = Router()
    routes = scan_pages(site / "pages")
    for route in routes:
        router.add(route, route.file)
    assert len(router) == 5
    assert router.match("/") == ("index.py", {})
    assert router.match("/a") == ("a.py", {})
    assert router.match("/b/7") == ("b/[id].py", {"id": "7"})
    assert router.match("/c/1/2") == ("c/[...all].py", {"all": ["1", "2"]})
    assert router.match("/d") == ("d/[[...o]].py", {"o": []})
    assert router.match("/c") is None
    assert router.match("/zzz") is None
    assert [route.pattern for route, _ in router] == sorted(
        ["/", "/a", "/b/[id]", "/c/[...all]", "/d/[[...o]]"]
    )
    assert [target for _, target in router] == [route.file for route, _ in router]


def test_scanned_route_attributes(make_site) -> None:
    site = make_site({"pages/(g)/api/[id]/[...rest].py": "def GET(req, res): pass\n"})
    (route,) = scan_pages(site / "pages")
    assert route.file == "(g)/api/[id]/[...rest].py"
    assert route.pattern == "/api/[id]/[...rest]"
    assert route.kind is RouteKind.CATCH_ALL
    assert route.params == ("id", "rest")
    assert route.path == site / "pages" / "(g)" / "api" / "[id]" / "[...rest].py"
    assert [s.kind for s in route.segments] == [
        SegmentKind.STATIC,
        SegmentKind.DYNAMIC,
        SegmentKind.CATCH_ALL,
    ]


def test_scan_ignores_non_python_files(make_site) -> None:
    site = make_site({"pages/a.py": "", "pages/notes.txt": "x", "pages/data.json": "{}"})
    assert [r.file for r in scan_pages(site / "pages")] == ["a.py"]


@pytest.mark.parametrize(
    ("name", "kind", "value"),
    [
        ("about", SegmentKind.STATIC, "about"),
        ("sitemap.xml", SegmentKind.STATIC, "sitemap.xml"),
        ("[id]", SegmentKind.DYNAMIC, "id"),
        ("[post-id_2]", SegmentKind.DYNAMIC, "post-id_2"),
        ("[...slug]", SegmentKind.CATCH_ALL, "slug"),
        ("[[...slug]]", SegmentKind.OPTIONAL_CATCH_ALL, "slug"),
    ],
)
def test_parse_segment(name: str, kind: SegmentKind, value: str) -> None:
    segment = parse_segment(name, "file.py")
    assert segment == Segment(kind, value)
    assert str(segment) == name


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        (["index.py"], "static"),
        (["a/b.py"], "static"),
        (["a/[b].py"], "dynamic"),
        (["[a]/b.py"], "dynamic"),
        (["a/[...b].py"], "catch-all"),
        (["a/[[...b]].py"], "optional catch-all"),
    ],
)
def test_route_kind(make_site, files: list[str], kind: str) -> None:
    site = make_site({f"pages/{f}": "" for f in files})
    (route,) = scan_pages(site / "pages")
    assert route.kind is RouteKind(kind)
    assert str(route.kind) == kind


def test_router_add_raises_on_duplicate_pattern() -> None:
    router: Router[int] = Router()
    segments = (Segment(SegmentKind.STATIC, "a"),)
    router.add(Route(segments, "a.py", Path("a.py")), 1)
    with pytest.raises(RouteConflictError) as caught:
        router.add(Route(segments, "a/index.py", Path("a/index.py")), 2)
    assert set(caught.value.files) == {"a.py", "a/index.py"}
    assert router.match("/a") == (1, {})


def test_the_public_route_table(make_site) -> None:
    site = make_site(
        {
            "pages/index.py": "def GET(req, res):\n    return {}\n",
            "pages/_middleware.py": (
                "def middleware(req, res, call_next):\n    return call_next()\n"
            ),
            "pages/api/post/[uid].py": (
                "MAX_BODY_SIZE = 10\n"
                "def GET(req, res):\n    return {}\n"
                "def DELETE(req, res):\n    return None\n"
            ),
            "pages/docs/[[...slug]].py": (
                "from microroutes import handles\n"
                "@handles('GET', 'POST')\n"
                "def handler(req, res):\n    return {}\n"
            ),
        }
    )
    app = App(site)
    table = {route.pattern: route for route in app.routes()}
    assert list(table) == ["/", "/api/post/[uid]", "/docs/[[...slug]]"]
    post = table["/api/post/[uid]"]
    assert post.kind is RouteKind.DYNAMIC
    assert post.file == "api/post/[uid].py"
    assert post.params == ("uid",)
    assert post.methods == ("GET", "HEAD", "DELETE", "OPTIONS")
    assert post.middleware == ("_middleware.py",)
    assert post.max_body_size == 10
    assert list(post.handlers) == ["GET", "DELETE"]
    assert post.handlers["GET"] is post.module.GET
    docs = table["/docs/[[...slug]]"]
    assert docs.kind is RouteKind.OPTIONAL_CATCH_ALL
    assert list(docs.handlers) == ["GET", "POST"]
    assert set(docs.handlers.values()) == {docs.module.handler}
    assert table["/"].kind is RouteKind.STATIC
    assert table["/"].max_body_size == 1 << 20


def _router_of(files: list[str]) -> Router[str]:
    """A router over route files named like ``a/[x]/c.py`` (the target is the file)."""
    router: Router[str] = Router()
    for file in files:
        segments = []
        for name in file.removesuffix(".py").split("/"):
            if name.startswith("[[..."):
                segments.append(Segment(SegmentKind.OPTIONAL_CATCH_ALL, name[5:-2]))
            elif name.startswith("[..."):
                segments.append(Segment(SegmentKind.CATCH_ALL, name[4:-1]))
            elif name.startswith("["):
                segments.append(Segment(SegmentKind.DYNAMIC, name[1:-1]))
            else:
                segments.append(Segment(SegmentKind.STATIC, name))
        router.add(Route(tuple(segments), file, Path("unused")), file)
    return router


_BACKTRACKING_FILES = [
    "a/b/c.py",
    "a/[x]/d.py",
    "a/[x]/[y].py",
    "a/b/[...rest].py",
    "g/h/i.py",
    "g/[x]/j.py",
    "[p]/h/k.py",
    "[p]/[q]/[[...tail]].py",
    "f/[...all].py",
    "f/g.py",
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b/c", ("a/b/c.py", {})),
        # below the static b, its catch-all is tried before backing up to a/[x]
        ("/a/b/d", ("a/b/[...rest].py", {"rest": ["d"]})),
        ("/a/c/d", ("a/[x]/d.py", {"x": "c"})),
        ("/a/c/z", ("a/[x]/[y].py", {"x": "c", "y": "z"})),
        # the static h has no j: back up one level and take g/[x]
        ("/g/h/j", ("g/[x]/j.py", {"x": "h"})),
        # neither g/h nor g/[x] has k: back up to the root's [p]
        ("/g/h/k", ("[p]/h/k.py", {"p": "g"})),
        ("/q/r", ("[p]/[q]/[[...tail]].py", {"p": "q", "q": "r", "tail": []})),
        ("/f/g", ("f/g.py", {})),
        ("/f/h/i", ("f/[...all].py", {"all": ["h", "i"]})),
        ("/a//c", None),
        ("/a/b/", None),
    ],
)
def test_match_backs_up_from_a_dead_end(path: str, expected: object) -> None:
    assert _router_of(_BACKTRACKING_FILES).match(path) == expected


def _reference_match(node: Any, parts: list[str], index: int, params: dict[str, Any]) -> Any:
    """The routing rules as a plain recursive search: most specific first, backing up."""
    if index == len(parts):
        if node.leaf is not None:
            return node.leaf
        if node.optional is not None:
            params[node.optional.name] = []
            return node.optional.leaf
        return None
    part = parts[index]
    if not part:
        return None
    child = node.static.get(part)
    if child is not None:
        found = _reference_match(child, parts, index + 1, params)
        if found is not None:
            return found
    if node.dynamic is not None:
        found = _reference_match(node.dynamic.node, parts, index + 1, params)
        if found is not None:
            params[node.dynamic.name] = part
            return found
    slot = node.catch_all or node.optional
    if slot is None or "" in parts[index:]:
        return None
    params[slot.name] = parts[index:]
    return slot.leaf


def test_match_agrees_with_the_full_depth_first_search() -> None:
    """Every path over a small alphabet matches as the backtracking search says."""
    router = _router_of(_BACKTRACKING_FILES)
    names = ["a", "b", "c", "d", "f", "g", "h", "j", "k", ""]
    paths = ["/" + "/".join(p) for n in range(1, 5) for p in itertools.product(names, repeat=n)]
    assert len(paths) > 7000
    matched = 0
    for path in paths:
        params: dict[str, str | list[str]] = {}
        found = _reference_match(router._root, path[1:].split("/"), 0, params)
        expected = None if found is None else (found.target, params)
        assert router.match(path) == expected, path
        matched += expected is not None
    assert matched > 1000
