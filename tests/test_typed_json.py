"""Typed answers encoded by msgspec: the bytes dump_json writes, NaN refused, defaults sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import uuid
from typing import Annotated, Any, Literal, NamedTuple, TypedDict

import msgspec
import pydantic
import pytest

from microroutes.response import dump_json
from microroutes.typed_json import json_encoder, model_list_encoder, pydantic_encoder

UTC = dt.timezone.utc


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]
    active: bool


class Stamped(msgspec.Struct):
    """Inside a Struct, msgspec already decided every byte (aware times, bytes, Any)."""

    at: dt.datetime
    raw: bytes
    took: dt.timedelta
    extra: Any
    color: Color


class Renamed(msgspec.Struct, rename="camel", omit_defaults=True):
    first_name: str
    nick_name: str | None = None


class Tagged(msgspec.Struct, tag=True, array_like=True):
    x: int


class Tree(msgspec.Struct):
    value: int
    children: list[Tree] = []


@dataclasses.dataclass
class Plain:
    id: int
    name: str
    when: dt.date
    ref: uuid.UUID
    cost: decimal.Decimal
    level: Level


@dataclasses.dataclass
class WithDefault:
    id: int
    admin: bool = False


class Row(TypedDict):
    id: int
    score: float


class Pair(NamedTuple):
    left: int
    right: str


SAME_BYTES: list[tuple[Any, Any]] = [
    (Item, Item(1, 'pen \u00e9\u2028\U0001f600 "q" \\ \x00\x1f\x7f', 2.5, ["a"], True)),
    (list[Item], [Item(n, f"item {n}", 1.5 + n * 0.25, ["office"], n % 2 == 0) for n in range(50)]),
    (
        Stamped,
        Stamped(
            dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            b"\x00ab",
            dt.timedelta(seconds=3),
            {"k": [1, 2.5, None]},
            Color.BLUE,
        ),
    ),
    (Renamed, Renamed("Ann")),
    (Renamed, Renamed("Ann", "A")),
    (Tagged, Tagged(3)),
    (Tree, Tree(1, [Tree(2, [Tree(3)]), Tree(4)])),
    (
        Plain,
        Plain(1, "x", dt.date(2024, 2, 29), uuid.UUID(int=5), decimal.Decimal("1.10"), Level.LOW),
    ),
    (
        list[Plain],
        [Plain(2, "y", dt.date(1999, 1, 1), uuid.UUID(int=1), decimal.Decimal("1E+3"), Level.LOW)],
    ),
    (dict[str, Item], {"a": Item(1, "a", 0.1, [], False)}),
    (dict[int, list[float]], {1: [0.5, -0.0, 1e15, 5e-324]}),
    (Row, {"id": 1, "score": 0.25}),
    (Pair, Pair(1, "b")),
    (tuple[int, str], (1, "b")),
    (set[int], {3, 1, 2}),
    (frozenset[str], frozenset({"a"})),
    (Literal["a", "b"], "a"),
    (Color, Color.RED),
    (int | None, None),
    (int, 2**70),
    (dict[str, int | None], {"a": None, "b": 1}),
    (Annotated[dt.datetime, msgspec.Meta(tz=False)], dt.datetime(2024, 1, 1, 12, 0, 0, 123)),
    (str, "lone \ud800 surrogate"),  # msgspec cannot: dump_json's escapes
]


@pytest.mark.parametrize(("annotation", "value"), SAME_BYTES, ids=lambda v: repr(v)[:40])
def test_the_bytes_are_dump_json_s(annotation: Any, value: Any) -> None:
    encode = json_encoder(annotation)
    assert encode is not None
    assert encode(value) == dump_json(value)


@pytest.mark.parametrize(
    "annotation",
    [
        dt.datetime,  # aware: msgspec writes Z, isoformat +00:00
        dt.time,
        list[dt.datetime],
        Any,
        bytes,
        dt.timedelta,
        dict[str, Any],
        WithDefault,  # a default kept on the class only: msgspec leaves it out
        list[WithDefault],
        dict[tuple[int, int], int],
    ],
    ids=repr,
)
def test_shapes_whose_bytes_would_differ_are_left_to_dump_json(annotation: Any) -> None:
    assert json_encoder(annotation) is None


def test_a_dataclass_default_kept_on_the_class_is_sent() -> None:
    made = msgspec.convert({"id": 1}, WithDefault)
    assert "admin" not in vars(made)  # msgspec leaves the default on the class
    assert msgspec.json.encode(made) == b'{"id":1}'  # what encoding it directly would lose
    assert json_encoder(WithDefault) is None
    assert dump_json(made) == b'{"id":1,"admin":false}'


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (Item, Item(1, "a", math.nan, [], True)),
        (list[Item], [Item(1, "a", 1.0, [], True), Item(2, "b", math.inf, [], True)]),
        (dict[str, float], {"a": -math.inf}),
        (list[float | None], [None, math.nan]),
        (Stamped, Stamped(dt.datetime(2024, 1, 1), b"", dt.timedelta(), [math.nan], Color.RED)),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_nan_and_infinities_are_refused(annotation: Any, value: Any) -> None:
    encode = json_encoder(annotation)
    assert encode is not None
    with pytest.raises(ValueError, match="JSON has no NaN or Infinity"):
        encode(value)


def test_a_float_with_null_beside_it_is_still_sent() -> None:
    encode = json_encoder(list[float | None])
    assert encode is not None
    assert encode([None, 1.5, None]) == b"[null,1.5,null]"


def test_large_and_small_floats_are_the_same_numbers() -> None:
    """The one difference by design: msgspec writes 1e16 where Python writes 1e+16."""
    encode = json_encoder(list[float])
    assert encode is not None
    values = [1e16, 1e-7, 1.7976931348623157e308, 12345678901234567890.0, 0.1]
    assert encode(values) == b"[1e16,1e-7,1.7976931348623157e308,1.2345678901234567e19,0.1]"
    assert json.loads(encode(values)) == values == json.loads(dump_json(values))


def test_a_value_of_another_type_gets_dump_json_s_answer() -> None:
    encode = json_encoder(int)
    assert encode is not None
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode(object())


class Priced(msgspec.Struct):
    name: str
    price: float
    discount: float | None = None
    rating: Annotated[float, msgspec.Meta(ge=0)] = 0.0


class Nested(msgspec.Struct):
    prices: list[float]


def test_a_list_of_the_model_itself_is_encoded_as_dump_json_does() -> None:
    encode = model_list_encoder(list[Priced])
    assert encode is not None
    rows = [Priced("a", 1.5), Priced("b", 2.0, None, 4.5), Priced("c", 1e-7, 0.5)]
    assert encode(rows) == dump_json(rows).replace(b"1e-07", b"1e-7")
    assert encode([]) == b"[]"
    rows_of = model_list_encoder(list[Item])
    assert rows_of is not None
    items = [Item(n, f"item {n}", n * 0.5, ["x"], True) for n in range(20)]
    assert rows_of(items) == dump_json(items)


@pytest.mark.parametrize(
    "value",
    [
        [Priced("a", math.nan)],
        [Priced("a", 1.0, math.inf)],
        [Priced("a", 1.0, None, -math.inf)],
        [Priced("a", 1.0), {"name": "b", "price": 2.0}],  # a dict: to be converted
        [Priced("a", "1.0")],  # type: ignore[arg-type]  # built by hand with a str
        (Priced("a", 1.0),),  # a tuple, not a list
        [Priced("lone \ud800", 1.0)],
    ],
    ids=repr,
)
def test_anything_else_is_left_to_the_converting_path(value: Any) -> None:
    encode = model_list_encoder(list[Priced])
    assert encode is not None
    assert encode(value) is None


@pytest.mark.parametrize(
    "annotation",
    [Priced, list[Nested], list[Stamped], list[WithDefault], dict[str, Priced]],
    ids=repr,
)
def test_only_lists_of_models_with_their_own_floats_have_one(annotation: Any) -> None:
    assert model_list_encoder(annotation) is None


class Author(pydantic.BaseModel):
    name: str
    score: float
    born: dt.datetime
    nick: str | None = None


AUTHORS = [
    Author(
        name='Ada \u00e9 "q" \x00\x1f\u2028', score=1.5, born=dt.datetime(1815, 12, 10, tzinfo=UTC)
    ),
    Author(name="Bo", score=1e16, born=dt.datetime(2000, 1, 1), nick="b"),
]


@pytest.mark.parametrize(("annotation", "value"), [(Author, AUTHORS[0]), (list[Author], AUTHORS)])
def test_pydantic_models_are_written_as_dump_json_writes_them(annotation: Any, value: Any) -> None:
    encode = pydantic_encoder(annotation)
    assert encode is not None
    assert encode(value) == dump_json(value)


def test_pydantic_nan_is_refused_and_null_still_sent() -> None:
    encode = pydantic_encoder(list[Author])
    assert encode is not None
    born = dt.datetime(2000, 1, 1)
    with pytest.raises(ValueError, match="JSON has no NaN or Infinity"):
        encode([Author(name="a", score=math.nan, born=born)])
    with_null = [Author(name="a", score=0.5, born=born)]
    assert encode(with_null) == dump_json(with_null)
    assert b'"nick":null' in encode(with_null)
    lone = [Author(name="lone \ud800", score=0.5, born=born)]
    assert encode(lone) == dump_json(lone)


@pytest.mark.parametrize("annotation", [Item, list[Item], dict[str, Author], Any], ids=repr)
def test_only_pydantic_models_and_lists_of_them_have_one(annotation: Any) -> None:
    assert pydantic_encoder(annotation) is None
