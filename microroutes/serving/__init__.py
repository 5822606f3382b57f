"""Serving a site in production: waitress or granian, an access log, graceful stops.

:func:`serve` runs one ``microroutes serve`` invocation described by
:class:`ServeOptions`. :class:`AccessLog` is a plain WSGI wrapper, usable
under any server (gunicorn included).
"""

from __future__ import annotations

from .access_log import (
    ACCESS_LOG_FORMATS,
    DEFAULT_FLUSH_INTERVAL,
    DEFAULT_REDACTED_PARAMS,
    AccessLog,
    AccessLogFormat,
)
from .granian_runner import GRANIAN_MISSING, granian_available, run_granian
from .options import (
    DEFAULT_BACKLOG,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_DRAIN_DELAY,
    DEFAULT_GRACEFUL_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT,
    SERVERS,
    ServeOptions,
    ServerName,
)
from .proxy import TrustedProxies
from .startup import EXIT_STARTUP_FAILED, StartupError, report
from .waitress_runner import run_waitress

__all__ = [
    "ACCESS_LOG_FORMATS",
    "DEFAULT_BACKLOG",
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_DRAIN_DELAY",
    "DEFAULT_FLUSH_INTERVAL",
    "DEFAULT_GRACEFUL_TIMEOUT",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_REDACTED_PARAMS",
    "EXIT_STARTUP_FAILED",
    "GRANIAN_MISSING",
    "SERVERS",
    "AccessLog",
    "AccessLogFormat",
    "ServeOptions",
    "ServerName",
    "StartupError",
    "TrustedProxies",
    "granian_available",
    "serve",
]


def _announce(line: str) -> None:
    print(f"microroutes: {line} (Ctrl-C to stop)", flush=True)


def serve(options: ServeOptions) -> int:
    """Serve a site until SIGTERM or SIGINT; return the process exit status.

    Start-up failures are printed in a few lines (with the traceback when
    ``options.debug``) and give :data:`EXIT_STARTUP_FAILED`.
    """
    run = run_granian if options.server == "granian" else run_waitress
    try:
        status = run(options, _announce)
    except Exception as error:
        return report(error, debug=options.debug)
    if status == 0:
        print("microroutes: stopped", flush=True)
    return status
