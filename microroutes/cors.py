"""Cross-origin resource sharing (CORS) as a directory middleware.

Enable it for a folder (or, in ``pages/_middleware.py``, the whole site)::

    # pages/api/_middleware.py
    from microroutes.cors import CORS

    middleware = CORS(allow_origins=["https://app.example.com"], allow_credentials=True)

Preflight requests (``OPTIONS`` with ``Access-Control-Request-Method``) are
answered here with 204, or 403 and a JSON message when the origin, method or
a header is not allowed. Other requests run normally and get
``Access-Control-Allow-Origin`` when their ``Origin`` is allowed, error
responses included (a 401 from an inner check, a 500), so the page sees the
error instead of a CORS failure. Every response carries ``Vary: Origin``
since it depends on that header.

To combine it with another check in one file, run the check inside it::

    cors = CORS(allow_origins=["https://app.example.com"])

    def middleware(req, res, call_next):
        return cors(req, res, lambda: require_token(req, res, call_next))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import Forbidden
from .middleware import CallNext
from .response import Response

if TYPE_CHECKING:
    from .request import Request

__all__ = ["CORS"]

#: Request headers a browser sends cross-origin without asking (Fetch standard).
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
_DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_DEFAULT_HEADERS = ("Content-Type", "Authorization")
_PREFLIGHT_HEADERS = ("Access-Control-Request-Method", "Access-Control-Request-Headers")


def _names(values: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(values)


class CORS:
    """A middleware that answers CORS preflights and marks allowed cross-origin responses.

    :param allow_origins: origins such as ``"https://app.example.com"``, or ``"*"``.
    :param allow_methods: methods a cross-origin request may use.
    :param allow_headers: request headers it may send, or ``"*"`` for any.
    :param expose_headers: response headers its script may read.
    :param allow_credentials: allow cookies and HTTP auth (needs explicit origins).
    :param max_age: seconds a browser may cache a preflight answer.
    """

    def __init__(
        self,
        allow_origins: Iterable[str] | str = "*",
        *,
        allow_methods: Iterable[str] = _DEFAULT_METHODS,
        allow_headers: Iterable[str] | str = _DEFAULT_HEADERS,
        expose_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        max_age: int = 600,
    ) -> None:
        origins = _names(allow_origins)
        self.any_origin = "*" in origins
        if self.any_origin and allow_credentials:
            raise ValueError(
                "CORS: allow_credentials needs explicit origins, not '*' "
                "(browsers refuse credentials with a wildcard origin)"
            )
        self.allow_origins = frozenset(o.rstrip("/").lower() for o in origins if o != "*")
        self.allow_methods = tuple(m.upper() for m in allow_methods)
        headers = _names(allow_headers)
        self.any_header = "*" in headers
        self.allow_headers = frozenset(h.lower() for h in headers if h != "*")
        self._allow_headers_value = ", ".join(h for h in headers if h != "*")
        self.expose_headers = ", ".join(expose_headers)
        self.allow_credentials = allow_credentials
        self.max_age = max_age

    def allows_origin(self, origin: str) -> bool:
        """Whether ``origin`` may make cross-origin requests."""
        return self.any_origin or origin.rstrip("/").lower() in self.allow_origins

    def __call__(self, req: Request, res: Response, call_next: CallNext) -> Response:
        """Run as a middleware (``middleware = CORS(...)``)."""
        origin = req.headers.get("Origin")
        requested_method = req.headers.get("Access-Control-Request-Method")
        if req.method == "OPTIONS" and origin is not None and requested_method is not None:
            return self._preflight(req, origin, requested_method)
        try:
            response = call_next()
        except BaseException as error:  # from a middleware composed inside this one
            # The app's own error response, so the error reaches the page
            # instead of showing as a CORS failure.
            response = req.app.error_response(error, req.environ, req=req)
        if origin is not None and self.allows_origin(origin):
            self._mark(response, origin)
            if self.expose_headers:
                response.set_header("Access-Control-Expose-Headers", self.expose_headers)
        _add_vary(response, "Origin")
        return response

    def _preflight(self, req: Request, origin: str, method: str) -> Response:
        if not self.allows_origin(origin):
            raise Forbidden(f"CORS: origin {origin!r} is not allowed", [("Vary", "Origin")])
        if method.upper() not in self.allow_methods:
            raise Forbidden(f"CORS: method {method!r} is not allowed", [("Vary", "Origin")])
        requested = [
            h.strip()
            for h in req.headers.get("Access-Control-Request-Headers", "").split(",")
            if h.strip()
        ]
        refused = [
            h
            for h in requested
            if not self.any_header
            and h.lower() not in self.allow_headers
            and h.lower() not in _SAFELISTED_HEADERS
        ]
        if refused:
            raise Forbidden(
                f"CORS: request headers not allowed: {', '.join(refused)}", [("Vary", "Origin")]
            )
        response = Response(status=204)
        self._mark(response, origin)
        response.set_header("Access-Control-Allow-Methods", ", ".join(self.allow_methods))
        allowed_headers = ", ".join(requested) if self.any_header else self._allow_headers_value
        if allowed_headers:
            response.set_header("Access-Control-Allow-Headers", allowed_headers)
        response.set_header("Access-Control-Max-Age", str(self.max_age))
        _add_vary(response, "Origin", *_PREFLIGHT_HEADERS)
        return response

    def _mark(self, response: Response, origin: str) -> None:
        wildcard = self.any_origin and not self.allow_credentials
        response.set_header("Access-Control-Allow-Origin", "*" if wildcard else origin)
        if self.allow_credentials:
            response.set_header("Access-Control-Allow-Credentials", "true")


def _add_vary(response: Response, *names: str) -> None:
    current = response.get_header("Vary")
    values = [v.strip() for v in current.split(",")] if current else []
    lower = {v.lower() for v in values}
    values.extend(n for n in names if n.lower() not in lower)
    response.set_header("Vary", ", ".join(values))
