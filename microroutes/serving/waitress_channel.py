"""waitress's connection handling, adjusted where its defaults answer wrongly.

- A ``HEAD`` answer without a ``Content-Length`` (a stream too long to
  measure, see :mod:`microroutes.head`) is announced as chunked by waitress,
  which then writes the closing ``0\\r\\n\\r\\n`` chunk after the head: bytes
  a client reads as the start of the next answer. Here that chunk is not
  written for ``HEAD`` (waitress closes such a connection after the answer).
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask

__all__ = ["use_microroutes_channels"]


class _Task(WSGITask):
    def finish(self) -> None:
        # The stubs type the request as waitress's error class; it is the parser.
        if getattr(self.request, "command", None) == "HEAD":
            if not self.wrote_header:
                self.write(b"")  # the head, where waitress decides to announce chunks
            self.chunked_response = False  # a HEAD answer ends with its head
        super().finish()


class _Channel(HTTPChannel):
    task_class = _Task


def use_microroutes_channels(events: dict[int, Any]) -> None:
    """Make every waitress listener in ``events`` (its socket map) use the adjusted channel."""
    for dispatcher in events.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = _Channel
