"""``microroutes dev``: a site under werkzeug's server, reloading edits, with its debugger."""

from __future__ import annotations

import argparse
import logging
import sys

from ..app import App, reload_logger
from ..errors import SiteError
from ._common import Server, add_address, add_site, run_until_stopped

__all__ = ["CONSOLE_PATH", "register"]

#: The debugger's console. A leading ``_`` is private in ``pages/``, so no route is hidden.
CONSOLE_PATH = "/_console"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dev`` command."""
    dev = commands.add_parser(
        "dev", help="serve a site for development: reloads edits, interactive debugger"
    )
    add_site(dev)
    add_address(dev)
    dev.set_defaults(run=_dev)


def _log_reloads() -> None:
    """Print each reload (files changed, routes added or removed) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    reload_logger.addHandler(handler)
    reload_logger.setLevel(logging.INFO)
    reload_logger.propagate = False


def _dev(args: argparse.Namespace) -> int:
    from werkzeug.debug import DebuggedApplication
    from werkzeug.serving import make_server

    app = App(args.site_dir, reload=True, debugger=True)
    try:
        app.load_all()
    except SiteError as error:
        # Keep serving: broken routes answer 500 with the error until they are fixed.
        print(f"microroutes: {error}", file=sys.stderr)
    _log_reloads()
    # werkzeug's defaults: evaluation in frames on, guarded by the PIN and trusted hosts.
    debugged = DebuggedApplication(app, evalex=True, console_path=CONSOLE_PATH)

    def start() -> Server:
        server = make_server(args.host, args.port, debugged, threaded=True)
        url = f"http://{args.host}:{server.server_port}"
        # The lines werkzeug prints under its own reloader (which dev does not use).
        print(" * Debugger is active!", flush=True)
        if debugged.pin is None:
            print(" * Debugger PIN disabled. DEBUGGER UNSECURED!", flush=True)
        else:
            print(f" * Debugger PIN: {debugged.pin}", flush=True)
        banner = f"developing {app.site_dir} on {url} (reloads edits, debugger on)"
        return Server(banner, server.serve_forever, server.server_close)

    return run_until_stopped(app, start)
