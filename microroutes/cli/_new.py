"""``microroutes new DIR``: a new site whose own tests pass as created."""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

__all__ = ["TEMPLATE_SUFFIX", "create_site", "register"]

#: Templates carry this suffix, so the project's tools never take them for its own modules.
TEMPLATE_SUFFIX = "-tpl"
#: Written as the new site's folder name wherever the templates hold it.
_NAME_MARKER = "__SITE_NAME__"


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


def create_site(directory: Path) -> list[Path]:
    """Write the starter site into ``directory`` (new or empty); the files written.

    :raises FileExistsError: ``directory`` exists and is not an empty folder.
    """
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{directory} is a file; give a new or empty folder")
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; give a new or empty folder")
    name = directory.resolve().name
    written: list[Path] = []
    for relative, template in _templates(files("microroutes") / "scaffold", Path()):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.read_text(encoding="utf-8").replace(_NAME_MARKER, name))
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
        f"  cd {directory}\n"
        "  microroutes dev .      # http://127.0.0.1:8000, reloads edits\n"
        "  python -m pytest       # the site's own tests"
    )
    return 0
