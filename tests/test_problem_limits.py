"""``ProblemLimits.bound``: whole lists kept in one encoding give what entry-by-entry gives."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microroutes import ProblemLimits

_MAX_TEXT = 200


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        return value[: _MAX_TEXT - 3] + "..."
    return value


def entry_by_entry(limits: ProblemLimits, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rule as documented, one entry at a time: the reference for the fast path."""
    kept: list[dict[str, Any]] = []
    size = 2
    for problem in problems[: limits.max_problems]:
        loc = [_short(step) for step in problem["loc"][: limits.max_depth + 1]]
        entry = {"loc": loc, "msg": _short(problem["msg"])}
        size += len(msgspec.json.encode(entry)) + 1
        if kept and size > limits.max_detail_size:
            break
        kept.append(entry)
    return kept


# Texts around the 200-character cut, with quotes, backslashes and non-ASCII in them.
_texts = st.one_of(
    st.text(alphabet='ab"\\é\n', max_size=12),
    st.integers(190, 215).flatmap(
        lambda n: st.text(alphabet='ab"\\é', min_size=n, max_size=n),
    ),
)
_problems = st.lists(
    st.fixed_dictionaries(
        {
            "loc": st.lists(st.one_of(st.integers(-5, 10**12), _texts), max_size=40),
            "msg": _texts,
        }
    ),
    max_size=60,
)
_limits = st.builds(
    ProblemLimits,
    max_problems=st.integers(1, 60),
    max_depth=st.integers(1, 40),
    max_detail_size=st.integers(1, 9000),
)


@settings(max_examples=400, deadline=None)
@given(limits=_limits, problems=_problems)
def test_bound_is_the_entry_by_entry_rule(limits: ProblemLimits, problems: list[Any]) -> None:
    assert limits.bound(problems) == entry_by_entry(limits, problems)


def test_fifty_short_problems_are_kept_whole_and_in_order() -> None:
    problems = [{"loc": ["body", i], "msg": "Expected `int`, got `str`"} for i in range(80)]
    assert ProblemLimits().bound(problems) == problems[:50]


def test_a_long_string_behind_escaped_quotes_is_still_shortened() -> None:
    # Each run between two quotes is short; the string itself is not.
    message = 'x\\"' * 120
    [kept] = ProblemLimits().bound([{"loc": ["body"], "msg": message}])
    assert kept["msg"] == message[:197] + "..."


@pytest.mark.parametrize("steps", [6, 7, 40])
def test_a_deep_loc_in_a_small_list_is_cut(steps: int) -> None:
    # "body" and max_depth steps below it are kept: 6 steps for max_depth=5.
    [kept] = ProblemLimits(max_depth=5).bound([{"loc": list(range(steps)), "msg": "m"}])
    assert kept["loc"] == [0, 1, 2, 3, 4, 5]
