"""Per-request cost of the layer around handlers: providers and middleware.

Two comparisons, in one interleaved run:

* ``GET /api/me`` through a middleware (it puts the caller's name on
  ``req.state``) and two providers (``Settings`` from a plain function, ``Db``
  from a generator that commits after the response), against the same work
  written by hand in the handler: the same middleware, ``settings(req)``
  called inline and the same generator used as a ``with`` block
  (``contextlib.contextmanager``), which commits as the block ends; and
  against the commit written inline (``try``/``except``, no generator);
* a plain request (``GET /api/hello`` returning a dict), without and with a
  middleware, on this code and on another version of microroutes (``--against``,
  a git revision, ``main`` by default), to show what the layer costs requests
  that do not use it; the plain app runs twice on this code, and the gap
  between those two identical cases is the run's noise floor.

Every answer is checked equal before timing. Ratios use net times (the
harness subtracted).

    python benchmarks/bench_layer.py [--requests N] [--rounds R] [--against REV]
                                     [--clock cpu|wall] [--profile]

Times are this thread's CPU time by default (``--clock cpu``): on a machine
shared with other busy processes, time spent waiting for a core is left out.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
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
    make_environ,
    net_report,
    profile_requests,
    run_requests,
    versions,
)

REPO = Path(__file__).resolve().parent.parent
ANSWER = {"user": "ada", "greeting": "hello", "committed": True}
HEADERS = {"HTTP_X_USER": "ada"}

MIDDLEWARE = textwrap.dedent(
    """\
    def middleware(req, res, call_next):
        req.state.user = req.headers.get("X-User", "anonymous")
        return call_next()
    """
)

#: For the comparison with another version, which may not have ``req.state``.
PASS_THROUGH = "def middleware(req, res, call_next):\n    return call_next()\n"

DEPS = textwrap.dedent(
    """\
    class Settings:
        greeting = "hello"


    class Db:
        def __init__(self):
            self.committed = False

        def commit(self):
            self.committed = True

        def rollback(self):
            pass


    def settings(req):
        return Settings()


    def database(req):
        db = Db()
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        else:
            db.commit()
    """
)

APP_FILE = textwrap.dedent(
    """\
    from ._deps import Db, Settings, database, settings

    providers = {Settings: settings, Db: database}
    """
)

PROVIDED_ROUTE = textwrap.dedent(
    """\
    from .._deps import Db, Settings


    def GET(req, res, settings: Settings, db: Db):
        return {"user": req.state.user, "greeting": settings.greeting, "committed": True}
    """
)

HAND_ROUTE = textwrap.dedent(
    """\
    from contextlib import contextmanager

    from .._deps import database, settings

    session = contextmanager(database)


    def GET(req, res):
        config = settings(req)
        with session(req) as db:
            return {"user": req.state.user, "greeting": config.greeting, "committed": True}
    """
)

INLINE_ROUTE = textwrap.dedent(
    """\
    from .._deps import Db, settings


    def GET(req, res):
        config = settings(req)
        db = Db()
        try:
            answer = {"user": req.state.user, "greeting": config.greeting, "committed": True}
        except BaseException:
            db.rollback()
            raise
        db.commit()
        return answer
    """
)

PLAIN_ROUTE = textwrap.dedent(
    """\
    def GET(req, res):
        return {"user": "ada", "greeting": "hello", "committed": True}
    """
)


def write_site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def load_version(revision: str, into: Path) -> Any:
    """The ``App`` class of microroutes at git ``revision``, imported as a package of its own."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "microroutes"],
        check=True,
        capture_output=True,
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    name = f"microroutes_{revision.replace('/', '_').replace('-', '_').replace('.', '_')}"
    (into / "microroutes").rename(into / name)
    sys.path.insert(0, str(into))
    return importlib.import_module(name).App


def build_apps(root: Path, against: str) -> dict[str, tuple[WSGIApp, str]]:
    """The applications to compare and the path each is asked for, in table order."""
    from microroutes import App

    other = load_version(against, root / "other")
    layer = {"pages/_middleware.py": MIDDLEWARE, "pages/_deps.py": DEPS}
    plain = {"pages/api/hello.py": PLAIN_ROUTE}
    with_mw = {**plain, "pages/_middleware.py": PASS_THROUGH}
    return {
        "2 providers + middleware": (
            App(
                write_site(
                    root / "provided",
                    {**layer, "pages/_app.py": APP_FILE, "pages/api/me.py": PROVIDED_ROUTE},
                )
            ),
            "/api/me",
        ),
        "by hand + middleware": (
            App(write_site(root / "hand", {**layer, "pages/api/me.py": HAND_ROUTE})),
            "/api/me",
        ),
        "by hand, inline + middleware": (
            App(write_site(root / "inline", {**layer, "pages/api/me.py": INLINE_ROUTE})),
            "/api/me",
        ),
        "plain": (App(write_site(root / "plain", plain)), "/api/hello"),
        # The same app again: how far two identical cases drift apart in this run.
        "plain, again": (App(write_site(root / "plain-again", plain)), "/api/hello"),
        f"plain ({against})": (other(write_site(root / "plain-other", plain)), "/api/hello"),
        "plain + middleware": (App(write_site(root / "mw", with_mw)), "/api/hello"),
        f"plain + middleware ({against})": (
            other(write_site(root / "mw-other", with_mw)),
            "/api/hello",
        ),
    }


def harness_app() -> WSGIApp:
    """Does nothing: times the harness itself (environ building, loop, body handling)."""
    body = json.dumps(ANSWER).encode()

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return app


def routed(app: WSGIApp, path: str) -> WSGIApp:
    """``app`` asked for ``path`` whatever the environ says (one environ maker for all)."""

    def call(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["PATH_INFO"] = environ["REQUEST_URI"] = path
        return app(environ, start_response)

    return call


def environ() -> Environ:
    return make_environ("/", headers=HEADERS)


def measure(
    apps: dict[str, WSGIApp], requests: int, rounds: int, clock: Callable[[], float]
) -> dict[str, float]:
    """Best seconds per request of each app (and the harness), rounds interleaved."""

    def case(app: WSGIApp) -> Callable[[int], float]:
        return lambda n: run_requests(app, environ, n, clock)

    cases = {name: case(app) for name, app in apps.items()}
    cases["(harness)"] = case(routed(harness_app(), "/"))
    return best_per_op(cases, requests, rounds, warmup=min(requests, 2000), progress=True)


def check_answers(apps: dict[str, WSGIApp]) -> None:
    for name, app in apps.items():
        status, _, body = call_wsgi(app, environ())
        if not status.startswith("200 ") or json.loads(body) != ANSWER:
            raise SystemExit(f"{name}: expected 200 {ANSWER}, got {status!r} {body!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_request_options(parser, "the providers case")
    parser.add_argument(
        "--against", default="main", help="git revision the plain request is compared with"
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: this thread's CPU time (robust on a shared, busy machine); wall: elapsed",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_layer_") as tmp:
        built = build_apps(Path(tmp), args.against)
        # Every case pays the same extra call to set its path, the harness included.
        apps = {name: routed(app, path) for name, (app, path) in built.items()}
        check_answers(apps)
        if args.profile:
            first = next(iter(apps.values()))
            profile_requests(first, environ, args.requests, args.top, "2 providers + middleware")
            return
        print(
            f"GET, {args.requests} requests x {args.rounds} rounds; against {args.against}; "
            f"{args.clock} clock"
        )
        print(versions("microroutes", "werkzeug"))
        print()
        clock = time.thread_time if args.clock == "cpu" else time.perf_counter
        best = measure(apps, args.requests, args.rounds, clock)
        harness = best["(harness)"]
        print(net_report(dict(best), {"vs by hand": "by hand + middleware", "vs plain": "plain"}))
        print()
        again = (best["plain, again"] - harness) / (best["plain"] - harness)
        print(f"noise floor: plain, again / plain = {again:.3f} net (identical apps)")
        for case in ("plain", "plain + middleware"):
            mine, theirs = best[case], best[f"{case} ({args.against})"]
            net = (mine - harness) / (theirs - harness)
            print(f"{case}: this code / {args.against} = {net:.3f} net, {mine / theirs:.3f} gross")


if __name__ == "__main__":
    main()
