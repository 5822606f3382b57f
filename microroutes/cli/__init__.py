"""The ``microroutes`` command: serve a site, develop it, start one, list its routes, write
its sitemap or its OpenAPI document.

Each command lives in a module of its own with a ``register(commands)``
function adding its sub-parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import SiteError
from . import _dev, _new, _openapi, _routes, _serve, _sitemap

__all__ = ["main"]

#: The command modules, in the order ``--help`` lists them.
_COMMANDS = (_serve, _dev, _new, _sitemap, _routes, _openapi)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microroutes", description="File-system API routes for Python WSGI."
    )
    parser.add_argument("--version", action="version", version=f"microroutes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except SiteError as error:
        print(f"microroutes: {error}", file=sys.stderr)
        return 1
