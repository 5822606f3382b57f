"""The HTTP vocabulary: reason phrases, status lines, header and status checks, WSGI types.

Responses and errors both speak it, so it lives apart from either: a header
or status is checked here at the moment it is set, and a bad one raises a
clear error in the code that set it, long before a server sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus as _Status
from typing import Any, Protocol

__all__ = [
    "HOP_BY_HOP_HEADERS",
    "StartResponse",
    "check_header",
    "check_status",
    "status_line",
    "status_phrase",
]

#: Reason phrases as RFC 9110 names them, whatever the Python version's table says.
_PHRASES = {
    **{status.value: status.phrase for status in _Status},
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}
_STATUS_LINES = {code: f"{code} {phrase}" for code, phrase in _PHRASES.items()}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Control characters other than horizontal tab (RFC 9110 §5.5), DEL included.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Connection-level headers: the server's to send, never an application's (PEP 3333).
HOP_BY_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding", "upgrade"}
)


class StartResponse(Protocol):
    """The WSGI ``start_response`` callable (PEP 3333)."""

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]: ...


def status_phrase(status: int) -> str:
    """The standard reason phrase for ``status``, or ``"Unknown"``."""
    return _PHRASES.get(status, "Unknown")


def status_line(status: int) -> str:
    """``"404 Not Found"`` for 404; an unregistered code gets ``"599 Unknown"``."""
    line = _STATUS_LINES.get(status)
    return line if line is not None else f"{status} Unknown"


def check_status(status: object, lowest: int = 200) -> int:
    """``status`` as a plain ``int`` if it is one from ``lowest`` to 599, else ``ValueError``.

    ``http.HTTPStatus.CREATED`` is fine; 1xx statuses are the server's
    business, never a WSGI application's.
    """
    if not isinstance(status, int) or isinstance(status, bool) or not lowest <= status <= 599:
        raise ValueError(f"HTTP status must be an int from {lowest} to 599, got {status!r}")
    return int(status)


def check_header(name: str, value: str) -> None:
    """Raise ``ValueError`` unless the header may be sent by an application.

    ``name`` must be a token and not a hop-by-hop header (``Connection``,
    ``Transfer-Encoding``, ``Keep-Alive``, ``Upgrade``, ``TE``, ``Trailer``,
    ``Proxy-*``), which only the server may send. ``value`` must be a latin-1
    ``str`` without control characters (CR, LF, NUL, DEL...; tab is fine),
    and ``Content-Length`` must be digits. This is what stops a value taken
    from a request from splitting a response.
    """
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    if not isinstance(value, str):
        raise TypeError(f"header {name}: value must be str, got {type(value).__name__}")
    control = _CONTROL.search(value)
    if control:
        raise ValueError(
            f"header {name}: value contains the control character {control.group()!r} "
            f"(CR, LF or NUL, or any other but tab, could split or corrupt it): {value!r}"
        )
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"header {name}: value is not latin-1 (PEP 3333); percent-encode it: {value!r}"
            ) from None
    lower = name.lower()
    if lower in HOP_BY_HOP_HEADERS or lower.startswith("proxy-"):
        raise ValueError(
            f"header {name} is a hop-by-hop header: only the server may send it (PEP 3333)"
        )
    if lower == "content-length" and not (value.isdigit() and value.isascii()):
        raise ValueError(f"header Content-Length must be a number of bytes, got {value!r}")
