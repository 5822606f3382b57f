"""``microroutes dev``: a site under werkzeug's server, reloading edits."""

from __future__ import annotations

import argparse
import sys

from ..app import App
from ..errors import SiteError
from ._common import Server, add_address, add_site, run_until_stopped

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dev`` command."""
    dev = commands.add_parser("dev", help="serve a site for development, reloading edits")
    add_site(dev)
    add_address(dev)
    dev.set_defaults(run=_dev)


def _dev(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    app = App(args.site_dir, reload=True)
    try:
        app.load_all()
    except SiteError as error:
        # Keep serving: broken routes answer 500 with the error until they are fixed.
        print(f"microroutes: {error}", file=sys.stderr)

    def start() -> Server:
        server = make_server(args.host, args.port, app, threaded=True)
        url = f"http://{args.host}:{server.server_port}"
        banner = f"developing {app.site_dir} on {url} (reloads edits)"
        return Server(banner, server.serve_forever, server.server_close)

    return run_until_stopped(app, start)
