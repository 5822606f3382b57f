"""Client-sent text made safe for a log line: escaped, and with secrets redacted.

Every field of an access log line that a client controls goes through
:func:`escape`: a printable ASCII character other than ``"`` and ``\\`` is
kept; every other character becomes ``\\xNN`` (its byte, as WSGI hands
header and query text over as latin-1 characters), or ``\\uNNNN`` /
``\\UNNNNNNNN`` beyond latin-1. nginx's and Apache's access logs escape the
same way, so a line can neither hold a terminal escape sequence, nor a
newline, nor a quote that ends its field early.

:class:`Redactor` replaces the values of query parameters named like
secrets (:data:`DEFAULT_REDACTED_PARAMS`) with :data:`REDACTED`;
:func:`redact_referer` replaces a referer's whole query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

__all__ = [
    "DEFAULT_REDACTED_PARAMS",
    "REDACTED",
    "Redactor",
    "escape",
    "is_plain",
    "redact_referer",
]

#: Query parameters whose values the access log leaves out, by default. A
#: name matches case-insensitively, whole or as the last part after ``_``,
#: ``-`` or ``.`` (``api_key``, ``X-Amz-Signature``, ``refresh_token``).
DEFAULT_REDACTED_PARAMS: frozenset[str] = frozenset(
    {"token", "access_token", "key", "password", "secret", "signature"}
)
#: What a redacted value is logged as.
REDACTED = "REDACTED"

# Kept as they are: printable ASCII except the quote and the backslash.
_UNSAFE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
_NAME_SEPARATORS = re.compile(r"[-_.]")


def _escaped_char(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x100:
        return f"\\x{code:02X}"
    if code < 0x10000:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def is_plain(text: str) -> bool:
    """Whether :func:`escape` leaves ``text`` as it is (checks several fields joined at once)."""
    # Checked without a regular expression: the common case costs a few C-level scans.
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def escape(value: str) -> str:
    """``value`` with every character but printable ASCII, ``"`` and ``\\`` as an escape."""
    if is_plain(value):
        return value
    return _UNSAFE.sub(_escaped_char, value)


def _is_secret(name: str, secrets: frozenset[str]) -> bool:
    name = unquote_plus(name).lower()
    return name in secrets or _NAME_SEPARATORS.split(name)[-1] in secrets


class Redactor:
    """Redacts the query values of parameters named in ``names`` (case-insensitive)."""

    __slots__ = ("_any_name", "names")

    def __init__(self, names: Iterable[str]) -> None:
        #: The lower-case names.
        self.names: frozenset[str] = frozenset(
            name.strip().lower() for name in names if name.strip()
        )
        pattern = "|".join(map(re.escape, sorted(self.names)))
        self._any_name = re.compile(pattern) if self.names else None

    def query(self, query: str) -> str:
        """``query`` with the value of each secret parameter replaced by :data:`REDACTED`."""
        if self._any_name is None or not query:
            return query
        # Most queries hold none of the names: one search over the lowered query says so.
        if self._any_name.search(query.lower()) is None:
            return query
        parts = query.split("&")
        for index, part in enumerate(parts):
            name, equals, value = part.partition("=")
            if equals and value and _is_secret(name, self.names):
                parts[index] = f"{name}={REDACTED}"
        return "&".join(parts)


def redact_referer(referer: str) -> str:
    """``referer`` with its query (and fragment) replaced by :data:`REDACTED`."""
    query, fragment = referer.find("?"), referer.find("#")
    if query < 0:
        if fragment < 0:
            return referer
        query = fragment
    elif 0 <= fragment < query:
        query = fragment
    return f"{referer[:query]}?{REDACTED}"
