"""Per-request cost of a return annotation: a model answer checked by ``-> BookOut`` or not.

Every application answers ``GET /api/book`` with the same five-field book as
JSON. The cases:

* ``model, unannotated``: ``def GET(req, res)`` returning a ``BookOut`` Struct;
* ``model, -> BookOut``: the same handler annotated ``-> BookOut`` (the model
  returned as its own annotation: what the check costs at best);
* ``dict, -> BookOut``: a dict with one extra key, converted into ``BookOut``
  by the annotation (the extra key is not sent);
* ``dict, unannotated``: the dict (without the extra key) sent as it is;
* ``falcon, resp.media``: the dict, as Falcon sends it;
* ``flask + pydantic``: a pydantic model's ``model_dump()``, as Flask users do.

The answers are checked equal before timing. Cases run round-robin inside
each round; the best round is kept. The two model handlers are also timed
alone, as the app calls them, which isolates what the check adds.

    python benchmarks/bench_returns.py [--requests N] [--rounds R] [--profile]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from _common import (
    Environ,
    WSGIApp,
    add_request_options,
    best_per_op,
    call_wsgi,
    environ_factory,
    measure_requests,
    net_report,
    profile_requests,
    versions,
)

PATH = "/api/book"
BOOK = {"id": 7, "title": "Dune", "author": "Frank Herbert", "year": 1965, "rating": 4.5}
BODY = json.dumps(BOOK, separators=(",", ":")).encode()

MODEL = """\
import msgspec


class BookOut(msgspec.Struct):
    id: int
    title: str
    author: str
    year: int
    rating: float
"""

ROUTES = {
    "model, unannotated": MODEL
    + """

def GET(req, res):
    return BookOut(7, "Dune", "Frank Herbert", 1965, 4.5)
""",
    "model, -> BookOut": MODEL
    + """

def GET(req, res) -> BookOut:
    return BookOut(7, "Dune", "Frank Herbert", 1965, 4.5)
""",
    "dict, -> BookOut": MODEL
    + """

def GET(req, res) -> BookOut:
    return {"id": 7, "title": "Dune", "author": "Frank Herbert", "year": 1965, "rating": 4.5,
            "password_hash": "x"}
""",
    "dict, unannotated": """
def GET(req, res):
    return {"id": 7, "title": "Dune", "author": "Frank Herbert", "year": 1965, "rating": 4.5}
""",
}


def harness_app() -> WSGIApp:
    """Does nothing: times the harness itself (environ building, loop, body handling)."""

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [BODY]

    return app


def microroutes_app(site: Path, route: str) -> WSGIApp:
    from microroutes import App

    file = site / "pages" / "api" / "book.py"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(route), encoding="utf-8")
    return App(site)


def falcon_app() -> WSGIApp:
    import falcon

    class Book:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = {
                "id": 7, "title": "Dune", "author": "Frank Herbert", "year": 1965, "rating": 4.5
            }  # fmt: skip

    app = falcon.App()
    app.add_route(PATH, Book())
    return app


def flask_app() -> WSGIApp:
    import flask
    import pydantic

    class BookOut(pydantic.BaseModel):
        id: int
        title: str
        author: str
        year: int
        rating: float

    app = flask.Flask("bench_returns")

    @app.get(PATH)
    def book() -> dict[str, object]:
        found = BookOut(id=7, title="Dune", author="Frank Herbert", year=1965, rating=4.5)
        return found.model_dump()

    return app


def build_apps(site: Path) -> dict[str, WSGIApp]:
    """The applications to compare, in table order."""
    apps = {
        name: microroutes_app(site / f"site{number}", route)
        for number, (name, route) in enumerate(ROUTES.items())
    }
    apps["falcon, resp.media"] = falcon_app()
    apps["flask + pydantic"] = flask_app()
    return apps


def check_answers(apps: dict[str, WSGIApp]) -> None:
    """Every app sends the same book as JSON."""
    for name, app in apps.items():
        status, _, body = call_wsgi(app, environ_factory(PATH)())
        if not status.startswith("200 ") or json.loads(body) != BOOK:
            raise SystemExit(f"{name}: expected 200 and the book, got {status!r} {body!r}")


def handler_calls(apps: dict[str, WSGIApp], n: int, rounds: int) -> dict[str, float]:
    """Seconds per call of the model handlers alone, as the app calls them (with the check).

    The request's other costs are left out, so the check's own cost stands out of
    the noise of a loaded machine.
    """
    cases: dict[str, Callable[[int], float]] = {}
    for name in ("model, unannotated", "model, -> BookOut"):
        app: Any = apps[name]
        handler = app.routes()[0].handlers["GET"]

        def run(count: int, handler: Any = handler) -> float:
            start = time.perf_counter()
            for _ in range(count):
                handler(None, None)
            return time.perf_counter() - start

        cases[name] = run
    return best_per_op(cases, n, rounds, warmup=1000)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_request_options(parser, "the 'model, -> BookOut' case")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_returns_") as tmp:
        apps = build_apps(Path(tmp))
        check_answers(apps)
        make = environ_factory(PATH)
        if args.profile:
            case = "model, -> BookOut"
            profile_requests(apps[case], make, args.requests, args.top, f"{case}, GET {PATH}")
            return
        print(f"GET {PATH} (a 5-field book): {args.requests} requests x {args.rounds} rounds")
        print(versions("microroutes", "msgspec", "werkzeug", "falcon", "flask", "pydantic"))
        print()
        calls = handler_calls(apps, args.requests * 10, args.rounds)
        best = measure_requests(apps, harness_app(), make, args.requests, args.rounds)
        whole = best["model, unannotated"]
        print(net_report(best, {"vs unannotated model": "model, unannotated"}))
        added = calls["model, -> BookOut"] - calls["model, unannotated"]
        print(
            f"\nThe handler alone, called {args.requests * 10} times a round: "
            f"{calls['model, unannotated'] * 1e9:.0f} ns unannotated, "
            f"{calls['model, -> BookOut'] * 1e9:.0f} ns annotated: the check adds "
            f"{added * 1e9:.0f} ns, {added / whole:.1%} of the unannotated request "
            f"({whole * 1e6:.2f} µs)."
        )


if __name__ == "__main__":
    main()
