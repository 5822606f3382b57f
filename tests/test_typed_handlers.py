"""Typed handlers answering real requests: body, query, path parameters and return values."""

from __future__ import annotations

import json

import pytest

SHAPES = """\
    from __future__ import annotations

    import dataclasses
    import datetime
    import enum
    import uuid
    from typing import Annotated, Literal, TypedDict

    import msgspec


    class Colour(enum.Enum):
        RED = "red"
        BLUE = "blue"


    @dataclasses.dataclass
    class NewItem:
        name: str
        price: float
        tags: list[int] = dataclasses.field(default_factory=list)
        colour: Colour = Colour.RED
        size: Literal["s", "m", "l"] = "m"


    @dataclasses.dataclass
    class Item:
        id: int
        name: str
        price: float
        tags: list[int]


    @dataclasses.dataclass
    class Paging:
        limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
        tag: list[int] = dataclasses.field(default_factory=list)
        order: Literal["asc", "desc"] = "asc"


    class Event(msgspec.Struct):
        at: datetime.datetime
        day: datetime.date
        ref: uuid.UUID
        note: str | None = None


    class Point(TypedDict):
        x: int
        y: int


    @dataclasses.dataclass
    class Positive:
        value: int

        def __post_init__(self) -> None:
            if self.value <= 0:
                raise ValueError("value must be positive")
"""

ROUTES = {
    "pages/_shapes.py": SHAPES,
    "pages/items/index.py": """\
        from __future__ import annotations

        from typing import Annotated

        from microroutes import Form

        from .._shapes import Item, NewItem, Paging


        def POST(req, res, body: Annotated[NewItem, Form]) -> Item:
            res.status(201)
            return Item(id=1, name=body.name, price=body.price, tags=body.tags)


        def GET(req, res, query: Paging) -> list[Item]:
            return [
                Item(id=n, name=query.order, price=0.0, tags=query.tag)
                for n in range(query.limit)
            ]
    """,
    "pages/items/[id].py": """\
        from __future__ import annotations

        from .._shapes import Item, NewItem


        def GET(req, res, id: int) -> Item:
            return Item(id=id, name="one", price=1.5, tags=[])


        def PATCH(req, res, id: int, body: NewItem | None = None):
            return {"id": id, "body": body}
    """,
    "pages/docs/[...slug].py": """\
        def GET(req, res, slug: list[str]):
            return {"slug": slug}
    """,
    "pages/pages/[...n].py": """\
        def GET(req, res, n: list[int]):
            return {"sum": sum(n)}
    """,
    "pages/plain/[name].py": """\
        def GET(req, res, name):
            return {"name": name, "same": name is req.params["name"]}
    """,
    "pages/events.py": """\
        from __future__ import annotations

        from ._shapes import Event


        def POST(req, res, body: Event) -> Event:
            return body
    """,
    "pages/points.py": """\
        from __future__ import annotations

        from ._shapes import Point


        def POST(req, res, body: list[Point]):
            return {"total": sum(p["x"] + p["y"] for p in body)}
    """,
    "pages/positive.py": """\
        from __future__ import annotations

        from ._shapes import Positive


        def POST(req, res, body: Positive):
            return body
    """,
    "pages/either.py": """\
        from __future__ import annotations

        from microroutes import handles

        from ._shapes import NewItem


        @handles("POST", "PUT")
        def handler(req, res, body: NewItem):
            return {"method": req.method, "name": body.name}
    """,
    "pages/guarded/_middleware.py": """\
        def middleware(req, res, call_next):
            response = call_next()
            response.set_header("X-Guarded", "yes")
            return response
    """,
    "pages/guarded/[id].py": """\
        def POST(req, res, id: int, body: dict[str, int]):
            return {"id": id, "body": body}
    """,
    "pages/raw.py": """\
        def POST(req, res, body, query):
            return {"body": body, "query": query.getlist("x")}
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    from conftest import write_files

    return write_files(tmp_path_factory.mktemp("typed"), ROUTES)


def error_of(response) -> dict[str, object]:
    assert response.content_type == "application/json"
    error = response.json["error"]
    assert error["status"] == response.status_code
    return error


# --- body -------------------------------------------------------------------


def test_json_body_is_decoded_and_status_set_on_res_is_kept(client) -> None:
    response = client.post("/items", json={"name": "pen", "price": 2.5, "tags": [1, 2]})
    assert response.status_code == 201
    assert response.content_type == "application/json"
    assert response.json == {"id": 1, "name": "pen", "price": 2.5, "tags": [1, 2]}


def test_body_that_does_not_fit_is_422_naming_each_field(client) -> None:
    response = client.post("/items", json={"price": "cheap", "tags": [1, 2, "x"]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["message"] == "invalid request body"
    assert error["detail"] == [
        {"loc": ["body", "price"], "msg": "Expected `float`, got `str`"},
        {"loc": ["body", "tags", 2], "msg": "Expected `int`, got `str`"},
        {"loc": ["body", "name"], "msg": "Object missing required field `name`"},
    ]


def test_enum_and_literal_fields_are_checked(client) -> None:
    body = {"name": "a", "price": 1, "colour": "green", "size": "xl"}
    response = client.post("/items", json=body)
    assert response.status_code == 422
    locs = [entry["loc"] for entry in error_of(response)["detail"]]
    assert locs == [["body", "colour"], ["body", "size"]]


def test_json_body_is_strict_about_types(client) -> None:
    response = client.post("/items", json={"name": "a", "price": "1.5"})
    assert response.status_code == 422
    assert error_of(response)["detail"] == [
        {"loc": ["body", "price"], "msg": "Expected `float`, got `str`"}
    ]


def test_malformed_json_is_400(client) -> None:
    response = client.post("/items", data=b'{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert "malformed JSON" in error_of(response)["message"]


def test_unsupported_content_type_is_415(client) -> None:
    response = client.post("/items", data=b"name=a", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in error_of(response)["message"]


def test_body_without_content_type_is_415(client) -> None:
    response = client.post("/items", data=b'{"name": "a", "price": 1}')
    assert response.status_code == 415


def test_json_with_charset_and_suffix_types_are_json(client) -> None:
    body = b'{"name": "a", "price": 1}'
    for content_type in ("application/json; charset=utf-8", "application/vnd.item+json"):
        response = client.post("/items", data=body, content_type=content_type)
        assert response.status_code == 201, content_type
        assert response.json["name"] == "a"


def test_flat_body_is_read_from_urlencoded_and_multipart_forms(client) -> None:
    form = {"name": "pen", "price": "2.5", "tags": ["3", "4"]}
    response = client.post("/items", data=form)  # multipart? werkzeug picks urlencoded
    assert response.status_code == 201
    assert response.json == {"id": 1, "name": "pen", "price": 2.5, "tags": [3, 4]}
    response = client.post("/items", data=form, content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.json["tags"] == [3, 4]


def test_form_field_that_does_not_convert_is_422(client) -> None:
    response = client.post("/items", data={"name": "pen", "price": "cheap"})
    assert response.status_code == 422
    assert error_of(response)["detail"] == [{"loc": ["body", "price"], "msg": "Expected `float`"}]


def test_a_body_without_form_takes_no_form(client) -> None:
    for path in ("/points", "/items/1"):  # nested, and flat without Form
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            response = client.open(
                path,
                method="POST" if path == "/points" else "PATCH",
                data={"x": "1"},
                content_type=content_type,
            )
            assert response.status_code == 415
            assert error_of(response)["message"] == (
                "the body must be sent as application/json, application/*+json"
            )


def test_an_empty_form_is_a_form_with_no_fields(client) -> None:
    response = client.post("/items", data=b"", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert error_of(response)["detail"] == [
        {"loc": ["body", "name"], "msg": "Object missing required field `name`"},
        {"loc": ["body", "price"], "msg": "Object missing required field `price`"},
    ]


def test_a_form_field_holding_braces_is_a_string(client) -> None:
    response = client.post(
        "/items",
        data={"name": "{}", "price": "1", "tags": "{}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert error_of(response)["detail"] == [{"loc": ["body", "tags", 0], "msg": "Expected `int`"}]


def test_empty_required_body_is_422(client) -> None:
    for kwargs in ({"content_type": "application/json"}, {}):
        response = client.post("/items", data=b"", **kwargs)
        assert response.status_code == 422
        assert error_of(response)["detail"] == [
            {"loc": ["body"], "msg": "a request body is required"}
        ]


def test_optional_body_may_be_left_out(client) -> None:
    assert client.patch("/items/3").json == {"id": 3, "body": None}
    response = client.patch("/items/3", json={"name": "a", "price": 1})
    assert response.json["body"] == {
        "name": "a",
        "price": 1.0,
        "tags": [],
        "colour": "red",
        "size": "m",
    }


def test_struct_body_with_dates_and_uuid_round_trips(client) -> None:
    event = {
        "at": "2024-05-01T10:00:00+02:00",
        "day": "2024-05-01",
        "ref": "6f1c2b1e-3b8e-4e8a-9a61-0d3c1f2a4b5c",
        "note": None,
    }
    response = client.post("/events", json=event)
    assert response.status_code == 200
    assert response.json == event


def test_bad_date_and_uuid_are_422(client) -> None:
    event = {"at": "yesterday", "day": "2024-02-30", "ref": "nope"}
    response = client.post("/events", json=event)
    assert response.status_code == 422
    assert [entry["loc"] for entry in error_of(response)["detail"]] == [
        ["body", "at"],
        ["body", "day"],
        ["body", "ref"],
    ]


def test_list_of_typed_dicts(client) -> None:
    response = client.post("/points", json=[{"x": 1, "y": 2}, {"x": 3, "y": 4}])
    assert response.json == {"total": 10}
    response = client.post("/points", json=[{"x": 1, "y": 2}, {"x": 3}])
    assert response.status_code == 422
    assert error_of(response)["detail"] == [
        {"loc": ["body", 1, "y"], "msg": "Object missing required field `y`"}
    ]


def test_validation_raised_by_the_type_itself_is_422(client) -> None:
    response = client.post("/positive", json={"value": -1})
    assert response.status_code == 422
    assert error_of(response)["detail"] == [{"loc": ["body"], "msg": "value must be positive"}]
    assert client.post("/positive", json={"value": 2}).json == {"value": 2}


# --- query --------------------------------------------------------------------


def test_query_fields_with_defaults_are_optional(client) -> None:
    response = client.get("/items")
    assert response.status_code == 200
    assert len(response.json) == 10


def test_query_is_converted_and_list_fields_take_repeated_keys(client) -> None:
    response = client.get("/items?limit=2&tag=1&tag=2&order=desc&other=ignored")
    assert response.json == [
        {"id": 0, "name": "desc", "price": 0.0, "tags": [1, 2]},
        {"id": 1, "name": "desc", "price": 0.0, "tags": [1, 2]},
    ]


def test_query_that_does_not_fit_is_422_naming_each_field(client) -> None:
    response = client.get("/items?limit=0&tag=x&order=up")
    assert response.status_code == 422
    error = error_of(response)
    assert error["message"] == "invalid query string"
    assert error["detail"] == [
        {"loc": ["query", "limit"], "msg": "Expected `int` >= 1"},
        {"loc": ["query", "tag", 0], "msg": "Expected `int`"},
        {"loc": ["query", "order"], "msg": "Invalid enum value 'up'"},
    ]


def test_query_limit_above_maximum_is_422(client) -> None:
    response = client.get("/items?limit=1000")
    assert response.status_code == 422
    assert error_of(response)["detail"] == [
        {"loc": ["query", "limit"], "msg": "Expected `int` <= 100"}
    ]


# --- path parameters ----------------------------------------------------------


def test_path_parameter_is_converted(client) -> None:
    assert client.get("/items/42").json == {"id": 42, "name": "one", "price": 1.5, "tags": []}


@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999x", "%20"])
def test_path_parameter_that_does_not_convert_is_404(client, value: str) -> None:
    response = client.get(f"/items/{value}")
    assert response.status_code == 404
    error_of(response)


def test_catch_all_parameters(client) -> None:
    assert client.get("/docs/a/b/c").json == {"slug": ["a", "b", "c"]}
    assert client.get("/pages/1/2/3").json == {"sum": 6}
    assert client.get("/pages/1/x").status_code == 404


def test_unannotated_path_parameter_is_the_plain_string(client) -> None:
    assert client.get("/plain/caf%C3%A9").json == {"name": "café", "same": True}


def test_unannotated_body_and_query_are_req_body_and_req_query(client) -> None:
    response = client.post("/raw?x=1&x=2", json={"a": [1]})
    assert response.json == {"body": {"a": [1]}, "query": ["1", "2"]}


# --- handler files and middleware ---------------------------------------------


def test_handles_fallback_takes_a_typed_body(client) -> None:
    response = client.put("/either", json={"name": "a", "price": 1})
    assert response.json == {"method": "PUT", "name": "a"}
    assert client.get("/either").status_code == 405
    assert client.put("/either", json={"name": "a"}).status_code == 422


def test_middleware_wraps_typed_handlers_and_their_errors(client) -> None:
    response = client.post("/guarded/5", json={"a": 1})
    assert response.json == {"id": 5, "body": {"a": 1}}
    assert response.headers["X-Guarded"] == "yes"
    response = client.post("/guarded/5", json={"a": "x"})
    assert response.status_code == 422
    assert response.headers["X-Guarded"] == "yes"
    assert error_of(response)["detail"] == [
        {"loc": ["body", "a"], "msg": "Expected `int`, got `str`"}
    ]
    assert client.post("/guarded/x", json={}).status_code == 404


def test_head_of_typed_get_has_no_body(client) -> None:
    response = client.head("/items/3")
    assert response.status_code == 200
    assert response.data == b""
    assert int(response.headers["Content-Length"]) == len(
        json.dumps({"id": 3, "name": "one", "price": 1.5, "tags": []}, separators=(",", ":"))
    )


def test_query_and_body_problems_are_listed_together(make_site) -> None:
    from conftest import client_for

    site = make_site(
        {
            "pages/_shapes.py": SHAPES,
            "pages/things/[id].py": """\
                from __future__ import annotations

                from .._shapes import NewItem, Paging


                def POST(req, res, body: NewItem, query: Paging, id: int):
                    return {"id": id}
            """,
        }
    )
    client = client_for(site)
    response = client.post("/things/1?limit=0", json={"name": "a", "price": "x"})
    error = error_of(response)
    assert response.status_code == 422
    assert error["message"] == "invalid query string and request body"
    assert error["detail"] == [
        {"loc": ["query", "limit"], "msg": "Expected `int` >= 1"},
        {"loc": ["body", "price"], "msg": "Expected `float`, got `str`"},
    ]
    # A path that names nothing is a 404 before the query and body are looked at.
    assert client.post("/things/x?limit=0", json={}).status_code == 404
    assert client.post("/things/2?limit=3", json={"name": "a", "price": 1}).json == {"id": 2}
