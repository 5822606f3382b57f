"""The user guide's code runs: every ```python block in docs/*.md, in order.

All blocks of one page share one namespace and run with a fresh temporary
folder as the working directory, so a page can write a site with
:mod:`pathlib`, build an ``App`` and assert what the test client answers.

A block whose info string names a file after the language, as in
```` ```python site/pages/api/hello.py ````, is not run: it is written to that
path (relative to the temporary folder) for later blocks to serve, after a
syntax check. Its first line must be a comment naming the same path, so the
reader sees it too. Blocks that are not meant to run use another language
(```` ```text ````, ```` ```sh ````).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its info string words, first code line (1-based) and code."""

    info: tuple[str, ...]
    line: int
    code: str

    @property
    def language(self) -> str:
        return self.info[0] if self.info else ""


def code_blocks(text: str) -> list[Block]:
    """Every fenced block of a markdown text, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence = opening.group("fence")
        start = index
        while index < len(lines) and not (
            lines[index].startswith(fence) and not lines[index].strip(fence[0]).strip()
        ):
            index += 1
        if index == len(lines):
            raise AssertionError(f"the code block opened on line {start} is never closed")
        code = "\n".join(lines[start:index]) + "\n"
        blocks.append(Block(tuple(opening.group("info").split()), start + 1, code))
        index += 1
    return blocks


def run_page(page: Path) -> int:
    """Run (or write out) the page's python blocks in the current folder; how many ran."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    ran = 0
    for block in code_blocks(page.read_text(encoding="utf-8")):
        if block.language != "python":
            continue
        # Leading newlines make tracebacks point at the line in the markdown file.
        source = "\n" * (block.line - 1) + block.code
        code = compile(source, str(page), "exec")
        if len(block.info) > 1:
            target = block.info[1]
            first = block.code.splitlines()[0] if block.code.strip() else ""
            assert first == f"# {target}", (
                f"{page.name}:{block.line}: a file block must start with '# {target}'"
            )
            path = Path(target)
            assert not path.is_absolute(), target
            assert ".." not in path.parts, target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.code, encoding="utf-8")
            continue
        exec(code, namespace)
        ran += 1
    return ran


def test_the_guide_has_pages() -> None:
    assert {"getting-started.md", "routing.md", "README.md"} <= {page.name for page in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_page(page)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_relative_links_lead_to_files(page: Path) -> None:
    for found in _LINK.finditer(page.read_text(encoding="utf-8")):
        target = found.group("target").partition("#")[0]
        if not target or "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {found.group("target").partition("#")[0] for found in _LINK.finditer(index)}
    missing = {page.name for page in PAGES if page.name != "README.md"} - linked
    assert not missing, f"docs/README.md does not link {sorted(missing)}"


# -- the harness itself ----------------------------------------------------------


def test_harness_finds_blocks_and_their_lines() -> None:
    text = "intro\n```python\nx = 1\n```\n\n````text\n```python\nnot a block\n```\n````\n"
    blocks = code_blocks(text)
    assert [(b.info, b.line, b.code) for b in blocks] == [
        (("python",), 3, "x = 1\n"),
        (("text",), 7, "```python\nnot a block\n```\n"),
    ]


def test_harness_runs_blocks_in_one_namespace_and_reports_markdown_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text(
        "```python app/pages/x.py\n# app/pages/x.py\nVALUE = 2\n```\n"
        "```python\nfrom pathlib import Path\nn = 1\n```\n"
        "```sh\nexit 1\n```\n"
        "```python\nassert 'VALUE = 2' in Path('app/pages/x.py').read_text()\nn += 1\n```\n"
        "```python\nassert n == 3, 'line 17'\n```\n"
    )
    with pytest.raises(AssertionError, match="line 17") as failure:
        run_page(page)
    assert failure.traceback[-1].lineno + 1 == 17
