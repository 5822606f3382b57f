"""``microroutes openapi SITE_DIR`` as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate
from servers import run_command

SITE = {
    "pages/api/post/[uid].py": '''
        def GET(req, res):
            """One post."""
            return {}
    ''',
    "pages/café.py": "def GET(req, res):\n    return 'x'\n",
}


def test_prints_a_valid_document(make_site: Any) -> None:
    site = make_site(SITE)
    done = run_command("openapi", str(site), "--title", "Posts", "--version", "3.0")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    document = json.loads(done.stdout)
    validate(document)
    assert document["info"] == {"title": "Posts", "version": "3.0"}
    assert sorted(document["paths"]) == ["/api/post/{uid}", "/café"]
    assert document["paths"]["/api/post/{uid}"]["get"]["summary"] == "One post."
    assert "café" in done.stdout  # UTF-8 as it is, not \u escapes


def test_writes_the_same_document_to_a_file(make_site: Any, tmp_path: Path) -> None:
    site = make_site(SITE)
    out = tmp_path / "openapi.json"
    done = run_command("openapi", str(site), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    printed = run_command("openapi", str(site)).stdout
    assert out.read_text(encoding="utf-8") == printed
    assert json.loads(printed)["info"] == {"title": site.name, "version": "1.0.0"}


def test_a_broken_site_exits_1_with_the_message(make_site: Any) -> None:
    site = make_site({**SITE, "pages/broken.py": "import no_such_module_here\n"})
    done = run_command("openapi", str(site))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "broken.py" in done.stderr
    assert "no_such_module_here" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_without_pages_exits_1(tmp_path: Path) -> None:
    done = run_command("openapi", str(tmp_path))
    assert done.returncode == 1
    assert "has no pages/ folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unwritable_out_file_exits_1(make_site: Any, tmp_path: Path) -> None:
    site = make_site(SITE)
    done = run_command("openapi", str(site), "--out", str(tmp_path / "missing" / "x.json"))
    assert done.returncode == 1
    assert "cannot write" in done.stderr
    assert "Traceback" not in done.stderr
