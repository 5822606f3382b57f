"""A JSON answer converted through the handler's return annotation before it is sent."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import without_request_id

from microroutes import App, openapi_document
from microroutes.testing import Client

MODELS = '''
import dataclasses
from typing import Annotated, TypedDict

import msgspec
import pydantic

from microroutes import Answer, Response


class BookOut(msgspec.Struct):
    id: int
    title: str


@dataclasses.dataclass
class Note:
    text: str
    tags: list[str] = dataclasses.field(default_factory=list)
    pinned: bool = False


class Row(TypedDict):
    id: int


class Score(msgspec.Struct):
    value: float


class Author(pydantic.BaseModel):
    name: str


class Record:
    """An object with attributes, as an ORM row is."""

    def __init__(self, id, title):
        self.id = id
        self.title = title
        self.password_hash = "secret"
'''

SITE: dict[str, str] = {
    "pages/_models.py": MODELS,
    "pages/book.py": """
from ._models import BookOut, Record


def GET(req, res) -> BookOut:
    kind = req.query.get("kind")
    if kind == "model":
        return BookOut(1, "Dune")
    if kind == "record":
        return Record(2, "Emma")
    if kind == "wrong":
        return {"id": "one", "title": "Dune"}
    if kind == "missing":
        return {"id": 1}
    return {"id": 1, "title": "Dune", "password_hash": "secret"}
""",
    "pages/books.py": """
from ._models import BookOut


def GET(req, res) -> list[BookOut]:
    if req.query.get("kind") == "wrong":
        return [{"id": 1, "title": "a"}, {"id": 2, "title": None}]
    return [{"id": 1, "title": "a", "extra": 1}, BookOut(2, "b")]
""",
    "pages/note.py": """
from ._models import Note


def GET(req, res) -> Note:
    return {"text": "hi", "secret": 1}


def POST(req, res, body: Note) -> Note:
    return body
""",
    "pages/rows.py": """
from ._models import Row


def GET(req, res) -> dict[str, Row]:
    return {"a": {"id": 1, "other": 2}}
""",
    "pages/author.py": """
from ._models import Author


def GET(req, res) -> Author:
    if req.query.get("kind") == "wrong":
        return {"name": ["x"]}
    return {"name": "Ada", "email": "ada@example.com"}
""",
    "pages/created.py": """
from typing import Annotated

from microroutes import Answer, Response

from ._models import BookOut


def POST(req, res) -> Annotated[BookOut, Answer(201)]:
    res.status(201)
    return {"id": 3, "title": "New", "draft": True}


def PUT(req, res) -> BookOut:
    return res.status(202).json({"anything": "goes"})  # a Response: built with res


def DELETE(req, res) -> BookOut:
    res.status(204)  # None: the answer is res
""",
    "pages/slow.py": """
from ._models import BookOut


async def GET(req, res) -> BookOut:
    return {"id": 4, "title": "Async", "x": 0}
""",
    "pages/score.py": """
from ._models import Score


def GET(req, res) -> Score:
    return {"value": float(req.query.get("value", "1.5"))}
""",
    "pages/scores.py": """
from ._models import Score


def GET(req, res) -> list[Score]:
    return [Score(1.0), Score(float(req.query.get("value", "2.5")))]
""",
    "pages/stream.py": """
from collections.abc import AsyncIterator


async def GET(req, res) -> AsyncIterator[bytes]:
    yield b"a"
    yield b"b"
""",
    "pages/page.py": """
def GET(req, res) -> str:
    return "<p>not JSON, not checked</p>"
""",
}


@pytest.fixture
def client(make_site: Any) -> Client:
    return Client(App(make_site(SITE)))


def test_a_dict_with_extra_keys_sends_only_the_model_s_fields(client: Client) -> None:
    answer = client.get("/book")
    assert answer.status_code == 200
    assert answer.get_data() == b'{"id":1,"title":"Dune"}'


def test_an_object_s_attributes_are_read_and_only_the_fields_sent(client: Client) -> None:
    assert client.get("/book?kind=record").get_data() == b'{"id":2,"title":"Emma"}'


def test_the_model_itself_is_sent_as_it_is(client: Client) -> None:
    assert client.get("/book?kind=model").get_data() == b'{"id":1,"title":"Dune"}'


def test_a_list_of_models(client: Client) -> None:
    assert client.get("/books").json == [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]


def test_dataclass_defaults_are_sent(client: Client) -> None:
    assert client.get("/note").json == {"text": "hi", "tags": [], "pinned": False}
    assert client.post("/note", json={"text": "x"}).json == {
        "text": "x", "tags": [], "pinned": False
    }  # fmt: skip


def test_typed_dicts_inside_containers(client: Client) -> None:
    assert client.get("/rows").json == {"a": {"id": 1}}


def test_pydantic_models(client: Client) -> None:
    assert client.get("/author").json == {"name": "Ada"}


def test_an_answer_annotation_keeps_its_status(client: Client) -> None:
    answer = client.post("/created")
    assert (answer.status_code, answer.json) == (201, {"id": 3, "title": "New"})


def test_an_answer_built_with_res_is_left_alone(client: Client) -> None:
    answer = client.put("/created")
    assert (answer.status_code, answer.json) == (202, {"anything": "goes"})
    assert client.delete("/created").status_code == 204


def test_async_handlers_are_checked_too(client: Client) -> None:
    assert client.get("/slow").json == {"id": 4, "title": "Async"}


def test_text_answers_are_not_checked(client: Client) -> None:
    assert client.get("/page").get_data() == b"<p>not JSON, not checked</p>"


def test_streams_are_not_checked(make_site: Any) -> None:
    app = App(make_site(SITE))
    assert Client(app).get("/stream").get_data() == b"ab"
    document = openapi_document(app)
    assert document["paths"]["/stream"]["get"]["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {}}
    }


@pytest.mark.parametrize(
    ("url", "route", "where"),
    [
        ("/book?kind=wrong", "book.py: GET", "BookOut: Expected `int`, got `str` - at `$.id`"),
        ("/book?kind=missing", "book.py: GET", "BookOut: Object missing required field `title`"),
        (
            "/books?kind=wrong",
            "books.py: GET",
            "list[BookOut]: Expected `str`, got `null` - at `$[1].title`",
        ),
        (
            "/author?kind=wrong",
            "author.py: GET",
            "Author: Input should be a valid string - at `$.name`",
        ),
    ],
)
def test_a_value_that_does_not_fit_is_a_500_naming_route_and_field(
    client: Client, caplog: pytest.LogCaptureFixture, url: str, route: str, where: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        answer = client.get(url)
    assert answer.status_code == 500
    assert without_request_id(answer.json) == {
        "error": {"status": 500, "message": "internal server error"}
    }
    logged = "\n".join(
        record.getMessage() + "\n" + str(record.exc_info[1] if record.exc_info else "")
        for record in caplog.records
    )
    assert f"{route} returned a value that does not fit" in logged
    assert where in logged


def test_in_debug_the_500_says_what_does_not_fit(make_site: Any) -> None:
    client = Client(App(make_site(SITE), debug=True))
    error = client.get("/books?kind=wrong").json["error"]
    assert error["message"] == (
        "ReturnTypeError: books.py: GET returned a value that does not fit list[BookOut]: "
        "Expected `str`, got `null` - at `$[1].title`"
    )


def test_nan_is_still_refused(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        answer = client.get("/score?value=nan")
    assert answer.status_code == 500
    assert client.get("/score?value=inf").status_code == 500
    assert client.get("/score").json == {"value": 1.5}
    assert "JSON has no NaN or Infinity" in caplog.text


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_in_a_list_of_models_is_refused(
    client: Client, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    assert client.get("/scores").get_data() == b'[{"value":1.0},{"value":2.5}]'
    with caplog.at_level(logging.ERROR, logger="microroutes"):
        assert client.get(f"/scores?value={value}").status_code == 500
    assert "JSON has no NaN or Infinity" in caplog.text


# -- the blog: the same bytes as without return annotations ----------------------

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"
_RETURNS = re.compile(r"\) -> [^:]+:\n", re.MULTILINE)


def _unannotated_copy(target: Path) -> Path:
    """The blog with every return annotation of its API handlers removed."""
    shutil.copytree(BLOG, target, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__"))
    for file in (target / "pages" / "api").rglob("*.py"):
        source = file.read_text(encoding="utf-8")
        file.write_text(_RETURNS.sub("):\n", source), encoding="utf-8")
    return target


def test_the_blog_sends_the_same_bytes_as_without_annotations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOG_DB", str(tmp_path / "blog.sqlite3"))
    monkeypatch.delenv("BLOG_BASE_URL", raising=False)
    plain = App(_unannotated_copy(tmp_path / "plain"))
    assert not any(
        signature.returns for route in plain.routes() for signature in route.signatures.values()
        if route.pattern.startswith("/api/post")
    )  # fmt: skip
    checked, unchecked = Client(App(BLOG)), Client(plain)
    created = checked.post("/api/posts", json={"title": "Bytes", "body": "the same"})
    assert created.status_code == 201
    urls = [
        "/api/posts",
        "/api/posts?limit=1&offset=1",
        "/api/post/hello-world",
        f"/api/post/{created.json['slug']}",
        "/api/post/missing",
    ]
    for url in urls:
        same_id = {"X-Request-ID": "compared-request"}
        one, other = checked.get(url, headers=same_id), unchecked.get(url, headers=same_id)
        assert (one.status_code, one.headers.get("Content-Type"), one.get_data()) == (
            other.status_code,
            other.headers.get("Content-Type"),
            other.get_data(),
        ), url
