"""How much an error answer about invalid input may list: :class:`ProblemLimits`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import msgspec

__all__ = ["DEFAULT_PROBLEM_LIMITS", "ProblemLimits"]

#: Longest string kept in one ``loc`` entry or message; the rest is cut off.
_MAX_TEXT = 200
_ELLIPSIS = "..."
_LONG_TEXT = re.compile(b'"[^"]{%d}' % (_MAX_TEXT + 1))
_loc_of = itemgetter("loc")


@dataclass(frozen=True, slots=True)
class ProblemLimits:
    """Bounds on what a 422 lists, so that its cost and size do not grow with the input.

    ``App(site, problem_limits=ProblemLimits(...))`` sets them for a site, a
    route module's ``PROBLEM_LIMITS`` for its own handlers.
    """

    #: Most problems listed; finding them stops there.
    max_problems: int = 50
    #: Deepest ``loc`` listed (steps below the body, query or parameter); a
    #: problem further down is listed at this depth.
    max_depth: int = 32
    #: Most bytes of the listed problems as JSON; the list stops before it.
    max_detail_size: int = 8000

    def __post_init__(self) -> None:
        for name in ("max_problems", "max_depth", "max_detail_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ProblemLimits.{name} must be a positive int, got {value!r}")

    def bound(self, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``problems`` (``{"loc": [...], "msg": ...}`` entries, as the engines make them) cut
        to :attr:`max_problems` entries and :attr:`max_detail_size` bytes.

        Long strings are shortened; the first problem is always kept.
        """
        listed = problems[: self.max_problems]
        deepest = self.max_depth + 1
        if _fits_whole(listed, self.max_detail_size, deepest):
            return listed
        kept: list[dict[str, Any]] = []
        size = 2  # the list's brackets
        encode = msgspec.json.encode
        for problem in listed:
            loc = problem["loc"]
            entry = {"loc": loc, "msg": problem["msg"]}
            entry_size = len(encode(entry))
            # Only an entry that long can hold a string longer than _MAX_TEXT.
            if entry_size > _MAX_TEXT or len(loc) > deepest:
                entry = _shortened(entry, deepest)
                entry_size = len(encode(entry))
            size += entry_size + 1
            if kept and size > self.max_detail_size:
                break
            kept.append(entry)
        return kept


def _fits_whole(listed: list[dict[str, Any]], max_size: int, deepest: int) -> bool:
    """Whether ``listed`` is kept as it is: small enough, no ``loc`` too deep, no long string.

    One encoding of the whole list instead of one per entry. A string over
    ``_MAX_TEXT`` characters is a run of more than ``_MAX_TEXT`` bytes after a
    quote in the JSON, unless it holds an escape (an escaped quote would end
    the run early); either sends the list the entry-by-entry way.
    """
    text = msgspec.json.encode(listed)
    # The loop in bound() keeps every entry while brackets + entries + commas < max_size.
    # A lone backslash is found with memchr; a two-byte needle is not.
    if len(text) >= max_size or b"\\" in text or _LONG_TEXT.search(text):
        return False
    return max(map(len, map(_loc_of, listed)), default=0) <= deepest


def _shortened(entry: dict[str, Any], deepest: int) -> dict[str, Any]:
    """``entry`` with its ``loc`` cut to ``deepest`` steps and its long strings shortened."""
    loc = entry["loc"][:deepest]
    if any(isinstance(step, str) and len(step) > _MAX_TEXT for step in loc):
        loc = [_short(step) for step in loc]
    return {"loc": loc, "msg": _short(entry["msg"])}


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        return value[: _MAX_TEXT - len(_ELLIPSIS)] + _ELLIPSIS
    return value


#: The limits used where nothing else is set.
DEFAULT_PROBLEM_LIMITS = ProblemLimits()
