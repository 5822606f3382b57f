"""Per-request cost of a typed JSON POST: microroutes typed vs untyped, Falcon and Flask.

Every application answers ``POST /api/items`` with a JSON body of five fields
(``name``, ``price``, ``quantity``, ``tags``, ``active``) by sending the item
back as JSON. The cases:

* ``microroutes typed``: ``def POST(req, res, body: NewItem)`` with ``NewItem`` a
  5-field dataclass, returning ``body`` (decoded, validated and encoded);
* ``microroutes untyped``: ``def POST(req, res)`` returning ``req.json``, not validated;
* ``falcon, hand validation``: ``req.get_media()`` and the field checks a Falcon
  user writes by hand, then ``resp.media``;
* ``flask + pydantic``: ``Item.model_validate(request.get_json())`` and
  ``item.model_dump()``, as Flask users validate today.

The answers are checked equal, and a body with a wrong field checked to be
refused by every validating case, before timing. Cases run round-robin inside
each round; the best round is kept.

    python benchmarks/bench_typed.py [--requests N] [--rounds R] [--profile]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from _common import (
    Environ,
    WSGIApp,
    add_request_options,
    call_wsgi,
    make_environ,
    measure_requests,
    net_report,
    profile_requests,
    versions,
)

PATH = "/api/items"
ITEM = {"name": "pen", "price": 2.5, "quantity": 3, "tags": ["office", "blue"], "active": True}
BODY = json.dumps(ITEM).encode()
BAD_BODY = json.dumps({**ITEM, "quantity": "three"}).encode()

TYPED_ROUTE = textwrap.dedent(
    '''\
    """POST /api/items: the item, validated into a dataclass and sent back."""

    import dataclasses


    @dataclasses.dataclass
    class NewItem:
        name: str
        price: float
        quantity: int
        tags: list[str]
        active: bool


    def POST(req, res, body: NewItem):
        return body
    '''
)

UNTYPED_ROUTE = textwrap.dedent(
    '''\
    """POST /api/items: the JSON body sent back as it came, unvalidated."""


    def POST(req, res):
        return req.json
    '''
)


def post_environ(body: bytes = BODY) -> Callable[[], Environ]:
    """A zero-argument function returning a new environ for the JSON POST each call."""
    headers = {"CONTENT_TYPE": "application/json"}

    def make() -> Environ:
        return make_environ(PATH, method="POST", body=body, headers=headers)

    return make


# --- the applications -------------------------------------------------------------------


def harness_app() -> WSGIApp:
    """Does nothing: times the harness itself (environ building, loop, body handling)."""

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [BODY]

    return app


def microroutes_app(site: Path, route: str) -> WSGIApp:
    from microroutes import App

    file = site / "pages" / "api" / "items.py"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(route, encoding="utf-8")
    return App(site)


def falcon_app() -> WSGIApp:
    import falcon

    def check_item(data: object) -> dict[str, object]:
        """The field checks a Falcon user writes for this resource."""
        if not isinstance(data, dict):
            raise falcon.HTTPUnprocessableEntity(description="expected a JSON object")
        errors = []
        if not isinstance(data.get("name"), str):
            errors.append("name must be a string")
        price = data.get("price")
        if not isinstance(price, (int, float)) or isinstance(price, bool):
            errors.append("price must be a number")
        quantity = data.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            errors.append("quantity must be an integer")
        tags = data.get("tags")
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            errors.append("tags must be a list of strings")
        if not isinstance(data.get("active"), bool):
            errors.append("active must be a boolean")
        if errors:
            raise falcon.HTTPUnprocessableEntity(description="; ".join(errors))
        return {
            "name": data["name"],
            "price": float(price),  # type: ignore[arg-type]
            "quantity": quantity,
            "tags": tags,
            "active": data["active"],
        }

    class Items:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = check_item(req.get_media())

    app = falcon.App()
    app.add_route(PATH, Items())
    return app


def flask_app() -> WSGIApp:
    import flask
    import pydantic

    class Item(pydantic.BaseModel):
        name: str
        price: float
        quantity: int
        tags: list[str]
        active: bool

    app = flask.Flask("bench_typed")

    @app.errorhandler(pydantic.ValidationError)
    def invalid(error: pydantic.ValidationError) -> tuple[dict[str, object], int]:
        return {"detail": error.errors(include_url=False, include_input=False)}, 422

    @app.post(PATH)
    def items() -> dict[str, object]:
        item = Item.model_validate(flask.request.get_json())
        return item.model_dump()

    return app


def build_apps(site: Path) -> dict[str, WSGIApp]:
    """The applications to compare, in table order."""
    return {
        "microroutes typed": microroutes_app(site / "typed", TYPED_ROUTE),
        "microroutes untyped": microroutes_app(site / "untyped", UNTYPED_ROUTE),
        "falcon, hand validation": falcon_app(),
        "flask + pydantic": flask_app(),
    }


# --- checks, timing, profile ------------------------------------------------------------


def check_answers(apps: dict[str, WSGIApp]) -> None:
    """Every app sends the item back as the same JSON; the validating ones refuse a bad body."""
    for name, app in apps.items():
        status, headers, body = call_wsgi(app, post_environ()())
        content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if not status.startswith("200 ") or "json" not in content_type:
            raise SystemExit(f"{name}: expected 200 JSON, got {status!r} {content_type!r}")
        if json.loads(body) != ITEM:
            raise SystemExit(f"{name}: unexpected body {body!r}")
        if name == "microroutes untyped":
            continue
        status, _, body = call_wsgi(app, post_environ(BAD_BODY)())
        if not status.startswith("422 "):
            raise SystemExit(f"{name}: a bad quantity should be 422, got {status!r} {body!r}")


def profile(app: WSGIApp, requests: int, top: int) -> None:
    profile_requests(app, post_environ(), requests, top, f"microroutes typed, POST {PATH}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_request_options(parser, "the typed case")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_typed_") as tmp:
        apps = build_apps(Path(tmp))
        check_answers(apps)
        if args.profile:
            profile(apps["microroutes typed"], args.requests, args.top)
            return
        print(f"POST {PATH} (5-field JSON body): {args.requests} requests x {args.rounds} rounds")
        print(versions("microroutes", "msgspec", "werkzeug", "falcon", "flask", "pydantic"))
        print()
        best = measure_requests(apps, harness_app(), post_environ(), args.requests, args.rounds)
        baselines = {"vs untyped": "microroutes untyped", "vs typed": "microroutes typed"}
        print(net_report(best, baselines))


if __name__ == "__main__":
    main()
