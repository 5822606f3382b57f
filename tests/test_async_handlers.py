"""``async def`` handlers and middleware, in process, through ``wsgiref.validate``."""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import client_for, without_request_id, write_files

from microroutes import App
from microroutes.asyncio_bridge import bridge_handler, is_async_callable, run_awaitable

SITE = {
    "pages/api/async_value.py": """
        import asyncio

        async def GET(req, res):
            await asyncio.sleep(0)
            return {"async": True, "q": req.query.get("q")}

        async def POST(req, res):
            return res.status(201).json({"got": req.json})
    """,
    "pages/api/typed/[id].py": """
        import asyncio

        async def GET(req, res, id: int):
            await asyncio.sleep(0)
            return {"id": id, "double": id * 2}
    """,
    "pages/api/sync_value.py": """
        def GET(req, res):
            return {"sync": True}
    """,
    "pages/api/stream.py": """
        import asyncio

        CLOSED = []

        async def GET(req, res):
            res.set_header("Content-Type", "text/plain")
            try:
                for number in range(int(req.query.get("n", "3"))):
                    await asyncio.sleep(0)
                    yield f"line {number}\\n"
            finally:
                CLOSED.append(True)
    """,
    "pages/api/async_iterable.py": """
        import asyncio

        class Countdown:
            def __aiter__(self):
                return self.numbers()

            async def numbers(self):
                for number in (3, 2, 1):
                    await asyncio.sleep(0)
                    yield f"{number} ".encode()

        async def GET(req, res):
            return Countdown()

        def POST(req, res):
            return Countdown()
    """,
    "pages/api/fails.py": """
        from microroutes import HTTPError

        async def GET(req, res):
            raise HTTPError(409, "taken", detail={"name": "abc"})

        async def POST(req, res):
            raise RuntimeError("boom")
    """,
    "pages/api/loop.py": """
        import asyncio, threading

        TOGETHER = threading.Barrier(3)

        async def GET(req, res):
            if req.query.get("together"):
                TOGETHER.wait(10)  # three requests in flight at once
            loop = asyncio.get_running_loop()
            return {"loop": id(loop), "thread": threading.get_ident()}
    """,
    "pages/api/handler_style.py": """
        from microroutes import handles

        @handles("GET")
        async def handler(req, res):
            return {"method": req.method}
    """,
    "pages/mw/_middleware.py": """
        import asyncio

        async def middleware(req, res, call_next):
            if req.query.get("deny"):
                return res.status(401).json({"denied": True})
            await asyncio.sleep(0)
            response = await asyncio.wait_for(call_next(), timeout=10)
            response.set_header("X-Async-Middleware", "yes")
            return response
    """,
    "pages/mw/async_inner.py": """
        import asyncio

        async def GET(req, res):
            await asyncio.sleep(0)
            return {"inner": "async"}
    """,
    "pages/mw/sync_inner.py": """
        from microroutes import HTTPError

        def GET(req, res):
            if req.query.get("fail"):
                raise HTTPError(418, "teapot")
            return {"inner": "sync"}
    """,
    "pages/mw/nested/_middleware.py": """
        async def middleware(req, res, call_next):
            response = await call_next()
            response.set_header("X-Nested", "yes")
            return response
    """,
    "pages/mw/nested/deep.py": """
        async def GET(req, res):
            return {"deep": True}
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("async_site"), SITE)


def test_an_async_handler_is_awaited_and_its_result_sent(client) -> None:
    answer = client.get("/api/async_value?q=x")
    assert answer.status_code == 200
    assert answer.json == {"async": True, "q": "x"}
    created = client.post("/api/async_value", json={"a": 1})
    assert (created.status_code, created.json) == (201, {"got": {"a": 1}})


def test_a_typed_async_handler_gets_converted_parameters(client) -> None:
    assert client.get("/api/typed/21").json == {"id": 21, "double": 42}
    assert client.get("/api/typed/abc").status_code == 404


def test_sync_and_async_routes_mix_and_load_all_accepts_both(app: App) -> None:
    app.load_all()
    client = client_for(app)
    assert client.get("/api/sync_value").json == {"sync": True}
    assert client.get("/api/async_value").json == {"async": True, "q": None}
    sync_handler = app.router.match("/api/sync_value")[0].module.get().table.resolve("GET")  # type: ignore[index]
    assert not hasattr(sync_handler, "__wrapped__")  # sync handlers are not wrapped


def test_an_async_generator_is_streamed_and_closed(client, app: App) -> None:
    answer = client.get("/api/stream?n=4")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/plain"
    assert answer.data == b"line 0\nline 1\nline 2\nline 3\n"
    module = app.router.match("/api/stream")[0].module.get().module  # type: ignore[index]
    assert module.CLOSED == [True]


def test_an_async_iterable_body_is_streamed_from_sync_and_async_handlers(client) -> None:
    assert client.get("/api/async_iterable").data == b"3 2 1 "
    assert client.post("/api/async_iterable").data == b"3 2 1 "


def test_errors_in_async_handlers_render_like_sync_ones(client) -> None:
    conflict = client.get("/api/fails")
    assert conflict.status_code == 409
    assert without_request_id(conflict.json) == {
        "error": {"status": 409, "message": "taken", "detail": {"name": "abc"}}
    }
    failure = client.post("/api/fails")
    assert failure.status_code == 500
    assert without_request_id(failure.json) == {
        "error": {"status": 500, "message": "internal server error"}
    }


def test_requests_one_after_another_reuse_one_event_loop(client) -> None:
    first = client.get("/api/loop").json
    second = client.get("/api/loop").json
    assert first["loop"] == second["loop"]


def test_requests_in_flight_together_each_get_a_loop(app: App) -> None:
    results: list[dict[str, int]] = []

    def request() -> None:
        results.append(client_for(app).get("/api/loop?together=1").json)

    threads = [threading.Thread(target=request) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({result["thread"] for result in results}) == 3
    assert len({result["loop"] for result in results}) == 3
    assert client_for(app).get("/api/loop").json["loop"] in {result["loop"] for result in results}


def test_an_async_handler_function_with_declared_methods(client) -> None:
    assert client.get("/api/handler_style").json == {"method": "GET"}
    refused = client.post("/api/handler_style")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_async_middleware_awaits_call_next_around_sync_and_async_handlers(client) -> None:
    for inner in ("sync", "async"):
        answer = client.get(f"/mw/{inner}_inner")
        assert answer.status_code == 200
        assert answer.json == {"inner": inner}
        assert answer.headers["X-Async-Middleware"] == "yes"


def test_async_middleware_can_answer_itself_and_sees_inner_errors(client) -> None:
    denied = client.get("/mw/sync_inner?deny=1")
    assert (denied.status_code, denied.json) == (401, {"denied": True})
    teapot = client.get("/mw/sync_inner?fail=1")
    assert teapot.status_code == 418
    assert teapot.headers["X-Async-Middleware"] == "yes"


def test_nested_async_middleware_around_an_async_handler(client) -> None:
    answer = client.get("/mw/nested/deep")
    assert answer.json == {"deep": True}
    assert answer.headers["X-Async-Middleware"] == "yes"
    assert answer.headers["X-Nested"] == "yes"


def test_a_wrapped_async_function_is_found_through_wrapped() -> None:
    async def original(req: object, res: object) -> dict[str, int]:
        return {"value": 1}

    @functools.wraps(original)
    def wrapper(req: object, res: object) -> object:  # returns the coroutine, as typed wrappers do
        return original(req, res)

    assert is_async_callable(wrapper)
    bridged = bridge_handler(wrapper)
    assert bridged is not wrapper
    assert bridged(None, None) == {"value": 1}
    assert bridged.__wrapped__ is wrapper  # type: ignore[attr-defined]


def test_sync_callables_are_returned_unchanged() -> None:
    def handler(req: object, res: object) -> None:
        return None

    assert bridge_handler(handler) is handler
    assert bridge_handler(print) is print


def test_run_awaitable_inside_a_running_loop_waits_on_another_thread() -> None:
    async def inner() -> str:
        await asyncio.sleep(0)
        return "inner"

    async def outer() -> str:
        return run_awaitable(inner())  # sync code called from a coroutine

    assert run_awaitable(outer()) == "inner"


def test_a_stream_runs_every_step_on_one_loop(app: App) -> None:
    from microroutes.asyncio_bridge import iterate_async

    async def loops() -> AsyncIterator[int]:
        for _ in range(3):
            await asyncio.sleep(0)
            yield id(asyncio.get_running_loop())

    assert len(set(iterate_async(loops()))) == 1


def test_a_coroutine_spinning_on_sleep_zero_still_sees_io() -> None:
    # The loops skip some zero-timeout polls; a busy loop must still get its I/O.
    reader, writer = socket.socketpair()
    results: list[bytes] = []

    async def spin() -> bytes:
        loop = asyncio.get_running_loop()
        received: list[bytes] = []
        loop.add_reader(reader, lambda: received.append(reader.recv(16)))
        writer.send(b"ping")
        try:
            while not received:
                await asyncio.sleep(0)
        finally:
            loop.remove_reader(reader)
        return received[0]

    worker = threading.Thread(target=lambda: results.append(run_awaitable(spin())), daemon=True)
    worker.start()
    worker.join(10)
    reader.close()
    writer.close()
    assert results == [b"ping"]
