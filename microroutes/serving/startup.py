"""Start-up failures told in a few lines: what went wrong, and which file or address.

``serve`` turns every failure before the first request (a missing site
folder, a broken route file, an address it cannot listen on, a
``startup(app)`` that raises) into a :class:`StartupError` and prints its
message without a traceback; ``--debug`` prints the traceback as well.
"""

from __future__ import annotations

import errno
import socket
import sys
import traceback
from pathlib import Path
from typing import TextIO

from ..errors import SiteError

__all__ = [
    "EXIT_STARTUP_FAILED",
    "StartupError",
    "check_site_folder",
    "describe_bind_error",
    "describe_hook_error",
    "report",
    "reserve_port",
]

#: The exit status of a server that could not start.
EXIT_STARTUP_FAILED = 1

_BIND_REASONS = {
    errno.EADDRINUSE: "the address is already in use (is another server running there?)",
    errno.EACCES: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
    errno.EPERM: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
    errno.EADDRNOTAVAIL: "that address does not belong to this machine",
}


class StartupError(Exception):
    """A server could not start; the message says why in a few lines."""


def check_site_folder(site_dir: str | Path) -> Path:
    """``site_dir`` as a path if it is a folder holding ``pages/``; else :class:`StartupError`."""
    site = Path(site_dir)
    if not site.exists():
        raise StartupError(f"no such site folder: {site}")
    if not site.is_dir():
        raise StartupError(f"not a folder: {site}")
    if not (site / "pages").is_dir():
        raise StartupError(f"{site} has no pages/ folder (routes live in SITE_DIR/pages/)")
    return site


def describe_bind_error(host: str, port: int, error: OSError) -> StartupError:
    """The :class:`StartupError` for failing to listen on ``host:port``."""
    if isinstance(error, socket.gaierror):
        reason = f"unknown host name ({error.strerror})"
    else:
        reason = _BIND_REASONS.get(error.errno or 0) or error.strerror or str(error)
    return StartupError(f"cannot listen on {host}:{port}: {reason}")


def reserve_port(host: str, port: int) -> int:
    """Check that ``host:port`` can be listened on; return the port (a free one for 0).

    For servers that bind in their worker processes: the address is tried
    here first so a failure is reported plainly, once. The socket is closed
    again before returning.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
            chosen: int = probe.getsockname()[1]
    except OSError as error:
        raise describe_bind_error(host, port, error) from error
    return chosen


def describe_hook_error(error: BaseException, hooks_file: Path) -> StartupError:
    """The :class:`StartupError` for ``startup(app)`` raising ``error``.

    Names the hooks file and the line in the site's code where it was raised.
    """
    where = _site_frame(error, hooks_file.parent.parent)
    lines = [f"startup(app) in {hooks_file.parent.name}/{hooks_file.name} failed:"]
    lines.append(f"  {type(error).__name__}: {error}")
    if where:
        lines.append(f"  raised at {where}")
    return StartupError("\n".join(lines))


def _site_frame(error: BaseException, site_dir: Path) -> str | None:
    """``file:line`` of the innermost traceback frame inside ``site_dir``, relative to it."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(site_dir):
            found = f"{path.relative_to(site_dir).as_posix()}:{frame.lineno}"
    return found


def report(error: BaseException, *, debug: bool = False, stream: TextIO | None = None) -> int:
    """Print a start-up failure as ``microroutes: ...`` lines; return the exit status.

    :class:`StartupError` and :class:`~microroutes.SiteError` print their
    message; anything else prints its type and message. ``debug`` adds the traceback.
    """
    out = stream or sys.stderr
    if isinstance(error, (StartupError, SiteError)):
        message = str(error)
    else:
        message = f"could not start: {type(error).__name__}: {error}"
    print(f"microroutes: {message}", file=out)
    cause = error.__cause__ if isinstance(error, StartupError) else error
    if debug:
        traceback.print_exception(cause or error, file=out)
    elif cause is not None and not isinstance(cause, SiteError):
        print("microroutes: (run with --debug for the traceback)", file=out)
    out.flush()
    return EXIT_STARTUP_FAILED
