"""Integers as the document spells them: integer text in URLs, any integral number in JSON.

msgspec's lax string conversion reads ``"2.0"``, ``"3e0"`` and ``"1e3"`` as
integers; a path or query parameter documented as ``integer`` takes integer
text only (``-12``, ``42``), so such text is refused before conversion. JSON
Schema's ``integer`` admits ``2046.0`` (the same number as ``2046``), so a
JSON body refused only for integral floats where integers go is decoded
again reading them as integers (see :func:`~._problems.every_problem`).
"""

from __future__ import annotations

import math
import typing
from typing import Any

import msgspec

from ._shapes import UNION_TYPE, field_types

__all__ = [
    "decode_integral_floats",
    "integer_spots",
    "is_integer_text",
    "only_integer_text",
    "short_integer",
]
#: Where integers go in string values: ``True`` (the value itself, or its items),
#: the keys of an object's integer fields, or ``None`` (nowhere).
IntegerSpots = bool | frozenset[str] | None
_REFUSED = ""  # what non-integer text becomes: msgspec refuses it as an int


def integer_spots(annotation: Any) -> IntegerSpots:
    """Where ``annotation`` takes integers from text (read once, when a route loads)."""
    if _takes_integers(annotation):
        return True
    fields = _field_annotations(annotation)
    if fields is None:
        return None
    keys = frozenset(key for key, hint in fields.items() if _takes_integers(hint))
    return keys or None


def only_integer_text(value: object, spots: IntegerSpots) -> object:
    """``value`` with text that is not an integer, where integers go, made unconvertible."""
    if spots is True:
        return _checked(value)
    if isinstance(spots, frozenset) and isinstance(value, dict):
        changed: dict[Any, Any] | None = None  # copied only when some text is refused
        for key in spots:
            item = value.get(key)
            if item is None:
                continue
            checked = _checked(item)
            if checked is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = checked
        return value if changed is None else changed
    return value


def _checked(value: object) -> object:
    if isinstance(value, str):
        return value if is_integer_text(value) else _REFUSED
    if isinstance(value, list):
        return [_checked(item) for item in value]
    return value


def short_integer(text: str) -> int | None:
    """``text`` as an int when it is integer text msgspec reads as one, at most 18 digits
    long (``-12``, ``0``; not ``007``), else ``None`` (left to the engine)."""
    digits = text[1:] if text[:1] == "-" else text
    if (
        0 < len(digits) <= _SHORT_DIGITS
        and digits.isdigit()
        and digits.isascii()
        and (digits[0] != "0" or len(digits) == 1)
    ):
        return int(text)
    return None


#: Integer text this long at most is read by int() itself (no size limit to mind).
_SHORT_DIGITS = 18


def is_integer_text(text: str) -> bool:
    """``-12`` or ``42``: ASCII digits, a minus sign before them at most."""
    digits = text[1:] if text[:1] == "-" else text
    return digits.isdigit() and digits.isascii()


def _takes_integers(annotation: Any) -> bool:
    """True for ``int``, ``int | None``, constrained ints and lists or sets of them."""
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, UNION_TYPE):
            members = [arg for arg in args if arg is not type(None)]
            if len(members) != 1:
                return False
            annotation = members[0]
        elif origin in (list, set, frozenset) or (origin is tuple and args[-1:] == (...,)):
            annotation = args[0] if args else Any
        else:
            return annotation is int


def _field_annotations(annotation: Any) -> dict[str, Any] | None:
    model_fields = getattr(annotation, "model_fields", None)
    if isinstance(model_fields, dict):  # a pydantic model
        return {info.alias or name: info.annotation for name, info in model_fields.items()}
    fields = field_types(annotation)
    return None if fields is None else {key: hint for key, hint, _ in fields}


def _integral(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and math.isfinite(number) else number


_decode_integral = msgspec.json.Decoder(float_hook=_integral).decode


def decode_integral_floats(data: bytes) -> Any:
    """``data`` decoded untyped, numbers with no fraction (``2046.0``, ``1e3``) as ``int``."""
    return _decode_integral(data)
