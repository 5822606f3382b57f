"""A site's own modules beside ``pages/`` are importable absolutely from route files.

``site/mylib.py`` -> ``import mylib``, under ``microroutes serve``, ``microroutes dev``
and an in-process ``App(site)``, while ``pages/_*.py`` helpers keep their relative
imports. Module names are unique per test: ``sys.modules`` is shared by the process.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import client_for, write_files
from servers import running


@pytest.fixture
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo this test's changes to ``sys.path`` and drop the modules it imported."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def site_files(lib: str, package: str) -> dict[str, str]:
    return {
        f"{lib}.py": "GREETING = 'hello from a site module'\n",
        f"{package}/__init__.py": "",
        f"{package}/words.py": "WORD = 'from a site package'\n",
        "pages/_db.py": "NAME = 'relative helper'\n",
        "pages/index.py": f"""\
            import {lib}
            from {package}.words import WORD

            from ._db import NAME

            def GET(req, res):
                return {{"greeting": {lib}.GREETING, "word": WORD, "helper": NAME}}
        """,
        "pages/api/deep.py": f"""\
            import {lib}

            from .._db import NAME

            def GET(req, res):
                return {{"greeting": {lib}.GREETING, "helper": NAME}}
        """,
    }


EXPECTED = {
    "greeting": "hello from a site module",
    "word": "from a site package",
    "helper": "relative helper",
}


@pytest.mark.usefixtures("isolated_imports")
def test_an_app_in_process_imports_the_sites_own_modules(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", site_files(unique("mylib"), unique("mypkg")))
    client = client_for(site)
    assert client.get("/").json == EXPECTED
    assert client.get("/api/deep").json == {
        "greeting": EXPECTED["greeting"],
        "helper": EXPECTED["helper"],
    }


@pytest.mark.usefixtures("isolated_imports")
def test_the_site_folder_goes_first_on_sys_path_once(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", site_files(unique("mylib"), unique("mypkg")))
    client_for(site)
    client_for(site)
    assert sys.path[0] == str(site.resolve())
    assert sys.path.count(str(site.resolve())) == 1


@pytest.mark.usefixtures("isolated_imports")
def test_two_sites_defining_one_module_name_are_warned_about(tmp_path: Path) -> None:
    lib = unique("shared")
    first = write_files(tmp_path / "first", site_files(lib, unique("pkg")))
    second = write_files(tmp_path / "second", site_files(lib, unique("pkg")))
    client_for(first)
    with pytest.warns(RuntimeWarning, match=rf"{lib}.*also defined by the site .*first"):
        client_for(second)


@pytest.mark.parametrize("command", ["serve", "dev"])
def test_a_server_subprocess_imports_the_sites_own_modules(tmp_path: Path, command: str) -> None:
    site = write_files(tmp_path / "site", site_files("mylib", "mypkg"))
    with running(command, str(site)) as server:
        status, _, body = server.request("GET", "/")
        assert status == 200, body
        assert body == (
            b'{"greeting":"hello from a site module","word":"from a site package",'
            b'"helper":"relative helper"}'
        )


@pytest.mark.usefixtures("isolated_imports")
def test_a_site_module_named_like_an_imported_one_is_warned_about(tmp_path: Path) -> None:
    files = {**site_files(unique("mylib"), unique("pkg")), "json.py": "SHADOW = True\n"}
    site = write_files(tmp_path / "site", files)
    with pytest.warns(RuntimeWarning, match=r"'json' is already imported from .*json"):
        client_for(site)
