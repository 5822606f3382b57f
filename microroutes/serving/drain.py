"""Draining a server with worker processes: the stop signal reaches the parent only.

The parent process receives SIGTERM/SIGINT; its workers answer the readiness
probes. :class:`DrainFile` bridges the two: on the first signal the parent
creates a file every worker follows (:func:`~microroutes.health.follow_drain_file`),
then waits out the drain delay before passing the signal on to the server;
a second signal passes it on at once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from ..health import start_draining

__all__ = ["DrainFile"]


class DrainFile:
    """A file created when the stop signal comes; removed by :meth:`close`."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._folder = tempfile.mkdtemp(prefix="microroutes-drain-")
        #: Where the file appears; workers follow it.
        self.path = os.path.join(self._folder, "draining")
        self._signals = 0
        self._timer: threading.Timer | None = None

    def delay_stop(self, stop: Callable[..., object]) -> Callable[..., None]:
        """A signal handler that drains, then calls ``stop`` after the delay (or a 2nd signal)."""

        def handler(*args: Any) -> None:
            self._signals += 1
            if self._signals == 1:
                start_draining()
                with open(self.path, "x"):
                    pass
                if self.delay > 0:
                    self._timer = threading.Timer(self.delay, stop, args)
                    self._timer.daemon = True
                    self._timer.start()
                    return
            if self._timer is not None:
                self._timer.cancel()
            stop(*args)

        return handler

    def close(self) -> None:
        """Cancel a pending delay and remove the file."""
        if self._timer is not None:
            self._timer.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)
