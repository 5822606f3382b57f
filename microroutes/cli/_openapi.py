"""``microroutes openapi``: the site's OpenAPI 3.1 document as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..app import App
from ._common import add_site

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``openapi`` command."""
    openapi = commands.add_parser("openapi", help="print the site's OpenAPI 3.1 document")
    add_site(openapi)
    openapi.add_argument("--out", metavar="FILE", help="write the document here instead")
    openapi.add_argument(
        "--title",
        help="info.title (default: OPENAPI['title'] in pages/_app.py, else the folder's name)",
    )
    openapi.add_argument(
        "--version",
        help="info.version (default: OPENAPI['version'] in pages/_app.py, else 1.0.0)",
    )
    openapi.add_argument(
        "--prefix", metavar="PATH", type=_prefix, help="keep only the paths under PATH (/api)"
    )
    openapi.set_defaults(run=_openapi)


def _prefix(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"a path starting with '/' is expected, got {text!r}")
    return text


def _openapi(args: argparse.Namespace) -> int:
    from ..openapi import openapi_document

    app = App(args.site_dir)
    document = openapi_document(app, title=args.title, version=args.version, prefix=args.prefix)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"microroutes: openapi: cannot write {args.out}: {error.strerror}", file=sys.stderr)
        return 1
    return 0
