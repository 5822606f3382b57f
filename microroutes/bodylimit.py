"""The request body limit: its default, and the one check against it.

The app checks a declared ``Content-Length`` before the handler runs (so a
route that never reads the body still refuses an oversized one), and
:class:`~microroutes.Request` checks the bytes it actually read (a chunked
body declares no length). Both ask :func:`check_body_size`.
"""

from __future__ import annotations

from .errors import ContentTooLarge

__all__ = ["DEFAULT_MAX_BODY_SIZE", "check_body_size"]

#: The body limit when neither the app nor the route sets one: 1 MiB.
DEFAULT_MAX_BODY_SIZE = 1 << 20


def check_body_size(size: int | None, limit: int | None) -> None:
    """Raise 413 when a body of ``size`` bytes is over ``limit``.

    ``None`` for ``size`` (no length declared) or ``limit`` (no limit) passes.
    """
    if size is not None and limit is not None and size > limit:
        raise ContentTooLarge(f"the body is over the limit of {limit} bytes")
