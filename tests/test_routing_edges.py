"""Edges of the routing and method rules that a small slip in the code would break.

Each test here pins one rule: an empty segment never fills a ``[param]``, a
param keeps its spaces, ``()`` is not a group folder, and extension methods
are listed in ``Allow`` in sorted order after the standard ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ECHO_ROUTE, client_for, write_files

from microroutes import App, RouteConflictError, handles
from microroutes.methods import MethodTable, check_handler
from microroutes.routing import Router, scan_pages

ROUTES = {
    "pages/users/[id]/posts.py": ECHO_ROUTE,
    "pages/users/[id].py": ECHO_ROUTE,
    "pages/tags/[tag]/index.py": ECHO_ROUTE,
    "pages/()/inside.py": ECHO_ROUTE,
    "pages/(group)/grouped.py": ECHO_ROUTE,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("edges"), ROUTES)


@pytest.fixture(scope="module")
def router(site: Path) -> Router[str]:
    table: Router[str] = Router()
    for route in scan_pages(site / "pages"):
        table.add(route, route.file)
    return table


@pytest.mark.parametrize(
    "path", ["/users//posts", "/tags//", "/users/7//posts", "//posts", "/users/ /posts/"]
)
def test_an_empty_segment_never_matches_a_param(router: Router[str], path: str) -> None:
    assert router.match(path) is None


def test_an_empty_segment_over_http_is_a_404(site: Path) -> None:
    client = client_for(site)
    response = client.post("/users//posts")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


@pytest.mark.parametrize("value", [" 7 ", "\t", " ", "a b", "7\n"])
def test_a_param_keeps_its_whitespace(router: Router[str], value: str) -> None:
    assert router.match(f"/users/{value}/posts") == ("users/[id]/posts.py", {"id": value})
    assert router.match(f"/users/{value}") == ("users/[id].py", {"id": value})


def test_a_param_keeps_its_whitespace_over_http(site: Path) -> None:
    response = client_for(site).get("/users/%20seven%20/posts")
    assert response.json == {"file": "users/[id]/posts.py", "params": {"id": " seven "}}


def test_empty_parentheses_are_a_plain_folder_not_a_group(site: Path) -> None:
    app = App(site)
    patterns = {route.pattern for route, _ in app.router}
    assert "/()/inside" in patterns
    assert "/inside" not in patterns
    assert "/grouped" in patterns
    client = client_for(app)
    assert client.get("/()/inside").json["file"] == "()/inside.py"
    assert client.get("/inside").status_code == 404


EXTENSIONS = ("UNLINK", "PURGE", "MKCOL", "LINK", "LOCK", "BAN", "COPY", "MOVE", "REPORT")


def test_extension_methods_follow_the_standard_ones_sorted() -> None:
    @handles("POST", *EXTENSIONS, "GET")
    def handler(req: object, res: object) -> None:
        return None

    table = MethodTable.build({}, check_handler(handler, "m.py: handler"))
    assert table.allowed == ("GET", "HEAD", "POST", "OPTIONS", *sorted(EXTENSIONS))


def test_extension_methods_in_allow_over_http(make_site) -> None:
    listed = ", ".join(f'"{name}"' for name in EXTENSIONS)
    site = make_site(
        {
            "pages/dav.py": f"""\
                from microroutes import handles

                @handles("GET", {listed})
                def handler(req, res):
                    return req.method
            """
        }
    )
    response = client_for(site).delete("/dav")
    assert response.status_code == 405
    assert response.headers["Allow"] == ", ".join(("GET", "HEAD", "OPTIONS", *sorted(EXTENSIONS)))


@pytest.mark.parametrize("second", ["shop/[...path]/index.py", "(group)/shop/[...path].py"])
def test_one_catch_all_answered_by_two_files_is_a_conflict(make_site, second: str) -> None:
    site = make_site({"pages/shop/[...path].py": ECHO_ROUTE, f"pages/{second}": ECHO_ROUTE})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    assert sorted(caught.value.files) == sorted(["shop/[...path].py", second])
    assert "both answer /shop/[...path]" in str(caught.value)
