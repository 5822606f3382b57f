"""``microroutes dev``: a site under werkzeug's server, reloading edits."""

from __future__ import annotations

import argparse
import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from ..app import App
from ..errors import SiteError
from ..serving import ACCESS_LOG_FORMATS, AccessLog
from ._common import Server, add_address, add_site, run_until_stopped

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dev`` command."""
    dev = commands.add_parser("dev", help="serve a site for development, reloading edits")
    add_site(dev)
    add_address(dev)
    dev.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per request to stderr (default on)",
    )
    dev.add_argument(
        "--access-log-format",
        choices=ACCESS_LOG_FORMATS,
        default="combined",
        help="combined (Apache, plus microseconds) or json lines (default combined)",
    )
    dev.set_defaults(run=_dev)


def _dev(args: argparse.Namespace) -> int:
    app = App(args.site_dir, reload=True)
    try:
        app.load_all()
    except SiteError as error:
        # Keep serving: broken routes answer 500 with the error until they are fixed.
        print(f"microroutes: {error}", file=sys.stderr)

    def start() -> Server:
        served = AccessLog(app, log_format=args.access_log_format) if args.access_log else app
        # The access log replaces werkzeug's own request lines (--no-access-log: no lines).
        server = make_server(
            args.host, args.port, served, threaded=True, request_handler=_QuietRequestHandler
        )
        url = f"http://{args.host}:{server.server_port}"
        banner = f"developing {app.site_dir} on {url} (reloads edits)"
        return Server(banner, server.serve_forever, server.server_close)

    return run_until_stopped(app, start)


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without its own request lines (the access log has them)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
