"""Exceptions that become HTTP responses, and errors raised while loading a site.

Raise an :class:`HTTPError` (or one of its subclasses) from a handler to answer
with an error status; it renders itself as JSON (:meth:`HTTPError.to_dict`),
or as HTML (:meth:`HTTPError.to_html`) when the client prefers HTML.
:class:`Halt` short-circuits with a non-error status and no body (``204``,
``304``).
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.http import http_date

from .http import check_header, check_status, status_phrase

__all__ = [
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "Forbidden",
    "HTTPError",
    "HTTPStatus",
    "Halt",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "RouteConflictError",
    "RouteError",
    "ServiceUnavailable",
    "SiteError",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
]

HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]


def _header_list(headers: HeaderItems | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    for name, value in items:
        check_header(name, value)
    return items


class Halt(Exception):
    """Stop handling and answer with ``status`` and ``headers`` and no body.

    Used for non-error short-circuits such as ``204 No Content`` answering an
    ``OPTIONS`` request, or ``304 Not Modified``.
    """

    def __init__(self, status: int, headers: HeaderItems | None = None) -> None:
        code = check_status(status)
        super().__init__(code)
        #: The HTTP status code to answer with.
        self.status: int = code
        #: Extra response headers, as (name, value) pairs.
        self.headers: list[tuple[str, str]] = _header_list(headers)


#: The former name of :class:`Halt`, kept so existing code keeps working.
HTTPStatus = Halt


class HTTPError(Halt):
    """Answer with an error ``status`` and a ``message`` the client sees.

    The body is ``{"error": {"status": 404, "message": "no such post"}}``, or a
    small HTML page when the request's ``Accept`` prefers ``text/html``. Use
    ``detail`` for extra JSON-serialisable data (field errors, for example); it
    is added to the error object as ``"detail"``.
    """

    #: Status used when a subclass is raised without one.
    default_status: int = 500

    def __init__(
        self,
        status: int | None = None,
        message: str | None = None,
        headers: HeaderItems | None = None,
        *,
        detail: object = None,
    ) -> None:
        code = check_status(self.default_status if status is None else status, lowest=400)
        super().__init__(code, headers)
        #: The message shown to the client.
        self.message: str = status_phrase(code) if message is None else message
        #: Extra JSON-serialisable data for the client, or None.
        self.detail: object = detail
        self.args = (code, self.message)

    def __str__(self) -> str:
        return f"{self.status} {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The JSON body: ``{"error": {"status": 404, "message": "...", "detail": ...}}``.

        ``detail`` is there only when it is not ``None``.
        """
        error: dict[str, object] = {"status": self.status, "message": self.message}
        if self.detail is not None:
            error["detail"] = self.detail
        return {"error": error}

    def to_html(self) -> str:
        """A small HTML page with the status, the message and any ``detail``, escaped."""
        title = html.escape(f"{self.status} {self.message}")
        extra = f"<pre>{html.escape(str(self.detail))}</pre>" if self.detail is not None else ""
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{extra}</body></html>\n"
        )


class _FixedStatusError(HTTPError):
    def __init__(
        self,
        message: str | None = None,
        headers: HeaderItems | None = None,
        *,
        detail: object = None,
    ) -> None:
        super().__init__(self.default_status, message, headers, detail=detail)


class BadRequest(_FixedStatusError):
    """400 Bad Request: the request is malformed (RFC 9110 §15.5.1)."""

    default_status = 400


class Unauthorized(_FixedStatusError):
    """401 Unauthorized: valid authentication credentials are missing (RFC 9110 §15.5.2)."""

    default_status = 401


class Forbidden(_FixedStatusError):
    """403 Forbidden: the client is known but not allowed (RFC 9110 §15.5.4)."""

    default_status = 403


class NotFound(_FixedStatusError):
    """404 Not Found: no resource at this path (RFC 9110 §15.5.5)."""

    default_status = 404


class MethodNotAllowed(HTTPError):
    """405 Method Not Allowed: the path exists but not for this method (RFC 9110 §15.5.6).

    Always carries an ``Allow`` header listing ``allowed``.
    """

    default_status = 405

    def __init__(self, allowed: Iterable[str], message: str | None = None) -> None:
        #: The methods the resource supports, in the order of the ``Allow`` header.
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(405, message, [("Allow", ", ".join(self.allowed))])


class Conflict(_FixedStatusError):
    """409 Conflict: the request conflicts with the resource's state (RFC 9110 §15.5.10)."""

    default_status = 409


class ContentTooLarge(_FixedStatusError):
    """413 Content Too Large: the body is over the route's limit (RFC 9110 §15.5.14)."""

    default_status = 413


#: The former name of :class:`ContentTooLarge` (RFC 7231 called 413 "Payload Too Large").
PayloadTooLarge = ContentTooLarge


class UnsupportedMediaType(_FixedStatusError):
    """415 Unsupported Media Type: the body's format is not accepted (RFC 9110 §15.5.16)."""

    default_status = 415


class UnprocessableContent(_FixedStatusError):
    """422 Unprocessable Content: well-formed but semantically invalid (RFC 9110 §15.5.21)."""

    default_status = 422


def retry_after_value(retry_after: float | timedelta | datetime) -> str:
    """A ``Retry-After`` value: whole seconds (rounded up), or an HTTP date for a datetime."""
    if isinstance(retry_after, datetime):
        return http_date(retry_after)
    seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"retry_after must be a number of seconds >= 0, got {retry_after!r}")
    return str(math.ceil(seconds))


class _RetryLaterError(_FixedStatusError):
    """An error the client may retry: ``retry_after`` becomes a ``Retry-After`` header."""

    def __init__(
        self,
        message: str | None = None,
        headers: HeaderItems | None = None,
        *,
        retry_after: float | timedelta | datetime | None = None,
        detail: object = None,
    ) -> None:
        super().__init__(message, headers, detail=detail)
        if retry_after is not None:
            self.headers.append(("Retry-After", retry_after_value(retry_after)))


class TooManyRequests(_RetryLaterError):
    """429 Too Many Requests: the client is rate limited (RFC 6585 §4).

    ``retry_after`` (seconds, a ``timedelta`` or a ``datetime``) sets ``Retry-After``.
    """

    default_status = 429


class InternalServerError(_FixedStatusError):
    """500 Internal Server Error: the server failed (RFC 9110 §15.6.1)."""

    default_status = 500


class ServiceUnavailable(_RetryLaterError):
    """503 Service Unavailable: overloaded or down for a while (RFC 9110 §15.6.4).

    ``retry_after`` (seconds, a ``timedelta`` or a ``datetime``) sets ``Retry-After``.
    """

    default_status = 503


def stops_the_process(error: BaseException) -> bool:
    """Whether ``error`` must travel up instead of becoming an error response.

    Only a ``KeyboardInterrupt`` in the main thread (Ctrl-C under a
    single-threaded server) does; in a worker thread it can only come from
    application code, like ``SystemExit`` or a stray ``GeneratorExit``.
    """
    return isinstance(error, KeyboardInterrupt) and (
        threading.current_thread() is threading.main_thread()
    )


def from_werkzeug(error: WerkzeugHTTPException) -> HTTPError:
    """The :class:`HTTPError` for an error werkzeug raised (``query["missing"]``, ...)."""
    code = error.code if error.code is not None and 400 <= error.code <= 599 else 500
    if isinstance(error, KeyError) and error.args:
        return HTTPError(code, f"missing parameter {error.args[0]!r}")
    return HTTPError(code, error.description or status_phrase(code))


class SiteError(Exception):
    """A site cannot be loaded: missing ``pages/``, a broken route file, bad settings."""


class RouteError(SiteError):
    """The base of routing errors found when ``pages/`` is scanned."""


class RouteConflictError(RouteError):
    """Route files break the routing rules; the message names each file involved.

    Two files claiming the same URLs, slug names that differ at one level, a
    route beside an optional catch-all of the same specificity, a required
    and an optional catch-all at one level, a slug name used twice in one
    path, a catch-all that is not last, malformed brackets.
    """

    def __init__(self, message: str, files: Iterable[str]) -> None:
        super().__init__(message)
        #: The files involved, relative to ``pages/``.
        self.files: tuple[str, ...] = tuple(files)
