"""Cost of a typed body that fails validation against one of the same size that passes.

A route taking ``body: T`` is sent a valid JSON body and a failing one of the
same shape and size, through the whole app (WSGI call, body read, decode,
the 422 answer). The figure is the ratio failing / valid, for:

* ``flat``: ``list[int]``, the failing body's last item a string;
* ``tree``: a recursive ``Node`` (``v: int``, ``children: list[Node]``), four
  children per node, the last node in the text with a string ``v``;
* ``deep``: a chain of ``Node`` 90 levels deep (pydantic refuses JSON
  nested much deeper), the innermost ``v`` a string, beside a list of
  leaves filling the size;
* ``every item``: ``list[int]`` where every item is a string (the list of
  problems stops at its cap);

each with a msgspec ``Struct`` (``forbid_unknown_fields=True``: msgspec checks
the keys as it decodes) and a pydantic ``BaseModel``, at 10 KB, 100 KB and
1 MB. Cases run round-robin inside each round with the garbage collector
paused; the best round is kept.

    python benchmarks/bench_bad_bodies.py [--rounds R] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import WSGIApp, best_per_op, call_wsgi, format_table, make_environ, versions

ROUTES = {
    "msgspec": textwrap.dedent(
        """\
        from __future__ import annotations

        import msgspec


        class Node(msgspec.Struct, forbid_unknown_fields=True):
            v: int
            children: list[Node]
        """
    ),
    "pydantic": textwrap.dedent(
        """\
        from __future__ import annotations

        import pydantic


        class Node(pydantic.BaseModel):
            v: int
            children: list[Node]
        """
    ),
}
HANDLERS = textwrap.dedent(
    """

    MAX_BODY_SIZE = None


    def POST(req, res, body: {annotation}):
        return {{"ok": True}}
    """
)
PATHS = {"flat": ("/flat", "list[int]"), "tree": ("/tree", "Node"), "deep": ("/tree", "Node")}


def build_app(site: Path, engine: str) -> WSGIApp:
    from microroutes import App

    pages = site / engine / "pages"
    pages.mkdir(parents=True)
    for path, annotation in PATHS.values():
        route = ROUTES[engine]
        if annotation == "list[int]" and engine == "pydantic":
            route = "import pydantic\n\n"  # a bare list[int] goes to msgspec: ask pydantic
            annotation = "pydantic.conlist(int)"
        (pages / f"{path[1:]}.py").write_text(route + HANDLERS.format(annotation=annotation))
    return App(site / engine)


def flat_bodies(size: int) -> tuple[bytes, bytes, bytes]:
    items: list[Any] = list(range(size // 7))
    valid = json.dumps(items).encode()
    items[-1] = "x"
    every = json.dumps(["x"] * (len(valid) // 5)).encode()  # '"x", ': the valid body's size
    return valid, json.dumps(items).encode(), every


def tree_bodies(size: int) -> tuple[bytes, bytes]:
    nodes: list[dict[str, Any]] = [{"v": i, "children": []} for i in range(max(2, size // 22))]
    for index in range(1, len(nodes)):
        nodes[(index - 1) // 4]["children"].append(nodes[index])
    valid = json.dumps(nodes[0]).encode()
    last = nodes[0]
    while last["children"]:
        last = last["children"][-1]
    last["v"] = "x"
    return valid, json.dumps(nodes[0]).encode()


def deep_bodies(size: int) -> tuple[bytes, bytes]:
    """A chain 90 deep, padded to ``size`` with a long list of leaves."""
    depth = 90
    leaves = ",".join('{"v":1,"children":[]}' for _ in range(max(0, size - 25 * depth) // 22))

    def chain(innermost: str) -> bytes:
        text = innermost
        for _ in range(depth):
            text = '{"v":1,"children":[' + text + "]}"
        return ('{"v":1,"children":[' + leaves + "," + text + "]}").encode()

    return chain('{"v":1,"children":[]}'), chain('{"v":"x","children":[]}')


def decoder(app: Any, path: str, body: bytes) -> Callable[[int], float]:
    """Timing of the route's body decoder alone (the engine its handler was bound with)."""
    from microroutes.typed._engines import build_engine

    signature = next(r for r in app.routes() if r.pattern == path).signatures["POST"]
    engine = build_engine(signature.body)

    def run(n: int) -> float:
        clock = time.perf_counter
        begin = clock()
        for _ in range(n):
            with contextlib.suppress(Exception):  # the failing body raises Invalid
                engine.from_json(body, ("body",))
        return clock() - begin

    return run


def runner(app: WSGIApp, path: str, body: bytes) -> Callable[[int], float]:
    headers = {"CONTENT_TYPE": "application/json"}

    def run(n: int) -> float:
        clock = time.perf_counter
        begin = clock()
        for _ in range(n):
            result = app(make_environ(path, method="POST", body=body, headers=headers), _start)
            b"".join(result)
        return clock() - begin

    return run


def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def check(app: WSGIApp, path: str, body: bytes, status: str) -> int:
    """The answer's status is ``status``; its size in bytes."""
    headers = {"CONTENT_TYPE": "application/json"}
    got, _, answer = call_wsgi(app, make_environ(path, method="POST", body=body, headers=headers))
    if not got.startswith(status):
        raise SystemExit(f"{path}: expected {status}, got {got} {answer[:300]!r}")
    return len(answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (best one kept)")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="body sizes in bytes")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(versions("microroutes", "msgspec", "pydantic"))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        apps = {engine: build_app(Path(folder), engine) for engine in ROUTES}
        for size in sizes:
            flat_valid, flat_bad, flat_every = flat_bodies(size)
            shapes = {
                "flat": (flat_valid, flat_bad),
                "tree": tree_bodies(size),
                "deep": deep_bodies(size),
                "every item": (flat_valid, flat_every),
            }
            for engine, app in apps.items():
                for shape, (valid, bad) in shapes.items():
                    path = PATHS.get(shape, PATHS["flat"])[0]
                    check(app, path, valid, "200")
                    answer = check(app, path, bad, "422")
                    n = max(2, 2_000_000 // size)
                    cases = {
                        "valid": runner(app, path, valid),
                        "failing": runner(app, path, bad),
                        "valid decode": decoder(app, path, valid),
                        "failing decode": decoder(app, path, bad),
                    }
                    best = best_per_op(cases, n, args.rounds, warmup=1)
                    ratio = best["failing"] / best["valid"]
                    decode_ratio = best["failing decode"] / best["valid decode"]
                    rows.append(
                        [
                            f"{engine}, {shape}, {len(bad) // 1000} KB",
                            f"{best['valid'] * 1e3:.2f}",
                            f"{best['failing'] * 1e3:.2f}",
                            f"{ratio:.2f}x",
                            f"{decode_ratio:.2f}x",
                            str(answer),
                        ]
                    )
                    print("  " + " | ".join(rows[-1]), flush=True)
    header = [
        "body",
        "valid (ms)",
        "failing (ms)",
        "failing / valid",
        "decoding: failing / valid",
        "422 size (bytes)",
    ]
    print(format_table(header, rows))


if __name__ == "__main__":
    main()
