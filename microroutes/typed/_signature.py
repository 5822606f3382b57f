"""Reading what a handler's parameters after ``(req, res)`` declare, once, at import."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import SiteError

__all__ = [
    "BODY",
    "JSON_MEDIA_TYPE",
    "QUERY",
    "Form",
    "HandlerSignature",
    "read_returns",
    "read_signature",
]

#: The parameter receiving the decoded request body.
BODY = "body"
#: The parameter receiving the decoded query string.
QUERY = "query"
#: The media type every typed body accepts.
JSON_MEDIA_TYPE = "application/json"
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Form:
    """Marks a body that also accepts forms: ``body: Annotated[Model, Form]``.

    A typed body is JSON only by default: a form post needs no CORS preflight,
    so accepting one is a choice a route makes. ``Model`` must be flat (fields
    of scalars or lists of them); urlencoded and multipart bodies are then
    read as it, alongside JSON.
    """


@dataclass(frozen=True, slots=True)
class HandlerSignature:
    """What a handler's annotations declare, read once when its module loads.

    ``body``, ``query`` and ``returns`` are ``None`` when the handler does not
    declare them (an un-annotated ``body`` or ``query`` parameter receives
    ``req.body`` or ``req.query`` as they are, and counts as not typed).
    """

    #: The user's function as written.
    function: Callable[..., object]
    #: The annotation of the ``body`` parameter; ``None``: no typed body.
    body: Any = None
    #: ``False`` when ``body`` has a default (``body: T | None = None``).
    body_required: bool = True
    #: The annotation of the ``query`` parameter; ``None``: no typed query.
    query: Any = None
    #: Typed path parameters: name -> annotation (absent: plain ``str``/``list[str]``).
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    #: The return annotation; ``None``: not annotated.
    returns: Any = None
    #: The request body content types accepted (empty without a typed body).
    media_types: tuple[str, ...] = ()
    #: Every parameter name after ``(req, res)`` the handler takes, in order.
    arguments: tuple[str, ...] = ()
    #: The default of ``body`` when it has one.
    body_default: Any = None
    #: True when the body also accepts forms (``Annotated[T, Form]``).
    body_form: bool = False
    #: The model classes in ``body`` whose JSON objects may not carry other keys.
    closed_models: frozenset[type] = frozenset()

    @property
    def is_plain(self) -> bool:
        """True when the handler takes only ``(req, res)``."""
        return not self.arguments


def read_signature(function: object, where: str, params: Collection[str] = ()) -> HandlerSignature:
    """What ``function`` declares after ``(req, res)``; a :class:`SiteError` names ``where``.

    ``params`` are the route's path parameter names. Media types are left
    empty here; the body decoder fills them in.
    """
    if not callable(function):
        raise SiteError(f"{where} must be a function, got {function!r}")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise SiteError(
            f"{where}: {function!r} has no signature to read; define it with def (req, res)"
        ) from None
    taken, extra = _extra_parameters(signature)
    if not taken:
        raise SiteError(f"{where} must accept two arguments (req, res), not {signature}")
    extra = [p for p in extra if not _left_alone(p, params)]
    for parameter in extra:
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise SiteError(f"{where}: parameter {parameter.name!r} must be passable by name")
        if parameter.name not in (BODY, QUERY) and parameter.name not in params:
            known = ", ".join([BODY, QUERY, *params])
            raise SiteError(
                f"{where}: unknown parameter {parameter.name!r}; after (req, res) a handler "
                f"takes only {known}"
            )
    annotated_return = signature.return_annotation is not signature.empty
    hints = _type_hints(function, signature, where) if extra or annotated_return else {}
    annotated = {p.name: hints[p.name] for p in extra if p.name in hints}
    body, body_form = _without_form(annotated.get(BODY))
    body_parameter = signature.parameters.get(BODY)
    has_default = body_parameter is not None and body_parameter.default is not body_parameter.empty
    typed_params = {
        name: annotation
        for name, annotation in annotated.items()
        if name in params and annotation is not str
    }
    return HandlerSignature(
        function=function,
        body=body,
        body_required=not has_default,
        query=annotated.get(QUERY),
        params=MappingProxyType(typed_params) if typed_params else _EMPTY,
        returns=hints.get("return"),
        arguments=tuple(p.name for p in extra),
        body_default=body_parameter.default if has_default and body_parameter else None,
        body_form=body_form,
    )


def read_returns(function: object, where: str) -> Any:
    """The return annotation of ``function``, resolved; ``None`` when it has none.

    It is the same as :func:`read_signature`'s ``returns``, read before the
    parameters are checked (a function taking provided types, say).
    """
    try:
        signature = inspect.signature(function)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # read_signature says what is wrong
    if signature.return_annotation is signature.empty:
        return None
    return _type_hints(function, signature, where).get("return")


def _without_form(annotation: Any) -> tuple[Any, bool]:
    """``annotation`` without the :class:`Form` marker, and whether it had one."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return annotation, False
    inner, *extras = typing.get_args(annotation)
    kept = [extra for extra in extras if extra is not Form and not isinstance(extra, Form)]
    if len(kept) == len(extras):
        return annotation, False
    if not kept:
        return inner, True
    return typing.Annotated.__class_getitem__((inner, *kept)), True


def _extra_parameters(signature: inspect.Signature) -> tuple[bool, list[inspect.Parameter]]:
    """Whether ``(req, res)`` can be passed positionally, and the parameters left after them.

    Variadic parameters are left out: nothing extra is passed to them.
    """
    extra: list[inspect.Parameter] = []
    positional_left = 2
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            positional_left = 0
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        elif positional_left and parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            positional_left -= 1
        elif positional_left and parameter.default is parameter.empty:
            return False, []  # a required keyword-only parameter before req and res
        else:
            extra.append(parameter)
    return positional_left == 0, extra


def _left_alone(parameter: inspect.Parameter, params: Collection[str]) -> bool:
    """An optional, un-annotated parameter the route does not fill keeps its default."""
    return (
        parameter.name not in (BODY, QUERY)
        and parameter.name not in params
        and parameter.default is not parameter.empty
        and parameter.annotation is parameter.empty
    )


def _type_hints(function: object, signature: inspect.Signature, where: str) -> dict[str, Any]:
    """Resolved annotations (string annotations evaluated in the function's module)."""
    target = inspect.unwrap(function) if inspect.isfunction(function) else function
    if inspect.isfunction(target) or inspect.ismethod(target):
        try:
            return typing.get_type_hints(target, include_extras=True)
        except Exception as error:  # a NameError or SyntaxError in a string annotation
            raise SiteError(f"{where}: cannot read its annotations: {error}") from None
    hints = {
        name: parameter.annotation
        for name, parameter in signature.parameters.items()
        if parameter.annotation is not parameter.empty
    }
    if signature.return_annotation is not signature.empty:
        hints["return"] = signature.return_annotation
    for name, annotation in hints.items():
        if isinstance(annotation, str):
            raise SiteError(f"{where}: cannot resolve the annotation of {name!r}: {annotation!r}")
    return hints
