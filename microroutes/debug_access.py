"""Who may see a development server's internals: clients on this machine only.

Tracebacks in error answers and werkzeug's interactive debugger (which runs
Python code) are for the developer. :class:`LoopbackDebugger` serves them to
clients whose peer address (``REMOTE_ADDR``) is a loopback address; every
other client gets the answers a production server gives. The decision
never looks at the ``Host`` header or the request line, which any client
can set to ``localhost``.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

from .http import StartResponse

__all__ = ["HIDE_INTERNALS", "LoopbackDebugger", "is_loopback", "reachable_from_outside"]

#: The WSGI environ key that makes :class:`~microroutes.App` answer errors as in
#: production (no traceback, no debugger) whatever its ``debug`` settings.
HIDE_INTERNALS = "microroutes.hide_internals"

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@functools.lru_cache(maxsize=256)
def is_loopback(address: str | None) -> bool:
    """Whether the peer address ``address`` is on this machine's loopback (127/8, ::1)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def reachable_from_outside(host: str) -> bool:
    """Whether listening on ``host`` accepts connections from other machines.

    A wildcard (``0.0.0.0``, ``::``, ``""``), a non-loopback address, or a name
    resolving to one is reachable; a name that does not resolve counts as
    reachable too (the server will say it cannot listen there).
    """
    try:
        infos = socket.getaddrinfo(host or None, None, type=socket.SOCK_STREAM)
    except OSError:
        return True
    return not all(is_loopback(str(info[4][0])) for info in infos)


class LoopbackDebugger:
    """``debugged`` for loopback clients; ``app`` with internals hidden for the rest.

    :param debugged: the app wrapped in a debugger (werkzeug's ``DebuggedApplication``).
    :param app: the plain app; it gets :data:`HIDE_INTERNALS` set in the environ.
    """

    def __init__(self, debugged: WSGIApp, app: WSGIApp) -> None:
        self.debugged = debugged
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer through the debugger only if the peer is on this machine."""
        if is_loopback(environ.get("REMOTE_ADDR")):
            return self.debugged(environ, start_response)
        environ[HIDE_INTERNALS] = True
        return self.app(environ, start_response)
