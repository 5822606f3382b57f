"""Problems with input as ``{"loc": [...], "msg": ...}`` entries: every one, not the first."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import Any

import msgspec

from ._shapes import UNION_TYPE, field_types

__all__ = ["MAX_PROBLEMS", "Invalid", "Loc", "Problem", "every_problem", "problem_from"]

#: One problem with the input: ``{"loc": ["body", "tags", 2], "msg": "Expected `int`, ..."}``.
Problem = dict[str, Any]
#: Where a value sits: ``("body", "tags", 2)``.
Loc = tuple[str | int, ...]

#: Most problems listed in one error response.
MAX_PROBLEMS = 50
_PATH_SUFFIX = re.compile(r" - at `\$(.*)`$")
_MISSING_FIELD = re.compile(r"Object missing required field `(.*)`")
_PATH_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[([^\]]*)\]")


class Invalid(Exception):
    """The input does not fit the annotation; ``problems`` lists where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        #: One entry per problem found.
        self.problems = problems


def every_problem(
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
            found.extend(every_problem(value, value_type, inner, (*loc, key), strict=strict))
    # A problem beyond single parts (__post_init__, unknown fields) shows as msgspec said it.
    return found[:MAX_PROBLEMS] or [problem_from(error, loc)]


def _parts(
    raw: object, annotation: Any, missing: list[Problem], loc: Loc
) -> Iterator[tuple[str | int, object, Any]]:
    """``(key, value, type)`` of each part of ``raw`` that ``annotation`` types on its own.

    Required object fields absent from ``raw`` are added to ``missing``.
    """
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, UNION_TYPE) and raw is not None:
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
    for key, field_type, required in field_types(annotation) or ():
        if key in raw:
            yield key, raw[key], field_type
        elif required:
            missing.append({"loc": [*loc, key], "msg": f"Object missing required field `{key}`"})


def _is_var_tuple(origin: object, args: tuple[Any, ...]) -> bool:
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def problem_from(error: Exception, loc: Loc) -> Problem:
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
