"""What answering a failing typed body leaves behind and how much work it asks of the decoder.

No timings: the benchmark (benchmarks/bench_bad_bodies.py) measures those. These
tests pin the causes found with it: reference cycles that kept every failing
request's decoded body alive until the next garbage collection, and a call into
msgspec per problem where one per run of alike problems does.
"""

from __future__ import annotations

import datetime
import enum
import gc
import io
import json
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import msgspec
import pydantic
import pytest
from conftest import write_files

from microroutes import App, HTTPError, ProblemLimits
from microroutes.error_pages import render_error
from microroutes.request_ids import ENVIRON_KEY
from microroutes.response import dump_json
from microroutes.typed import _problems
from microroutes.typed._engines import build_engine
from microroutes.typed._problems import Invalid

ROUTES = {
    "pages/numbers.py": """\
        def POST(req, res, body: list[int]):
            return {"n": len(body)}
    """,
    "pages/tree.py": """\
        from __future__ import annotations

        import msgspec


        class Node(msgspec.Struct, forbid_unknown_fields=True):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/ptree.py": """\
        from __future__ import annotations

        import pydantic


        class Node(pydantic.BaseModel):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/pnumbers.py": """\
        import pydantic


        def POST(req, res, body: pydantic.conlist(int)):
            return {"n": len(body)}
    """,
    "pages/both.py": """\
        import msgspec


        class Query(msgspec.Struct):
            limit: int


        def POST(req, res, query: Query, body: list[int]):
            return {"n": len(body)}
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("problem-cost"), ROUTES))


def call(app: App, path: str, body: bytes, query: str = "") -> tuple[str, bytes]:
    """One POST straight through the WSGI callable (no test client in between)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    answer = b"".join(result)
    getattr(result, "close", lambda: None)()
    return statuses[0], answer


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


FAILING = [
    ("/numbers", json.dumps([*range(100), "x"]).encode(), ""),
    ("/numbers", json.dumps(["x"] * 300).encode(), ""),
    ("/tree", b'{"v":1,"children":[{"v":2,"children":[{"v":"x"}]},{"v":3,"w":0}]}', ""),
    ("/ptree", b'{"v":1,"children":[{"v":2,"children":[{"v":"x"}]}]}', ""),
    ("/pnumbers", json.dumps(["x"] * 300).encode(), ""),
    ("/both", b'[1, "x"]', "limit=many"),
]


@pytest.mark.parametrize(("path", "body", "query"), FAILING)
def test_a_failing_body_leaves_no_reference_cycles(
    app: App, collector_paused: None, path: str, body: bytes, query: str
) -> None:
    call(app, path, body, query)  # routes imported, caches filled
    gc.collect()
    status, answer = call(app, path, body, query)
    assert status.startswith("422"), answer[:300]
    # Freed as soon as the answer is sent, not at the next collection.
    assert gc.collect() == 0


def test_a_valid_body_leaves_no_reference_cycles(app: App, collector_paused: None) -> None:
    call(app, "/numbers", b"[1, 2]")
    gc.collect()
    status, _ = call(app, "/numbers", b"[1, 2]")
    assert status.startswith("200")
    assert gc.collect() == 0


class _Point(msgspec.Struct):
    x: int


#: Types and values of every JSON kind, to see what msgspec says of each pair.
_KIND_TYPES: list[Any] = [
    int,
    float,
    str,
    bool,
    None,
    int | None,
    Annotated[int, msgspec.Meta(ge=0)],
    Annotated[str, msgspec.Meta(min_length=2)],
    Literal["a", "b"],
    Literal[1, 2],
    datetime.date,
    uuid.UUID,
    list[int],
    tuple[int, str],
    dict[str, int],
    _Point,
    int | str,
    list[int] | None,
]
_KIND_VALUES: list[Any] = [
    "x", "a", "2020-01-01", "12345678-1234-5678-1234-567812345678", "",
    0, 1, -1, 2, 10**30,
    0.5, 2.0, -3.0,
    True, False,
    None,
    [], [1], ["x"], [1, "a"],
    {}, {"x": 1}, {"x": "y"}, {"a": 1},
]  # fmt: skip


def test_msgspec_refuses_a_kind_it_does_not_take_alike_for_every_value() -> None:
    """What the collector relies on to list a run of such items with one call into msgspec.

    Converting strictly, "Expected `T`, got `K`" (no path) for one value of kind ``K``
    means the same answer for every value of that kind.
    """
    for annotation in _KIND_TYPES:
        said: dict[type, set[str | None]] = {}
        for value in _KIND_VALUES:
            try:
                msgspec.convert(value, annotation, strict=True)
                message = None
            except msgspec.ValidationError as error:
                message = str(error)
            said.setdefault(type(value), set()).add(message)
        for kind, messages in said.items():
            mismatches = {m for m in messages if m and ", got `" in m and " - at `" not in m}
            if mismatches:
                assert messages == mismatches, (annotation, kind, messages)
                assert len(mismatches) == 1, (annotation, kind, messages)


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value the problem collector hands to ``msgspec.convert``."""
    seen: list[object] = []
    convert = msgspec.convert

    def counting(value: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(value)
        return convert(value, *args, **kwargs)

    monkeypatch.setattr(_problems.msgspec, "convert", counting)
    return seen


def problems_of(annotation: Any, body: bytes, limits: ProblemLimits | None = None) -> list[Any]:
    engine = build_engine(annotation, limits or ProblemLimits())
    with pytest.raises(Invalid) as raised:
        engine.from_json(body, ("body",))
    return raised.value.problems


def test_a_run_of_items_of_the_wrong_kind_costs_one_conversion(conversions: list[object]) -> None:
    problems = problems_of(list[int], json.dumps([1, *["x"] * 300]).encode())
    assert problems == [
        {"loc": ["body", index], "msg": "Expected `int`, got `str`"} for index in range(1, 51)
    ]
    assert len(conversions) <= 2


def test_items_refused_for_their_value_are_each_checked(conversions: list[object]) -> None:
    positive = Annotated[int, msgspec.Meta(ge=0)]
    problems = problems_of(list[positive], b'[1, -1, -2, "x", "y", 3, -4]')
    assert problems == [
        {"loc": ["body", 1], "msg": "Expected `int` >= 0"},
        {"loc": ["body", 2], "msg": "Expected `int` >= 0"},
        {"loc": ["body", 3], "msg": "Expected `int`, got `str`"},
        {"loc": ["body", 4], "msg": "Expected `int`, got `str`"},
        {"loc": ["body", 6], "msg": "Expected `int` >= 0"},
    ]


def test_text_read_leniently_is_checked_item_by_item() -> None:
    """From a query or a form, ``"5"`` is a number and ``"x"`` is not: no shortcut there."""
    engine = build_engine(list[int])
    with pytest.raises(Invalid) as raised:
        engine.from_strings(["x", "5", "y", "6"], ("query", "ids"))
    assert [problem["loc"] for problem in raised.value.problems] == [
        ["query", "ids", 0],
        ["query", "ids", 2],
    ]


def test_a_long_path_is_read_only_as_far_as_the_depth_limit() -> None:
    path = ".children[0]" * 5000 + ".v"
    message, steps = _problems._split(f"Expected `int`, got `str` - at `${path}`", 5)
    assert message == "Expected `int`, got `str`"
    assert steps == ["children", 0, "children", 0, "children"]


class _Color(enum.Enum):
    RED = "red"


_DETAILS: list[Any] = [
    None,
    [],
    [{"loc": ["body", 0], "msg": "Expected `int`, got `str`"}],
    [{"loc": ["body", 'naïve \u2028 \x00 "q" \\ 😀', 10**30], "msg": "m"}],
    [{"loc": ["body"], "msg": "lone \ud800 surrogate"}],
    [{"loc": ["body", 1.5], "msg": "a float"}],
    [{"loc": ["body"], "msg": "extra", "ctx": {"x": 1}}],
    [{"loc": ("body", 0), "msg": "a tuple"}],
    {"anything": [1, 2.5, True, None, datetime.date(2024, 1, 2)]},
    [{"loc": ["body"], "msg": _Color.RED}],
    "text",
]


@pytest.mark.parametrize("detail", _DETAILS)
def test_an_error_body_has_the_bytes_dump_json_writes(app: App, detail: Any) -> None:
    error = HTTPError(422, "invalid request body", detail=detail)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", ENVIRON_KEY: "id-1"}
    expected = dump_json({"error": {**error.to_dict()["error"], "request_id": "id-1"}})
    assert render_error(error, environ, app, None).body == expected


class _Tricky(pydantic.BaseModel):
    """Messages holding quotes, braces and the very text that starts a problem in JSON."""

    v: int
    note: str = ""

    @pydantic.field_validator("note")
    @classmethod
    def _refuse(cls, note: str) -> str:
        if note:
            raise ValueError(f'{{"type":"x"}}, "{note}" \\ \u00e9\u2028')
        return note


@pytest.mark.parametrize("count", [1, 49, 50, 51, 300])
def test_pydantic_problems_beyond_the_cap_are_the_first_it_lists(count: int) -> None:
    items = [{"v": "x", "note": f"n{i}"} if i % 3 else {"v": i, "note": "{"} for i in range(count)]
    adapter = pydantic.TypeAdapter(list[_Tricky])
    with pytest.raises(pydantic.ValidationError) as raised:
        adapter.validate_python(items)
    expected = [
        {"loc": ["body", *error["loc"]], "msg": error["msg"]} for error in raised.value.errors()
    ]
    problems = problems_of(list[_Tricky], json.dumps(items).encode())
    assert problems == ProblemLimits().bound(expected)
