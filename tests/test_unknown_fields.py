"""Unknown body fields: a 422 naming them, for every kind of model, unless allowed."""

from __future__ import annotations

import pytest
from conftest import write_files

from microroutes import App
from microroutes.testing import Client

MODELS = """\
from __future__ import annotations

import dataclasses
from typing import TypedDict

import msgspec
import pydantic

from microroutes import allow_unknown_fields


class SItem(msgspec.Struct):
    name: str
    parts: list[SPart] = []


class SPart(msgspec.Struct):
    n: int


@dataclasses.dataclass
class DPart:
    n: int


@dataclasses.dataclass
class DItem:
    name: str
    parts: list[DPart] = dataclasses.field(default_factory=list)


class TPart(TypedDict):
    n: int


class TItem(TypedDict):
    name: str
    parts: list[TPart]


class PPart(pydantic.BaseModel):
    n: int


class PItem(pydantic.BaseModel):
    name: str
    parts: list[PPart] = []


@allow_unknown_fields
class SLoose(msgspec.Struct):
    name: str


@allow_unknown_fields
@dataclasses.dataclass
class DLoose:
    name: str


@allow_unknown_fields
class TLoose(TypedDict):
    name: str


class PLoose(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore")
    name: str
"""


def route(model: str) -> str:
    return (
        "from ._models import " + model + "\n\n\n"
        "def POST(req, res, body: " + model + "):\n"
        "    return {'ok': True}\n"
    )


ROUTES = {
    "pages/_models.py": MODELS,
    **{
        f"pages/{name.lower()}.py": route(name)
        for name in ("SItem", "DItem", "TItem", "PItem", "SLoose", "DLoose", "TLoose", "PLoose")
    },
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    return write_files(tmp_path_factory.mktemp("unknown-fields"), ROUTES)


@pytest.fixture(scope="module")
def client(site) -> Client:
    return Client(App(site))


@pytest.mark.parametrize("path", ["/sitem", "/ditem", "/titem", "/pitem"])
def test_unknown_fields_are_a_422_naming_them(client: Client, path: str) -> None:
    body = {"name": "a", "id": 7, "parts": [{"n": 1}, {"n": 2, "colour": "red"}]}
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert response.json["error"]["detail"] == [
        {"loc": ["body"], "msg": "Object contains unknown field `id`"},
        {"loc": ["body", "parts", 1], "msg": "Object contains unknown field `colour`"},
    ]
    assert client.post(path, json={"name": "a", "parts": [{"n": 1}]}).json == {"ok": True}


@pytest.mark.parametrize("path", ["/sitem", "/ditem", "/pitem"])
def test_unknown_fields_are_listed_with_other_problems(client: Client, path: str) -> None:
    response = client.post(path, json={"name": 5, "extra": 1})
    assert response.status_code == 422
    detail = response.json["error"]["detail"]
    assert detail[0] == {"loc": ["body"], "msg": "Object contains unknown field `extra`"}
    assert [problem["loc"] for problem in detail[1:]] == [["body", "name"]]


@pytest.mark.parametrize("path", ["/sloose", "/dloose", "/tloose", "/ploose"])
def test_a_model_may_allow_them(client: Client, path: str) -> None:
    response = client.post(path, json={"name": "a", "id": 7})
    assert response.status_code == 200, response.data


@pytest.mark.parametrize("path", ["/sitem", "/ditem", "/titem", "/pitem"])
def test_a_site_may_allow_them(site, path: str) -> None:
    client = Client(App(site, allow_unknown_fields=True))
    body = {"name": "a", "id": 7, "parts": [{"n": 2, "colour": "red"}]}
    assert client.post(path, json=body).json == {"ok": True}


def test_the_document_says_what_is_refused(site) -> None:
    from microroutes import openapi_document

    schemas = openapi_document(App(site), title="t", version="1")["components"]["schemas"]
    for name in ("SItem", "SPart", "DItem", "DPart", "TItem", "TPart", "PItem", "PPart"):
        assert schemas[name]["additionalProperties"] is False, name
    for name in ("SLoose", "DLoose", "TLoose", "PLoose"):
        assert "additionalProperties" not in schemas[name], name
    loose = App(site, allow_unknown_fields=True)
    schemas = openapi_document(loose, title="t", version="1")["components"]["schemas"]
    assert "additionalProperties" not in schemas["DItem"]
