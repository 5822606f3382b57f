"""A typed ``query`` read straight from the query string, with ``req.query``'s rules."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import client_for, environ_for

from microroutes.request import MAX_QUERY_FIELDS, Request
from microroutes.typed._query import query_fields

MANY = frozenset({"tag", "n"})

QUERIES = [
    "",
    "a=1",
    "a=1&a=2",
    "a",
    "a=",
    "=x",
    "&&a=1&&",
    "a=1+2&b=x%2By",
    "a%20b=c%20d",
    "a+b=c",
    "a=%zz&b=%",
    "a=%ff%fe",
    "a=\xc3\xa9",  # UTF-8 bytes as WSGI gives them (latin-1)
    "a=\xff",
    "%00=%00",
    "a=1;b=2",
    ";;;",
    "tag=x&tag=y&tag",
    "tag=&n=1&n=2&a=3&a=4",
    "n=%31&n=2%2B",
    "a=b=c",
]


def _as_before(environ: dict[str, Any]) -> dict[str, Any]:
    """What the typed query was read from before: ``req.query`` as field values."""
    query = Request(environ, "/", {}, None).query  # type: ignore[arg-type]
    fields: dict[str, Any] = dict(query.to_dict())
    for name in MANY.intersection(fields):
        fields[name] = query.getlist(name)
    return fields


@pytest.mark.parametrize("query", QUERIES)
def test_the_fields_are_what_req_query_reads(query: str) -> None:
    environ = environ_for("/")
    environ["QUERY_STRING"] = query
    assert query_fields(environ, MANY) == _as_before(environ)


def test_a_missing_query_string_has_no_fields() -> None:
    environ = environ_for("/")
    environ.pop("QUERY_STRING", None)
    assert query_fields(environ, MANY) == {}


SITE = {
    "pages/search.py": """
        from typing import Annotated
        import msgspec

        class Search(msgspec.Struct):
            q: str
            page: Annotated[int, msgspec.Meta(ge=1)] = 1
            tag: list[str] = []
            n: list[int] = []

        def GET(req, res, query: Search):
            return msgspec.to_builtins(query)
    """
}


def test_a_typed_query_reads_repeated_and_list_parameters(make_site: Any) -> None:
    client = client_for(make_site(SITE))
    answer = client.get("/search?q=caf%C3%A9+au+lait&tag=a&tag=b&n=1&n=2&page=3&other=x")
    assert answer.json == {"q": "café au lait", "page": 3, "tag": ["a", "b"], "n": [1, 2]}
    assert client.get("/search?q=x&q=y").json["q"] == "x"  # the first of a single field


def test_a_bad_value_is_a_422_naming_the_field(make_site: Any) -> None:
    client = client_for(make_site(SITE))
    answer = client.get("/search?q=x&page=0&n=1&n=two")
    assert answer.status_code == 422
    locs = [problem["loc"] for problem in answer.json["error"]["detail"]]
    assert locs == [["query", "page"], ["query", "n", 1]]


def test_too_many_fields_are_a_400(make_site: Any) -> None:
    client = client_for(make_site(SITE))
    fields = "&".join(f"k{i}=v" for i in range(MAX_QUERY_FIELDS))
    assert client.get(f"/search?q=x&{fields}").status_code == 400
    assert client.get(f"/search?{fields}").status_code == 422  # q is missing: a 422


def test_text_that_is_not_an_integer_is_refused_where_integers_go() -> None:
    environ = environ_for("/")
    environ["QUERY_STRING"] = "page=2.0&n=1&n=1e3&n=-4&q=2.0"
    fields = query_fields(environ, MANY, frozenset({"page", "n"}))
    assert fields == {"page": "", "n": ["1", "", "-4"], "q": "2.0"}


@pytest.mark.parametrize("page", ["2.0", "1e3", "+2", "%D9%A3"])
def test_an_integer_field_takes_integer_text_only(make_site: Any, page: str) -> None:
    answer = client_for(make_site(SITE)).get(f"/search?q=x&page={page}")
    assert answer.status_code == 422
    assert [problem["loc"] for problem in answer.json["error"]["detail"]] == [["query", "page"]]
