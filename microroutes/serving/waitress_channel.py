"""waitress's connection handling, adjusted where its defaults answer wrongly.

- A ``HEAD`` answer without a ``Content-Length`` (a stream too long to
  measure, see :mod:`microroutes.head`) is announced as chunked by waitress,
  which then writes the closing ``0\\r\\n\\r\\n`` chunk after the head: bytes
  a client reads as the start of the next answer. Here that chunk is not
  written for ``HEAD`` (waitress closes such a connection after the answer).
- A chunk size too large to be a 64-bit number (20 hex digits, say) is a
  400, and one declaring more bytes than the body limit a 413, as soon as
  its line is read: waitress would otherwise wait for bytes that can never
  fit (``-1``, ``+5`` or ``0x5`` it already refuses).
- waitress's own error answers (a malformed request line or chunk, a head
  or body over its limits) use the app's JSON error shape.
"""

from __future__ import annotations

import json
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import BadRequest, RequestEntityTooLarge

__all__ = ["use_microroutes_channels"]


class _Task(WSGITask):
    def finish(self) -> None:
        # The stubs type the request as waitress's error class; it is the parser.
        if getattr(self.request, "command", None) == "HEAD":
            if not self.wrote_header:
                self.write(b"")  # the head, where waitress decides to announce chunks
            self.chunked_response = False  # a HEAD answer ends with its head
        super().finish()


#: Chunk sizes from here up are not 64-bit numbers.
_CHUNK_SIZE_CEILING = 1 << 64


class _ChunkedReceiver(ChunkedReceiver):
    """waitress's chunked body reader, refusing a chunk that can never fit the body limit."""

    def __init__(self, buf: Any, max_body: int) -> None:
        super().__init__(buf)
        self._max_body = max_body

    def received(self, s: bytes) -> int:
        consumed: int = super().received(s)
        declared = self.chunk_remainder
        if declared and self.error is None:
            if declared >= _CHUNK_SIZE_CEILING:
                self.error = BadRequest("Invalid chunk size")
            elif len(self) + declared > self._max_body:
                self.error = RequestEntityTooLarge(f"exceeds max_body of {self._max_body}")
        return consumed


class _Parser(HTTPRequestParser):
    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.chunked and isinstance(self.body_rcv, ChunkedReceiver):
            max_body = self.adj.max_request_body_size
            self.body_rcv = _ChunkedReceiver(self.body_rcv.buf, max_body)


class _ErrorTask(ErrorTask):
    """waitress's error answer, in the JSON error shape."""

    def execute(self) -> None:
        error: Any = getattr(self.request, "error", None)  # the stubs type the parser wrongly
        message = {"error": {"status": error.code, "message": str(error.body)}}
        body = json.dumps(message, separators=(",", ":")).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers = [("Content-Type", "application/json")]
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    task_class = _Task
    error_task_class = _ErrorTask
    parser_class = _Parser


def use_microroutes_channels(events: dict[int, Any]) -> None:
    """Make every waitress listener in ``events`` (its socket map) use the adjusted channel."""
    for dispatcher in events.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = _Channel
