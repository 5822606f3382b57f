"""Every problem in a body is listed where it is, whatever path leads there.

Random trees of a model with objects, optional fields, lists, tuples and dicts,
whose integer leaves are each either right or a string (and whose required
fields are sometimes left out), are decoded through
the engine; the problems listed must be exactly the wrong leaves, in the
order they come in the JSON text, up to the cap.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microroutes import ProblemLimits
from microroutes.typed._engines import build_engine
from microroutes.typed._problems import Invalid


class Leaf(msgspec.Struct, forbid_unknown_fields=True):
    a: int
    b: int | None = None


class Tree(msgspec.Struct, forbid_unknown_fields=True):
    v: int
    pair: tuple[int, str]
    counts: dict[str, int]
    leaves: list[Leaf]
    kids: list[Tree] = []


_WRONG = "x"
_INT_MESSAGE = "Expected `int`, got `str`"
_OPTIONAL_MESSAGE = "Expected `int | null`, got `str`"

_ints = st.one_of(st.integers(-5, 5), st.just(_WRONG))


@st.composite
def _leaves(draw: st.DrawFn) -> dict[str, Any]:
    leaf: dict[str, Any] = {"a": draw(_ints)} if draw(st.integers(0, 4)) else {}
    if draw(st.booleans()):
        leaf["b"] = draw(st.one_of(st.none(), _ints))
    return leaf


def _trees(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    kids = st.lists(_trees(depth - 1), max_size=3) if depth > 0 else st.just([])
    return st.fixed_dictionaries(
        {
            "v": _ints,
            "pair": st.tuples(_ints, st.just("s")).map(list),
            "counts": st.dictionaries(st.sampled_from("pqrs"), _ints, max_size=3),
            "leaves": st.lists(_leaves(), max_size=12),
            "kids": kids,
        }
    )


def _wrong_leaves(value: Any, loc: list[str | int], key: str | int | None = None) -> list[Any]:
    """``(loc, message)`` of each wrong leaf, in the order of the JSON text, and of each
    missing field, after its object's others."""
    if isinstance(value, dict):
        found = [
            problem
            for name, item in value.items()
            for problem in _wrong_leaves(item, [*loc, name], name)
        ]
        if key != "counts" and "v" not in value and "a" not in value:  # a Leaf without a
            found.append(([*loc, "a"], "Object missing required field `a`"))
        return found
    if isinstance(value, list):
        return [
            found
            for index, item in enumerate(value)
            for found in _wrong_leaves(item, [*loc, index], index)
        ]
    if value == _WRONG:
        return [(loc, _OPTIONAL_MESSAGE if key == "b" else _INT_MESSAGE)]
    return []


@settings(max_examples=200, deadline=None)
@given(tree=_trees(3), max_problems=st.sampled_from([1, 3, 50]))
def test_every_wrong_leaf_is_listed_where_it_is(tree: dict[str, Any], max_problems: int) -> None:
    engine = build_engine(Tree, ProblemLimits(max_problems=max_problems))
    expected = _wrong_leaves(tree, ["body"])
    if not expected:
        assert engine.from_json(json.dumps(tree).encode(), ("body",)) is not None
        return
    with pytest.raises(Invalid) as raised:
        engine.from_json(json.dumps(tree).encode(), ("body",))
    listed = [(problem["loc"], problem["msg"]) for problem in raised.value.problems]
    assert listed == expected[:max_problems]


def test_a_wrong_leaf_past_the_depth_limit_is_listed_at_the_limit() -> None:
    tree: dict[str, Any] = {"v": _WRONG, "pair": [1, "s"], "counts": {}, "leaves": []}
    for _ in range(4):
        tree = {"v": 1, "pair": [1, "s"], "counts": {}, "leaves": [], "kids": [tree]}
    engine = build_engine(Tree, ProblemLimits(max_depth=5))
    with pytest.raises(Invalid) as raised:
        engine.from_json(json.dumps(tree).encode(), ("body",))
    assert raised.value.problems == [
        {
            "loc": ["body", "kids", 0, "kids", 0, "kids"],
            "msg": f"{_INT_MESSAGE} (deeper than 5 levels)",
        }
    ]
