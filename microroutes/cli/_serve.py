"""``microroutes serve``: a site under waitress, for production."""

from __future__ import annotations

import argparse

from ..app import App
from ._common import Server, add_address, add_site, run_until_stopped

__all__ = ["register"]

#: waitress's own default body limit (1 GiB), kept when some route has no limit.
_WAITRESS_BODY_LIMIT = 1 << 30
_WAITRESS_BODY_MARGIN = 1 << 20


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` command."""
    serve = commands.add_parser("serve", help="serve a site with waitress (production)")
    add_site(serve)
    add_address(serve)
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    app = App(args.site_dir)
    app.load_all()
    largest = app.largest_body_size()
    # waitress refuses a body far over every route's limit with 413 before buffering it;
    # the margin lets the app answer bodies just over a limit with its own JSON 413.
    body_limit = _WAITRESS_BODY_LIMIT if largest is None else largest + _WAITRESS_BODY_MARGIN

    def start() -> Server:
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            max_request_body_size=body_limit,
        )
        host = getattr(server, "effective_host", args.host)
        port = getattr(server, "effective_port", args.port)
        return Server(f"serving {app.site_dir} on http://{host}:{port}", server.run, server.close)

    return run_until_stopped(app, start)
