"""Unknown body fields: refused by default, for every kind of model.

A key no field of the model takes is a 422 naming it, as msgspec does for a
``Struct(forbid_unknown_fields=True)``: a typo (``"titel"``) or a field the
server sets itself (``"id"``, ``"author"``) is not dropped in silence. A
model allows them with :func:`allow_unknown_fields` (or, for pydantic, an
explicit ``model_config`` ``extra``), and a site with
``App(site, allow_unknown_fields=True)``.

The check walks the decoded JSON (an explicit stack) only where the type
has objects to check, and stops at ``ProblemLimits.max_problems``.
"""

from __future__ import annotations

import typing
from typing import Any, TypeVar

import msgspec

from ._limits import ProblemLimits
from ._problems import Loc, Problem
from ._shapes import UNION_TYPE, field_types

__all__ = ["UnknownFields", "allow_unknown_fields", "refusing_models", "unknown_fields_checker"]

_T = TypeVar("_T")
_decode_keys = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_ALLOWED = "__allow_unknown_fields__"

# What a type is, for the walk: (kind, detail).
_SKIP = 0  # nothing to check inside
_OPTIONAL = 1  # detail: the type when not None
_ITEMS = 2  # list, set, tuple[T, ...], dict values: detail is the item type
_TUPLE = 3  # tuple[A, B]: detail is (A, B)
_OBJECT = 4  # detail: ({key: type}, unknown keys allowed, the model, keys with objects inside)
_PENDING = 5  # being worked out (a recursive type met again): not nothing


def allow_unknown_fields(cls: _T) -> _T:
    """Class decorator: this model's bodies may carry keys it has no field for (dropped)."""
    setattr(cls, _ALLOWED, True)
    return cls


class UnknownFields:
    """Finds the keys no field takes in a body decoded as plain JSON data."""

    __slots__ = ("_keys", "_limits", "_nodes", "_root", "flat")

    def __init__(self, annotation: Any, limits: ProblemLimits) -> None:
        self._limits = limits
        self._nodes: dict[int, tuple[int, Any]] = {}
        self._root = annotation
        kind, detail = _describe(annotation, self._nodes)
        #: A flat model's keys (no objects inside its fields): checked on the top object alone.
        self._keys: frozenset[str] | None = None
        if kind == _OBJECT and not detail[3] and not detail[1]:
            self._keys = frozenset(detail[0])
        #: True when only the top object's keys need checking (see :meth:`top_keys_fit`).
        self.flat: bool = self._keys is not None

    def top_keys_fit(self, data: bytes) -> bool:
        """Whether the JSON object ``data`` (valid, an object) has only known keys.

        Its values are skipped, not decoded: cheaper than decoding the body untyped.
        """
        keys: dict[str, Any] = _decode_keys(data)
        return self._keys is not None and keys.keys() <= self._keys

    def problems(self, raw: object, loc: Loc) -> list[Problem]:
        """One problem per unknown key, at most ``max_problems``."""
        found: list[Problem] = []
        nodes = self._nodes
        stack: list[tuple[object, Any, Loc]] = [(raw, self._root, loc)]
        most = self._limits.max_problems
        while stack and len(found) < most:
            value, annotation, where = stack.pop()
            kind, detail = nodes[id(annotation)]
            if kind == _OPTIONAL:
                if value is not None:
                    stack.append((value, detail, where))
            elif kind == _ITEMS:
                if isinstance(value, list):
                    for index in range(len(value) - 1, -1, -1):
                        stack.append((value[index], detail, (*where, index)))
                elif isinstance(value, dict):
                    for key in reversed(list(value)):
                        stack.append((value[key], detail, (*where, key)))
            elif kind == _TUPLE:
                if isinstance(value, list):
                    pairs = list(zip(value, detail, strict=False))
                    for index in range(len(pairs) - 1, -1, -1):
                        stack.append((pairs[index][0], pairs[index][1], (*where, index)))
            elif kind == _OBJECT and isinstance(value, dict):
                fields, allowed, _, deep = detail
                if not allowed and not value.keys() <= fields.keys():
                    found.extend(
                        {"loc": list(where), "msg": f"Object contains unknown field `{key}`"}
                        for key in value
                        if key not in fields
                    )
                if deep:  # only fields with objects somewhere inside are walked
                    later = [
                        (value[key], fields[key], (*where, key)) for key in value if key in deep
                    ]
                    stack.extend(reversed(later))
        return found[:most]


def unknown_fields_checker(annotation: Any, limits: ProblemLimits) -> UnknownFields | None:
    """The check for ``annotation``, or ``None`` when nothing in it refuses unknown keys itself."""
    nodes: dict[int, tuple[int, Any]] = {}
    _describe(annotation, nodes)
    checks = any(kind == _OBJECT and not detail[1] for kind, detail in nodes.values())
    return UnknownFields(annotation, limits) if checks else None


def refusing_models(annotation: Any) -> frozenset[type]:
    """The model classes in ``annotation`` whose unknown keys this module refuses."""
    nodes: dict[int, tuple[int, Any]] = {}
    _describe(annotation, nodes)
    return frozenset(
        detail[2]
        for kind, detail in nodes.values()
        if kind == _OBJECT and not detail[1] and isinstance(detail[2], type)
    )


def _describe(annotation: Any, nodes: dict[int, tuple[int, Any]]) -> tuple[int, Any]:
    """What ``annotation`` is for the walk; ``nodes`` collects every type met, by ``id``."""
    key = id(annotation)
    if key in nodes:
        return nodes[key]
    nodes[key] = (_PENDING, None)  # a recursive type refers back to itself
    node = nodes[key] = _work_out(annotation, nodes)
    return node


def _work_out(annotation: Any, nodes: dict[int, tuple[int, Any]]) -> tuple[int, Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        inner = _describe(args[0], nodes)
        return inner if inner[0] == _SKIP else (_OPTIONAL, args[0])
    if origin in (typing.Union, UNION_TYPE):
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1 and _describe(members[0], nodes)[0] != _SKIP:
            return _OPTIONAL, members[0]
        return _SKIP, None  # several types: which one a value is for is msgspec's call
    if args and (origin in (list, set, frozenset) or (origin is tuple and args[-1] is ...)):
        return (_ITEMS, args[0]) if _describe(args[0], nodes)[0] != _SKIP else (_SKIP, None)
    if origin is tuple and args:
        if any(_describe(arg, nodes)[0] != _SKIP for arg in args):
            return _TUPLE, args
        return _SKIP, None
    if origin is dict and len(args) == 2:
        return (_ITEMS, args[1]) if _describe(args[1], nodes)[0] != _SKIP else (_SKIP, None)
    fields = _fields(annotation)
    if fields is None:
        return _SKIP, None
    allowed = _allows_unknown(annotation)
    deep = frozenset(key for key, hint in fields.items() if _describe(hint, nodes)[0] != _SKIP)
    return _OBJECT, (fields, allowed, annotation, deep)


def _fields(annotation: Any) -> dict[str, Any] | None:
    model_fields = getattr(annotation, "model_fields", None)
    if isinstance(model_fields, dict) and isinstance(annotation, type):  # pydantic
        found: dict[str, Any] = {}
        for name, info in model_fields.items():
            found[name] = info.annotation
            if info.alias:
                found[info.alias] = info.annotation
        return found
    fields = field_types(annotation)
    return None if fields is None else {key: hint for key, hint, _ in fields}


def _allows_unknown(annotation: Any) -> bool:
    if getattr(annotation, _ALLOWED, False):
        return True
    config = getattr(annotation, "model_config", None)
    if isinstance(config, dict) and "extra" in config:
        return True  # pydantic, told what to do: "forbid" refuses them itself
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        # forbid_unknown_fields=True: msgspec refuses them itself.
        return bool(annotation.__struct_config__.forbid_unknown_fields)
    return False
