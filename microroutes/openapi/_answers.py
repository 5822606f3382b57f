"""What a handler's return annotation says about its successful answers.

``-> Post`` documents a 200 JSON answer; ``Annotated[Post, Answer(201)]`` a
201; ``Annotated[str, Answer(media_type="text/html")]`` an HTML page;
``Annotated[None, Answer(204)]`` an answer without a body. A union of
annotated members documents each of them. No annotation, ``None`` or
``Response`` leaves the answer open: the handler builds it with ``res``.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from dataclasses import dataclass
from typing import Any

from ..http import status_phrase
from ..response import Response

__all__ = ["Answer", "SuccessPlan", "plan_success"]

_JSON = "application/json"
_STREAMS = frozenset(
    {
        collections.abc.Iterable,
        collections.abc.Iterator,
        collections.abc.Generator,
        collections.abc.AsyncIterable,
        collections.abc.AsyncIterator,
        collections.abc.AsyncGenerator,
    }
)


@dataclass(frozen=True, slots=True)
class Answer:
    """Documents a successful answer in a return annotation, for the OpenAPI document.

    ``def POST(req, res, body: NewPost) -> Annotated[Post, Answer(201)]`` says
    the handler answers 201 with a ``Post``. It describes what the handler
    does (``res.status(201)``); it does not set the status itself.

    :param status: the status code, 200-299.
    :param media_type: the ``Content-Type`` (default: JSON, ``text/plain``
        for ``str``, ``application/octet-stream`` for ``bytes``).
    :param description: the response's description (default: the status phrase).
    """

    status: int = 200
    media_type: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, int) or not 200 <= self.status <= 299:
            raise ValueError(f"Answer status must be a 2xx code, got {self.status!r}")


@dataclass(frozen=True, slots=True)
class SuccessPlan:
    """One documented successful answer."""

    #: The status code, or ``None`` for an open answer (any status).
    status: int | None
    #: The media type, or ``None`` for no body.
    media_type: str | None
    #: The annotation whose JSON Schema describes the body, or ``None`` for none given.
    body: Any
    #: The response description.
    description: str


def plan_success(returns: Any) -> list[SuccessPlan]:
    """The successful answers a return annotation documents (``None``: not annotated)."""
    members = _members(returns)
    if not any(_answer_of(member) for member in members):
        members = [returns]
    return [_plan(member) for member in members]


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return list(typing.get_args(annotation))
    return [annotation]


def _answer_of(annotation: Any) -> Answer | None:
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Answer):
            return meta
    return None


def _plan(annotation: Any) -> SuccessPlan:
    answer = _answer_of(annotation)
    inner = typing.get_args(annotation)[0] if answer is not None else annotation
    status = answer.status if answer is not None else 200
    phrase = status_phrase(status)
    description = answer.description if answer and answer.description else phrase
    media_type = answer.media_type if answer is not None else None
    if inner is None or inner is type(None):
        if answer is None:
            return _open()
        return SuccessPlan(status, None, None, description)
    if inner is Any or (isinstance(inner, type) and issubclass(inner, Response)):
        if answer is None:
            return _open()
        return SuccessPlan(status, media_type or "*/*", None, description)
    if inner is str:
        return SuccessPlan(status, media_type or "text/plain", inner, description)
    if inner in (bytes, bytearray, memoryview) or typing.get_origin(inner) in _STREAMS:
        return SuccessPlan(status, media_type or "application/octet-stream", None, description)
    return SuccessPlan(status, media_type or _JSON, annotation, description)


def _open() -> SuccessPlan:
    return SuccessPlan(
        None, "*/*", None, "The handler's answer (its return value is not annotated)."
    )
