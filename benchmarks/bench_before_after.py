"""One plain request's cost in this microroutes against an earlier one, in the same process.

The earlier code is a source tree of the package (``git archive <commit>
microroutes | tar -x -C /tmp/before``), imported under another name beside the
current one. Both apps answer ``GET /api/post/abc?x=1`` from
``pages/api/post/[uid].py`` (checked to be the same body first). Rounds
alternate between the two and count the thread's CPU time, not the wall
clock, so other processes on a busy machine weigh less; the best round of
each is kept.

    python benchmarks/bench_before_after.py --before /tmp/before/microroutes \\
        [--requests 1000] [--rounds 301]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from _common import WSGIApp, call_wsgi, environ_factory, noop_start_response

PATH = "/api/post/abc"
QUERY = "x=1"
ROUTE = "def GET(req, res):\n    return {'uid': req.params['uid']}\n"


def load_package(folder: Path, name: str) -> ModuleType:
    """The package in ``folder`` imported as ``name`` (its imports are relative)."""
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"{folder} is not a package")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def cpu_ns_per_request(app: WSGIApp, requests: int) -> float:
    """The thread's CPU time per request over ``requests`` requests, environs made first."""
    make = environ_factory(PATH, QUERY)
    environs = [make() for _ in range(requests)]
    clock = time.thread_time_ns
    begin = clock()
    for environ in environs:
        for _chunk in app(environ, noop_start_response):
            pass
    return (clock() - begin) / requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="an earlier microroutes/")
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=301, help="rounds per version")
    args = parser.parse_args(argv)
    import microroutes

    before = load_package(args.before.resolve(), "microroutes_before")
    site = Path(tempfile.mkdtemp()) / "site"
    (site / "pages/api/post").mkdir(parents=True)
    (site / "pages/api/post/[uid].py").write_text(ROUTE)
    apps: dict[str, WSGIApp] = {"before": before.App(site), "now": microroutes.App(site)}
    bodies = {call_wsgi(app, environ_factory(PATH, QUERY)())[2] for app in apps.values()}
    if len(bodies) != 1:
        raise SystemExit(f"the two versions answer differently: {bodies}")
    best = dict.fromkeys(apps, float("inf"))
    names = list(apps)
    for number in range(args.rounds):
        for name in names if number % 2 else names[::-1]:
            best[name] = min(best[name], cpu_ns_per_request(apps[name], args.requests))
    for name in names:
        print(f"{name:>6}: {best[name] / 1000:.2f} µs CPU/request")
    print(f"now/before: {best['now'] / best['before']:.3f}x")


if __name__ == "__main__":
    main()
