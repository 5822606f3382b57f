"""Turning request data into annotated types: msgspec, or pydantic for pydantic types.

An engine is built once per annotation. ``from_json`` decodes and validates
bytes in one pass; ``from_strings`` converts string values (path parameters,
query strings, form fields) the way a query string is read: ``"5"`` may be
an ``int``, ``"true"`` a ``bool``. A value that does not fit raises
:class:`Invalid` with one problem per field; JSON is decoded by
:mod:`microroutes.bodies` (malformed JSON is a 400 saying the same as for ``req.json``).
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from ..bodies import decode_json, without_bom
from ._limits import DEFAULT_PROBLEM_LIMITS, ProblemLimits
from ._numbers import decode_integral_floats, integer_spots, only_integer_text
from ._problems import Invalid, Loc, Problem, every_problem, text_problems
from ._pydantic import PydanticEngine, mentions_pydantic, pydantic_fields
from ._shapes import OBJECT_TYPES, is_scalar_or_list, refuse_custom_types, takes_many
from ._unknown import UnknownFields, unknown_fields_checker

__all__ = ["Engine", "Invalid", "build_engine", "is_flat", "object_fields"]


class Engine(Protocol):
    """Decodes request data into one annotated type."""

    def from_json(self, data: bytes, loc: Loc) -> Any:
        """``data`` decoded as JSON into the type; 400 if malformed, :class:`Invalid` if unfit."""

    def from_strings(self, value: object, loc: Loc, *, integers_checked: bool = False) -> Any:
        """``value`` (strings, lists and dicts of them) converted into the type.

        ``integers_checked``: text where integers go is integer text already (or
        made unconvertible), as :func:`~._query.query_fields` leaves it.
        """


def build_engine(
    annotation: Any,
    limits: ProblemLimits = DEFAULT_PROBLEM_LIMITS,
    *,
    allow_unknown_fields: bool = False,
) -> Engine:
    """The engine for ``annotation``; ``TypeError`` if no engine supports it.

    ``limits`` bound the problems an :class:`Invalid` lists. JSON objects with
    keys no field takes are refused unless ``allow_unknown_fields`` (or the
    model allows them, see :func:`allow_unknown_fields`).
    """
    unknown = None if allow_unknown_fields else unknown_fields_checker(annotation, limits)
    if mentions_pydantic(annotation, set()):
        return PydanticEngine(annotation, limits, unknown)
    return _MsgspecEngine(annotation, limits, unknown)


def object_fields(annotation: Any) -> list[tuple[str, bool, bool]] | None:
    """``(name, required, takes_many)`` per field of an object type, else ``None``.

    ``takes_many`` marks list-like fields, which read every repeated key of a
    query string or form; ``None`` means ``annotation`` is not a flat-able object.
    """
    if mentions_pydantic(annotation, set()):
        return pydantic_fields(annotation)
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError:
        return None
    if not isinstance(info, OBJECT_TYPES):
        return None
    return [(f.encode_name, f.required, takes_many(f.type)) for f in info.fields]


def is_flat(annotation: Any) -> bool:
    """True for an object type whose fields are scalars or lists of scalars (form-friendly)."""
    if mentions_pydantic(annotation, set()):
        return pydantic_fields(annotation) is not None
    try:
        info = msgspec.inspect.type_info(annotation)
    except TypeError:
        return False
    return isinstance(info, OBJECT_TYPES) and all(is_scalar_or_list(f.type) for f in info.fields)


class _MsgspecEngine:
    __slots__ = ("_decoder", "_integers", "_limits", "_type", "_unknown")

    def __init__(
        self, annotation: Any, limits: ProblemLimits, unknown: UnknownFields | None
    ) -> None:
        self._type = annotation
        self._limits = limits
        self._unknown = unknown
        self._integers = integer_spots(annotation)
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(annotation)
        refuse_custom_types(msgspec.inspect.type_info(annotation), set())

    def from_json(self, data: bytes, loc: Loc) -> Any:
        unknown_fields = self._unknown
        if unknown_fields is None or unknown_fields.flat:
            try:
                value = decode_json(data, self._decoder.decode)
            except msgspec.ValidationError as error:
                # Decoded again untyped: a 400 if the JSON is malformed further on.
                raw = decode_json(data)
                unknown = [] if unknown_fields is None else unknown_fields.problems(raw, loc)
                return self._rescue(raw, error, data, loc, unknown)
            if unknown_fields is None or unknown_fields.top_keys_fit(without_bom(data)):
                return value
            raise Invalid(self._limits.bound(unknown_fields.problems(decode_json(data), loc)))
        # Unknown keys to look for: decoded untyped first, then converted.
        raw = decode_json(data)
        unknown = unknown_fields.problems(raw, loc)
        try:
            value = msgspec.convert(raw, self._type, strict=True)
        except msgspec.ValidationError as error:
            return self._rescue(raw, error, data, loc, unknown)
        if unknown:
            raise Invalid(self._limits.bound(unknown))
        return value

    def _rescue(
        self,
        raw: object,
        error: msgspec.ValidationError,
        data: bytes,
        loc: Loc,
        unknown: list[Problem],
    ) -> Any:
        """The value after all (integral floats where ints go), else :class:`Invalid`."""
        integral = [0]  # 2046.0 is an integer too
        problems = every_problem(
            raw, self._type, error, loc, strict=True, limits=self._limits, integral_floats=integral
        )
        if not problems and integral[0]:
            raw = decode_integral_floats(without_bom(data))
            try:
                value = msgspec.convert(raw, self._type, strict=True)
            except msgspec.ValidationError as again:
                problems = every_problem(
                    raw, self._type, again, loc, strict=True, limits=self._limits
                )
            else:
                if not unknown:
                    return value
        raise Invalid(self._limits.bound(unknown + problems))

    def from_strings(self, value: object, loc: Loc, *, integers_checked: bool = False) -> Any:
        if self._integers is not None and not integers_checked:
            value = only_integer_text(value, self._integers)
        try:
            return msgspec.convert(value, self._type, strict=False)
        except msgspec.ValidationError as error:
            problems = every_problem(
                value, self._type, error, loc, strict=False, limits=self._limits
            )
            raise Invalid(self._limits.bound(text_problems(problems))) from None
