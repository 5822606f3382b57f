"""Error answers: the shared ``Error`` schema and the statuses an operation may answer.

The framework itself answers 400, 404, 413, 415, 422, 405 and 500 in known
cases; a route module lists the statuses its own handlers raise in
``ERRORS``, a mapping of method to ``{status: description}``::

    ERRORS = {"POST": {409: "The slug belongs to another post."}}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from ..errors import SiteError
from ..http import status_phrase

__all__ = [
    "ERRORS_SETTING",
    "ERROR_SCHEMA",
    "FRAMEWORK_ERRORS",
    "VALIDATION_ERROR_SCHEMA",
    "declared_errors",
    "error_response",
    "shared_responses",
]

#: The route module setting naming the statuses its handlers raise.
ERRORS_SETTING = "ERRORS"
_ERROR_REF = "#/components/schemas/Error"
_VALIDATION_ERROR_REF = "#/components/schemas/ValidationError"

#: ``{"error": {"status", "message", "detail"}}``, as every error is rendered.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "description": "An error answer; rendered as HTML instead when the client prefers HTML.",
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "message": {"type": "string"},
                "detail": {"description": "More about the problem, such as each invalid field."},
            },
            "required": ["status", "message"],
        }
    },
    "required": ["error"],
}

#: A 422's ``detail``: each problem, where it is (``["body", "tags", 2]``) and what is wrong.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ValidationError",
    "description": "A body or query that does not fit its type: one entry per problem.",
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"const": 422},
                "message": {"type": "string"},
                "detail": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {
                                "type": "array",
                                "items": {"type": ["string", "integer"]},
                            },
                            "msg": {"type": "string"},
                        },
                        "required": ["loc", "msg"],
                    },
                },
            },
            "required": ["status", "message", "detail"],
        }
    },
    "required": ["error"],
}

#: The statuses the framework answers itself, and when.
FRAMEWORK_ERRORS: dict[int, str] = {
    400: (
        "Bad request: a malformed path, query, header or Content-Length, "
        "or a body that cannot be parsed."
    ),
    404: "Not found: no resource answers this path.",
    405: "Method not allowed; the Allow header lists the methods that are.",
    413: "The body is larger than the route accepts.",
    415: "The body's Content-Type is not one the route accepts.",
    422: "The body or query does not fit its type; detail lists each problem and where it is.",
    500: "An unexpected error in the handler.",
}
#: Each framework error's name in ``components.responses``, e.g. ``NotFound``: its
#: RFC 9110 phrase, the same under every Python version (3.13 renamed 413 and 422).
_NAMES = {status: status_phrase(status).replace(" ", "") for status in FRAMEWORK_ERRORS}


def _content(status: int) -> dict[str, Any]:
    schema = _VALIDATION_ERROR_REF if status == 422 else _ERROR_REF
    return {
        "application/json": {"schema": {"$ref": schema}},
        "text/html": {"schema": {"type": "string"}},
    }


def error_response(status: int, description: str | None = None) -> dict[str, Any]:
    """The Response Object for an error ``status``; shared unless ``description`` is given."""
    if description is None and status in _NAMES:
        return {"$ref": f"#/components/responses/{_NAMES[status]}"}
    return _response(status, description or status_phrase(status))


def shared_responses() -> dict[str, Any]:
    """``components.responses``: one Response Object per framework error."""
    by_name = sorted(_NAMES.items(), key=lambda item: item[1])
    return {name: _response(status, FRAMEWORK_ERRORS[status]) for status, name in by_name}


def _response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _content(status)}
    if status == 405:
        allow = {"description": "The methods the path takes.", "schema": {"type": "string"}}
        response["headers"] = {"Allow": allow}
    return response


def declared_errors(module: ModuleType, file: str, method: str) -> dict[int, str]:
    """The statuses a route module's ``ERRORS`` declares for ``method``.

    :raises SiteError: ``ERRORS`` is not a mapping of methods to ``{status: description}``.
    """
    declared: object = getattr(module, ERRORS_SETTING, None)
    if declared is None:
        return {}
    problem = (
        f"{file}: {ERRORS_SETTING} must map a method name to {{status: description}} "
        f"with statuses 400-599, got {declared!r}"
    )
    if not isinstance(declared, Mapping):
        raise SiteError(problem)
    for name, statuses in declared.items():
        if not isinstance(name, str) or not isinstance(statuses, Mapping):
            raise SiteError(problem)
        for status, text in statuses.items():
            valid_status = isinstance(status, int) and not isinstance(status, bool)
            if not valid_status or not 400 <= status <= 599 or not isinstance(text, str):
                raise SiteError(problem)
    return dict(declared.get(method, {}))
