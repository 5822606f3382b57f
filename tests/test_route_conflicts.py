"""Route files that break the rules fail at ``App(...)`` time, naming the files."""

from __future__ import annotations

import pytest

from microroutes import App, RouteConflictError, RouteError, SiteError
from microroutes.routing import Router, scan_pages

ROUTE = "def GET(req, res):\n    return {}\n"

CONFLICTS = [
    pytest.param(["a.py", "a/index.py"], id="file-and-folder-index"),
    pytest.param(["index.py", "(g)/index.py"], id="root-index-and-group-index"),
    pytest.param(["(g1)/x.py", "(g2)/x.py"], id="same-path-in-two-groups"),
    pytest.param(["api/(g1)/x/[id].py", "api/(g2)/x/[id].py"], id="nested-groups"),
    pytest.param(["x.py", "(g)/x/index.py"], id="file-and-group-folder-index"),
    pytest.param(["[id].py", "[id]/index.py"], id="dynamic-file-and-folder-index"),
    pytest.param(["[id].py", "[slug]/x.py"], id="different-slug-names"),
    pytest.param(["a/[x]/b.py", "a/[y]/c.py"], id="different-slug-names-nested"),
    pytest.param(["[...a].py", "[...b].py"], id="different-catch-all-names"),
    pytest.param(["sub.py", "sub/[[...all]].py"], id="route-beside-optional"),
    pytest.param(["sub/index.py", "sub/[[...all]].py"], id="index-beside-optional"),
    pytest.param(["index.py", "[[...all]].py"], id="root-index-beside-optional"),
    pytest.param(["[id].py", "[id]/[[...all]].py"], id="dynamic-beside-optional"),
    pytest.param(["[...a].py", "[[...b]].py"], id="required-and-optional-catch-all"),
    pytest.param(["x/[...a].py", "x/[[...a]].py"], id="required-and-optional-same-name"),
    pytest.param(["(a)/[[...slug]].py", "(b)/[[...slug]].py"], id="optional-in-two-groups"),
    pytest.param(["(a)/[[...slug]].py", "(b)/[[...rest]].py"], id="optional-names-in-two-groups"),
    pytest.param(["(a)/d/[[...s]].py", "(b)/d/[[...s]]/index.py"], id="optional-file-and-folder"),
    pytest.param(["(a)/[...slug].py", "(b)/[...slug].py"], id="catch-all-in-two-groups"),
    pytest.param(["(a)/(c)/[...s].py", "[...s].py"], id="catch-all-nested-group-and-root"),
    pytest.param(["(a)/[x].py", "(b)/[x].py"], id="dynamic-in-two-groups"),
    pytest.param(["(a)/[x]/index.py", "(b)/[x].py"], id="dynamic-folder-and-file-in-groups"),
    pytest.param(["(a)/index.py", "(b)/index.py"], id="index-in-two-groups"),
    pytest.param(["(a)/index.py", "(b)/[[...all]].py"], id="group-index-beside-optional"),
    pytest.param(["(a)/[...a].py", "(b)/[[...a]].py"], id="required-and-optional-in-groups"),
]


@pytest.mark.parametrize("files", CONFLICTS)
def test_conflict_names_both_files(make_site, files: list[str]) -> None:
    site = make_site({f"pages/{name}": ROUTE for name in files})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    message = str(caught.value)
    for name in files:
        assert name in message
    assert set(caught.value.files) == set(files)
    assert str(site) not in message  # paths are relative to pages/


@pytest.mark.parametrize("files", CONFLICTS)
def test_conflict_is_found_in_either_order(make_site, files: list[str]) -> None:
    site = make_site({f"pages/{name}": ROUTE for name in files})
    routes = scan_pages(site / "pages")
    assert len(routes) == 2
    for first, second in (routes, routes[::-1]):
        router: Router[None] = Router()
        router.add(first, None)
        with pytest.raises(RouteConflictError) as caught:
            router.add(second, None)
        assert set(caught.value.files) == set(files)


def test_conflict_error_is_a_route_and_site_error() -> None:
    assert issubclass(RouteConflictError, RouteError)
    assert issubclass(RouteError, SiteError)


@pytest.mark.parametrize(
    ("file", "fragment"),
    [
        ("[id]/[id].py", "id"),
        ("[a]/b/[a]/c.py", "a"),
        ("[x]/[...x].py", "x"),
    ],
)
def test_repeated_slug_in_one_path(make_site, file: str, fragment: str) -> None:
    site = make_site({f"pages/{file}": ROUTE})
    with pytest.raises(RouteConflictError, match="used twice") as caught:
        App(site)
    assert file in str(caught.value)
    assert caught.value.files == (file,)
    assert repr(fragment) in str(caught.value)


@pytest.mark.parametrize("file", ["[...a]/b.py", "[[...a]]/b.py", "x/[...a]/[b].py"])
def test_catch_all_must_be_last(make_site, file: str) -> None:
    site = make_site({f"pages/{file}": ROUTE})
    with pytest.raises(RouteConflictError, match="last") as caught:
        App(site)
    assert file in str(caught.value)
    assert caught.value.files == (file,)


@pytest.mark.parametrize(
    "file",
    [
        "[..id].py",
        "[[x]].py",
        "[...id]].py",
        "[[...id].py",
        "a]b.py",
        "a[b].py",
        "[].py",
        "[...].py",
        "[a b].py",
        "x/[id.py",
        "[..id]/x.py",
    ],
)
def test_malformed_brackets(make_site, file: str) -> None:
    site = make_site({f"pages/{file}": ROUTE})
    with pytest.raises(RouteConflictError, match="malformed") as caught:
        App(site)
    assert file.split("/")[0] in str(caught.value)
    assert caught.value.files[0] in file


def test_malformed_name_reports_the_file(make_site) -> None:
    site = make_site({"pages/api/[..id].py": ROUTE})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    assert "api/[..id].py" in str(caught.value)


def test_group_name_on_a_file_is_an_error(make_site) -> None:
    site = make_site({"pages/(g).py": ROUTE})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    assert "(g).py" in str(caught.value)


def test_private_files_never_conflict(make_site) -> None:
    site = make_site(
        {
            "pages/a.py": ROUTE,
            "pages/_a/index.py": ROUTE,
            "pages/.a/index.py": ROUTE,
            "pages/_[..bad].py": ROUTE,
        }
    )
    assert len(App(site).router) == 1


def test_allowed_neighbours_do_not_conflict(make_site) -> None:
    site = make_site(
        {
            f"pages/{name}": ROUTE
            for name in [
                "index.py",
                "p2/[id]/abc.py",
                "p2/[...rest].py",
                "y/[id].py",
                "y/[[...rest]].py",
                "z/[id].py",
                "z/[id]/more.py",
                "z/fixed.py",
            ]
        }
    )
    assert len(App(site).router) == 8


def test_missing_pages_folder(make_site) -> None:
    site = make_site({"public/robots.txt": "x"}, pages=False)
    with pytest.raises(SiteError, match="pages"):
        App(site)


def test_pages_that_is_a_file(make_site) -> None:
    site = make_site({"pages": "not a folder"}, pages=False)
    with pytest.raises(SiteError, match="pages"):
        App(site)


def test_missing_site_folder(tmp_path) -> None:
    with pytest.raises(SiteError):
        App(tmp_path / "nowhere")
