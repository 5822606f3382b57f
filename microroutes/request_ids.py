"""Request ids: one token per request, to find it in every log line of every host.

The id is the client's (or a proxy's) ``X-Request-ID`` when it is a sane
token: 1 to :data:`DEFAULT_MAX_REQUEST_ID_LENGTH` characters (configurable
with ``App(max_request_id_length=...)``) from :data:`SAFE_CHARACTERS`.
Anything else is replaced by a new id. The id is stored in the WSGI environ
under :data:`ENVIRON_KEY`, so servers, access logs and WSGI middleware read
it, and sent back as ``X-Request-ID``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from typing import Any

from .http import StartResponse

__all__ = [
    "DEFAULT_MAX_REQUEST_ID_LENGTH",
    "ENVIRON_KEY",
    "HEADER",
    "SAFE_CHARACTERS",
    "assign_request_id",
    "checked_max_length",
    "new_request_id",
    "request_id",
    "with_request_id",
]

#: The request and response header carrying the id.
HEADER = "X-Request-ID"
#: Where the id is kept in the WSGI environ.
ENVIRON_KEY = "microroutes.request_id"
#: Longest incoming id kept; a longer one is replaced by a new id.
DEFAULT_MAX_REQUEST_ID_LENGTH = 128
#: The characters an incoming id may use: nothing a log line or header must escape.
SAFE_CHARACTERS = "A-Z a-z 0-9 - _ . : + / = @"
_SAFE = re.compile(r"[A-Za-z0-9\-_.:+/=@]+")
_HEADER_KEY = "HTTP_X_REQUEST_ID"


class _Sequence:
    """A random prefix drawn once per process and a counter: ids unique across hosts."""

    __slots__ = ("count", "prefix")

    def __init__(self) -> None:
        self.prefix = ""
        self.count = itertools.count(1).__next__
        self.restart()

    def restart(self) -> None:
        """A new prefix and counter: at import, and in every forked child."""
        self.prefix = os.urandom(10).hex() + "-"
        self.count = itertools.count(1).__next__


_sequence = _Sequence()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_sequence.restart)


def checked_max_length(value: int) -> int:
    """``value`` as a length limit for incoming ids; :class:`ValueError` unless an int >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_request_id_length must be a whole number >= 0, not {value!r}")
    return value


def new_request_id() -> str:
    """A new id: 80 random bits drawn once per process, a dash, and a counter.

    ``4f1c0e9a2b7d5c3e8a6f-1``: unique across processes and hosts, and cheap
    enough to make for every request (a worker forked from a parent draws
    its own random part).
    """
    return _sequence.prefix + str(_sequence.count())


def assign_request_id(environ: dict[str, Any], max_length: int) -> str:
    """The request's id, stored in ``environ``: the incoming one when sane, else a new one.

    ``max_length`` 0 ignores incoming ids altogether.
    """
    incoming = environ.get(_HEADER_KEY)
    if incoming is None or len(incoming) > max_length or not _SAFE.fullmatch(incoming):
        incoming = _sequence.prefix + str(_sequence.count())
    environ[ENVIRON_KEY] = incoming
    value: str = incoming
    return value


def request_id(environ: dict[str, Any]) -> str | None:
    """The id the app gave this request, or ``None`` before it did."""
    value = environ.get(ENVIRON_KEY)
    return value if isinstance(value, str) else None


def with_request_id(start_response: StartResponse, value: str) -> StartResponse:
    """``start_response`` adding ``X-Request-ID: value`` (for responses made elsewhere)."""

    def start(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        return start_response(status, [*headers, (HEADER, value)], exc_info)

    return start
