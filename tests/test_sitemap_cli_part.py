"""``microroutes sitemap --part N``: one part rewritten from its own entries alone."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from microroutes.sitemap import SitemapError, parse_sitemap, write_sitemap_part

COMMAND = [sys.executable, "-m", "microroutes", "sitemap"]
#: A ranged ``sitemap`` of 25 items that notes each range it is asked for in asked.txt.
ITEMS = """\
from pathlib import Path

ASKED = Path(__file__).parents[2] / "asked.txt"  # the site folder

def GET(req, res):
    return 'item'

def sitemap(app, start=0, stop=None):
    with ASKED.open("a") as asked:
        asked.write(f"{start} {stop}\\n")
    for n in range(start, 25 if stop is None else min(stop, 25)):
        yield f"/items/{n}"

def sitemap_count(app):
    return 25
"""


def _site(folder: Path) -> Path:
    pages = folder / "site" / "pages"
    (pages / "items").mkdir(parents=True)
    (pages / "index.py").write_text("def GET(req, res):\n    return 'home'\n")
    (pages / "items" / "[n].py").write_text(ITEMS)
    return pages.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, check=False)


def test_a_part_is_the_same_file_the_whole_run_writes(tmp_path: Path) -> None:
    site, whole, one = _site(tmp_path), tmp_path / "whole", tmp_path / "one"
    common = ["--hostname", "https://shop.example", "--max-urls", "10"]
    assert _run(str(site), "--out", str(whole), *common).returncode == 0
    assert sorted(path.name for path in whole.iterdir()) == [
        "sitemap-1.xml",
        "sitemap-2.xml",
        "sitemap-3.xml",
        "sitemap-index.xml",
    ]
    (site / "asked.txt").unlink()
    for number in (1, 2, 3):
        done = _run(str(site), "--out", str(one), "--part", str(number), *common)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(one / f"sitemap-{number}.xml")
        assert f"part {number} of 3 written to" in done.stderr
        name = f"sitemap-{number}.xml"
        assert (one / name).read_bytes() == (whole / name).read_bytes()
    # Only the parts were written (no index), and each asked for its own range only.
    assert sorted(path.name for path in one.iterdir()) == [f"sitemap-{n}.xml" for n in (1, 2, 3)]
    assert (site / "asked.txt").read_text().splitlines() == ["0 9", "9 19", "19 29"]
    locs = [url.loc for url in parse_sitemap((one / "sitemap-3.xml").read_bytes())]
    assert locs == [f"https://shop.example/items/{n}" for n in range(19, 25)]


def test_a_gzip_part_and_a_part_past_the_end(tmp_path: Path) -> None:
    site, out = _site(tmp_path), tmp_path / "out"
    common = ["--hostname", "shop.example", "--out", str(out), "--gzip"]
    done = _run(str(site), *common, "--part", "1")
    assert done.returncode == 0, done.stderr
    assert len(list(parse_sitemap(gzip.decompress((out / "sitemap-1.xml.gz").read_bytes())))) == 26
    missing = _run(str(site), *common, "--part", "2")
    assert missing.returncode == 1
    assert missing.stderr == "microroutes: sitemap: no part 2; there are 1\n"
    for bad in ("0", "-1", "x"):
        refused = _run(str(site), *common, "--part", bad)
        assert refused.returncode == 2
        assert "--part: must be a whole number from 1" in refused.stderr


def test_writing_a_part_over_its_limit_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "sitemap-1.xml"
    target.write_bytes(b"old")
    with pytest.raises(SitemapError, match="at most 2 entries"):
        write_sitemap_part(["/a", "/b", "/c"], target, hostname="https://x.example", max_urls=2)
    assert target.read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["sitemap-1.xml"]
    write_sitemap_part(["/a", "/b"], target, hostname="https://x.example", max_urls=2)
    assert [url.loc for url in parse_sitemap(target.read_bytes())] == [
        "https://x.example/a",
        "https://x.example/b",
    ]
