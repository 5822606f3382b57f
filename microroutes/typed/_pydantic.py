"""pydantic for annotations that use it: its models, ``Field`` and annotated_types constraints.

pydantic is optional: it is imported only for a type that mentions it, which
can only be written when it is installed.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from ..bodies import decode_json, refuse_json
from ._limits import ProblemLimits
from ._numbers import integer_spots, only_integer_text

if TYPE_CHECKING:
    from ._unknown import UnknownFields
from ._problems import Invalid, Loc, Problem
from ._shapes import UNION_TYPE, is_scalar_or_list

__all__ = ["PydanticEngine", "mentions_pydantic", "pydantic_fields"]


class PydanticEngine:
    """Validates into a type through pydantic's ``TypeAdapter``."""

    __slots__ = ("_adapter", "_integers", "_limits", "_unknown", "_validation_error")

    def __init__(
        self, annotation: Any, limits: ProblemLimits, unknown: UnknownFields | None
    ) -> None:
        self._limits = limits
        self._unknown = unknown
        self._integers = integer_spots(annotation)
        try:
            import pydantic
        except ImportError:
            raise TypeError(
                f"{annotation!r} uses annotated_types constraints, which need pydantic "
                "installed; or write them with msgspec.Meta"
            ) from None

        self._adapter: Any = pydantic.TypeAdapter(annotation)
        self._validation_error: type[Exception] = pydantic.ValidationError

    def from_json(self, data: bytes, loc: Loc) -> Any:
        # Decoded by the one JSON decoder (what is JSON is decided in one place), then
        # validated as JSON data: pydantic's JSON-mode conversions still apply.
        raw = decode_json(data)
        unknown = [] if self._unknown is None else self._unknown.problems(raw, loc)
        try:
            value = self._adapter.validate_python(raw)
        except self._validation_error as error:
            problems = self._problems(_errors(error, self._limits.max_problems), loc)
            raise Invalid(self._limits.bound(unknown + problems)) from None
        except RecursionError:
            refuse_json(RecursionError())
        if unknown:
            raise Invalid(self._limits.bound(unknown))
        return value

    def from_strings(self, value: object, loc: Loc, *, integers_checked: bool = False) -> Any:
        if self._integers is not None and not integers_checked:
            value = only_integer_text(value, self._integers)
        try:
            return self._adapter.validate_python(value)
        except self._validation_error as error:
            raise Invalid(self._problems(_errors(error, self._limits.max_problems), loc)) from None

    def _problems(self, errors: list[_Error], loc: Loc) -> list[Problem]:
        limits = self._limits
        problems = [
            {"loc": [*loc, *entry.loc[: limits.max_depth]], "msg": entry.msg}
            for entry in errors[: limits.max_problems]
        ]
        return limits.bound(problems)


class _Error(msgspec.Struct):
    """Where one of pydantic's problems is and what it says."""

    loc: list[str | int]
    msg: str


_ERRORS = msgspec.json.Decoder(list[_Error])
#: How each problem begins in ``ValidationError.json()``: in a JSON string a quote is
#: escaped, so these characters start a problem and occur nowhere else.
_ERROR_START = '{"type":'


def _errors(error: Any, count: int) -> list[_Error]:
    """pydantic's first ``count`` problems, without the input they are about.

    pydantic lists every problem (a body of 100,000 wrong items: 100,000 of them)
    and cannot stop at a number; ``errors()`` makes a dict of each. Beyond ``count``
    problems its JSON, written in Rust at a third of that cost, is cut after the
    first ``count`` and only those are decoded.
    """
    if error.error_count() > count:
        text: str = error.json(include_url=False, include_context=False, include_input=False)
        end = 0
        for _ in range(count + 1):
            end = text.find(_ERROR_START, end + 1)
            if end < 0:
                break
        if end > 0:
            try:
                return _ERRORS.decode(text[: end - 1] + "]")  # without the comma before it
            except msgspec.DecodeError:  # not as expected: every problem after all
                pass
    errors = error.errors(include_url=False, include_context=False, include_input=False)
    return [_Error(loc=list(entry["loc"]), msg=entry["msg"]) for entry in errors]


def pydantic_fields(annotation: Any) -> list[tuple[str, bool, bool]] | None:
    """``(name, required, takes_many)`` per field of a flat pydantic model, else ``None``."""
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
    if typing.get_origin(annotation) in (typing.Union, UNION_TYPE):
        yield from typing.get_args(annotation)
    else:
        yield annotation


def _origin_is_sequence(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (list, set, frozenset, tuple)


def _is_flat_annotation(annotation: Any) -> bool:
    try:
        return is_scalar_or_list(msgspec.inspect.type_info(annotation))
    except TypeError:
        return True  # a pydantic-only scalar type (constrained strings and the like)


def mentions_pydantic(annotation: Any, seen: set[int]) -> bool:
    """True when ``annotation`` uses a pydantic type or constraint anywhere.

    Either module must have been imported for the annotation to use it: an
    annotated_types constraint can be written without pydantic imported, and
    msgspec would silently ignore it.
    """
    if id(annotation) in seen or not ({"pydantic", "annotated_types"} & sys.modules.keys()):
        return False
    seen.add(id(annotation))
    # pydantic's Field() and annotated_types constraints (Gt, MaxLen...): msgspec would
    # ignore them, pydantic applies them.
    if getattr(type(annotation), "__module__", "").startswith(("pydantic", "annotated_types")):
        return True
    if isinstance(annotation, type):
        if annotation.__module__.startswith("pydantic") or hasattr(annotation, "model_fields"):
            return True
        is_struct = issubclass(annotation, msgspec.Struct)
        if (
            is_struct
            or hasattr(annotation, "__dataclass_fields__")
            or hasattr(annotation, "__total__")
        ):
            try:
                hints = typing.get_type_hints(annotation, include_extras=True)
            except Exception:  # unresolvable: msgspec will say so
                return False
            found = any(mentions_pydantic(hint, seen) for hint in hints.values())
            if found and is_struct:
                # pydantic cannot validate a Struct, and msgspec would ignore the constraint.
                raise TypeError(
                    f"{annotation.__name__} is a msgspec.Struct with pydantic or annotated_types "
                    "constraints, which msgspec does not apply; write them with msgspec.Meta"
                )
            return found
        return False
    extras = getattr(annotation, "__metadata__", ())
    members = (*typing.get_args(annotation), *extras)
    return any(mentions_pydantic(member, seen) for member in members)
