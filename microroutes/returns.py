"""A handler's JSON answer converted through its return annotation before it is sent.

``def GET(req, res) -> BookOut`` answers a ``BookOut``: a returned dict (or
an object with those attributes) is converted by msgspec into the model, so
keys it does not declare are not sent (no password hash leaks by accident),
and a value that does not fit is an error naming the route and the field
(``$[0].id``), answered as a 500. A value already of the annotated class is
not converted again. The answer is then encoded by msgspec in one call where
that writes the bytes :func:`~microroutes.response.dump_json` would (see
:mod:`microroutes.typed_json`). ``None`` and a :class:`~microroutes.Response`
pass through: the handler built the answer with ``res``.

Only JSON answers are checked: ``str``, ``bytes``, streams, ``Response``,
``Any`` and unions of several :class:`~microroutes.Answer` members are not.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from .openapi._answers import plan_success
from .response import Response, dump_json, json_send_error, to_response
from .typed import type_label
from .typed._pydantic import mentions_pydantic
from .typed_json import json_encoder, model_list_encoder, pydantic_encoder

if typing.TYPE_CHECKING:
    from .methods import Handler

__all__ = ["Responder", "ReturnTypeError", "answering", "typed_responder"]

_JSON = "application/json"

#: Turns what a handler returned into its response: ``(value, res, where)``, as
#: :func:`~microroutes.response.to_response` does for handlers without a JSON annotation.
Responder = Callable[[object, Response, str], Response]


class ReturnTypeError(TypeError):
    """A handler returned a value that does not fit its return annotation (a 500)."""


def typed_responder(returns: Any, where: str) -> Responder | None:
    """How a value returned under the annotation ``returns`` becomes the response.

    ``None`` when ``returns`` is not one JSON answer of a type msgspec or pydantic
    converts (then :func:`~microroutes.response.to_response` does it).

    :param where: the route file and export (``api/books.py: GET``), for the error message.
    """
    annotation = _json_annotation(returns)
    if annotation is None:
        return None
    problem = f"{where} returned a value that does not fit {type_label(annotation)}"
    convert = _converter(annotation, problem)
    if convert is None:
        return None
    exact = annotation if _is_class(annotation) else None
    encode = json_encoder(annotation) or pydantic_encoder(annotation) or dump_json
    encode_models = model_list_encoder(annotation)

    def respond(value: object, res: Response, file: str = where) -> Response:
        if type(value) is not exact:  # the model itself (the common case) is sent as it is
            if value is None or isinstance(value, Response):
                return to_response(value, res, file)  # an answer built with res
            if encode_models is not None:  # a list of the model itself, sent as it is
                data = encode_models(value)
                if data is not None:
                    return res.json_bytes(data)
            value = convert(value)
        try:
            return res.json_bytes(encode(value))
        except (TypeError, ValueError) as error:
            raise json_send_error(error, file) from error

    return respond


def answering(
    handler: Handler, respond: Responder, where: str, function: Callable[..., object]
) -> Handler:
    """``handler``, its return value made a response by ``respond``.

    ``function`` is the user's function, which ``__wrapped__`` leads to (as
    :func:`~microroutes.typed.bind_handler`'s handler does).
    """

    def answered(req: Any, res: Any) -> Response:
        return respond(handler(req, res), res, where)

    wrapped = functools.wraps(handler)(answered)
    wrapped.__wrapped__ = function
    return wrapped


def _is_class(annotation: Any) -> bool:
    """``annotation`` is a plain class (``list[Item]`` is an alias, not one)."""
    return isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias)


def _json_annotation(returns: Any) -> Any:
    """The type a JSON answer is documented as, or ``None`` when there is not exactly one."""
    if returns is None:
        return None
    plans = plan_success(returns)
    if len(plans) != 1 or plans[0].media_type != _JSON or plans[0].body is None:
        return None
    annotation = plans[0].body
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]  # Annotated[Book, Answer(201)]: a Book
    return annotation


def _converter(annotation: Any, problem: str) -> Callable[[Any], Any] | None:
    """What converts a value into ``annotation``, by pydantic or msgspec; ``None``: neither can.

    A value that does not fit raises :class:`ReturnTypeError`: ``problem``, then where.
    """
    if mentions_pydantic(annotation, set()):
        return _pydantic_converter(annotation, problem)
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError:  # not a type msgspec converts: left alone
        return None
    if isinstance(info, (msgspec.inspect.CustomType, msgspec.inspect.AnyType)):
        return None  # an object msgspec only checks the class of (a stream, say), or Any

    def convert(value: Any) -> Any:
        try:
            return msgspec.convert(value, annotation, from_attributes=True)
        except msgspec.ValidationError as error:
            raise ReturnTypeError(f"{problem}: {error}") from None

    return convert


def _pydantic_converter(annotation: Any, problem: str) -> Callable[[Any], Any]:
    import pydantic

    adapter = pydantic.TypeAdapter(annotation)

    def convert(value: Any) -> Any:
        try:
            return adapter.validate_python(value, from_attributes=True)
        except pydantic.ValidationError as error:
            where = "; ".join(
                f"{entry['msg']} - at `$" + "".join(_step(part) for part in entry["loc"]) + "`"
                for entry in error.errors()
            )
            raise ReturnTypeError(f"{problem}: {where}") from None

    return convert


def _step(part: object) -> str:
    return f"[{part}]" if isinstance(part, int) else f".{part}"
