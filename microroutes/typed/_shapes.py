"""What msgspec's type inspection says about an annotation: objects, lists, scalars."""

from __future__ import annotations

import typing
from typing import Any

import msgspec

__all__ = [
    "OBJECT_TYPES",
    "SEQUENCE_TYPES",
    "UNION_TYPE",
    "ObjectLayout",
    "field_types",
    "is_scalar_or_list",
    "object_layout",
    "refuse_custom_types",
    "takes_many",
]

#: Types decoded from a JSON object with named fields.
OBJECT_TYPES = (
    msgspec.inspect.StructType,
    msgspec.inspect.DataclassType,
    msgspec.inspect.TypedDictType,
)
#: Types decoded from a JSON array of any length.
SEQUENCE_TYPES = (
    msgspec.inspect.ListType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.VarTupleType,
)
#: The type of ``int | None``.
UNION_TYPE: Any = type(int | None)


def takes_many(info: msgspec.inspect.Type) -> bool:
    """True for a list-like field, which reads every value of a repeated query key."""
    if isinstance(info, msgspec.inspect.UnionType):
        return any(takes_many(member) for member in info.types)
    return isinstance(info, SEQUENCE_TYPES)


def is_scalar_or_list(info: msgspec.inspect.Type) -> bool:
    """True for a value a form field or query key can spell: a scalar, or a list of them."""
    if isinstance(info, msgspec.inspect.UnionType):
        return all(is_scalar_or_list(member) for member in info.types)
    if isinstance(info, SEQUENCE_TYPES):
        return _is_scalar(info.item_type)
    return _is_scalar(info)


def _is_scalar(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return all(_is_scalar(member) for member in info.types)
    containers = (*OBJECT_TYPES, *SEQUENCE_TYPES, msgspec.inspect.DictType)
    return not isinstance(info, (*containers, msgspec.inspect.TupleType, msgspec.inspect.AnyType))


def refuse_custom_types(info: msgspec.inspect.Type, seen: set[int]) -> None:
    """``TypeError`` for a class msgspec cannot decode (it would fail on every request)."""
    if id(info) in seen:
        return
    seen.add(id(info))
    if isinstance(info, msgspec.inspect.CustomType):
        raise TypeError(f"cannot decode into {info.cls.__qualname__}: not a supported type")
    for name in getattr(info, "__struct_fields__", ()):
        value = getattr(info, name)
        members = value if isinstance(value, tuple) else (value,)
        for member in members:
            if isinstance(member, msgspec.inspect.Field):
                member = member.type
            if isinstance(member, msgspec.inspect.Type):
                refuse_custom_types(member, seen)


def field_types(annotation: Any) -> list[tuple[str, Any, bool]] | None:
    """``(key, type, required)`` per field of a dataclass, TypedDict or Struct."""
    try:
        info = msgspec.inspect.type_info(annotation)
        if not isinstance(info, OBJECT_TYPES):
            return None
        hints = typing.get_type_hints(info.cls, include_extras=True)
        return [(f.encode_name, hints[f.name], f.required) for f in info.fields]
    except (TypeError, KeyError, NameError):
        return None


#: An object type's fields by key, ``(type, required)``, and whether unknown keys are refused.
ObjectLayout = tuple[dict[str, tuple[Any, bool]], bool]
_layouts: dict[Any, ObjectLayout | None] = {}
_MAX_LAYOUTS = 4096


def object_layout(annotation: Any) -> ObjectLayout | None:
    """What an object type expects of a JSON object, or ``None`` for another type (cached)."""
    try:
        return _layouts[annotation]
    except KeyError:
        pass
    except TypeError:  # unhashable annotation: worked out each time
        return _object_layout(annotation)
    if len(_layouts) > _MAX_LAYOUTS:  # classes re-created by reloads: start over
        _layouts.clear()
    layout = _layouts[annotation] = _object_layout(annotation)
    return layout


def _object_layout(annotation: Any) -> ObjectLayout | None:
    fields = field_types(annotation)
    if fields is None:
        return None
    info = msgspec.inspect.type_info(annotation)
    forbid = bool(getattr(info, "forbid_unknown_fields", False))
    return {key: (hint, required) for key, hint, required in fields}, forbid
