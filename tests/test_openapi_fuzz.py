"""Schemathesis against the served blog, through ``benchmarks/fuzz_openapi.py``.

Both runs are slow (schemathesis spends most of the time generating
strings for the blog's patterns), so they are marked ``slow``: run them with
``python -m pytest -m slow tests/test_openapi_fuzz.py``.

The script serves ``examples/blog`` with ``microroutes serve`` on a free port
and a temporary database, and runs every schemathesis check against the
document the blog serves: no server error, and no status code, content type,
header or body shape the document does not declare.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz_openapi.py"


def fuzz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_a_short_fuzzing_run_finds_nothing() -> None:
    done = fuzz("--max-examples", "5", "--phases", "examples,coverage,fuzzing")
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout, done.stdout


@pytest.mark.slow
def test_a_long_fuzzing_run_finds_nothing() -> None:
    done = fuzz("--max-examples", "200")
    assert done.returncode == 0, done.stdout + done.stderr
