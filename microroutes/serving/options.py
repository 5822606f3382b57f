"""What ``microroutes serve`` was asked to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .access_log import DEFAULT_REDACTED_PARAMS, AccessLogFormat

__all__ = [
    "DEFAULT_BACKLOG",
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_DRAIN_DELAY",
    "DEFAULT_GRACEFUL_TIMEOUT",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_THREADS",
    "SERVERS",
    "ServeOptions",
    "ServerName",
]

ServerName = Literal["waitress", "granian"]
#: The servers ``serve`` can run, the default first.
SERVERS: tuple[ServerName, ...] = ("waitress", "granian")
#: Threads per process by server: waitress has one process, so it needs more; a granian
#: worker gets a few, so one slow request (a handler waiting on I/O) does not hold it all.
DEFAULT_THREADS: dict[ServerName, int] = {"waitress": 8, "granian": 4}
#: Seconds in-flight requests get to finish after SIGTERM or SIGINT.
DEFAULT_GRACEFUL_TIMEOUT = 30.0
#: Seconds readiness routes answer 503 after SIGTERM/SIGINT before the server stops
#: accepting: none by default, as without a load balancer nobody waits for it.
DEFAULT_DRAIN_DELAY = 0.0
#: Open client connections at most (waitress; more wait in the backlog until one closes).
DEFAULT_CONNECTION_LIMIT = 1000
#: Seconds a keep-alive connection may sit idle between requests before the server closes it.
DEFAULT_IDLE_TIMEOUT = 15.0
#: Connections the kernel queues for the server before refusing more (``listen()``'s backlog).
DEFAULT_BACKLOG = 1024


@dataclass(frozen=True)
class ServeOptions:
    """The settings of one ``serve`` run (the command line's options)."""

    #: The site folder (holds ``pages/``).
    site_dir: Path
    #: Which server runs the app.
    server: ServerName = "waitress"
    #: Address to listen on.
    host: str = "127.0.0.1"
    #: Port to listen on (0: any free port).
    port: int = 8000
    #: Worker processes (granian only).
    workers: int = 1
    #: Threads answering requests, per process (``None``: the server's default).
    threads: int | None = None
    #: Write an access log line per request to stderr.
    access_log: bool = False
    #: The access log's format.
    access_log_format: AccessLogFormat = "combined"
    #: Query parameters whose values the access log writes as ``REDACTED``.
    access_log_redact: frozenset[str] = DEFAULT_REDACTED_PARAMS
    #: Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    graceful_timeout: float = DEFAULT_GRACEFUL_TIMEOUT
    #: Seconds of draining (readiness 503, still serving) before the server stops accepting.
    drain_delay: float = DEFAULT_DRAIN_DELAY
    #: Open client connections at most (waitress).
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    #: Seconds an idle keep-alive connection is kept open.
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    #: Connections waiting to be accepted, at most.
    backlog: int = DEFAULT_BACKLOG
    #: Addresses or networks of the proxies whose ``X-Forwarded-*`` headers are honoured.
    trusted_proxies: tuple[str, ...] = ()
    #: Print tracebacks of start-up failures.
    debug: bool = False

    @property
    def thread_count(self) -> int:
        """Threads per process: :attr:`threads`, or the server's default."""
        return self.threads or DEFAULT_THREADS[self.server]
