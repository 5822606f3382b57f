"""Content negotiation: which of the types a server offers the client prefers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

__all__ = ["preferred", "prefers_html"]

_ERROR_TYPES = ("application/json", "text/html")


def preferred(accept: str | None, offered: Sequence[str]) -> str | None:
    """The type in ``offered`` that an ``Accept`` header value prefers, ``None`` if none fits.

    Quality values and specificity decide (werkzeug's parsing); on a tie the
    type offered first wins. No ``Accept`` header accepts anything: the first
    type offered.

    :raises ValueError: nothing offered.
    """
    if not offered:
        raise ValueError("offer at least one media type")
    if not accept:
        return offered[0]
    match: str | None = parse_accept_header(accept, MIMEAccept).best_match(offered)
    return match


def prefers_html(environ: dict[str, Any]) -> bool:
    """Whether the client prefers an HTML error page to the JSON error body (JSON on a tie)."""
    accept = environ.get("HTTP_ACCEPT")
    if not accept or "html" not in accept:
        return False  # the common API client: no parsing at all
    return preferred(accept, _ERROR_TYPES) == "text/html"
