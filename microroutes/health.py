"""Readiness for load balancers: 200 while a server takes traffic, 503 once it drains.

A site adds a readiness route with :func:`ready`::

    # pages/healthz.py
    from microroutes.health import ready

    GET = ready()

The answer costs no database query unless the site passes a ``check``.
When ``microroutes serve`` is asked to stop (SIGTERM or SIGINT), the process
starts *draining*: the route answers 503 for the drain delay while every
other route still answers, so a load balancer probing it takes the host out
of rotation before the server stops accepting connections.

Draining is a state of the whole process (signals are too). Servers other
than ``serve`` call :func:`start_draining` from their own stop hook.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from .errors import HTTPError
from .request import Request
from .response import Response

__all__ = ["Check", "draining", "follow_drain_file", "ready", "start_draining"]

#: A site's own readiness test: ``False`` (or an exception) means not ready.
Check = Callable[[Request], object]

_NO_STORE = [("Cache-Control", "no-store")]


class _DrainState:
    """Whether this process drains: set here, or by the file a parent process creates."""

    def __init__(self) -> None:
        self.draining = False
        self.file: str | None = None
        self.lock = threading.Lock()

    def check(self) -> bool:
        if not self.draining and self.file is not None and os.path.exists(self.file):
            self.draining = True  # for good: a stop is not taken back
        return self.draining


_state = _DrainState()


def draining() -> bool:
    """Whether this process has been asked to stop and drains its traffic."""
    return _state.check()


def start_draining() -> None:
    """Make this process's readiness routes answer 503 from now on."""
    _state.draining = True


def follow_drain_file(path: str | None) -> None:
    """Drain as soon as a file exists at ``path`` (``None``: stop following).

    A server with worker processes creates the file in its parent, which is
    the process that receives the stop signal; every worker sees it at its
    next readiness probe.
    """
    with _state.lock:
        _state.file = path


def ready(check: Check | None = None) -> Callable[[Request, Response], dict[str, str]]:
    """A ``GET`` handler for a readiness route.

    It answers ``{"status": "ready"}`` with 200, or a JSON error with 503
    (``"draining"`` while the server stops; ``"not ready"`` when ``check``
    returns ``False`` or raises, the exception's type named). Answers are
    never cached (``Cache-Control: no-store``).

    :param check: called with the request on every probe while not
        draining: a database ping, a warm cache... Leave it out to keep
        probes off the database.
    """

    def readiness(req: Request, res: Response) -> dict[str, str]:
        if _state.check():
            raise HTTPError(503, "draining", _NO_STORE)
        if check is not None:
            try:
                ok = check(req)
            except Exception as error:
                raise HTTPError(503, f"not ready: {type(error).__name__}", _NO_STORE) from error
            if ok is False:
                raise HTTPError(503, "not ready", _NO_STORE)
        res.set_header("Cache-Control", "no-store")
        return {"status": "ready"}

    return readiness
