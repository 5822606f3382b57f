"""dump_json: flat dicts written by msgspec, with the standard library's bytes."""

from __future__ import annotations

import enum
import json
import math
import random
from typing import Any

import pytest

from microroutes.response import dump_json


def _stdlib(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode()


class Name(str):
    pass


class Level(enum.IntEnum):
    LOW = 1


FLAT = [
    {},
    {"hello": "world"},
    {"id": 1, "ok": True, "no": False, "none": None, "big": 2**80, "neg": -(2**70)},
    {"s": 'é \u2028 \U0001f600 "q" \\ / \x00\x1f\x7f \t\n'},
    {"price": 2.5, "zero": 0.0, "minus_zero": -0.0, "small": 1e-4, "large": 9.999999999999998e15},
    {"third": 1 / 3, "neg": -123.456},
    {Name("key"): 1},  # a str subclass key: the standard path
    {"level": Level.LOW},  # an int subclass: the standard path
    {"tiny": 1e-5, "huge": 1e16, "max": 1.7976931348623157e308},  # exponents: standard path
]


@pytest.mark.parametrize("value", FLAT, ids=repr)
def test_flat_dicts_are_written_as_the_standard_library_writes_them(value: Any) -> None:
    assert dump_json(value) == _stdlib(value)


def test_random_flat_dicts_are_written_as_the_standard_library_writes_them() -> None:
    chooser = random.Random(7)
    makers = [
        lambda: chooser.randint(-(10**20), 10**20),
        lambda: chooser.uniform(-1e6, 1e6),
        lambda: chooser.random() * 10 ** chooser.uniform(-6, 18),
        lambda: "".join(chr(chooser.randint(0, 0x2FFF)) for _ in range(5)),
        lambda: chooser.choice([True, False, None]),
    ]
    for _ in range(2000):
        value = {f"k{n}": chooser.choice(makers)() for n in range(chooser.randint(1, 6))}
        assert dump_json(value) == _stdlib(value), value


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_nan_in_a_flat_dict_is_refused(number: float) -> None:
    with pytest.raises(ValueError, match="JSON has no NaN or Infinity"):
        dump_json({"x": number})


def test_a_lone_surrogate_in_a_flat_dict_is_escaped() -> None:
    assert dump_json({"s": "a\ud800b"}) == b'{"s":"a\\ud800b"}'
