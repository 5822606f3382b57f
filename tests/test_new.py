"""``microroutes new DIR``: a starter site that serves, lists its routes and passes its tests."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers import run_command, running

CREATED = {
    "README.md",
    "pyproject.toml",
    "pages/index.py",
    "pages/api/hello.py",
    "pages/api/openapi.json.py",
    "pages/_app.py",
    "pages/_layout.py",
    "pages/_404.py",
    "pages/_error.py",
    "public/robots.txt",
    "tests/test_site.py",
}


def _files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _clean_environment() -> dict[str, str]:
    """This run's environment without the variables pytest and xdist set for themselves.

    Installed pytest plugins are not loaded: the site's tests need none, and
    some take seconds to import.
    """
    kept = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST")}
    return {**kept, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _run_site_tests(site: Path) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in the site's folder, as its README says."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_environment(),
        check=False,
    )


def test_new_site_passes_its_own_tests(tmp_path: Path) -> None:
    site = tmp_path / "mysite"
    result = run_command("new", str(site))
    assert result.returncode == 0, result.stderr
    assert _files(site) == CREATED
    for name in CREATED:
        assert f"created {site / name}" in result.stdout
    assert "microroutes dev" in result.stdout
    tests = _run_site_tests(site)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "8 passed" in tests.stdout
    assert "mysite" in (site / "README.md").read_text()


#: Folder names that break a template pasting them in as code or markup. The
#: payloads would create a file named "pwned" (in the site's folder, where its
#: tests run) if they ran: each closes the string literal one template used.
HOSTILE_NAMES = [
    pytest.param('my "blog"', id="double-quotes"),
    pytest.param("it's \\ {0} {name} <i>&amp; [x](y) `c` # \\", id="quotes-braces-markup"),
    pytest.param('x"; open("pwned", "w"); "', id="payload-double-quote"),
    pytest.param('""" + open("pwned", "w").name + """', id="payload-triple-quote"),
    pytest.param("'); import os; os.system('touch pwned')#", id="payload-single-quote"),
    pytest.param("two\nlines\rand\ttabs", id="control-characters"),
    pytest.param("café 日本 😀", id="unicode"),
]


#: Prints the home page of the site given as argument, answered in process.
_SHOW_HOME = (
    "import sys\n"
    "from microroutes import App\n"
    "from microroutes.testing import Client\n"
    "sys.stdout.buffer.write(Client(App(sys.argv[1])).get('/').get_data())\n"
)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_any_folder_name_gives_a_site_whose_tests_pass(tmp_path: Path, name: str) -> None:
    site = tmp_path / name
    try:
        site.mkdir()
    except OSError:  # a file system that refuses the name has no such site
        pytest.skip(f"this file system refuses the folder name {name!r}")
    result = run_command("new", str(site))
    assert result.returncode == 0, result.stderr
    tests = _run_site_tests(site)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "8 passed" in tests.stdout
    assert list(tmp_path.rglob("pwned")) == []  # no payload ran
    page = (site / "pages" / "_layout.py").read_text(encoding="utf-8")
    assert f"SITE_NAME = {name!r}\n" in page
    readme = (site / "README.md").read_bytes().decode("utf-8")  # no newline translation
    heading, after_heading, *_ = readme.split("\n")
    assert heading.startswith("# ")
    assert "\r" not in heading
    assert after_heading == ""  # the whole name is on the heading's line
    assert "<i>" not in heading  # markup in a name is shown, not rendered
    served = subprocess.run(
        [sys.executable, "-c", _SHOW_HOME, str(site)],
        cwd=site,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 0, served.stderr.decode()
    assert f"<h1>{html.escape(name)}</h1>".encode() in served.stdout  # bytes: \r kept
    assert list(tmp_path.rglob("pwned")) == []


def test_new_site_serves_under_dev(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    assert run_command("new", str(site)).returncode == 0
    with running("dev", str(site)) as server:
        status, headers, body = server.request("GET", "/", headers={"Accept": "text/html"})
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert b"<h1>blog</h1>" in body
        status, _, body = server.request("GET", "/api/hello?name=Ada")
        assert (status, json.loads(body)) == (200, {"message": "Hello, Ada!"})
        status, _, body = server.request(
            "POST", "/api/hello", b'{"name": "Bo"}', {"Content-Type": "application/json"}
        )
        assert (status, json.loads(body)) == (200, {"message": "Hello, Bo!"})
        status, _, body = server.request("GET", "/robots.txt")
        assert (status, body) == (200, b"User-agent: *\nAllow: /\n")


def test_new_site_route_table(tmp_path: Path) -> None:
    site = tmp_path / "shop"
    assert run_command("new", str(site)).returncode == 0
    listed = run_command("routes", str(site), "--json")
    assert listed.returncode == 0, listed.stderr
    routes = json.loads(listed.stdout)
    assert [(route["pattern"], route["file"]) for route in routes] == [
        ("/", "index.py"),
        ("/api/hello", "api/hello.py"),
        ("/api/openapi.json", "api/openapi.json.py"),
    ]
    assert (routes[1]["body"], routes[1]["query"]) == ({"POST": "Who"}, {"GET": "Who"})


def test_new_into_an_empty_existing_folder(tmp_path: Path) -> None:
    assert run_command("new", str(tmp_path)).returncode == 0
    assert _files(tmp_path) == CREATED


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    result = run_command("new", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == f"microroutes: {tmp_path} is not empty; give a new or empty folder\n"
    assert result.stdout == ""
    assert _files(tmp_path) == {"notes.txt"}
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_new_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    result = run_command("new", str(target))
    assert result.returncode == 1
    assert result.stderr == f"microroutes: {target} is a file; give a new or empty folder\n"
    assert target.read_text() == "x"


def test_a_folder_name_that_is_not_utf_8_is_written_as_text(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 become U+FFFD in the files, which stay UTF-8 and valid Python."""
    site = tmp_path / os.fsdecode(b"caf\xe9")  # Latin-1 bytes on disk
    try:
        site.mkdir()
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    result = run_command("new", str(site), errors="surrogateescape")
    assert result.returncode == 0, result.stderr
    for name in ("pages/_layout.py", "tests/test_site.py"):
        source = (site / name).read_bytes().decode("utf-8")
        assert "SITE_NAME = 'caf\ufffd'\n" in source
        compile(source, name, "exec")
    assert (site / "README.md").read_bytes().decode("utf-8").startswith("# caf\ufffd\n")
