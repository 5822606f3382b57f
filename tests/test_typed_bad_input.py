"""Hostile and broken input to typed handlers: always a 4xx with the JSON error shape."""

from __future__ import annotations

import pytest
from conftest import environ_for, wsgi_call

ROUTES = {
    "pages/items.py": """\
        from __future__ import annotations

        import dataclasses
        from typing import Any


        @dataclasses.dataclass
        class Item:
            name: str
            count: int
            score: float = 0.0
            extra: dict[str, Any] = dataclasses.field(default_factory=dict)


        def POST(req, res, body: Item):
            return {"name": body.name, "count": body.count, "score": body.score}
    """,
    "pages/anything.py": """\
        from typing import Any


        def POST(req, res, body: Any):
            return {"type": type(body).__name__}
    """,
    "pages/checked.py": """\
        from __future__ import annotations

        import dataclasses


        @dataclasses.dataclass
        class Range:
            low: int
            high: int

            def __post_init__(self) -> None:
                if self.low > self.high:
                    raise ValueError("low must not be above high")


        def POST(req, res, body: Range):
            return {"span": body.high - body.low}


        def GET(req, res, query: Range):
            return {"span": query.high - query.low}
    """,
    "pages/numbers.py": """\
        def POST(req, res, body: list[int]):
            return {"sum": sum(body)}
    """,
    "pages/counted/[n].py": """\
        def GET(req, res, n: int):
            return {"n": n}
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    from conftest import write_files

    return write_files(tmp_path_factory.mktemp("typed-bad-input"), ROUTES)


def post(client, path: str, data: bytes, content_type: str = "application/json"):
    return client.post(path, data=data, content_type=content_type)


def assert_error(response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.data
    assert response.content_type == "application/json"
    error = response.json["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_lone_surrogate_is_400(client) -> None:
    response = post(client, "/items", b'{"name": "\\ud800", "count": 1}')
    assert "malformed JSON" in assert_error(response, 400)["message"]


def test_invalid_utf8_is_400(client) -> None:
    assert_error(post(client, "/items", b'{"name": "\xff\xfe", "count": 1}'), 400)


def test_deep_nesting_is_400(client) -> None:
    deep = b'{"name": "a", "count": 1, "extra": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert "nested too deeply" in assert_error(post(client, "/items", deep), 400)["message"]
    assert_error(post(client, "/anything", b"[" * 100_000 + b"]" * 100_000), 400)


def test_huge_integer_for_a_float_is_422_and_for_an_int_is_kept(client) -> None:
    big = b"1" + b"0" * 400
    response = post(client, "/items", b'{"name": "a", "count": 1, "score": ' + big + b"}")
    assert_error(response, 422)
    response = post(client, "/items", b'{"name": "a", "count": ' + big + b"}")
    assert response.status_code == 200
    assert response.json["count"] == int(big)
    beyond_str_limit = b"9" * 5000  # more digits than int() converts: not JSON here, as untyped
    response = post(client, "/items", b'{"name": "a", "count": ' + beyond_str_limit + b"}")
    assert assert_error(response, 400)["message"] == (
        "malformed JSON body: an integer has too many digits"
    )
    assert_error(client.get("/counted/" + "9" * 5000), 404)


def test_huge_integer_in_a_path_parameter_converts(client) -> None:
    assert client.get("/counted/" + "9" * 50).json == {"n": int("9" * 50)}


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_400(client, literal: bytes) -> None:
    response = post(client, "/items", b'{"name": "a", "count": 1, "score": ' + literal + b"}")
    assert_error(response, 400)


def test_overflowing_float_is_a_400_as_untyped(client) -> None:
    response = post(client, "/items", b'{"name": "a", "count": 1, "score": 1e999}')
    assert assert_error(response, 400)["message"] == (
        "malformed JSON body: a number is out of range (NaN and Infinity are not JSON either)"
    )


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/octet-stream", "json"]
)
def test_wrong_content_type_is_415(client, content_type: str) -> None:
    assert_error(post(client, "/items", b'{"name": "a", "count": 1}', content_type), 415)


def test_form_for_a_type_with_a_dict_field_is_415(client) -> None:
    response = client.post("/items", data={"name": "a", "count": "1"})
    assert_error(response, 415)


@pytest.mark.parametrize("body", [b"", b" ", b"null"])
def test_empty_or_null_body_is_4xx(client, body: bytes) -> None:
    response = post(client, "/items", body)
    status = 422 if body in (b"", b"null") else 400
    error = assert_error(response, status)
    if body == b"":
        assert error["detail"] == [{"loc": ["body"], "msg": "a request body is required"}]


def test_validation_raised_by_the_type_is_422_for_body_and_query(client) -> None:
    response = client.post("/checked", json={"low": 5, "high": 1})
    assert assert_error(response, 422)["detail"] == [
        {"loc": ["body"], "msg": "low must not be above high"}
    ]
    response = client.get("/checked?low=5&high=1")
    assert assert_error(response, 422)["detail"] == [
        {"loc": ["query"], "msg": "low must not be above high"}
    ]
    assert client.get("/checked?low=1&high=5").json == {"span": 4}


def test_wrong_top_level_json_type_is_422(client) -> None:
    response = client.post("/items", json=[1, 2])
    assert assert_error(response, 422)["detail"] == [
        {"loc": ["body"], "msg": "Expected `object`, got `array`"}
    ]


def test_every_bad_item_is_listed_up_to_a_cap(client) -> None:
    from microroutes import ProblemLimits

    max_problems = ProblemLimits().max_problems

    response = client.post("/numbers", json=[1, "a", 2, "b"])
    assert assert_error(response, 422)["detail"] == [
        {"loc": ["body", 1], "msg": "Expected `int`, got `str`"},
        {"loc": ["body", 3], "msg": "Expected `int`, got `str`"},
    ]
    response = client.post("/numbers", json=["x"] * 1000)
    detail = assert_error(response, 422)["detail"]
    assert len(detail) == max_problems
    assert detail[-1]["loc"] == ["body", max_problems - 1]


def test_body_over_the_limit_is_413_before_decoding(client) -> None:
    body = b'{"name": "' + b"a" * (1 << 20) + b'", "count": 1}'
    assert_error(post(client, "/items", body), 413)


def test_body_shorter_than_its_content_length_is_400(app) -> None:
    environ = environ_for(
        "/items", method="POST", data=b'{"name": "a"', content_type="application/json"
    )
    environ["CONTENT_LENGTH"] = "100"
    status, headers, body = wsgi_call(app, environ, validate=False)
    assert status.startswith("400")
    assert headers["Content-Type"] == "application/json"
    assert b'"status":400' in body


def test_bad_input_never_reaches_a_500_in_debug_mode(make_site) -> None:
    from conftest import client_for

    client = client_for(make_site(ROUTES), debug=True)
    for data in (b"\x00", b'{"name": 1, "count": "1"}', b"[" * 5000, b'"\\udfff"'):
        response = post(client, "/items", data)
        assert 400 <= response.status_code < 500, data
