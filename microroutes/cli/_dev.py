"""``microroutes dev``: a site under werkzeug's server, reloading edits, with its debugger."""

from __future__ import annotations

import argparse
import logging
import sys

from werkzeug.debug import DebuggedApplication
from werkzeug.serving import WSGIRequestHandler, make_server

from ..app import App, reload_logger
from ..debug_access import LoopbackDebugger, reachable_from_outside
from ..errors import SiteError
from ..serving import AccessLog
from ._common import Server, add_access_log_format, add_address, add_site, run_until_stopped

__all__ = ["CONSOLE_PATH", "register"]

#: The debugger's console. A leading ``_`` is private in ``pages/``, so no route is hidden.
CONSOLE_PATH = "/_console"
_EXPOSED_WARNING = """\
microroutes: ************************************************************
microroutes: WARNING: dev listens on {host}: other machines can reach it.
microroutes: Tracebacks and the interactive debugger are shown only to
microroutes: clients on this machine (loopback addresses); other clients
microroutes: get plain errors. dev is not a production server: use
microroutes: `microroutes serve` for that.
microroutes: ************************************************************"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dev`` command."""
    dev = commands.add_parser(
        "dev", help="serve a site for development: reloads edits, interactive debugger"
    )
    add_site(dev)
    add_address(dev)
    dev.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per request to stderr (default on)",
    )
    add_access_log_format(dev)
    dev.set_defaults(run=_dev)


def _log_reloads() -> None:
    """Print each reload (files changed, routes added or removed) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    reload_logger.addHandler(handler)
    reload_logger.setLevel(logging.INFO)
    reload_logger.propagate = False


def _dev(args: argparse.Namespace) -> int:
    app = App(args.site_dir, reload=True, debugger=True)
    try:
        app.load_all()
    except SiteError as error:
        # Keep serving: broken routes answer 500 with the error until they are fixed.
        print(f"microroutes: {error}", file=sys.stderr)
    _log_reloads()
    # werkzeug's defaults: evaluation in frames on, guarded by the PIN and trusted hosts.
    # Only clients on this machine reach it, judged by their address.
    debugger = DebuggedApplication(app, evalex=True, console_path=CONSOLE_PATH)
    debugged = LoopbackDebugger(debugger, app)
    if reachable_from_outside(args.host):
        print(_EXPOSED_WARNING.format(host=args.host), file=sys.stderr, flush=True)

    def start() -> Server:
        # Outside the debugger, so the debugger's 500 pages are logged too.
        served = (
            AccessLog(debugged, log_format=args.access_log_format, redact=args.access_log_redact)
            if args.access_log
            else debugged
        )
        # The access log replaces werkzeug's own request lines (--no-access-log: no lines).
        server = make_server(
            args.host, args.port, served, threaded=True, request_handler=_QuietRequestHandler
        )
        url = f"http://{args.host}:{server.server_port}"
        # The lines werkzeug prints under its own reloader (which dev does not use).
        print(" * Debugger is active!", flush=True)
        if debugger.pin is None:
            print(" * Debugger PIN disabled. DEBUGGER UNSECURED!", flush=True)
        else:
            print(f" * Debugger PIN: {debugger.pin}", flush=True)
        banner = f"developing {app.site_dir} on {url} (reloads edits, debugger on)"
        return Server(banner, server.serve_forever, server.server_close)

    return run_until_stopped(app, start)


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without its own request lines (the access log has them)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
