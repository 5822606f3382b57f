"""The three endpoints of ``bench_api.py``, written the way each framework's users write them.

* (a) ``GET /api/items/<id>?scale=N``: one item, its price times ``scale``
  (a typed query: an integer from 1 to 100, default 1);
* (b) ``POST /api/items``: a JSON body of five fields, validated, sent back;
* (c) ``GET /api/items?limit=N``: the first ``limit`` items (1 to 100, default 100).

Each builder returns a WSGI or ASGI application. FastAPI and Litestar are
optional: their builders raise ``ImportError`` when they are not installed.
``granian --factory benchmarks.api_apps:<builder>`` serves any of them; the
microroutes builders read the site folder from ``BENCH_API_SITE``.
"""

# No "from __future__ import annotations": FastAPI and Litestar read the annotations of
# handlers whose models are local to their builder.

import json
import os
import textwrap
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import msgspec

#: The items the list and the single-item endpoints answer from.
ITEMS: list[dict[str, Any]] = [
    {
        "id": number,
        "name": f"item {number}",
        "price": round(1.5 + number * 0.25, 2),
        "tags": ["office", f"shelf-{number % 7}"],
        "active": number % 3 != 0,
    }
    for number in range(100)
]
NEW_ITEM = {"name": "pen", "price": 2.5, "quantity": 3, "tags": ["office", "blue"], "active": True}


class Item(msgspec.Struct):
    """One item as the endpoints answer it (the msgspec stacks)."""

    id: int
    name: str
    price: float
    tags: list[str]
    active: bool


class NewItem(msgspec.Struct):
    """The body of (b) (the msgspec stacks)."""

    name: str
    price: float
    quantity: int
    tags: list[str]
    active: bool


class One(msgspec.Struct):
    """The query of (a)."""

    scale: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1


class Page(msgspec.Struct):
    """The query of (c)."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100


def _pydantic_models() -> tuple[Any, Any, Any, Any]:
    """``Item``, ``NewItem``, ``One`` and ``Page`` as pydantic models (pydantic is optional)."""
    import pydantic

    class PydanticItem(pydantic.BaseModel):
        id: int
        name: str
        price: float
        tags: list[str]
        active: bool

    class PydanticNewItem(pydantic.BaseModel):
        name: str
        price: float
        quantity: int
        tags: list[str]
        active: bool

    class PydanticOne(pydantic.BaseModel):
        scale: int = pydantic.Field(1, ge=1, le=100)

    class PydanticPage(pydantic.BaseModel):
        limit: int = pydantic.Field(100, ge=1, le=100)

    return PydanticItem, PydanticNewItem, PydanticOne, PydanticPage


def scaled(number: int, scale: int) -> dict[str, Any]:
    """Item ``number`` with its price times ``scale``."""
    item = ITEMS[number]
    return {**item, "price": item["price"] * scale}


# --- microroutes: the same site with Structs, dataclasses or pydantic models ----------------

_MODELS = {
    "struct": """
        from typing import Annotated
        from msgspec import Meta, Struct

        class Item(Struct):
            id: int
            name: str
            price: float
            tags: list[str]
            active: bool

        class NewItem(Struct):
            name: str
            price: float
            quantity: int
            tags: list[str]
            active: bool

        class One(Struct):
            scale: Annotated[int, Meta(ge=1, le=100)] = 1

        class Page(Struct):
            limit: Annotated[int, Meta(ge=1, le=100)] = 100
    """,
    "dataclass": """
        from dataclasses import dataclass
        from typing import Annotated
        from msgspec import Meta

        @dataclass
        class Item:
            id: int
            name: str
            price: float
            tags: list[str]
            active: bool

        @dataclass
        class NewItem:
            name: str
            price: float
            quantity: int
            tags: list[str]
            active: bool

        @dataclass
        class One:
            scale: Annotated[int, Meta(ge=1, le=100)] = 1

        @dataclass
        class Page:
            limit: Annotated[int, Meta(ge=1, le=100)] = 100
    """,
    "pydantic": """
        from pydantic import BaseModel, Field

        class Item(BaseModel):
            id: int
            name: str
            price: float
            tags: list[str]
            active: bool

        class NewItem(BaseModel):
            name: str
            price: float
            quantity: int
            tags: list[str]
            active: bool

        class One(BaseModel):
            scale: int = Field(1, ge=1, le=100)

        class Page(BaseModel):
            limit: int = Field(100, ge=1, le=100)
    """,
}
_DATA = f"ITEMS = {ITEMS!r}\n"
_LIST_ROUTE = """
    from ..._models import Item, NewItem, Page
    from ..._data import ITEMS

    ROWS = [Item(**row) for row in ITEMS]

    def GET(req, res, query: Page) -> list[Item]:
        return ROWS[: query.limit]

    def POST(req, res, body: NewItem) -> NewItem:
        return body
"""
_ONE_ROUTE = """
    from ..._models import Item, One
    from ..._data import ITEMS

    def GET(req, res, id: int, query: One) -> Item:
        row = ITEMS[id]
        return Item(**{**row, "price": row["price"] * query.scale})
"""


def write_microroutes_site(root: Path, models: str) -> Path:
    """A site answering the three endpoints with ``models`` ("struct", "dataclass", "pydantic")."""
    pages = root / "pages"
    (pages / "api" / "items").mkdir(parents=True, exist_ok=True)
    (pages / "_models.py").write_text(textwrap.dedent(_MODELS[models]))
    (pages / "_data.py").write_text(_DATA)
    (pages / "api" / "items" / "index.py").write_text(textwrap.dedent(_LIST_ROUTE))
    (pages / "api" / "items" / "[id].py").write_text(textwrap.dedent(_ONE_ROUTE))
    return root


def microroutes_app(site: Path | str | None = None) -> Any:
    """microroutes on a site written by :func:`write_microroutes_site`."""
    from microroutes import App

    return App(site or os.environ["BENCH_API_SITE"])


# --- Falcon with msgspec, by hand ---------------------------------------------------------


def falcon_app() -> Any:
    """Falcon resources decoding and encoding with msgspec Structs by hand."""
    import falcon

    rows = [Item(**row) for row in ITEMS]
    encode = msgspec.json.Encoder().encode
    decode_item = msgspec.json.Decoder(NewItem).decode

    def query(req: falcon.Request, model: type[Any]) -> Any:
        try:
            return msgspec.convert(dict(req.params), model, strict=False)
        except msgspec.ValidationError as error:
            raise falcon.HTTPUnprocessableEntity(description=str(error)) from error

    class ItemList:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.data = encode(rows[: query(req, Page).limit])
            resp.content_type = falcon.MEDIA_JSON

        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            try:
                item = decode_item(req.bounded_stream.read())
            except msgspec.ValidationError as error:
                raise falcon.HTTPUnprocessableEntity(description=str(error)) from error
            except msgspec.DecodeError as error:
                raise falcon.HTTPBadRequest(description=str(error)) from error
            resp.data = encode(item)
            resp.content_type = falcon.MEDIA_JSON

    class OneItem:
        def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
            row = ITEMS[id]
            scale = query(req, One).scale
            resp.data = encode(Item(**{**row, "price": row["price"] * scale}))
            resp.content_type = falcon.MEDIA_JSON

    app = falcon.App()
    app.add_route("/api/items", ItemList())
    app.add_route("/api/items/{id:int(min=0, max=99)}", OneItem())
    return app


# --- Flask with pydantic -------------------------------------------------------------------


def flask_app() -> Any:
    """Flask views validating with pydantic, as its users do."""
    import flask
    import pydantic

    _, NewItem, One, Page = _pydantic_models()

    app = flask.Flask("bench_api")

    @app.errorhandler(pydantic.ValidationError)
    def invalid(error: pydantic.ValidationError) -> tuple[dict[str, Any], int]:
        return {"detail": error.errors(include_url=False, include_input=False)}, 422

    @app.get("/api/items")
    def item_list() -> flask.Response:
        page = Page.model_validate(flask.request.args.to_dict())
        return flask.jsonify(ITEMS[: page.limit])

    @app.post("/api/items")
    def create() -> dict[str, Any]:
        return NewItem.model_validate(flask.request.get_json()).model_dump()

    @app.get("/api/items/<int:number>")
    def one(number: int) -> dict[str, Any]:
        return scaled(number, One.model_validate(flask.request.args.to_dict()).scale)

    return app


# --- FastAPI and Litestar (ASGI) -----------------------------------------------------------


def fastapi_app() -> Any:
    """FastAPI with pydantic models and declared response models."""
    from typing import Annotated

    import fastapi

    Item, NewItem, _, _ = _pydantic_models()

    rows = [Item(**row) for row in ITEMS]
    app = fastapi.FastAPI(openapi_url=None)

    # async def: FastAPI runs a plain def in a thread pool, which would dominate here.
    @app.get("/api/items")
    async def item_list(limit: Annotated[int, fastapi.Query(ge=1, le=100)] = 100) -> list[Item]:
        return rows[:limit]

    @app.post("/api/items")
    async def create(item: NewItem) -> NewItem:
        return item

    @app.get("/api/items/{number}")
    async def one(number: int, scale: Annotated[int, fastapi.Query(ge=1, le=100)] = 1) -> Item:
        return Item(**scaled(number, scale))

    return app


def litestar_app() -> Any:
    """Litestar with msgspec Structs."""
    from typing import Annotated

    from litestar import Litestar, get, post
    from litestar.params import Parameter

    rows = [Item(**row) for row in ITEMS]

    @get("/api/items", sync_to_thread=False)
    def item_list(limit: Annotated[int, Parameter(ge=1, le=100)] = 100) -> list[Item]:
        return rows[:limit]

    @post("/api/items", status_code=200, sync_to_thread=False)
    def create(data: NewItem) -> NewItem:
        return data

    @get("/api/items/{number:int}", sync_to_thread=False)
    def one(number: int, scale: Annotated[int, Parameter(ge=1, le=100)] = 1) -> Item:
        return Item(**scaled(number, scale))

    return Litestar([item_list, create, one], openapi_config=None)


# --- a bare WSGI function with msgspec --------------------------------------------------------


def bare_app() -> Any:
    """One WSGI function: the routing, query parsing and checks written out by hand."""
    import msgspec

    encode = msgspec.json.Encoder().encode
    decode_item = msgspec.json.Decoder(NewItem).decode

    def bounded(query: str, name: str, default: int) -> int | None:
        values = parse_qs(query).get(name)
        if not values:
            return default
        text = values[0]
        if not text.isdigit() or not 1 <= int(text) <= 100:
            return None
        return int(text)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = environ.get("QUERY_STRING", "")
        status, body = "404 Not Found", b'{"error":"not found"}'
        if path == "/api/items" and method == "GET":
            limit = bounded(query, "limit", 100)
            if limit is None:
                status, body = "422 Unprocessable Entity", b'{"error":"bad limit"}'
            else:
                status, body = "200 OK", encode(ITEMS[:limit])
        elif path == "/api/items" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                item = decode_item(environ["wsgi.input"].read(length))
                status, body = "200 OK", encode(item)
            except msgspec.DecodeError as error:
                status, body = (
                    "422 Unprocessable Entity",
                    json.dumps({"error": str(error)}).encode(),
                )
        elif path.startswith("/api/items/") and method == "GET":
            number = path.removeprefix("/api/items/")
            scale = bounded(query, "scale", 1)
            if number.isdigit() and int(number) < 100 and scale is not None:
                status, body = "200 OK", encode(scaled(int(number), scale))
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app
