"""Integers as the document says: integer text in paths and queries, integral numbers in JSON."""

from __future__ import annotations

import msgspec
import pytest
from conftest import write_files

from microroutes import App
from microroutes.testing import Client

ROUTES = {
    "pages/books/[id].py": """\
        def GET(req, res, id: int):
            return {"id": id}
    """,
    "pages/pbooks/[id].py": """\
        from typing import Annotated

        import pydantic


        def GET(req, res, id: Annotated[int, pydantic.Field(ge=0)]):
            return {"id": id}
    """,
    "pages/books/index.py": """\
        import dataclasses


        @dataclasses.dataclass
        class Paging:
            page: int = 1
            per_page: int = 10
            ids: list[int] = dataclasses.field(default_factory=list)
            ratio: float = 1.0


        @dataclasses.dataclass
        class NewBook:
            title: str
            year: int
            pages: list[int] = dataclasses.field(default_factory=list)
            price: float = 0.0


        def GET(req, res, query: Paging):
            return dataclasses.asdict(query)


        def POST(req, res, body: NewBook):
            return dataclasses.asdict(body)
    """,
    "pages/pbooks/index.py": """\
        import pydantic


        class Paging(pydantic.BaseModel):
            page: int = 1
            per_page: int = 10


        class NewBook(pydantic.BaseModel):
            title: str
            year: int


        def GET(req, res, query: Paging):
            return query.model_dump()


        def POST(req, res, body: NewBook):
            return body.model_dump()
    """,
}
NOT_INTEGER_TEXT = ["3e0", "2.0", "0.3e1", "1e3", "3.", " 3", "+3", "0x3", "٣", "1_000"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Client:
    return Client(App(write_files(tmp_path_factory.mktemp("strict-numbers"), ROUTES)))


@pytest.mark.parametrize("prefix", ["/books", "/pbooks"])
def test_a_path_integer_takes_integer_text_only(client: Client, prefix: str) -> None:
    assert client.get(f"{prefix}/3").json == {"id": 3}
    for text in NOT_INTEGER_TEXT:
        response = client.get(f"{prefix}/{text}")
        assert response.status_code == 404, text


@pytest.mark.parametrize("prefix", ["/books", "/pbooks"])
def test_a_query_integer_takes_integer_text_only(client: Client, prefix: str) -> None:
    assert client.get(f"{prefix}?page=2&per_page=-1").json["page"] == 2
    for text in NOT_INTEGER_TEXT:
        response = client.get(f"{prefix}?page={text}")
        assert response.status_code == 422, text
        assert response.json["error"]["detail"][0]["loc"] == ["query", "page"]


def test_the_message_names_the_expected_type(client: Client) -> None:
    response = client.get("/books?per_page=2.5&ids=1&ids=2.0&ratio=x")
    assert response.json["error"]["detail"] == [
        {"loc": ["query", "per_page"], "msg": "Expected `int`"},
        {"loc": ["query", "ids", 1], "msg": "Expected `int`"},
        {"loc": ["query", "ratio"], "msg": "Expected `float`"},
    ]
    assert client.get("/books?ratio=2.5e0&ids=-3").json["ratio"] == 2.5


@pytest.mark.parametrize("prefix", ["/books", "/pbooks"])
def test_a_json_integer_may_be_written_as_an_integral_number(client: Client, prefix: str) -> None:
    # JSON Schema's "integer" admits 2046.0 and 2.046e3: the same number as 2046.
    for year in (b"2046", b"2046.0", b"2.046e3", b"2046E0"):
        response = client.post(
            prefix, data=b'{"title": "t", "year": ' + year + b"}", content_type="application/json"
        )
        assert response.status_code == 200, year
        assert response.json["year"] == 2046
        assert type(response.json["year"]) is int
    response = client.post(prefix, json={"title": "t", "year": 2046.5})
    assert response.status_code == 422
    assert response.json["error"]["detail"][0]["loc"] == ["body", "year"]


def test_integral_numbers_in_lists_and_other_fields_keep_their_meaning(client: Client) -> None:
    body = b'{"title": "t", "year": 1.0, "pages": [1.0, 2, 3e0], "price": 4.0}'
    response = client.post("/books", data=body, content_type="application/json")
    assert response.json == {"title": "t", "year": 1, "pages": [1, 2, 3], "price": 4.0}
    body = b'{"title": 1.0, "year": 1.0}'
    response = client.post("/books", data=body, content_type="application/json")
    assert response.json["error"]["detail"] == [
        {"loc": ["body", "title"], "msg": "Expected `str`, got `float`"}
    ]


def test_the_published_schema_says_integer() -> None:
    assert msgspec.json.schema(int) == {"type": "integer"}
