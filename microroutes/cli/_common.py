"""What the ``microroutes`` commands share: their arguments and the serve loop."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from types import FrameType
from typing import NamedTuple

from ..app import App
from ..serving import ACCESS_LOG_FORMATS, DEFAULT_REDACTED_PARAMS

__all__ = ["Server", "add_access_log_format", "add_address", "add_site", "run_until_stopped"]


class Server(NamedTuple):
    """A server made ready to run: what to print, how to run it, how to close it."""

    banner: str
    serve_forever: Callable[[], object]
    close: Callable[[], object]


def add_site(parser: argparse.ArgumentParser) -> None:
    """The ``SITE_DIR`` argument."""
    parser.add_argument("site_dir", metavar="SITE_DIR", help="the site folder (holds pages/)")


def add_address(parser: argparse.ArgumentParser) -> None:
    """The ``--host`` and ``--port`` options."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")


def add_access_log_format(parser: argparse.ArgumentParser) -> None:
    """The ``--access-log-format`` and ``--access-log-redact`` options."""
    parser.add_argument(
        "--access-log-format",
        choices=ACCESS_LOG_FORMATS,
        default="combined",
        help="combined (Apache, plus microseconds) or json lines (default combined)",
    )
    parser.add_argument(
        "--access-log-redact",
        type=_names,
        default=DEFAULT_REDACTED_PARAMS,
        metavar="NAMES",
        help="comma-separated query parameters logged as REDACTED, replacing the default "
        f"({','.join(sorted(DEFAULT_REDACTED_PARAMS))}); '' redacts none",
    )


def _names(text: str) -> frozenset[str]:
    return frozenset(name.strip().lower() for name in text.split(",") if name.strip())


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def run_until_stopped(app: App, start: Callable[[], Server]) -> int:
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
