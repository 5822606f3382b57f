"""``microroutes routes``: the route table."""

from __future__ import annotations

import argparse

from ..app import App
from ..routefile import LoadedRoute
from ..typed import type_label
from ._common import add_site

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``routes`` command."""
    routes = commands.add_parser("routes", help="print the route table")
    add_site(routes)
    routes.set_defaults(run=_routes)


def _routes(args: argparse.Namespace) -> int:
    app = App(args.site_dir)
    rows = [("PATH", "KIND", "METHODS", "BODY", "QUERY", "MIDDLEWARE", "FILE")]
    failed = False
    for route, endpoint in app.router:
        body = query = "-"
        try:
            loaded = endpoint.module.get()
            methods = ", ".join(loaded.table.allowed)
            body, query = _typed_inputs(loaded)
        except Exception as error:  # report every broken file, then fail
            methods = f"error: {error}"
            failed = True
        middleware = ", ".join(lazy.file for lazy in endpoint.middleware) or "-"
        rows.append((route.pattern, str(route.kind), methods, body, query, middleware, route.file))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for *cells, file in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join((*padded, file)))
    return 1 if failed else 0


def _typed_inputs(loaded: LoadedRoute) -> tuple[str, str]:
    """The BODY and QUERY cells: ``POST NewPost, PUT Post`` per method that types one."""
    bodies: list[str] = []
    queries: list[str] = []
    for method in loaded.table.handlers():
        signature = loaded.signature(method)
        if signature.body is not None:
            bodies.append(f"{method} {type_label(signature.body)}")
        if signature.query is not None:
            queries.append(f"{method} {type_label(signature.query)}")
    return ", ".join(bodies) or "-", ", ".join(queries) or "-"
