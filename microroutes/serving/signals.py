"""SIGTERM and SIGINT as a request to stop gracefully; a second one to hurry."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["STOP_SIGNALS", "StopEvent", "stop_requested"]

#: The signals that ask a server to drain and stop.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopEvent(threading.Event):
    """Set by the first stop signal; :attr:`again` is set by the next one."""

    def __init__(self) -> None:
        super().__init__()
        #: A second signal: skip what is left of the drain delay.
        self.again = threading.Event()

    def signal(self) -> None:
        """Record one stop signal."""
        if self.is_set():
            self.again.set()
        else:
            self.set()


@contextmanager
def stop_requested() -> Iterator[StopEvent]:
    """An event set by SIGTERM or SIGINT while the block runs; the old handlers come back after.

    Call it from the main thread (Python runs signal handlers only there).
    """
    stop = StopEvent()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.signal()

    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
