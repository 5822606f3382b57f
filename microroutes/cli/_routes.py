"""``microroutes routes``: the route table, as text or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..app import App
from ..errors import SiteError
from ..providers import provided_parameters
from ..routefile import LoadedRoute
from ..table import RouteInfo
from ..typed import type_label
from ._common import add_site

__all__ = ["register", "route_json"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``routes`` command."""
    routes = commands.add_parser("routes", help="print the route table")
    add_site(routes)
    routes.add_argument(
        "--json", action="store_true", help="print the table as a JSON array, one object a route"
    )
    routes.set_defaults(run=_routes)


def route_json(info: RouteInfo) -> dict[str, Any]:
    """One route of ``routes --json``: pattern, kind, file, params, methods, middleware,
    the typed ``body`` and ``query`` of each handler that declares one (by method), and
    ``providers``, the parameters providers fill, for routes that have any."""
    found: dict[str, Any] = {
        "pattern": info.pattern,
        "kind": str(info.kind),
        "file": info.file,
        "params": list(info.params),
        "methods": list(info.methods),
        "middleware": list(info.middleware),
        "body": _labels(info, "body"),
        "query": _labels(info, "query"),
    }
    provided = _provided(info)
    if provided:  # only routes that use providers carry the key
        found["providers"] = provided
    return found


def _provided(info: RouteInfo) -> dict[str, dict[str, str]]:
    """``{"GET": {"db": "Connection"}}``: the provided parameters of each handler."""
    found: dict[str, dict[str, str]] = {}
    for method, signature in info.signatures.items():
        provided = provided_parameters(signature.function)
        if provided:
            found[method] = {name: type_label(kind) for name, kind in provided.items()}
    return found


def _labels(info: RouteInfo, part: str) -> dict[str, str]:
    """``{"POST": "NewPost"}``: the type each handler declares for ``body`` or ``query``."""
    labels: dict[str, str] = {}
    for method, signature in info.signatures.items():
        annotation = getattr(signature, part)
        if annotation is not None:
            labels[method] = type_label(annotation)
    return labels


def _routes(args: argparse.Namespace) -> int:
    app = App(args.site_dir)
    if args.json:
        # routes() raises SiteError listing every broken file; nothing half-written goes out.
        print(json.dumps([route_json(info) for info in app.routes()], indent=2))
        return 0
    rows = [("PATH", "KIND", "METHODS", "BODY", "QUERY", "MIDDLEWARE", "FILE")]
    failed = False
    for route, endpoint in app.router:
        body = query = "-"
        try:
            loaded = endpoint.module.get()
            methods = ", ".join(loaded.table.allowed)
            body, query = _typed_inputs(loaded)
        except Exception as error:  # report every broken file, then fail
            methods = "error: " + str(error).partition("\n")[0]
            failed = True
        middleware = ", ".join(lazy.file for lazy in endpoint.middleware) or "-"
        rows.append((route.pattern, str(route.kind), methods, body, query, middleware, route.file))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for *cells, file in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join((*padded, file)))
    if failed:
        try:
            app.load_all()
        except SiteError as error:  # the full messages, each broken file once
            print(f"microroutes: {error}", file=sys.stderr)
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
