"""The OpenAPI document of typed routes: parameters, bodies, answers and shared schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import write_files
from openapi_spec_validator import validate

from microroutes import App, SiteError, openapi_document

ITEMS = '''
    import enum
    from dataclasses import dataclass, field
    from typing import Annotated, TypedDict

    import msgspec
    from msgspec import Meta

    from microroutes import Answer


    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"


    @dataclass
    class Item:
        """Something for sale."""

        id: int
        name: str
        color: Color
        tags: list[str] = field(default_factory=list)


    class NewItem(msgspec.Struct, forbid_unknown_fields=True):
        name: Annotated[str, Meta(min_length=1, max_length=50)]
        color: Color = Color.RED


    class Search(TypedDict, total=False):
        limit: Annotated[int, Meta(ge=1, le=100, description="At most this many.")]
        tag: list[str]


    ERRORS = {"POST": {409: "The name is taken."}}


    def GET(req, res, query: Search) -> list[Item]:
        """List items.

        Filtered by tag.
        """
        return []


    def POST(req, res, body: NewItem) -> Annotated[Item, Answer(201, description="Made.")]:
        res.status(201)
        return Item(1, body.name, body.color)
'''

ONE_ITEM = """
    from typing import Annotated

    from microroutes import Answer
    from .index import Item


    def GET(req, res, id: int) -> Item | Annotated[str, Answer(203, media_type="text/csv")]:
        return Item(id, "x", "red")


    def DELETE(req, res, id: int) -> Annotated[None, Answer(204)]:
        res.status(204)
"""

USERS = """
    from pydantic import BaseModel, Field


    class Address(BaseModel):
        city: str


    class User(BaseModel):
        \"\"\"A pydantic user.\"\"\"

        name: str = Field(max_length=20)
        address: Address | None = None


    def PUT(req, res, body: User | None = None) -> User:
        return body or User(name="nobody")
"""

NOTES = """
    from dataclasses import dataclass

    from microroutes import handles


    @dataclass
    class Note:
        text: str
        pinned: bool = False


    @handles("POST")
    def handler(req, res, body: Note) -> Note:
        return body
"""

FILES = """
    def GET(req, res, path: list[str]) -> bytes:
        return b""
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed")
    return write_files(
        root,
        {
            "pages/api/items/index.py": ITEMS,
            "pages/api/items/[id].py": ONE_ITEM,
            "pages/api/users.py": USERS,
            "pages/api/notes.py": NOTES,
            "pages/files/[...path].py": FILES,
        },
    )


@pytest.fixture(scope="module")
def document(app: App) -> dict[str, Any]:
    found = openapi_document(app, title="Typed", version="1")
    validate(found)
    return found


FORM = "application/x-www-form-urlencoded"


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def test_named_types_become_shared_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == [
        "Address",
        "Color",
        "Error",
        "Item",
        "NewItem",
        "Note",
        "Search",
        "User",
        "ValidationError",
    ]
    assert schemas["Color"] == {"title": "Color", "enum": ["blue", "red"]}
    assert schemas["Item"] == {
        "title": "Item",
        "description": "Something for sale.",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "color": schema_ref("Color"),
            "tags": {"type": "array", "items": {"type": "string"}, "default": []},
        },
        "required": ["id", "name", "color"],
    }
    assert schemas["NewItem"]["additionalProperties"] is False
    assert schemas["NewItem"]["properties"]["name"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 50,
    }
    # pydantic models keep pydantic's own schema, their references pointed at the components.
    assert schemas["User"]["description"] == "A pydantic user."
    assert schemas["User"]["properties"]["address"]["anyOf"][0] == schema_ref("Address")
    assert schemas["User"]["properties"]["name"]["maxLength"] == 20


def test_a_typed_query_becomes_one_parameter_per_field(document: dict[str, Any]) -> None:
    get = document["paths"]["/api/items"]["get"]
    assert get["parameters"] == [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": "At most this many.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
                "description": "At most this many.",
            },
        },
        {
            "name": "tag",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
    ]
    assert get["summary"] == "List items."
    assert get["description"] == "Filtered by tag."
    assert get["responses"]["200"] == {
        "description": "OK",
        "content": {"application/json": {"schema": {"type": "array", "items": schema_ref("Item")}}},
    }
    assert sorted(get["responses"]) == ["200", "400", "422", "500"]


def test_a_typed_body_and_its_statuses(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/items"]["post"]
    assert post["requestBody"]["required"] is True
    # JSON only: a body takes forms only when its annotation says Form. The range
    # application/*+json is accepted too, but a document lists media types only.
    assert post["requestBody"]["content"] == {"application/json": {"schema": schema_ref("NewItem")}}
    responses = post["responses"]
    assert sorted(responses) == ["201", "400", "409", "413", "415", "422", "500"]
    assert responses["201"] == {
        "description": "Made.",
        "content": {"application/json": {"schema": schema_ref("Item")}},
    }
    assert responses["409"]["description"] == "The name is taken."
    assert responses["415"] == response_ref("UnsupportedMediaType")
    assert responses["422"] == response_ref("UnprocessableContent")


def test_typed_path_parameters_and_several_answers(document: dict[str, Any]) -> None:
    item = document["paths"]["/api/items/{id}"]
    get = item["get"]
    assert get["parameters"] == [
        {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "One path segment.",
            "schema": {"type": "integer"},
        }
    ]
    assert get["responses"]["200"]["content"] == {
        "application/json": {"schema": schema_ref("Item")}
    }
    assert get["responses"]["203"] == {
        "description": "Non-Authoritative Information",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
    assert sorted(get["responses"]) == ["200", "203", "400", "404", "500"]
    assert item["delete"]["responses"]["204"] == {"description": "No Content"}


def test_an_optional_pydantic_body(document: dict[str, Any]) -> None:
    put = document["paths"]["/api/users"]["put"]
    assert put["requestBody"]["required"] is False
    assert list(put["requestBody"]["content"]) == ["application/json"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "anyOf": [schema_ref("User"), {"type": "null"}]
    }
    assert put["responses"]["200"]["content"]["application/json"]["schema"] == schema_ref("User")


def test_a_handler_with_declared_methods_and_a_typed_body(document: dict[str, Any]) -> None:
    notes = document["paths"]["/api/notes"]
    assert set(notes) == {"description", "post"}
    assert notes["post"]["requestBody"]["content"]["application/json"] == {
        "schema": schema_ref("Note")
    }
    assert "405" not in notes["post"]["responses"]


def test_a_typed_catch_all_is_still_one_string_in_the_path(document: dict[str, Any]) -> None:
    get = document["paths"]["/files/{path}"]["get"]
    (path,) = get["parameters"]
    assert path["schema"] == {"type": "string", "minLength": 1}
    assert path["description"] == "One or more path segments, separated by '/'."
    assert get["responses"]["200"] == {
        "description": "OK",
        "content": {"application/octet-stream": {"schema": {}}},
    }


def test_a_type_without_a_schema_is_left_open(make_site: Any) -> None:
    site = make_site(
        {
            "pages/thing.py": """
                class Opaque:
                    pass

                def GET(req, res) -> Opaque:
                    return {}
            """
        }
    )
    document = openapi_document(App(site))
    validate(document)
    assert document["paths"]["/thing"]["get"]["responses"]["200"] == {
        "description": "OK",
        "content": {"application/json": {"schema": {}}},
    }


def test_a_pydantic_model_named_like_another_type_is_an_error(make_site: Any) -> None:
    site = make_site(
        {
            "pages/a.py": """
                from dataclasses import dataclass

                @dataclass
                class Item:
                    x: int

                def GET(req, res) -> Item:
                    return Item(1)
            """,
            "pages/b.py": """
                from pydantic import BaseModel

                class Item(BaseModel):
                    y: str

                def GET(req, res) -> Item:
                    return Item(y="")
            """,
        }
    )
    with pytest.raises(SiteError, match="two different types are both named 'Item'"):
        openapi_document(App(site))


def test_a_type_named_error_is_refused_not_mixed_up(make_site: Any) -> None:
    site = make_site(
        {
            "pages/a.py": """
                from dataclasses import dataclass

                @dataclass
                class Error:
                    code: int

                def GET(req, res) -> Error:
                    return Error(1)
            """
        }
    )
    with pytest.raises(SiteError, match="type named 'Error' clashes with the error schema"):
        openapi_document(App(site))


def test_constraints_pydantic_checks_are_in_the_schema(make_site: Any) -> None:
    # annotated_types constraints are applied by pydantic, so pydantic writes their schema.
    site = make_site(
        {
            "pages/pages/[n].py": """
                from dataclasses import dataclass
                from typing import Annotated

                import annotated_types

                @dataclass
                class Rename:
                    name: Annotated[str, annotated_types.MaxLen(5)]

                def GET(req, res, n: Annotated[int, annotated_types.Ge(1)]) -> int:
                    return n

                def PUT(req, res, n: int, body: Rename) -> Rename:
                    return body
            """
        }
    )
    document = openapi_document(App(site))
    validate(document)
    item = document["paths"]["/pages/{n}"]
    (n,) = item["get"]["parameters"]
    assert n["schema"] == {"type": "integer", "minimum": 1}
    body = item["put"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].removeprefix("#/components/schemas/")
    assert name.endswith("Rename")  # pydantic may qualify the name with its module
    rename = document["components"]["schemas"][name]
    assert rename["properties"]["name"]["maxLength"] == 5


def test_a_form_body_lists_the_form_types(make_site: Any) -> None:
    site = make_site(
        {
            "pages/signup.py": """\
                import dataclasses
                from typing import Annotated

                from microroutes import Form


                @dataclasses.dataclass
                class Signup:
                    email: str


                def POST(req, res, body: Annotated[Signup, Form]):
                    return {"email": body.email}
            """,
        }
    )
    document = openapi_document(App(site), title="Forms", version="1")
    validate(document)
    content = document["paths"]["/signup"]["post"]["requestBody"]["content"]
    assert list(content) == ["application/json", FORM, "multipart/form-data"]
    assert all(entry == {"schema": schema_ref("Signup")} for entry in content.values())
