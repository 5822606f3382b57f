"""Typed JSON answers encoded by msgspec, in C, with the bytes :func:`dump_json` writes.

A handler annotated ``-> list[Item]`` answers values whose shape is known at
import. For most shapes msgspec's encoder writes exactly what
:func:`~microroutes.response.dump_json` writes, many times faster (no Python
call per object); :func:`json_encoder` builds that encoder when it can promise
the same bytes, and says no otherwise:

* outside a ``Struct`` (whose fields :func:`dump_json` already hands to
  msgspec): aware datetimes and times (msgspec writes UTC as ``Z``,
  ``isoformat`` as ``+00:00``), durations, bytes, ``Any`` and custom types;
* dataclasses with defaults or ``init=False`` fields: a dataclass msgspec made
  keeps a default on its class only, and msgspec's encoder would leave it out.

One difference remains by design, valid JSON of the same number: a float of
1e16 or more, or under 1e-4, is written ``1e16`` where Python writes
``1e+16``. NaN and infinities are still refused: msgspec writes them as
``null``, so an answer whose shape may hold a float and whose bytes hold
``null`` is encoded again by :func:`dump_json`, which refuses them. A value
msgspec cannot encode (a lone surrogate, say) goes to :func:`dump_json` too.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import inspect as mi

from .response import dump_json

__all__ = ["json_encoder", "model_list_encoder", "pydantic_encoder"]

#: Shapes msgspec writes as dump_json does, with nothing inside to look at.
_SAME_BYTES = (
    mi.NoneType,
    mi.BoolType,
    mi.IntType,
    mi.StrType,
    mi.DateType,
    mi.UUIDType,
    mi.DecimalType,
    mi.EnumType,
    mi.LiteralType,
)
#: Dictionary keys both encoders write alike (``"1"`` for the int 1).
_PLAIN_KEYS = (mi.StrType, mi.IntType, mi.LiteralType, mi.EnumType)


class _Shape:
    """What a walk over a type found: whether msgspec writes it alike, and floats in it."""

    __slots__ = ("floats", "same", "seen")

    def __init__(self) -> None:
        self.same = True
        self.floats = False
        self.seen: set[tuple[int, bool]] = set()  # walked already: a model may hold itself


def json_encoder(annotation: Any) -> Callable[[Any], bytes] | None:
    """An encoder writing values of ``annotation`` as :func:`dump_json` does, or ``None``.

    The encoder raises what :func:`dump_json` raises (a ``ValueError`` for NaN,
    a ``TypeError`` for a value with no JSON form).
    """
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):  # not a type msgspec knows
        return None
    shape = _Shape()
    _walk(info, shape, native=False)
    if not shape.same:
        return None
    encode = msgspec.json.Encoder().encode
    floats = shape.floats

    def encoder(value: Any) -> bytes:
        try:
            data = encode(value)
        except (TypeError, ValueError):  # a lone surrogate, a value of another type
            return dump_json(value)  # its answer: the old bytes, or the error that says why
        if floats and b"null" in data:
            return dump_json(value)  # maybe a NaN msgspec wrote as null: refused there
        return data

    return encoder


def model_list_encoder(annotation: Any) -> Callable[[Any], bytes | None] | None:
    """For ``list[Model]``: an encoder of lists made of ``Model`` instances only, or ``None``.

    It answers ``None`` for any other value (a list holding dicts, a float that
    is NaN), which then takes the converting path. A list of the model itself is
    the common answer (rows read from a database); checking each item's class and
    float fields here costs a third of converting the list and searching the
    bytes for a NaN written as ``null``. ``Model`` must be a ``Struct`` or
    dataclass whose floats, if any, are its own fields (``float`` or
    ``float | None``).
    """
    if typing.get_origin(annotation) is not list or json_encoder(annotation) is None:
        return None
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):
        return None
    model = info.item_type if isinstance(info, mi.ListType) else None
    if not isinstance(model, (mi.StructType, mi.DataclassType)):
        return None
    checks = []
    for model_field in model.fields:
        kind = _float_field(model_field.type)
        if kind is None:
            return None  # floats deeper inside: left to the converting path
        if kind == "float":
            checks.append(f"        x = item.{model_field.name}\n        if x - x: return None")
        elif kind == "optional":
            checks.append(
                f"        x = item.{model_field.name}\n"
                "        if x is not None and x - x: return None"
            )
    # x - x is 0.0 for a finite float, NaN (true) for NaN and the infinities.
    source = "\n".join(
        [
            "def encode_models(value):",
            "    if type(value) is not list: return None",
            "    for item in value:",
            "        if type(item) is not model: return None",
            *checks,
            "    return encode(value)",
        ]
    )
    scope: dict[str, Any] = {"model": model.cls, "encode": msgspec.json.Encoder().encode}
    exec(compile(source, f"<JSON of list[{model.cls.__qualname__}]>", "exec"), scope)  # noqa: S102
    encode_models: Callable[[Any], bytes] = scope["encode_models"]

    def encoder(value: Any) -> bytes | None:
        try:
            return encode_models(value)
        except (TypeError, ValueError):  # a field holding another type, a lone surrogate
            return None

    return encoder


def pydantic_encoder(annotation: Any) -> Callable[[Any], bytes] | None:
    """For a pydantic model ``M`` or ``list[M]``: an encoder writing what :func:`dump_json`
    writes, by pydantic's own JSON serializer in one call.

    Its bytes are the standard library's but for small exponents (``1e-7`` for
    ``1e-07``), as with msgspec. pydantic writes NaN as ``null`` too, so bytes
    holding ``null`` are made again the slow way, which refuses NaN. ``None``
    for any other annotation.
    """
    model = annotation
    if typing.get_origin(annotation) is list:
        (model,) = typing.get_args(annotation) or (None,)
    if not isinstance(model, type) or not hasattr(model, "__pydantic_fields__"):
        return None
    import pydantic  # only for sites whose answers are pydantic models
    import pydantic_core

    adapter = pydantic.TypeAdapter(annotation)
    to_json, to_builtins = adapter.dump_json, adapter.dump_python
    refused = (TypeError, ValueError, pydantic_core.PydanticSerializationError)

    def encoder(value: Any) -> bytes:
        try:
            data = to_json(value)
        except refused:  # a lone surrogate, say: the slow way says what it makes of it
            return dump_json(to_builtins(value, mode="json"))
        if b"null" in data:
            return dump_json(to_builtins(value, mode="json"))  # maybe a NaN: refused there
        return data

    return encoder


def _float_field(node: mi.Type) -> str | None:
    """``"float"``, ``"optional"`` (``float | None``), ``""`` (no float inside) or ``None``
    (floats deeper inside) for a model field's type."""
    node = _bare(node)
    if isinstance(node, mi.FloatType):
        return "float"
    if isinstance(node, mi.UnionType):
        members = [_bare(member) for member in node.types]
        if any(isinstance(member, mi.FloatType) for member in members):
            others = [m for m in members if not isinstance(m, (mi.FloatType, mi.NoneType))]
            return None if others else "optional"
    shape = _Shape()
    _walk(node, shape, native=True)
    return None if shape.floats else ""


def _walk(node: mi.Type, shape: _Shape, *, native: bool) -> None:
    """Look through ``node`` for what msgspec would write otherwise, and for floats.

    ``native``: inside a ``Struct``, which :func:`dump_json` hands to msgspec's own
    ``to_builtins``, so msgspec decides every byte there already.
    """
    key = (id(node), native)
    if not shape.same or key in shape.seen:
        return
    shape.seen.add(key)
    if isinstance(node, _SAME_BYTES):
        return
    if isinstance(node, (mi.FloatType, mi.AnyType, mi.CustomType)):
        shape.floats = True  # Any or a custom type may hold a float too
        shape.same = native or isinstance(node, mi.FloatType)
    elif isinstance(node, mi.Metadata):
        _walk(node.type, shape, native=native)
    elif isinstance(node, (mi.DateTimeType, mi.TimeType)):
        shape.same = native or node.tz is False  # isoformat and msgspec agree when naive
    elif isinstance(node, mi.UnionType):
        for member in node.types:
            _walk(member, shape, native=native)
    elif isinstance(node, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        _walk(node.item_type, shape, native=native)
    elif isinstance(node, mi.TupleType):
        for item in node.item_types:
            _walk(item, shape, native=native)
    elif isinstance(node, mi.DictType):
        shape.same = native or isinstance(_bare(node.key_type), _PLAIN_KEYS)
        _walk(node.value_type, shape, native=native)
    elif isinstance(node, mi.StructType):
        for model_field in node.fields:
            _walk(model_field.type, shape, native=True)
    elif isinstance(node, (mi.TypedDictType, mi.NamedTupleType)):
        for model_field in node.fields:
            _walk(model_field.type, shape, native=native)
    elif isinstance(node, mi.DataclassType):
        # dump_json sends every field, a default kept on the class included
        shape.same = native or all(model_field.required for model_field in node.fields)
        for model_field in node.fields:
            _walk(model_field.type, shape, native=native)
    else:  # outside a Struct: bytes, durations, attrs classes, raw and ext types
        shape.same = native


def _bare(node: mi.Type) -> mi.Type:
    return node.type if isinstance(node, mi.Metadata) else node
