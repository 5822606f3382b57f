"""Per-request cost of ``GET /api/post/abc?x=1`` in microroutes, Falcon, Bottle and Flask.

Every application is called in-process as a WSGI server would call it: a new
environ per request, a ``start_response``, the body iterable consumed and
closed. All of them answer the same JSON body (checked before timing). The
frameworks run round-robin inside each round; the best round is kept.

    python benchmarks/bench_wsgi.py [--requests N] [--rounds R] [--profile]

``--profile`` runs cProfile over microroutes alone and prints its top functions.
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
    environ_factory,
    measure_requests,
    net_report,
    profile_requests,
    versions,
)

PATH = "/api/post/abc"
QUERY = "x=1"
EXPECTED = {"uid": "abc"}

ROUTE_FILE = textwrap.dedent(
    '''\
    """GET /api/post/<uid>: the uid, as JSON."""


    def GET(req, res):
        return {"uid": req.params["uid"]}
    '''
)


# --- the applications -------------------------------------------------------------------


def raw_wsgi_app() -> WSGIApp:
    """A bare WSGI function doing the same work: split the path, dump JSON, start."""

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        parts = environ["PATH_INFO"].split("/")
        if len(parts) == 4 and parts[1] == "api" and parts[2] == "post" and parts[3]:
            body = json.dumps({"uid": parts[3]}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return app


def harness_app() -> WSGIApp:
    """Does nothing: times the harness itself (environ building, loop, body handling)."""

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"uid":"abc"}']

    return app


def microroutes_app(site: Path) -> WSGIApp:
    from microroutes import App

    route = site / "pages" / "api" / "post" / "[uid].py"
    route.parent.mkdir(parents=True, exist_ok=True)
    route.write_text(ROUTE_FILE, encoding="utf-8")
    return App(site)


def falcon_app() -> WSGIApp:
    import falcon

    class Post:
        def on_get(self, req: falcon.Request, resp: falcon.Response, uid: str) -> None:
            resp.media = {"uid": uid}

    app = falcon.App()
    app.add_route("/api/post/{uid}", Post())
    return app


def bottle_app() -> WSGIApp:
    import bottle  # type: ignore[import-untyped]

    app = bottle.Bottle()

    @app.route("/api/post/<uid>")  # type: ignore[untyped-decorator]
    def post(uid: str) -> dict[str, str]:
        return {"uid": uid}

    wsgi: WSGIApp = app
    return wsgi


def flask_app() -> WSGIApp:
    import flask

    app = flask.Flask("bench_wsgi")

    @app.get("/api/post/<uid>")
    def post(uid: str) -> dict[str, str]:
        return {"uid": uid}

    return app


def build_apps(site: Path) -> dict[str, WSGIApp]:
    """The applications to compare, in table order."""
    return {
        "raw WSGI": raw_wsgi_app(),
        "microroutes": microroutes_app(site),
        "falcon": falcon_app(),
        "bottle": bottle_app(),
        "flask": flask_app(),
    }


# --- checks, timing, profile ------------------------------------------------------------


def check_same_answer(apps: dict[str, WSGIApp]) -> None:
    """Every app answers 200 with a JSON content type and the same JSON document."""
    make = environ_factory(PATH, QUERY)
    for name, app in apps.items():
        status, headers, body = call_wsgi(app, make())
        content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if not status.startswith("200 ") or "json" not in content_type:
            raise SystemExit(f"{name}: expected 200 JSON, got {status!r} {content_type!r}")
        if json.loads(body) != EXPECTED:
            raise SystemExit(f"{name}: unexpected body {body!r}")


def profile(app: WSGIApp, requests: int, top: int) -> None:
    profile_requests(
        app, environ_factory(PATH, QUERY), requests, top, f"microroutes, GET {PATH}?{QUERY}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_request_options(parser, "microroutes only")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_wsgi_") as tmp:
        apps = build_apps(Path(tmp))
        check_same_answer(apps)
        if args.profile:
            profile(apps["microroutes"], args.requests, args.top)
            return
        print(f"GET {PATH}?{QUERY}: {args.requests} requests x {args.rounds} rounds, best round")
        print(versions("microroutes", "werkzeug", "falcon", "bottle", "flask"))
        print()
        best = measure_requests(
            apps, harness_app(), environ_factory(PATH, QUERY), args.requests, args.rounds
        )
        print(net_report(best, {"vs raw WSGI": "raw WSGI", "vs Falcon": "falcon"}))


if __name__ == "__main__":
    main()
