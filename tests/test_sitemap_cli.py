"""``microroutes sitemap``: bare hosts, progress on a terminal, and the summary line."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from microroutes.sitemap import parse_sitemap, parse_sitemap_index

COMMAND = [sys.executable, "-m", "microroutes", "sitemap"]


def _site(folder: Path, count: int) -> Path:
    """A site whose home page lists ``count`` items in the sitemap."""
    pages = folder / "site" / "pages"
    pages.mkdir(parents=True)
    (pages / "index.py").write_text(
        "def GET(req, res):\n"
        "    return 'home'\n\n"
        "def sitemap(app):\n"
        f"    for number in range({count}):\n"
        "        yield f'/item/{number}'\n"
    )
    (pages / "about.py").write_text("def GET(req, res):\n    return 'about'\n")
    return pages.parent


def test_a_bare_hostname_writes_https_locs_and_index(tmp_path: Path) -> None:
    site, out = _site(tmp_path, 3), tmp_path / "out"
    done = subprocess.run(
        [*COMMAND, str(site), "--out", str(out), "--hostname", "bookmarks.example"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out / "sitemap-1.xml"), str(out / "sitemap-index.xml")]
    index = list(parse_sitemap_index((out / "sitemap-index.xml").read_bytes()))
    assert [entry.loc for entry in index] == ["https://bookmarks.example/sitemap-1.xml"]
    locs = [url.loc for url in parse_sitemap((out / "sitemap-1.xml").read_bytes())]
    assert locs == [
        "https://bookmarks.example/about",
        *(f"https://bookmarks.example/item/{number}" for number in range(3)),
    ]
    # Not a terminal: no progress line, only the summary.
    assert "\r" not in done.stderr
    assert done.stderr.splitlines() == [
        f"microroutes: sitemap: 4 URLs in 1 part and the index, written to {out} "
        + done.stderr.split(f"written to {out} ", 1)[1].strip()
    ]


def test_a_bad_base_url_fails_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    site, out = _site(tmp_path, 1), tmp_path / "out"
    done = subprocess.run(
        [*COMMAND, str(site), "--out", str(out), "--hostname", "a.example", "--base-url", "x y"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("microroutes: sitemap: ")
    assert "Traceback" not in done.stderr


def _run_in_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as its stdout and stderr; (status, output)."""
    pid, descriptor = pty.fork()
    if pid == 0:  # the child: become the command
        os.execv(argv[0], argv)
    output = bytearray()
    while True:
        try:
            data = os.read(descriptor, 65536)
        except OSError:  # EIO once the child has exited and closed its side
            break
        if not data:
            break
        output += data
    os.close(descriptor)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_progress_shows_on_a_terminal_then_a_summary(tmp_path: Path) -> None:
    site, out = _site(tmp_path, 120_000), tmp_path / "out"
    status, output = _run_in_a_terminal(
        [*COMMAND, str(site), "--out", str(out), "--hostname", "big.example"]
    )
    assert status == 0, output
    progress = [piece for piece in output.split("\r") if "URLs/s, " in piece]
    assert progress, output
    for line in progress:
        assert line.startswith("microroutes: sitemap: ")
        urls, rate, parts = line.removeprefix("microroutes: sitemap: ").rstrip().split(", ")
        assert 0 < int(urls.removesuffix(" URLs").replace(",", "")) <= 120_001
        assert rate.endswith(" URLs/s")
        assert parts in ("1 part", "2 parts", "3 parts")
    lines = output.replace("\r\n", "\n").split("\n")
    assert [str(out / f"sitemap-{n}.xml") for n in (1, 2, 3)] == [
        line.strip().split("\r")[-1] for line in lines if line.strip().endswith(".xml")
    ][:3]
    summary = [line for line in lines if "URLs in" in line]
    assert len(summary) == 1
    assert (
        summary[0]
        .split("\r")[-1]
        .startswith(
            f"microroutes: sitemap: 120,001 URLs in 3 parts and the index, written to {out} in "
        )
    )
    assert len(list(parse_sitemap((out / "sitemap-3.xml").read_bytes()))) == 20_001
