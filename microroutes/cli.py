"""The ``microroutes`` command: serve a site, develop it, list its routes, write its sitemap."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NamedTuple

from . import __version__
from .app import App
from .errors import SiteError

__all__ = ["main"]

#: waitress's own default body limit (1 GiB), kept when some route has no limit.
_WAITRESS_BODY_LIMIT = 1 << 30
_WAITRESS_BODY_MARGIN = 1 << 20


class _Server(NamedTuple):
    """A server made ready to run: what to print, how to run it, how to close it."""

    banner: str
    serve_forever: Callable[[], object]
    close: Callable[[], object]


def _add_site(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_dir", metavar="SITE_DIR", help="the site folder (holds pages/)")


def _add_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microroutes", description="File-system API routes for Python WSGI."
    )
    parser.add_argument("--version", action="version", version=f"microroutes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a site with waitress (production)")
    _add_site(serve)
    _add_address(serve)
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.set_defaults(run=_serve)

    dev = commands.add_parser("dev", help="serve a site for development, reloading edits")
    _add_site(dev)
    _add_address(dev)
    dev.set_defaults(run=_dev)

    sitemap = commands.add_parser("sitemap", help="write the site's sitemap files and index")
    _add_site(sitemap)
    sitemap.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    sitemap.add_argument(
        "--hostname", required=True, help="the site's address, e.g. https://example.com"
    )
    sitemap.add_argument(
        "--base-url", help="where the files will be served from (default: --hostname)"
    )
    sitemap.add_argument("--gzip", action="store_true", help="write .xml.gz files")
    sitemap.set_defaults(run=_sitemap)

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
    app.load_all()
    largest = app.largest_body_size()
    # waitress refuses a body far over every route's limit with 413 before buffering it;
    # the margin lets the app answer bodies just over a limit with its own JSON 413.
    body_limit = _WAITRESS_BODY_LIMIT if largest is None else largest + _WAITRESS_BODY_MARGIN

    def start() -> _Server:
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            max_request_body_size=body_limit,
        )
        host = getattr(server, "effective_host", args.host)
        port = getattr(server, "effective_port", args.port)
        return _Server(f"serving {app.site_dir} on http://{host}:{port}", server.run, server.close)

    return _run_until_stopped(app, start)


def _dev(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    app = App(args.site_dir, reload=True)
    try:
        app.load_all()
    except SiteError as error:
        # Keep serving: broken routes answer 500 with the error until they are fixed.
        print(f"microroutes: {error}", file=sys.stderr)

    def start() -> _Server:
        server = make_server(args.host, args.port, app, threaded=True)
        url = f"http://{args.host}:{server.server_port}"
        banner = f"developing {app.site_dir} on {url} (reloads edits)"
        return _Server(banner, server.serve_forever, server.server_close)

    return _run_until_stopped(app, start)


def _run_until_stopped(app: App, start: Callable[[], _Server]) -> int:
    """Start up the app, start the server, serve until Ctrl-C or SIGTERM, then shut down."""
    app.startup()
    try:
        server = start()
        print(f"microroutes: {server.banner} (Ctrl-C to stop)", flush=True)
        _stop_on_sigterm()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    finally:
        app.close()
    print("microroutes: stopped", flush=True)
    return 0


def _sitemap(args: argparse.Namespace) -> int:
    from .sitemap import SitemapError, site_urls, write_sitemaps

    app = App(args.site_dir)
    app.startup()
    try:
        paths = write_sitemaps(
            site_urls(app),
            args.out,
            hostname=args.hostname,
            base_url=args.base_url or args.hostname,
            gzip=args.gzip,
        )
    except (SitemapError, ValueError) as error:
        print(f"microroutes: sitemap: {error}", file=sys.stderr)
        return 1
    finally:
        app.close()
    for path in paths:
        print(path)
    return 0


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
        rows.append((route.pattern, route.kind, methods, middleware, route.file))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for *cells, file in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print("  ".join((*padded, file)))
    return 1 if failed else 0
