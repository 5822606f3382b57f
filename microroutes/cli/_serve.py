"""``microroutes serve``: a site under waitress or granian, for production."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..serving import (
    DEFAULT_BACKLOG,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_DRAIN_DELAY,
    DEFAULT_GRACEFUL_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT,
    SERVERS,
    ServeOptions,
    serve,
)
from ..serving.proxy import parse_trusted_proxy
from ._common import add_access_log_format, add_address, add_site

__all__ = ["register"]

_WAITRESS_SINGLE_PROCESS = (
    "--workers: waitress runs in a single process (use --threads for concurrency); "
    "for several worker processes use --server granian, or gunicorn (see docs/deploying.md)"
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` command."""
    serve_parser = commands.add_parser(
        "serve", help="serve a site for production (waitress, or granian with workers)"
    )
    add_site(serve_parser)
    add_address(serve_parser)
    serve_parser.add_argument(
        "--server", choices=SERVERS, default="waitress", help="the WSGI server (default waitress)"
    )
    serve_parser.add_argument(
        "--workers", type=_positive_int, help="worker processes (granian; default 1)"
    )
    serve_parser.add_argument(
        "--threads",
        type=_positive_int,
        help="threads per process (default: 8 on waitress, 4 per granian worker)",
    )
    serve_parser.add_argument(
        "--access-log", action="store_true", help="log one line per request to stderr"
    )
    add_access_log_format(serve_parser)
    serve_parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=DEFAULT_GRACEFUL_TIMEOUT,
        metavar="S",
        help="seconds in-flight requests get to finish on SIGTERM/SIGINT (default 30)",
    )
    serve_parser.add_argument(
        "--drain-delay",
        type=_seconds,
        default=DEFAULT_DRAIN_DELAY,
        metavar="S",
        help="on SIGTERM/SIGINT, seconds readiness routes answer 503 while the server still "
        "serves, before it stops accepting (default 0; a second signal cuts it short)",
    )
    serve_parser.add_argument(
        "--connection-limit",
        type=_positive_int,
        default=DEFAULT_CONNECTION_LIMIT,
        metavar="N",
        help=f"open client connections at most (waitress; default {DEFAULT_CONNECTION_LIMIT})",
    )
    serve_parser.add_argument(
        "--idle-timeout",
        type=_positive_seconds,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="S",
        help=f"seconds an idle keep-alive connection is kept (default {DEFAULT_IDLE_TIMEOUT:g})",
    )
    serve_parser.add_argument(
        "--backlog",
        type=_positive_int,
        default=DEFAULT_BACKLOG,
        metavar="N",
        help=f"connections waiting to be accepted at most (default {DEFAULT_BACKLOG})",
    )
    serve_parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        type=_trusted_proxy,
        metavar="ADDRESS",
        help=(
            "honour X-Forwarded-For/-Proto/-Host/-Port/-Prefix from this address or network "
            "(repeat for several; default: from no one)"
        ),
    )
    serve_parser.add_argument(
        "--debug", action="store_true", help="print tracebacks of start-up failures"
    )
    serve_parser.set_defaults(run=_serve)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seconds(text: str, *, zero: bool = True) -> float:
    """A finite number of seconds: 0 or more, or over 0 when ``zero`` is false."""
    value = float(text)
    if not (value >= 0 if zero else value > 0) or value == float("inf"):
        least = "0 or more" if zero else "over 0"
        raise argparse.ArgumentTypeError(f"must be a number of seconds, {least}, got {text}")
    return value


def _positive_seconds(text: str) -> float:
    return _seconds(text, zero=False)


def _trusted_proxy(text: str) -> str:
    try:
        parse_trusted_proxy(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text.strip()


def _serve(args: argparse.Namespace) -> int:
    if args.workers is not None and args.server == "waitress":
        print(f"microroutes: {_WAITRESS_SINGLE_PROCESS}", file=sys.stderr)
        return 2
    options = ServeOptions(
        site_dir=Path(args.site_dir),
        server=args.server,
        host=args.host,
        port=args.port,
        workers=args.workers or 1,
        threads=args.threads,
        access_log=args.access_log,
        access_log_format=args.access_log_format,
        access_log_redact=args.access_log_redact,
        graceful_timeout=args.graceful_timeout,
        drain_delay=args.drain_delay,
        connection_limit=args.connection_limit,
        idle_timeout=args.idle_timeout,
        backlog=args.backlog,
        trusted_proxies=tuple(args.trusted_proxy),
        debug=args.debug,
    )
    return serve(options)
