"""One rule for private names (`_` or `.` first): not routed, no middleware, not watched."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import client_for

from microroutes import App
from microroutes.loader import SitePackage
from microroutes.middleware import find_middleware
from microroutes.reloader import ChangeWatcher
from microroutes.routing import is_private_name, scan_pages

MARK_MIDDLEWARE = """\
def middleware(req, res, call_next):
    response = call_next()
    response.set_header("X-Middleware", "{folder}")
    return response
"""


@pytest.mark.parametrize(
    ("name", "private"),
    [
        ("_db.py", True),
        ("_middleware.py", True),
        (".git", True),
        ("__pycache__", True),
        ("api", False),
        ("[id].py", False),
        ("(group)", False),
        ("a_b.py", False),
    ],
)
def test_is_private_name(name: str, private: bool) -> None:
    assert is_private_name(name) is private


@pytest.fixture(params=["_", "."])
def site(request: pytest.FixtureRequest, make_site) -> Path:
    hidden = f"{request.param}drafts"
    return make_site(
        {
            "pages/api/ok.py": "def GET(req, res):\n    return {'ok': True}\n",
            "pages/api/_middleware.py": MARK_MIDDLEWARE.format(folder="api"),
            f"pages/{hidden}/page.py": "def GET(req, res):\n    return 'draft'\n",
            f"pages/{hidden}/_middleware.py": MARK_MIDDLEWARE.format(folder=hidden),
            f"pages/{hidden}/sub/_middleware.py": MARK_MIDDLEWARE.format(folder="sub"),
            f"pages/{hidden}/sub/deep.py": "def GET(req, res):\n    return 'deep'\n",
        }
    )


def test_private_folders_are_not_routed(site: Path) -> None:
    assert [route.file for route in scan_pages(site / "pages")] == ["api/ok.py"]
    client = client_for(site)
    assert client.get("/api/ok").headers["X-Middleware"] == "api"
    hidden = next(p.name for p in (site / "pages").iterdir() if p.name.endswith("drafts"))
    assert client.get(f"/{hidden}/page").status_code == 404
    assert client.get("/drafts/page").status_code == 404


def test_middleware_in_private_folders_is_not_found(site: Path) -> None:
    assert find_middleware(site / "pages") == {"api": "api/_middleware.py"}


def test_files_written_in_a_private_folder_do_not_trigger_a_reload(site: Path) -> None:
    pages = site / "pages"
    watcher = ChangeWatcher(pages, SitePackage(pages).imported_files)
    hidden = next(p for p in pages.iterdir() if p.name.endswith("drafts"))
    (hidden / "sub" / "cache.json").write_text("{}")
    (hidden / "sub" / "more.py").write_text("def GET(req, res):\n    return 1\n")
    assert not watcher.poll()
    (pages / "api" / "new.py").write_text("def GET(req, res):\n    return 1\n")
    assert watcher.poll().added == ("api/new.py",)


def test_a_reloading_app_keeps_serving_while_a_private_folder_changes(site: Path) -> None:
    app = App(site, reload=True)
    client = client_for(app)
    assert client.get("/api/ok").json == {"ok": True}
    hidden = next(p for p in (site / "pages").iterdir() if p.name.endswith("drafts"))
    (hidden / "sub" / "new.py").write_text("def GET(req, res):\n    return 1\n")
    assert client.get("/api/ok").json == {"ok": True}
    assert [info.file for info in app.routes()] == ["api/ok.py"]
