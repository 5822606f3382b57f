"""``microroutes routes SITE_DIR`` and ``python -m microroutes``."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import microroutes
from microroutes.cli import main

GET = "def GET(req, res):\n    return {}\n"
SITE = {
    "pages/index.py": GET,
    "pages/api/post/[uid].py": GET + "def DELETE(req, res):\n    return None\n",
    "pages/docs/[...slug].py": "def handler(req, res):\n    return {}\n",
    "pages/shop/[[...path]].py": (
        "from microroutes import handles\n"
        "@handles('GET', 'POST')\n"
        "def handler(req, res):\n    return {}\n"
    ),
    "pages/sitemap.xml.py": GET,
    "pages/_private.py": "X = 1\n",
}


def table(out: str) -> list[list[str]]:
    """The printed table as rows of cells, cut at the header's column starts."""
    header, *rows = out.rstrip("\n").splitlines()
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [[line[a:b].strip() for a, b in bounds] for line in [header, *rows]]


def test_routes_lists_path_kind_methods_and_file(make_site, capsys) -> None:
    site = make_site(SITE)
    assert main(["routes", str(site)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    rows = table(captured.out)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["PATH", "KIND", "METHODS"]
    assert header[-1] == "FILE"
    by_path = {row[0]: (row[1], row[2], row[-1]) for row in body}
    assert by_path == {
        "/": ("static", "GET, HEAD, OPTIONS", "index.py"),
        "/api/post/[uid]": ("dynamic", "GET, HEAD, DELETE, OPTIONS", "api/post/[uid].py"),
        "/docs/[...slug]": (
            "catch-all",
            "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
            "docs/[...slug].py",
        ),
        "/shop/[[...path]]": (
            "optional catch-all",
            "GET, HEAD, POST, OPTIONS",
            "shop/[[...path]].py",
        ),
        "/sitemap.xml": ("static", "GET, HEAD, OPTIONS", "sitemap.xml.py"),
    }
    assert "_private" not in captured.out


def test_routes_are_sorted_by_path(make_site, capsys) -> None:
    site = make_site(SITE)
    main(["routes", str(site)])
    paths = [row[0] for row in table(capsys.readouterr().out)[1:]]
    assert paths == sorted(paths)


def test_routes_on_an_empty_site(make_site, capsys) -> None:
    site = make_site({})
    assert main(["routes", str(site)]) == 0
    assert table(capsys.readouterr().out)[0][0] == "PATH"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("X = 1\n", "no handler"),
        ("def GET(req):\n    return {}\n", "two arguments"),
        ("raise RuntimeError('cannot start')\n", "cannot start"),
        ("def GET(req, res)\n", "expected ':'"),
        ("MAX_BODY_SIZE = 'big'\n" + GET, "MAX_BODY_SIZE"),
    ],
)
def test_broken_route_exits_1_naming_the_file(make_site, capsys, source, fragment) -> None:
    site = make_site({"pages/ok.py": GET, "pages/api/broken.py": source})
    assert main(["routes", str(site)]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "broken" in line]
    assert line.rstrip().endswith("api/broken.py")
    assert fragment in line
    (ok,) = [line for line in out.splitlines() if line.rstrip().endswith("ok.py")]
    assert "GET, HEAD, OPTIONS" in ok


def test_every_broken_route_is_listed(make_site, capsys) -> None:
    site = make_site({"pages/a.py": "X = 1\n", "pages/b.py": "Y = 2\n"})
    assert main(["routes", str(site)]) == 1
    out = capsys.readouterr().out
    assert out.count("no handler") == 2


def test_conflict_exits_1_naming_both_files(make_site, capsys) -> None:
    site = make_site({"pages/a.py": GET, "pages/a/index.py": GET})
    assert main(["routes", str(site)]) == 1
    err = capsys.readouterr().err
    assert "a.py" in err
    assert "a/index.py" in err


def test_missing_pages_exits_1(tmp_path, capsys) -> None:
    assert main(["routes", str(tmp_path)]) == 1
    assert "pages" in capsys.readouterr().err


def test_version_flag_in_process(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"microroutes {microroutes.__version__}"


def test_no_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_python_m_microroutes_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microroutes", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"microroutes {microroutes.__version__}"
