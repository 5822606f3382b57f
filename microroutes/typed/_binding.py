"""Handlers with typed parameters: a wrapper decoding each one, built once per handler."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from ..bodies import JSON_MEDIA_TYPE, JSON_MEDIA_TYPES, is_json, media_type, refuse_media_type
from ..errors import NotFound, SiteError, UnprocessableContent
from ._engines import Engine, Invalid, build_engine, is_flat, object_fields
from ._limits import DEFAULT_PROBLEM_LIMITS, ProblemLimits
from ._numbers import short_integer
from ._query import query_reader
from ._signature import BODY, QUERY, HandlerSignature, read_signature
from ._unknown import refusing_models

if TYPE_CHECKING:
    from ..methods import Handler
    from ..request import Request

__all__ = ["FORM_MEDIA_TYPES", "bind_handler"]

#: The form content types a ``Form`` body also accepts.
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
Reader = Callable[["Request"], Any]
#: Makes a handler's answer the response: ``(answer, res, where) -> Response``.
Answerer = Callable[[object, Any, str], Any]


def bind_handler(
    function: object,
    where: str,
    params: Collection[str] = (),
    limits: ProblemLimits = DEFAULT_PROBLEM_LIMITS,
    *,
    allow_unknown_fields: bool = False,
    respond: Answerer | None = None,
) -> tuple[Handler, HandlerSignature]:
    """The handler to call as ``handler(req, res)``, and what ``function`` declares.

    A function taking only ``(req, res)`` is returned as it is. Otherwise the
    handler is a wrapper that decodes ``body``, ``query`` and path parameters
    and calls ``function`` with them by name, returning whatever it returns
    (a coroutine included); ``__wrapped__`` is ``function``. With ``respond``
    (for a synchronous ``function``), the wrapper returns
    ``respond(answer, res, where)`` instead, in the same call.

    ``limits`` bound the problems a 422 lists; ``allow_unknown_fields`` lets
    JSON bodies carry keys no field takes (dropped) for every model.

    :raises SiteError: naming ``where``, for a parameter the route cannot
        fill, a signature that cannot be read, or a type no engine supports.
    """
    signature = read_signature(function, where, params)
    if signature.is_plain and respond is None:
        handler: Handler = signature.function
        return handler, signature
    readers: list[tuple[str, Reader]] = []
    for name in signature.arguments:
        try:
            reader = _reader_for(name, signature, limits, allow_unknown_fields)
        except (TypeError, ValueError) as error:
            raise SiteError(f"{where}: parameter {name!r}: {error}") from None
        if isinstance(reader, _BodyReader):
            closed = frozenset() if allow_unknown_fields else refusing_models(signature.body)
            signature = dataclasses.replace(
                signature, media_types=reader.media_types, closed_models=closed
            )
        readers.append((name, reader))
    return _wrapper(signature.function, readers, respond, where), signature


def _reader_for(
    name: str, signature: HandlerSignature, limits: ProblemLimits, allow_unknown: bool
) -> Reader:
    """What reads argument ``name`` from a request; ``TypeError`` for an unsupported type."""
    if name == BODY:
        if signature.body is None:
            return _untyped_body
        return _BodyReader(signature, limits, allow_unknown)
    if name == QUERY:
        if signature.query is None:
            return _untyped_query
        return query_reader(signature.query, limits)
    if name in signature.params:
        return _ParamReader(name, signature.params[name])
    return functools.partial(_untyped_param, name=name)


def _wrapper(
    function: Callable[..., object],
    readers: list[tuple[str, Reader]],
    respond: Answerer | None,
    where: str,
) -> Handler:
    # Path parameters first (a URL naming nothing is a 404 whatever the body), the body last.
    ordered = sorted(readers, key=lambda reader: _READ_ORDER.get(reader[0], 0))
    # Written out for these parameters (as dataclasses writes __init__): one local per
    # value and the reads in a row cost half what a loop filling a dict does.
    scope: dict[str, Any] = {
        "function": function,
        "Unprocessable": UnprocessableContent,
        "combined": _combined,
        "respond": respond,
        "where": where,
        "short_integer": short_integer,
    }
    lines = ["def typed_handler(req, res):", "    invalid = None"]
    for number, (name, read) in enumerate(ordered):
        scope[f"read{number}"] = read
        if isinstance(read, _ParamReader) and read.plain_int:  # /items/<int>: no call for it
            lines += [
                f"    v{number} = req.params[{name!r}]",
                f"    v{number} = short_integer(v{number}) if type(v{number}) is str else None",
                f"    if v{number} is None:",
                f"        v{number} = read{number}(req)",
            ]
            continue
        lines += [
            "    try:",
            f"        v{number} = read{number}(req)",
            "    except Unprocessable as error:  # the query's and the body's problems, listed",
            "        invalid = [*(invalid or ()), error]",
        ]
    passed = "".join(f", {name}=v{number}" for number, (name, _) in enumerate(ordered))
    call = f"function(req, res{passed})"
    lines += [
        "    if invalid is not None:",
        "        try:",
        "            raise combined(invalid)",
        "        finally:",
        # The list holds the errors, whose tracebacks hold this frame: a reference cycle
        # that would keep the request (and its decoded body) alive until the next collection.
        "            invalid = None",
        f"    return respond({call}, res, where)" if respond else f"    return {call}",
    ]
    exec(compile("\n".join(lines), f"<typed parameters of {where}>", "exec"), scope)  # noqa: S102
    handler: Handler = functools.wraps(function)(scope["typed_handler"])
    return handler


_READ_ORDER = {QUERY: 1, BODY: 2}
#: Where a body's problems are: the first entry of each problem's ``loc``.
_BODY_LOC = (BODY,)


def _combined(errors: list[UnprocessableContent]) -> UnprocessableContent:
    if len(errors) == 1:
        return errors[0]
    detail: list[Any] = []
    for error in errors:
        detail.extend(error.detail if isinstance(error.detail, list) else [])
    return UnprocessableContent("invalid query string and request body", detail=detail)


def _untyped_body(req: Request) -> Any:
    return req.body


def _untyped_query(req: Request) -> Any:
    return req.query


def _untyped_param(req: Request, name: str) -> Any:
    return req.params[name]


class _ParamReader:
    """A path parameter converted to its annotation; a value that does not convert is a 404."""

    __slots__ = ("_engine", "_name", "plain_int")

    def __init__(self, name: str, annotation: Any) -> None:
        self._name = name
        self._engine: Engine = build_engine(annotation)
        #: Typed plain ``int``: the handler's code reads short integer text itself.
        self.plain_int = annotation is int

    def __call__(self, req: Request) -> Any:
        try:
            return self._engine.from_strings(req.params[self._name], ("path", self._name))
        except Invalid:
            raise NotFound(f"no resource at {req.path}") from None


def _strings(multi: MultiDict[str, str], many: frozenset[str]) -> dict[str, str | list[str]]:
    """A multi-dict as field values: every value for list fields, the first for the rest."""
    values: dict[str, str | list[str]] = dict(multi.to_dict())
    for name in many.intersection(values):
        values[name] = multi.getlist(name)
    return values


class _BodyReader:
    """The request body decoded into the ``body`` annotation, by its Content-Type.

    JSON (:mod:`microroutes.bodies` decides what is JSON and decodes it) is
    always accepted; urlencoded and multipart forms only when the annotation
    asks for them with :class:`~microroutes.Form`.
    """

    __slots__ = ("_default", "_engine", "_from_json", "_many", "_required", "media_types")

    def __init__(
        self, signature: HandlerSignature, limits: ProblemLimits, allow_unknown: bool
    ) -> None:
        annotation = signature.body
        self._engine: Engine = build_engine(annotation, limits, allow_unknown_fields=allow_unknown)
        self._from_json = self._engine.from_json
        self._required = signature.body_required
        self._default = signature.body_default
        self._many: frozenset[str] | None = None
        #: The content types this body accepts.
        self.media_types: tuple[str, ...] = JSON_MEDIA_TYPES
        if signature.body_form:
            if not is_flat(annotation):
                raise TypeError(
                    "a Form body must be an object type whose fields are scalars or lists of them"
                )
            fields = object_fields(annotation) or []
            self._many = frozenset(name for name, _, takes_many in fields if takes_many)
            self.media_types = (*JSON_MEDIA_TYPES, *FORM_MEDIA_TYPES)

    def __call__(self, req: Request) -> Any:
        content_type = req.environ.get("CONTENT_TYPE")
        mimetype = JSON_MEDIA_TYPE if content_type == JSON_MEDIA_TYPE else media_type(content_type)
        if mimetype is JSON_MEDIA_TYPE or is_json(mimetype):
            data = req.data
            if not data:
                return self._empty()
            try:
                return self._from_json(data, _BODY_LOC)
            except Invalid as error:
                raise _invalid_body(error) from None
        if self._many is not None and mimetype in FORM_MEDIA_TYPES:
            return self._form(req, self._many)
        if not mimetype and not req.data:
            return self._empty()
        refuse_media_type(self.media_types)

    def _form(self, req: Request, many: frozenset[str]) -> Any:
        # An empty form is a form with no fields (a PATCH changing nothing), not no body.
        try:
            return self._engine.from_strings(_strings(req.form, many), _BODY_LOC)
        except Invalid as error:
            raise _invalid_body(error) from None

    def _empty(self) -> Any:
        if not self._required:
            return self._default
        raise UnprocessableContent(
            "a request body is required",
            detail=[{"loc": [BODY], "msg": "a request body is required"}],
        )


def _invalid_body(error: Invalid) -> UnprocessableContent:
    return UnprocessableContent("invalid request body", detail=error.problems)
