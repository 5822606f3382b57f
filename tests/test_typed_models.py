"""pydantic models and msgspec Structs as typed bodies and queries, and models as return values."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import annotated_types
import msgspec
import pytest

from microroutes import Response
from microroutes.response import to_response

MODELS = """\
    from __future__ import annotations

    import datetime
    from typing import Annotated

    import msgspec
    from pydantic import BaseModel, Field, field_validator


    class NewUser(BaseModel):
        name: Annotated[str, Field(min_length=2, max_length=20)]
        age: Annotated[int, Field(ge=0, le=150)]
        born: datetime.date | None = None

        @field_validator("name")
        @classmethod
        def no_admin(cls, value: str) -> str:
            if value == "admin":
                raise ValueError("that name is taken")
            return value


    class User(BaseModel):
        id: int
        name: str


    class Search(BaseModel):
        q: str
        page: Annotated[int, Field(ge=1)] = 1
        tags: list[str] = []


    class Note(msgspec.Struct, rename="camel"):
        note_text: str
        stars: Annotated[int, msgspec.Meta(ge=1, le=5)] = 3
"""

ROUTES = {
    "pages/_models.py": MODELS,
    "pages/users.py": """\
        from __future__ import annotations

        from typing import Annotated

        from microroutes import Form

        from ._models import NewUser, Search, User


        def POST(req, res, body: Annotated[NewUser, Form]) -> User:
            res.status(201)
            res.set_header("Location", "/users/7")
            return User(id=7, name=body.name)


        def GET(req, res, query: Search) -> list[User]:
            return [User(id=query.page, name=f"{query.q}:{','.join(query.tags)}")]
    """,
    "pages/users/[id].py": """\
        from typing import Annotated

        from pydantic import Field


        def GET(req, res, id: Annotated[int, Field(gt=0)]):
            return {"id": id}
    """,
    "pages/notes.py": """\
        from __future__ import annotations

        from ._models import Note


        def POST(req, res, body: Note) -> dict[str, Note]:
            return {"saved": body}


        def GET(req, res, query: Note):
            return query
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    from conftest import write_files

    return write_files(tmp_path_factory.mktemp("typed-models"), ROUTES)


def detail_of(response, status: int = 422) -> list[dict[str, object]]:
    assert response.status_code == status, response.data
    assert response.content_type == "application/json"
    error = response.json["error"]
    assert error["status"] == status
    return error["detail"]


def test_pydantic_body_is_validated_and_model_returned_as_json(client) -> None:
    response = client.post("/users", json={"name": "ann", "age": 30})
    assert response.status_code == 201
    assert response.headers["Location"] == "/users/7"
    assert response.json == {"id": 7, "name": "ann"}


def test_pydantic_problems_name_each_field(client) -> None:
    response = client.post("/users", json={"name": "a", "age": 200, "born": "soon"})
    detail = detail_of(response)
    assert [entry["loc"] for entry in detail] == [
        ["body", "name"],
        ["body", "age"],
        ["body", "born"],
    ]
    assert detail[1]["msg"] == "Input should be less than or equal to 150"


def test_pydantic_validator_raising_is_422(client) -> None:
    detail = detail_of(client.post("/users", json={"name": "admin", "age": 1}))
    assert detail == [{"loc": ["body", "name"], "msg": "Value error, that name is taken"}]


def test_pydantic_malformed_json_is_400(client) -> None:
    response = client.post("/users", data=b'{"name": "x",', content_type="application/json")
    assert "malformed JSON" in detail_of_error(response, 400)["message"]
    response = client.post("/users", data=b"[" * 100_000, content_type="application/json")
    detail_of_error(response, 400)


def detail_of_error(response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.data
    error = response.json["error"]
    assert error["status"] == status
    return error


def test_pydantic_body_from_a_form(client) -> None:
    response = client.post("/users", data={"name": "bob", "age": "41"})
    assert response.status_code == 201
    assert response.json == {"id": 7, "name": "bob"}


def test_pydantic_query_with_list_field(client) -> None:
    response = client.get("/users?q=x&page=2&tags=a&tags=b")
    assert response.json == [{"id": 2, "name": "x:a,b"}]
    detail = detail_of(client.get("/users?page=0"))
    assert [entry["loc"] for entry in detail] == [["query", "q"], ["query", "page"]]


def test_pydantic_field_constraint_on_a_path_parameter(client) -> None:
    assert client.get("/users/3").json == {"id": 3}
    assert client.get("/users/0").status_code == 404
    assert client.get("/users/x").status_code == 404


def test_struct_with_renamed_fields_in_body_query_and_return(client) -> None:
    response = client.post("/notes", json={"noteText": "hi", "stars": 5})
    assert response.json == {"saved": {"noteText": "hi", "stars": 5}}
    detail = detail_of(client.post("/notes", json={"noteText": "hi", "stars": 9}))
    assert detail == [{"loc": ["body", "stars"], "msg": "Expected `int` <= 5"}]
    assert client.get("/notes?noteText=q").json == {"noteText": "q", "stars": 3}
    detail = detail_of(client.get("/notes?stars=0"))
    assert [entry["loc"] for entry in detail] == [["query", "stars"], ["query", "noteText"]]


# --- return values, straight through to_response ------------------------------


@dataclasses.dataclass
class Tag:
    name: str
    weight: int = 1


class Box(msgspec.Struct):
    tags: list[Tag]
    label: str = "box"


def test_dataclass_return_keeps_the_status_and_headers_on_res() -> None:
    res = Response().status(201).set_header("X-Id", "4")
    response = to_response(Tag("a"), res)
    assert response.status_code == 201
    assert response.get_header("X-Id") == "4"
    assert response.content_type == "application/json"
    assert response.body == b'{"name":"a","weight":1}'


def test_list_and_dict_of_models_are_json() -> None:
    assert to_response([Tag("a"), Tag("b", 2)], Response()).body == (
        b'[{"name":"a","weight":1},{"name":"b","weight":2}]'
    )
    assert to_response({"box": Box([Tag("x")])}, Response()).body == (
        b'{"box":{"tags":[{"name":"x","weight":1}],"label":"box"}}'
    )


def test_decoded_dataclass_keeps_its_default_fields_in_json() -> None:
    decoded = msgspec.json.decode(b'{"name": "a"}', type=Tag)
    assert to_response(decoded, Response()).body == b'{"name":"a","weight":1}'


def test_pydantic_model_is_json_not_a_stream() -> None:
    from pydantic import BaseModel

    class Point(BaseModel):
        x: int
        y: int

    response = to_response(Point(x=1, y=2), Response())
    assert response.content_type == "application/json"
    assert response.body == b'{"x":1,"y":2}'
    assert to_response([Point(x=0, y=0)], Response()).body == b'[{"x":0,"y":0}]'


def test_a_model_class_is_still_refused() -> None:
    with pytest.raises(TypeError, match="which is not a body"):
        to_response(Tag, Response())


def test_annotated_types_constraints_are_applied() -> None:
    from microroutes import NotFound
    from microroutes.typed import bind_handler

    def GET(req, res, id: Annotated[int, annotated_types.Gt(0)]):
        return {"id": id}

    handler, _ = bind_handler(GET, "things/[id].py: GET", ("id",))

    class FakeRequest:
        path = "/things/0"

        def __init__(self, value: str) -> None:
            self.params = {"id": value}

    assert handler(FakeRequest("3"), None) == {"id": 3}  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        handler(FakeRequest("0"), None)  # type: ignore[arg-type]


def test_annotated_types_constraints_hold_in_a_process_without_pydantic_imported(
    make_site,
) -> None:
    """The constraint is applied even when nothing imported pydantic before the route loads."""
    import subprocess
    import sys
    import textwrap

    site = make_site(
        {
            "pages/api/names.py": """\
                import dataclasses
                from typing import Annotated

                import annotated_types

                @dataclasses.dataclass
                class NewName:
                    name: Annotated[str, annotated_types.MaxLen(5)]

                def POST(req, res, body: NewName):
                    return {"name": body.name}
            """
        }
    )
    script = textwrap.dedent(
        f"""
        import sys
        from microroutes.testing import Client
        from microroutes import App
        if "pydantic" in sys.modules:
            sys.exit("pydantic was imported before the route")
        client = Client(App({str(site)!r}))
        ok = client.post("/api/names", json={{"name": "short"}})
        long = client.post("/api/names", json={{"name": "far too long"}})
        print(ok.status_code, long.status_code, long.json["error"]["detail"][0]["loc"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 2) == ["200", "422", "['body', 'name']\n"]


def test_a_struct_with_annotated_types_constraints_is_refused_naming_the_file(make_site) -> None:
    from microroutes import App, SiteError

    site = make_site(
        {
            "pages/api/names.py": """\
                from typing import Annotated

                import annotated_types
                import msgspec

                class NewName(msgspec.Struct):
                    name: Annotated[str, annotated_types.MaxLen(5)]

                def POST(req, res, body: NewName):
                    return {"name": body.name}
            """
        }
    )
    with pytest.raises(SiteError, match=r"api/names\.py.*NewName.*msgspec\.Meta"):
        App(site).load_all()
