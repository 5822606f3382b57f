"""Turning request data into annotated types: msgspec, or pydantic for pydantic types.

An engine is built once per annotation. ``from_json`` decodes and validates
bytes in one pass; ``from_strings`` converts string values (path parameters,
query strings, form fields) the way a query string is read: ``"5"`` may be
an ``int``, ``"true"`` a ``bool``. A value that does not fit raises
:class:`Invalid` with one problem per field; malformed JSON is a 400.
"""

from __future__ import annotations

import re
import sys
import typing
from collections.abc import Iterator
from typing import Any, Protocol

import msgspec

from ..errors import BadRequest

__all__ = ["Engine", "Invalid", "Problem", "build_engine", "object_fields"]

#: One problem with the input: ``{"loc": ["body", "tags", 2], "msg": "Expected `int`, ..."}``.
Problem = dict[str, Any]
Loc = tuple[str | int, ...]

#: Most problems listed in one error response.
MAX_PROBLEMS = 50
_PATH_SUFFIX = re.compile(r" - at `\$(.*)`$")
_MISSING_FIELD = re.compile(r"Object missing required field `(.*)`")
_PATH_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[([^\]]*)\]")
_OBJECT_TYPES = (
    msgspec.inspect.StructType,
    msgspec.inspect.DataclassType,
    msgspec.inspect.TypedDictType,
)
_SEQUENCE_TYPES = (
    msgspec.inspect.ListType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.VarTupleType,
)


class Invalid(Exception):
    """The input does not fit the annotation; ``problems`` lists where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        #: One entry per problem found.
        self.problems = problems


class Engine(Protocol):
    """Decodes request data into one annotated type."""

    def from_json(self, data: bytes, loc: Loc) -> Any:
        """``data`` decoded as JSON into the type; 400 if malformed, :class:`Invalid` if unfit."""

    def from_strings(self, value: object, loc: Loc) -> Any:
        """``value`` (strings, lists and dicts of them) converted into the type."""


def build_engine(annotation: Any) -> Engine:
    """The engine for ``annotation``; ``TypeError`` if no engine supports it."""
    if _mentions_pydantic(annotation, set()):
        return _PydanticEngine(annotation)
    return _MsgspecEngine(annotation)


def object_fields(annotation: Any) -> list[tuple[str, bool, bool]] | None:
    """``(name, required, takes_many)`` per field of an object type, else ``None``.

    ``takes_many`` marks list-like fields, which read every repeated key of a
    query string or form; ``None`` means ``annotation`` is not a flat-able object.
    """
    if _mentions_pydantic(annotation, set()):
        return _pydantic_fields(annotation)
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError:
        return None
    if not isinstance(info, _OBJECT_TYPES):
        return None
    return [(f.encode_name, f.required, _takes_many(f.type)) for f in info.fields]


def is_flat(annotation: Any) -> bool:
    """True for an object type whose fields are scalars or lists of scalars (form-friendly)."""
    if _mentions_pydantic(annotation, set()):
        return _pydantic_fields(annotation) is not None
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError:
        return False
    return isinstance(info, _OBJECT_TYPES) and all(_is_scalar_or_list(f.type) for f in info.fields)


def _takes_many(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_takes_many(member) for member in info.types)
    return isinstance(info, _SEQUENCE_TYPES)


def _is_scalar_or_list(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return all(_is_scalar_or_list(member) for member in info.types)
    if isinstance(info, _SEQUENCE_TYPES):
        return _is_scalar(info.item_type)
    return _is_scalar(info)


def _is_scalar(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return all(_is_scalar(member) for member in info.types)
    containers = (*_OBJECT_TYPES, *_SEQUENCE_TYPES, msgspec.inspect.DictType)
    return not isinstance(info, (*containers, msgspec.inspect.TupleType, msgspec.inspect.AnyType))


class _MsgspecEngine:
    __slots__ = ("_decoder", "_type")

    def __init__(self, annotation: Any) -> None:
        self._type = annotation
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(annotation)
        _refuse_custom_types(msgspec.inspect.type_info(annotation), set())

    def from_json(self, data: bytes, loc: Loc) -> Any:
        try:
            return self._decoder.decode(data)
        except msgspec.ValidationError as error:
            raise Invalid(self._problems_in_json(data, error, loc)) from None
        except msgspec.DecodeError as error:
            raise BadRequest(f"malformed JSON body: {error}") from None
        except RecursionError:
            raise BadRequest("malformed JSON body: nested too deeply") from None

    def from_strings(self, value: object, loc: Loc) -> Any:
        try:
            return msgspec.convert(value, self._type, strict=False)
        except msgspec.ValidationError as error:
            raise Invalid(_every_problem(value, self._type, error, loc, strict=False)) from None

    def _problems_in_json(
        self, data: bytes, error: msgspec.ValidationError, loc: Loc
    ) -> list[Problem]:
        try:
            raw = msgspec.json.decode(data)
        except (msgspec.DecodeError, RecursionError):
            return [_problem(error, loc)]
        return _every_problem(raw, self._type, error, loc, strict=True)


def _refuse_custom_types(info: msgspec.inspect.Type, seen: set[int]) -> None:
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
                _refuse_custom_types(member, seen)


def _every_problem(
    raw: object, annotation: Any, error: msgspec.ValidationError, loc: Loc, *, strict: bool
) -> list[Problem]:
    """One problem per failing field or item: msgspec itself stops at the first.

    Each field of an object, value of a dict or item of a list is checked on
    its own; at most :data:`MAX_PROBLEMS` are listed.
    """
    found: list[Problem] = []
    for key, value, value_type in _parts(raw, annotation, found, loc):
        if len(found) >= MAX_PROBLEMS:
            break
        try:
            msgspec.convert(value, value_type, strict=strict)
        except msgspec.ValidationError as inner:
            found.extend(_every_problem(value, value_type, inner, (*loc, key), strict=strict))
    # A problem beyond single parts (__post_init__, unknown fields) shows as msgspec said it.
    return found[:MAX_PROBLEMS] or [_problem(error, loc)]


def _parts(
    raw: object, annotation: Any, missing: list[Problem], loc: Loc
) -> Iterator[tuple[str | int, object, Any]]:
    """``(key, value, type)`` of each part of ``raw`` that ``annotation`` types on its own.

    Required object fields absent from ``raw`` are added to ``missing``.
    """
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, _UNION_TYPE) and raw is not None:
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1:
            yield from _parts(raw, members[0], missing, loc)
        return
    if isinstance(raw, list) and (origin in (list, set, frozenset) or _is_var_tuple(origin, args)):
        yield from ((index, item, args[0]) for index, item in enumerate(raw))
        return
    if not isinstance(raw, dict):
        return
    if origin is dict and len(args) == 2:
        yield from ((key, value, args[1]) for key, value in raw.items())
        return
    for key, field_type, required in _field_types(annotation) or ():
        if key in raw:
            yield key, raw[key], field_type
        elif required:
            missing.append({"loc": [*loc, key], "msg": f"Object missing required field `{key}`"})


def _is_var_tuple(origin: object, args: tuple[Any, ...]) -> bool:
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _field_types(annotation: Any) -> list[tuple[str, Any, bool]] | None:
    """``(key, type, required)`` per field of a dataclass, TypedDict or Struct."""
    try:
        info = msgspec.inspect.type_info(annotation)
        if not isinstance(info, _OBJECT_TYPES):
            return None
        hints = typing.get_type_hints(info.cls, include_extras=True)
        return [(f.encode_name, hints[f.name], f.required) for f in info.fields]
    except (TypeError, KeyError, NameError):
        return None


def _problem(error: Exception, loc: Loc) -> Problem:
    """msgspec's ``"Expected `int`, got `str` - at `$.tags[2]`"`` as a loc and a message."""
    message = str(error)
    steps: list[str | int] = list(loc)
    found = _PATH_SUFFIX.search(message)
    if found is not None:
        for name, index, key in _PATH_STEP.findall(found.group(1)):
            steps.append(int(index) if index else (name or key))
        message = message[: found.start()]
    missing = _MISSING_FIELD.fullmatch(message)
    if missing is not None:  # name the field itself, as the per-field check does
        steps.append(missing.group(1))
    return {"loc": steps, "msg": message}


class _PydanticEngine:
    __slots__ = ("_adapter", "_validation_error")

    def __init__(self, annotation: Any) -> None:
        import pydantic

        self._adapter: Any = pydantic.TypeAdapter(annotation)
        self._validation_error: type[Exception] = pydantic.ValidationError

    def from_json(self, data: bytes, loc: Loc) -> Any:
        try:
            return self._adapter.validate_json(data)
        except self._validation_error as error:
            errors = error.errors()  # type: ignore[attr-defined]
            if any(entry["type"] == "json_invalid" for entry in errors):
                raise BadRequest(f"malformed JSON body: {errors[0]['msg']}") from None
            raise Invalid(_pydantic_problems(errors, loc)) from None
        except RecursionError:
            raise BadRequest("malformed JSON body: nested too deeply") from None

    def from_strings(self, value: object, loc: Loc) -> Any:
        try:
            return self._adapter.validate_python(value)
        except self._validation_error as error:
            errors = error.errors()  # type: ignore[attr-defined]
            raise Invalid(_pydantic_problems(errors, loc)) from None


def _pydantic_problems(errors: list[dict[str, Any]], loc: Loc) -> list[Problem]:
    return [{"loc": [*loc, *entry["loc"]], "msg": entry["msg"]} for entry in errors]


def _pydantic_fields(annotation: Any) -> list[tuple[str, bool, bool]] | None:
    fields = getattr(annotation, "model_fields", None)
    if not isinstance(fields, dict):
        return None
    found: list[tuple[str, bool, bool]] = []
    for name, info in fields.items():
        if not _is_flat_annotation(info.annotation):
            return None
        many = any(_origin_is_sequence(member) for member in _union_members(info.annotation))
        found.append((info.alias or name, info.is_required(), many))
    return found


def _union_members(annotation: Any) -> Iterator[Any]:
    if typing.get_origin(annotation) in (typing.Union, _UNION_TYPE):
        yield from typing.get_args(annotation)
    else:
        yield annotation


def _origin_is_sequence(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (list, set, frozenset, tuple)


def _is_flat_annotation(annotation: Any) -> bool:
    try:
        return _is_scalar_or_list(msgspec.inspect.type_info(annotation))
    except TypeError:
        return True  # a pydantic-only scalar type (constrained strings and the like)


_UNION_TYPE: Any = type(int | None)


def _mentions_pydantic(annotation: Any, seen: set[int]) -> bool:
    """True when ``annotation`` uses a pydantic model or pydantic ``Field`` anywhere."""
    if "pydantic" not in sys.modules or id(annotation) in seen:
        return False
    seen.add(id(annotation))
    module = getattr(type(annotation), "__module__", "")
    if module.startswith(("pydantic", "annotated_types")) and module != "builtins":
        return module.startswith("pydantic")
    if isinstance(annotation, type):
        if annotation.__module__.startswith("pydantic") or hasattr(annotation, "model_fields"):
            return True
        if hasattr(annotation, "__dataclass_fields__") or hasattr(annotation, "__total__"):
            try:
                hints = typing.get_type_hints(annotation, include_extras=True)
            except Exception:  # unresolvable: msgspec will say so
                return False
            return any(_mentions_pydantic(hint, seen) for hint in hints.values())
        return False
    extras = getattr(annotation, "__metadata__", ())
    members = (*typing.get_args(annotation), *extras)
    return any(_mentions_pydantic(member, seen) for member in members)
