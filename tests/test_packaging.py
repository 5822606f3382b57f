"""Installing the package prints no build warnings, as an editable install and as a wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
_WHERE = (
    "import importlib.util; "
    "print(importlib.util.find_spec('microroutes').submodule_search_locations[0])"
)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _project_copy(folder: Path) -> Path:
    """What a build reads, copied: builds write into the source tree, and tests run in parallel."""
    copy = folder / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "setup.cfg", "README.md"):
        shutil.copy2(PROJECT / name, copy / name)
    shutil.copytree(
        PROJECT / "microroutes",
        copy / "microroutes",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return copy


def _build_warnings(output: str) -> list[str]:
    # pip's own notes about index locations are not the package's doing.
    return [
        line
        for line in output.splitlines()
        if "warning" in line.lower() and "Location 'file:" not in line
    ]


@pytest.mark.parametrize("editable", [True, False], ids=["editable", "wheel"])
def test_installing_prints_no_warnings(tmp_path: Path, editable: bool) -> None:
    target = tmp_path / "env"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    project = str(_project_copy(tmp_path))
    source = ["-e", project] if editable else [project]
    done = _pip("--python", str(python), "install", "--no-deps", *source)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _build_warnings(done.stdout + done.stderr) == []
    # Where the installed package is found, without importing it (no dependencies here).
    found = subprocess.run(
        [str(python), "-c", _WHERE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    package = Path(found.stdout.strip())
    assert (package / "__init__.py").is_file()
    assert (package / "scaffold" / "pages" / "_app.py-tpl").is_file()
