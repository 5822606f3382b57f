"""Development reloads in process: a vanished ``pages/`` folder, and modules of old versions."""

from __future__ import annotations

import sys

import pytest

from microroutes import App, RouteConflictError
from microroutes.testing import Client

GET = "def GET(req, res):\n    return {'value': %d}\n"


def test_pages_folder_moved_away_answers_500_until_it_is_back(make_site) -> None:
    site = make_site({"pages/a.py": GET % 1})
    client = Client(App(site, reload=True))
    assert client.get("/a").json == {"value": 1}
    (site / "pages").rename(site / "pages-moved")
    response = client.get("/a")
    assert response.status_code == 500
    assert response.json["error"]["message"] == (
        f"SiteError: cannot read {site.resolve() / 'pages'}: No such file or directory"
    )
    (site / "pages-moved").rename(site / "pages")
    assert client.get("/a").json == {"value": 1}


def test_modules_of_replaced_versions_leave_sys_modules(make_site) -> None:
    site = make_site({"pages/a.py": GET % 1, "pages/_helper.py": "X = 1\n"})
    app = App(site, reload=True)
    client = Client(app)
    prefix = app._package.name
    for value in range(2, 6):
        (site / f"pages/b{value}.py").write_text(GET % value)
        assert client.get(f"/b{value}").json == {"value": value}
    names = {name for name in sys.modules if name.startswith(prefix)}
    # The first import (it holds pages/_app.py's hooks) and the current one; none in between.
    packages = {name.partition(".")[0] for name in names}
    assert len(packages) == 2, sorted(names)
    assert prefix in packages


def test_an_edited_app_file_reloads_once_not_on_every_request(make_site) -> None:
    site = make_site({"pages/_app.py": "def startup(app):\n    pass\n", "pages/a.py": GET % 1})
    app = App(site, reload=True)
    client = Client(app)
    assert client.get("/a").json == {"value": 1}
    (site / "pages/_app.py").write_text("def startup(app):\n    app.state.edited = True\n")
    assert client.get("/a").json == {"value": 1}
    router = app.router
    for _ in range(3):
        assert client.get("/a").json == {"value": 1}
    assert app.router is router


def test_load_all_during_a_conflict_made_while_editing_raises_it(make_site) -> None:
    site = make_site({"pages/a.py": GET % 1})
    app = App(site, reload=True)
    client = Client(app)
    (site / "pages/a").mkdir()
    (site / "pages/a/index.py").write_text(GET % 2)
    assert client.get("/a").status_code == 500
    with pytest.raises(RouteConflictError, match=r"a/index\.py and a\.py both answer /a"):
        app.load_all()
    (site / "pages/a/index.py").unlink()
    assert client.get("/a").json == {"value": 1}
    app.load_all()
