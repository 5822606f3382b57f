"""Route lookup with 10 vs 10,000 route files, and ``App`` start-up over 10,000 files.

Two sites are generated into temporary folders. Both hold the same ten core
routes (static, ``[id]``, catch-all and optional catch-all, at the depths the
request paths below use); the large one adds 9,990 more files: mostly static
pages in nested folders, some ``[id]`` routes and a few catch-alls, many of
them beside the core routes so the trie nodes on the looked-up paths are wide.

(a) times ``app.router.match(path)`` for each request path and one full WSGI
request through ``App`` on both sites, interleaved round-robin, best round
kept; the ratio large/small shows whether lookup cost grows with the route
count. (b) times ``App(site_dir)`` over the large site, best of several runs.

    python benchmarks/bench_routing.py [--lookups N] [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _common import best_per_op, call_wsgi, environ_factory, format_table, run_requests, versions

from microroutes.routing import RouteKind

LARGE = 10_000

HANDLER = textwrap.dedent(
    """\
    def GET(req, res):
        return {"route": __name__}
    """
)
POST_HANDLER = textwrap.dedent(
    """\
    def GET(req, res):
        return {"uid": req.params["uid"]}
    """
)

#: The routes present in both sites (relative to ``pages/``).
CORE_FILES = [
    "index.py",
    "about.py",
    "api/health.py",
    "api/posts/index.py",
    "api/post/[uid].py",
    "users/[id]/settings.py",
    "blog/archive/2019.py",
    "docs/[...slug].py",
    "shop/[[...path]].py",
    "sitemap.xml.py",
]

#: Request paths looked up, with the kind of route answering them (both sites answer alike).
LOOKUPS = [
    ("/api/post/abc", "dynamic [uid]"),
    ("/users/42/settings", "dynamic, static below"),
    ("/docs/a/b/c", "catch-all"),
    ("/shop", "optional catch-all, empty"),
    ("/blog/archive/2019", "static"),
    ("/api/nothing/here", "404"),
]

#: The full request timed through ``App``.
REQUEST = ("/api/post/abc", "x=1")


def generated_files(count: int) -> Iterator[str]:
    """``count`` route files beside the core ones: ~88% static, ~11% dynamic, ~1% catch-all."""
    extra: list[str] = []
    # Wide static levels next to the core routes, so lookups there see big dicts.
    extra += [f"api/r{i}/index.py" for i in range(150)]
    extra += [f"api/r{i}/[id].py" for i in range(150)]
    extra += [f"api/post/p{i}.py" for i in range(100)]  # static siblings of [uid]
    extra += [f"users/[id]/tab{i}.py" for i in range(50)]
    extra += [f"docs/guide{i}/page{j}.py" for i in range(20) for j in range(10)]
    extra += [f"blog/archive/{year}.py" for year in range(1900, 2019)]
    extra += [f"shop/cat{i}/index.py" for i in range(50)]
    # Nested sections fill the rest: 8 static pages and one [item] per folder, and
    # a catch-all in every fourth section.
    for section in itertools.count():
        if section % 4 == 0:
            extra.append(f"s{section}/[...rest].py")
        for topic in range(10):
            extra.append(f"s{section}/t{topic}/index.py")
            extra += [f"s{section}/t{topic}/page{page}.py" for page in range(7)]
            extra.append(f"s{section}/t{topic}/[item].py")
        if len(extra) >= count:
            break
    yield from extra[:count]


def write_site(root: Path, files: list[str]) -> Path:
    """Write a site with ``pages/<file>`` for each file; return the site folder."""
    pages = root / "pages"
    folders = {(pages / file).parent for file in files}
    for folder in sorted(folders):
        folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        body = POST_HANDLER if file == "api/post/[uid].py" else HANDLER
        (pages / file).write_text(body, encoding="utf-8")
    return root


def route_mix(app: Any) -> str:
    kinds = Counter(route.kind for route, _ in app.router)
    return ", ".join(f"{kinds[kind]} {kind}" for kind in RouteKind if kind in kinds)


def check(apps: dict[str, Any]) -> None:
    """Both sites resolve every lookup path to the same route file, or both to nothing."""
    for path, _ in LOOKUPS:
        answers = set()
        for app in apps.values():
            found = app.router.match(path)
            answers.add(None if found is None else (_route_file(found[0]), repr(found[1])))
        if len(answers) != 1:
            raise SystemExit(f"{path}: the sites disagree: {answers}")
    for name, app in apps.items():
        status, _, body = call_wsgi(app, environ_factory(*REQUEST)())
        if not status.startswith("200 ") or b'"abc"' not in body:
            raise SystemExit(f"{name}: GET {REQUEST[0]} gave {status} {body!r}")


def _route_file(target: Any) -> str:
    route = getattr(target, "route", None)
    return str(getattr(route, "file", target))


def lookup_case(match: Callable[[str], object], path: str) -> Callable[[int], float]:
    def run(n: int) -> float:
        clock = time.perf_counter
        begin = clock()
        for _ in itertools.repeat(None, n):
            match(path)
        return clock() - begin

    return run


def measure_lookups(
    apps: dict[str, Any], lookups: int, requests: int, rounds: int
) -> list[list[str]]:
    def _empty(path: str) -> None:
        return None

    cases: dict[str, Callable[[int], float]] = {}
    for path, _ in LOOKUPS:
        for name, app in apps.items():
            cases[f"{name} {path}"] = lookup_case(app.router.match, path)
    cases["(call overhead)"] = lookup_case(_empty, "/")
    best = best_per_op(cases, lookups, rounds, warmup=1000, progress=True)
    overhead = best.pop("(call overhead)")

    request_cases = {
        name: (lambda n, app=app: run_requests(app, environ_factory(*REQUEST), n))
        for name, app in apps.items()
    }
    best_requests = best_per_op(request_cases, requests, rounds, warmup=1000, progress=True)

    small, large = list(apps)
    rows = []
    totals = {small: 0.0, large: 0.0}
    for path, kind in LOOKUPS:
        net = {name: best[f"{name} {path}"] - overhead for name in apps}
        totals[small] += net[small]
        totals[large] += net[large]
        rows.append([f"match {path} ({kind})", *_cells(net[small], net[large])])
    rows.append(["match, all paths above (sum)", *_cells(totals[small], totals[large])])
    path, query = REQUEST
    rows.append(
        [
            f"WSGI GET {path}?{query} through App",
            *_cells(best_requests[small], best_requests[large]),
        ]
    )
    return rows


def _cells(small: float, large: float) -> list[str]:
    return [f"{small * 1e6:.3f}", f"{large * 1e6:.3f}", f"{large / small:.2f}x"]


def measure_startup(site: Path, runs: int) -> tuple[float, float]:
    """Best seconds for ``scan_pages`` alone and for ``App(site)``."""
    from microroutes import App
    from microroutes.routing import scan_pages

    scan = build = float("inf")
    for _ in range(runs):
        begin = time.perf_counter()
        scan_pages(site / "pages")
        scan = min(scan, time.perf_counter() - begin)
        begin = time.perf_counter()
        App(site)
        build = min(build, time.perf_counter() - begin)
    return scan, build


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=200_000, help="lookups per path per round")
    parser.add_argument("--requests", type=int, default=20_000, help="WSGI requests per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds (best one kept)")
    parser.add_argument("--startup-runs", type=int, default=3, help="App() runs (best kept)")
    args = parser.parse_args(argv)

    from microroutes import App

    print(versions("microroutes", "werkzeug"), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_routing_") as tmp:
        small_site = write_site(Path(tmp) / "small", CORE_FILES)
        large_files = CORE_FILES + list(generated_files(LARGE - len(CORE_FILES)))
        large_site = write_site(Path(tmp) / "large", large_files)
        small_name, large_name = f"{len(CORE_FILES)} routes", f"{len(large_files):,} routes"
        apps = {small_name: App(small_site), large_name: App(large_site)}
        check(apps)
        for name, app in apps.items():
            print(f"{name}: {route_mix(app)}", flush=True)

        print(
            f"\n(a) lookup: {args.lookups} lookups per path, {args.requests} requests, "
            f"{args.rounds} rounds, best round; µs per lookup net of the call-loop cost",
            flush=True,
        )
        rows = measure_lookups(apps, args.lookups, args.requests, args.rounds)
        print(format_table(["operation", f"{small_name} µs", f"{large_name} µs", "ratio"], rows))

        scan, build = measure_startup(large_site, args.startup_runs)
        print(f"\n(b) start-up over {large_name}, best of {args.startup_runs}", flush=True)
        print(
            format_table(
                ["step", "seconds"],
                [
                    ["scan_pages(pages/)", f"{scan:.3f}"],
                    ["App(site_dir) (scan + router + endpoints)", f"{build:.3f}"],
                ],
            )
        )


if __name__ == "__main__":
    main()
