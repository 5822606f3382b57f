"""``microroutes routes``: the route table."""

from __future__ import annotations

import argparse

from ..app import App
from ._common import add_site

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``routes`` command."""
    routes = commands.add_parser("routes", help="print the route table")
    add_site(routes)
    routes.set_defaults(run=_routes)


def _routes(args: argparse.Namespace) -> int:
    app = App(args.site_dir)
    rows = [("PATH", "KIND", "METHODS", "MIDDLEWARE", "FILE")]
    failed = False
    for route, endpoint in app.router:
        try:
            methods = ", ".join(endpoint.module.get().table.allowed)
        except Exception as error:  # report every broken file, then fail
            methods = f"error: {error}"
            failed = True
        middleware = ", ".join(lazy.file for lazy in endpoint.middleware) or "-"
        rows.append((route.pattern, str(route.kind), methods, middleware, route.file))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for *cells, file in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join((*padded, file)))
    return 1 if failed else 0
