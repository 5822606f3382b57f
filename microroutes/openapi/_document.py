"""The OpenAPI 3.1 document of a site, built from its public route table."""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import SiteError
from ..methods import HTTP_METHODS
from ..table import RouteInfo
from ..typed import HandlerSignature
from ._answers import SuccessPlan, plan_success
from ._errors import (
    ERROR_SCHEMA,
    VALIDATION_ERROR_SCHEMA,
    declared_errors,
    error_response,
    shared_responses,
)
from ._paths import OpenAPIPath, openapi_paths
from ._schemas import SchemaSet
from ._security import Security, SecuritySchemes, route_security
from ._settings import in_document, under_prefix

__all__ = ["build_document"]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON = "application/json"
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class _Operation:
    """One method of one route, its annotations planned, ready to render."""

    route: RouteInfo
    method: str
    typed: HandlerSignature
    success: list[SuccessPlan]
    security: Security

    def annotations(self) -> list[Any]:
        found = [self.typed.body, self.typed.query, *self.typed.params.values()]
        found += [plan.body for plan in self.success]
        return [annotation for annotation in found if annotation is not None]


def _signature(route: RouteInfo, method: str) -> HandlerSignature:
    found = route.signatures.get(method)
    return found if found is not None else HandlerSignature(route.handlers[method])


def build_document(
    routes: list[RouteInfo],
    *,
    info: Mapping[str, str],
    prefix: str = "",
    site: ModuleType | None = None,
) -> dict[str, Any]:
    """An OpenAPI 3.1.0 document of ``routes`` (see :func:`microroutes.openapi_document`).

    :param info: the document's ``info`` (title, version, description).
    :param prefix: keep only the paths under it (see :func:`normalize_prefix`).
    :param site: ``pages/_app.py``, for the schemes it declares for every route.
    """
    operations: list[_Operation] = []
    schemas = SchemaSet()
    security_schemes = SecuritySchemes()
    for route in routes:
        if not in_document(route) or not _route_paths(route, prefix):
            continue
        security = route_security(route, site)
        security_schemes.add(security)
        for method in route.handlers:
            typed = _signature(route, method)
            success = plan_success(typed.returns)
            operation = _Operation(route, method, typed, success, security)
            operations.append(operation)
            for annotation in operation.annotations():
                schemas.add(annotation)
            schemas.close(typed.closed_models)
    schemas.build()
    paths: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    for operation in operations:
        route = operation.route
        for path in _route_paths(route, prefix):
            item = paths.setdefault(path.path, _path_item(route))
            rendered = _render(operation, path, schemas)
            rendered["operationId"] = _unique_id(operation.method, path.path, ids)
            item[operation.method.lower()] = rendered
    components = {**schemas.components, **_own_schemas(schemas.components)}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": dict(info),
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": {
            "schemas": {name: components[name] for name in sorted(components)},
            "responses": shared_responses(),
        },
    }
    declared = security_schemes.components()
    if declared:
        document["components"]["securitySchemes"] = declared
    return document


def _route_paths(route: RouteInfo, prefix: str) -> list[OpenAPIPath]:
    paths = openapi_paths(route.pattern, route.file)
    return [path for path in paths if under_prefix(path.path, prefix)]


def _own_schemas(taken: Mapping[str, Any]) -> dict[str, Any]:
    """The framework's error schemas (fresh copies); a site type may not take their names."""
    own = {"Error": ERROR_SCHEMA, "ValidationError": VALIDATION_ERROR_SCHEMA}
    for name in own:
        if name in taken:
            raise SiteError(
                f"a type named {name!r} clashes with the error schema of that name; rename it"
            )
    return copy.deepcopy(own)


def _path_item(route: RouteInfo) -> dict[str, Any]:
    allowed = ", ".join(route.methods)
    text = f"Other methods get 405 with `Allow: {allowed}`."
    summary, description = _doc_parts(route.module.__doc__)
    item: dict[str, Any] = {}
    if summary:
        item["summary"] = summary
    item["description"] = f"{description}\n\n{text}" if description else text
    return item


def _doc_parts(doc: str | None) -> tuple[str, str]:
    """A docstring's first paragraph (joined into one line) and the rest."""
    if not doc:
        return "", ""
    text = inspect.cleandoc(doc)
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split()), rest.strip()


def _unique_id(method: str, path: str, taken: set[str]) -> str:
    stem = _NOT_WORD.sub("_", path).strip("_") or "index"
    candidate = base = f"{method.lower()}_{stem}"
    number = 1
    while candidate in taken:
        number += 1
        candidate = f"{base}_{number}"
    taken.add(candidate)
    return candidate


def _render(operation: _Operation, path: OpenAPIPath, schemas: SchemaSet) -> dict[str, Any]:
    typed = operation.typed
    rendered: dict[str, Any] = {}
    summary, description = _doc_parts(typed.function.__doc__)
    if summary:
        rendered["summary"] = summary
    if description:
        rendered["description"] = description
    params = {name: schemas.schema(annotation) for name, annotation in typed.params.items()}
    parameters = path.parameters(params)
    if typed.query is not None:
        parameters += _query_parameters(schemas.schema(typed.query), schemas)
    if parameters:
        rendered["parameters"] = parameters
    body = _request_body(operation, schemas)
    if body is not None:
        rendered["requestBody"] = body
    requirements = operation.security.requirements()
    if requirements:
        rendered["security"] = requirements
    rendered["responses"] = _responses(operation, path, schemas, has_body=body is not None)
    return rendered


def _query_parameters(schema: dict[str, Any], schemas: SchemaSet) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the query type."""
    resolved = schemas.resolve(schema)
    properties: Mapping[str, Any] | None = resolved.get("properties")
    if not properties:
        # Free-form (a dict): the whole query string as one exploded object.
        free_form = {"name": "query", "in": "query", "style": "form", "explode": True}
        return [{**free_form, "schema": schema}]
    required = set(resolved.get("required", ()))
    found: list[dict[str, Any]] = []
    for name, field_schema in properties.items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        if _is_array(schemas.resolve(field_schema)):
            parameter.update(style="form", explode=True)
        parameter["schema"] = field_schema
        found.append(parameter)
    return found


def _is_array(schema: Mapping[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_array(option) for option in schema.get("anyOf", ()))


def _request_body(operation: _Operation, schemas: SchemaSet) -> dict[str, Any] | None:
    typed = operation.typed
    if typed.body is None:
        if operation.method not in _BODY_METHODS:
            return None
        return {
            "description": "Any body: the handler reads it itself.",
            "required": False,
            "content": {"*/*": {"schema": {}}},
        }
    schema = schemas.schema(typed.body)
    # Ranges (application/*+json) are accepted but not listed: a client or fuzzer
    # reading the document cannot make a body for a range, only for a media type.
    media_types = [media for media in typed.media_types if "*" not in media] or [_JSON]
    return {
        "required": typed.body_required,
        "content": {media_type: {"schema": schema} for media_type in media_types},
    }


def _responses(
    operation: _Operation, path: OpenAPIPath, schemas: SchemaSet, *, has_body: bool
) -> dict[str, Any]:
    route, typed = operation.route, operation.typed
    found: dict[str, Any] = {}
    for plan in operation.success:
        key = "default" if plan.status is None else str(plan.status)
        response: dict[str, Any] = {"description": plan.description}
        if plan.media_type is not None:
            schema = schemas.schema(plan.body) if plan.body is not None else {}
            response["content"] = {plan.media_type: {"schema": schema}}
        found[key] = response
    statuses: dict[int, str | None] = {400: None, 500: None}
    if path.params or typed.params:
        statuses[404] = None
    if _answers_every_method(route, typed.function):
        statuses[405] = None  # the handler may call allow() itself
    if has_body and route.max_body_size is not None:
        limit = route.max_body_size
        statuses[413] = f"The body is larger than this route's limit of {limit} bytes."
    if typed.body is not None:
        statuses[415] = None
    if typed.body is not None or typed.query is not None:
        statuses[422] = None
    names = operation.security.names()
    if names:
        statuses[401] = f"Missing or invalid credentials ({', '.join(names)})."
    statuses.update(declared_errors(route.module, route.file, operation.method))
    for status in sorted(statuses):
        found[str(status)] = error_response(status, statuses[status])
    return {key: found[key] for key in sorted(found)}


def _answers_every_method(route: RouteInfo, function: Callable[..., object]) -> bool:
    """Whether ``function`` is a ``handler`` without declared methods (it may answer 405)."""
    fallback = getattr(route.module, "handler", None)
    return function is fallback and set(route.methods) >= set(HTTP_METHODS)
