"""A short run of the load and soak script (``benchmarks/load.py``); slow, so not run by default.

python -m pytest -m slow tests/test_load_smoke.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "load.py"


@pytest.mark.slow
def test_a_short_load_run_keeps_every_invariant() -> None:
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    assert "OK: no 5xx, no connection errors, nothing lost, memory flat" in output
    assert "5xx responses               0" in output
    assert "connection errors           0" in output
