"""microroutes: file-system API routes for Python WSGI. A file is an endpoint.

``site/pages/api/post/[uid].py`` answers ``/api/post/<uid>``; its
``GET(req, res)`` returns a dict and the client gets JSON.
"""

from .app import App
from .errors import (
    BadRequest,
    Conflict,
    ContentTooLarge,
    Forbidden,
    Halt,
    HTTPError,
    HTTPStatus,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RouteConflictError,
    RouteError,
    ServiceUnavailable,
    SiteError,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
)
from .methods import allow, handles
from .openapi import Answer, openapi_document, openapi_handler
from .request import Request
from .response import Response
from .returns import ReturnTypeError
from .routing import RouteKind
from .state import RequestState
from .table import RouteInfo
from .typed import Form, HandlerSignature, ProblemLimits, allow_unknown_fields

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "App",
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "Forbidden",
    "Form",
    "HTTPError",
    "HTTPStatus",
    "Halt",
    "HandlerSignature",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "ProblemLimits",
    "Request",
    "RequestState",
    "Response",
    "ReturnTypeError",
    "RouteConflictError",
    "RouteError",
    "RouteInfo",
    "RouteKind",
    "ServiceUnavailable",
    "SiteError",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "__version__",
    "allow",
    "allow_unknown_fields",
    "handles",
    "openapi_document",
    "openapi_handler",
]
