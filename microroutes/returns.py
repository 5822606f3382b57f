"""A handler's JSON answer converted through its return annotation before it is sent.

``def GET(req, res) -> BookOut`` answers a ``BookOut``: a returned dict (or
an object with those attributes) is converted by msgspec into the model, so
keys it does not declare are not sent (no password hash leaks by accident),
and a value that does not fit is an error naming the route and the field
(``$[0].id``), answered as a 500. A value already of the annotated class is
sent as it is, at no cost. ``None`` and a :class:`~microroutes.Response` pass
through: the handler built the answer with ``res``.

Only JSON answers are checked: ``str``, ``bytes``, streams, ``Response``,
``Any`` and unions of several :class:`~microroutes.Answer` members are not.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from .openapi._answers import plan_success
from .response import Response
from .typed import HandlerSignature, type_label
from .typed._pydantic import mentions_pydantic

if typing.TYPE_CHECKING:
    from .methods import Handler

__all__ = ["ReturnTypeError", "check_returns"]

_JSON = "application/json"


class ReturnTypeError(TypeError):
    """A handler returned a value that does not fit its return annotation (a 500)."""


def check_returns(handler: Handler, signature: HandlerSignature, where: str) -> Handler:
    """``handler``, converting what it returns through its JSON return annotation, if any.

    :param where: the route file and export (``api/books.py: GET``), for the error message.
    """
    annotation = _json_annotation(signature.returns)
    if annotation is None:
        return handler
    problem = f"{where} returned a value that does not fit {type_label(annotation)}"
    convert = _converter(annotation, problem)
    if convert is None:
        return handler
    exact = annotation if isinstance(annotation, type) else None

    def checked(req: Any, res: Any) -> object:
        value = handler(req, res)
        if type(value) is exact or value is None or isinstance(value, Response):
            return value  # the model itself (the common case), or an answer built with res
        return convert(value)

    wrapped = functools.wraps(handler)(checked)
    wrapped.__wrapped__ = signature.function  # the user's function, as bind_handler gives
    return wrapped


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
