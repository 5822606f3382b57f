"""What answering a failing typed body leaves behind and how much work it asks of the decoder.

No timings: the benchmark (benchmarks/bench_bad_bodies.py) measures those. These
tests pin the causes found with it: reference cycles that kept every failing
request's decoded body alive until the next garbage collection, and a call into
msgspec per problem where one per run of alike problems does.
"""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import write_files

from microroutes import App

ROUTES = {
    "pages/numbers.py": """\
        def POST(req, res, body: list[int]):
            return {"n": len(body)}
    """,
    "pages/tree.py": """\
        from __future__ import annotations

        import msgspec


        class Node(msgspec.Struct, forbid_unknown_fields=True):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/ptree.py": """\
        from __future__ import annotations

        import pydantic


        class Node(pydantic.BaseModel):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/pnumbers.py": """\
        import pydantic


        def POST(req, res, body: pydantic.conlist(int)):
            return {"n": len(body)}
    """,
    "pages/both.py": """\
        import msgspec


        class Query(msgspec.Struct):
            limit: int


        def POST(req, res, query: Query, body: list[int]):
            return {"n": len(body)}
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("problem-cost"), ROUTES))


def call(app: App, path: str, body: bytes, query: str = "") -> tuple[str, bytes]:
    """One POST straight through the WSGI callable (no test client in between)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    answer = b"".join(result)
    getattr(result, "close", lambda: None)()
    return statuses[0], answer


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


FAILING = [
    ("/numbers", json.dumps([*range(100), "x"]).encode(), ""),
    ("/numbers", json.dumps(["x"] * 300).encode(), ""),
    ("/tree", b'{"v":1,"children":[{"v":2,"children":[{"v":"x"}]},{"v":3,"w":0}]}', ""),
    ("/ptree", b'{"v":1,"children":[{"v":2,"children":[{"v":"x"}]}]}', ""),
    ("/pnumbers", json.dumps(["x"] * 300).encode(), ""),
    ("/both", b'[1, "x"]', "limit=many"),
]


@pytest.mark.parametrize(("path", "body", "query"), FAILING)
def test_a_failing_body_leaves_no_reference_cycles(
    app: App, collector_paused: None, path: str, body: bytes, query: str
) -> None:
    call(app, path, body, query)  # routes imported, caches filled
    gc.collect()
    status, answer = call(app, path, body, query)
    assert status.startswith("422"), answer[:300]
    # Freed as soon as the answer is sent, not at the next collection.
    assert gc.collect() == 0


def test_a_valid_body_leaves_no_reference_cycles(app: App, collector_paused: None) -> None:
    call(app, "/numbers", b"[1, 2]")
    gc.collect()
    status, _ = call(app, "/numbers", b"[1, 2]")
    assert status.startswith("200")
    assert gc.collect() == 0
