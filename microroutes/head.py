"""``HEAD`` on a streamed body: measured when it is short, sent without a length otherwise.

A ``HEAD`` answered by a ``GET`` handler should carry the ``Content-Length``
the ``GET`` would, and for a streamed body the only way to know it is to run
the stream. A stream may never end (server-sent events, a live feed), so it
is run for a bounded number of chunks: a stream that ends within them is
answered with its length, a longer one without a length, and it is closed
either way.
"""

from __future__ import annotations

from .response import Response, StreamedBody

__all__ = ["DEFAULT_HEAD_DRAIN_CHUNKS", "answer_head", "check_head_drain_chunks"]

#: How many chunks of a streamed body ``HEAD`` runs, by default, to measure it.
DEFAULT_HEAD_DRAIN_CHUNKS = 16


def check_head_drain_chunks(value: object) -> int:
    """``value`` if it is a chunk count (an int, 0 or more); else a :class:`ValueError`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"head_drain_chunks must be a number of chunks (0 or more), got {value!r}")
    return value


def answer_head(response: Response, body: StreamedBody, max_chunks: int) -> None:
    """Turn ``response`` (whose body is ``body``) into its ``HEAD`` answer, closing the stream.

    A declared ``Content-Length`` is kept and the stream is not run. Otherwise
    up to ``max_chunks`` chunks are run: a stream that ends within them gets its
    ``Content-Length``, a longer one is answered without one.
    """
    if response.get_header("Content-Length") is not None:
        body.close()
        response.body = b""
        return
    length = body.measure(max_chunks)
    if length is None:
        # Not bytes, so no Content-Length is added for it: the length is unknown.
        response.body = ()
        return
    response.set_header("Content-Length", str(length))
    response.body = b""
