"""The ``microroutes`` command: serve a site, list its routes."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

from . import __version__
from .app import App
from .errors import SiteError

__all__ = ["main"]


def _add_site(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_dir", metavar="SITE_DIR", help="the site folder (holds pages/)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microroutes", description="File-system API routes for Python WSGI."
    )
    parser.add_argument("--version", action="version", version=f"microroutes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a site with waitress (production)")
    _add_site(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.set_defaults(run=_serve)

    routes = commands.add_parser("routes", help="print the route table")
    _add_site(routes)
    routes.set_defaults(run=_routes)
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


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _serve(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    app = App(args.site_dir)
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    host = getattr(server, "effective_host", args.host)
    port = getattr(server, "effective_port", args.port)
    print(
        f"microroutes: serving {app.site_dir} on http://{host}:{port} (Ctrl-C to stop)", flush=True
    )
    _stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("microroutes: stopped", flush=True)
    return 0


def _routes(args: argparse.Namespace) -> int:
    app = App(args.site_dir)
    rows = [("PATH", "KIND", "METHODS", "FILE")]
    failed = False
    for route, endpoint in app.router:
        try:
            methods = ", ".join(endpoint.load().allowed)
        except Exception as error:
            methods = f"error: {type(error).__name__}: {error}"
            failed = True
        rows.append((route.pattern, route.kind, methods, route.file))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )
    return 1 if failed else 0
