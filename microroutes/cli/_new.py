"""``microroutes new DIR``: a new site whose own tests pass as created."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import unicodedata
from importlib.resources import files
from pathlib import Path

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

__all__ = ["TEMPLATE_SUFFIX", "create_site", "register"]

#: Templates carry this suffix, so the project's tools never take them for its own modules.
TEMPLATE_SUFFIX = "-tpl"
#: Where the templates hold the new site's folder name, and in what form:
#: ``__SITE_NAME_PYTHON__`` a Python string literal, ``__SITE_NAME_MARKDOWN__``
#: Markdown text. The name is data, never pasted in as code or markup.
_NAME_MARKER = re.compile(r"__SITE_NAME_(PYTHON|MARKDOWN)__")
#: ASCII punctuation, each of which Markdown lets a backslash make literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``new`` command."""
    new = commands.add_parser("new", help="create a new site in an empty folder")
    new.add_argument("directory", metavar="DIR", help="the folder to create (new or empty)")
    new.set_defaults(run=_new)


def _templates(folder: Traversable, relative: Path) -> list[tuple[Path, Traversable]]:
    found: list[tuple[Path, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            found.extend(_templates(entry, relative / entry.name))
        else:
            found.append((relative / entry.name.removesuffix(TEMPLATE_SUFFIX), entry))
    return found


def _markdown_text(name: str) -> str:
    """``name`` as Markdown text on one line: punctuation escaped, control characters as spaces."""
    one_line = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line)


def _name_forms(directory: Path) -> dict[str, str]:
    """The folder's name as each template context writes it."""
    # A name that is not UTF-8 on disk still gives text a UTF-8 file can hold.
    name = os.fsencode(directory.resolve().name).decode("utf-8", "replace")
    return {"PYTHON": repr(name), "MARKDOWN": _markdown_text(name)}


def create_site(directory: Path) -> list[Path]:
    """Write the starter site into ``directory`` (new or empty); the files written.

    :raises FileExistsError: ``directory`` exists and is not an empty folder.
    """
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{directory} is a file; give a new or empty folder")
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; give a new or empty folder")
    forms = _name_forms(directory)
    written: list[Path] = []
    for relative, template in _templates(files("microroutes") / "scaffold", Path()):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        source = template.read_text(encoding="utf-8")
        target.write_text(
            _NAME_MARKER.sub(lambda found: forms[found.group(1)], source), encoding="utf-8"
        )
        written.append(target)
    return written


def _new(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    try:
        written = create_site(directory)
    except FileExistsError as error:
        print(f"microroutes: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"  created {path}")
    print(
        f"\nmicroroutes: new site in {directory}. Next:\n"
        f"  cd {shlex.quote(str(directory))}\n"
        "  microroutes dev .      # http://127.0.0.1:8000, reloads edits\n"
        "  python -m pytest       # the site's own tests"
    )
    return 0
