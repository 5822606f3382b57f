"""``microroutes serve`` on waitress and on granian with two workers: real processes, real HTTP.

One server process per server kind for the whole module; each test makes its
own requests against it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_files
from servers import Server, running

SITE = {
    "pages/_app.py": """
        import os

        def startup(app):
            app.state.marker = os.environ["MARKER"]
            with open(app.state.marker, "a") as f:
                f.write(f"startup {os.getpid()}\\n")

        def shutdown(app):
            with open(app.state.marker, "a") as f:
                f.write(f"shutdown {os.getpid()}\\n")
    """,
    "pages/api/post/[uid].py": """
        def GET(req, res):
            return {"uid": req.params["uid"]}
    """,
    "pages/api/async_post/[uid].py": """
        import asyncio

        async def GET(req, res):
            await asyncio.sleep(0.001)
            return {"uid": req.params["uid"], "async": True}
    """,
    "pages/api/stream.py": """
        import asyncio

        async def GET(req, res):
            res.set_header("Content-Type", "text/plain")
            for number in range(3):
                await asyncio.sleep(0)
                yield f"line {number}\\n"
    """,
    "pages/api/upload.py": """
        def POST(req, res):
            return {"size": len(req.data)}
    """,
    "pages/api/big_upload.py": """
        MAX_BODY_SIZE = 4 << 20

        def POST(req, res):
            return {"size": len(req.data)}
    """,
    "pages/guarded/_middleware.py": """
        async def middleware(req, res, call_next):
            response = await call_next()
            response.set_header("X-Guarded", "async")
            return response
    """,
    "pages/guarded/page.py": """
        async def GET(req, res):
            return {"guarded": True}
    """,
}

SERVERS = {
    "waitress": ("--access-log",),
    "granian": (
        "--server",
        "granian",
        "--workers",
        "2",
        "--access-log",
        "--access-log-format",
        "json",
    ),
}
COMBINED = re.compile(
    r"^(?P<client>\S+) - - \[(?P<time>[^\]]+)\] "
    r'"(?P<method>\S+) (?P<target>\S+) (?P<protocol>[^"]+)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+) "(?P<referer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)" '
    r"(?P<micros>\d+) (?P<request_id>\S+)$"
)


@pytest.fixture(scope="module", params=list(SERVERS))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Server, Path]]:
    name: str = request.param
    root = tmp_path_factory.mktemp(f"serving_{name}")
    site = write_files(root / "site", SITE)
    marker = root / "marker"
    with running("serve", str(site), *SERVERS[name], env={"MARKER": str(marker)}) as server:
        yield name, server, marker
    # After the stop: every process that started also shut down.
    events = marker.read_text().split("\n")
    started = {line.split()[1] for line in events if line.startswith("startup")}
    stopped = {line.split()[1] for line in events if line.startswith("shutdown")}
    assert started == stopped
    assert len(started) == (2 if name == "granian" else 1)


def _get(server: Server, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``path``; header names in lower case (granian sends them so)."""
    status, found, body = server.request("GET", path, headers=headers)
    return status, {name.lower(): value for name, value in found.items()}, body


def _log_lines(server: Server, needle: str, count: int = 1) -> list[str]:
    """The access log lines mentioning ``needle``, waiting for ``count`` of them to be flushed."""
    deadline = time.monotonic() + 10
    while True:
        found = [line.strip() for line in list(server.output) if needle in line]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def _header(headers: dict[str, str], name: str) -> str:
    """A response header by name, whatever case the server wrote it in."""
    return {key.lower(): value for key, value in headers.items()}[name.lower()]


def _logged_request_id(name: str, line: str) -> str:
    """The request id an access log line carries, in the server's format."""
    if name == "granian":
        request_id: str = json.loads(line)["request_id"]
        return request_id
    found = COMBINED.match(line)
    assert found, line
    return found["request_id"]


def test_request_ids_are_echoed_and_written_in_the_access_log(
    served: tuple[str, Server, Path],
) -> None:
    name, server, _ = served
    sent = "edge-7f3a.2:web@host=1"
    status, headers, _ = server.request(
        "GET", "/api/post/traced?ids=sent", headers={"X-Request-ID": sent}
    )
    assert (status, _header(headers, "X-Request-ID")) == (200, sent)
    # An unsafe or absent id is replaced by a new one, the same in the answer and the log.
    status, headers, body = server.request(
        "GET", "/api/nowhere?ids=unsafe", headers={"X-Request-ID": 'a b"c'}
    )
    made = _header(headers, "X-Request-ID")
    assert status == 404
    assert re.fullmatch(r"[0-9a-f]{20}-[1-9][0-9]*", made)
    assert json.loads(body)["error"]["request_id"] == made
    status, headers, _ = server.request("GET", "/api/post/traced?ids=none")
    fresh = _header(headers, "X-Request-ID")
    assert status == 200
    assert fresh != made
    for needle, expected in [("ids=sent", sent), ("ids=unsafe", made), ("ids=none", fresh)]:
        lines = _log_lines(server, needle)
        assert len(lines) == 1, server.output
        assert _logged_request_id(name, lines[0]) == expected


def test_sync_and_async_routes_answer(served: tuple[str, Server, Path]) -> None:
    _, server, _ = served
    status, _, body = server.request("GET", "/api/post/abc")
    assert (status, json.loads(body)) == (200, {"uid": "abc"})
    status, _, body = server.request("GET", "/api/async_post/xyz")
    assert (status, json.loads(body)) == (200, {"uid": "xyz", "async": True})


def test_an_async_generator_streams(served: tuple[str, Server, Path]) -> None:
    _, server, _ = served
    status, headers, body = _get(server, "/api/stream")
    assert status == 200
    assert headers["content-type"] == "text/plain"
    assert body == b"line 0\nline 1\nline 2\n"


def test_async_middleware_around_an_async_handler(served: tuple[str, Server, Path]) -> None:
    _, server, _ = served
    status, headers, body = _get(server, "/guarded/page")
    assert (status, json.loads(body)) == (200, {"guarded": True})
    assert headers["x-guarded"] == "async"


def test_body_limits_are_the_same_on_every_server(served: tuple[str, Server, Path]) -> None:
    _, server, _ = served
    two_mib = b"x" * (2 << 20)
    status, headers, body = server.request("POST", "/api/upload", two_mib)
    assert status == 413
    assert {name.lower(): value for name, value in headers.items()}["content-type"] == (
        "application/json"
    )
    assert json.loads(body)["error"]["status"] == 413
    status, _, body = server.request("POST", "/api/big_upload", two_mib)
    assert (status, json.loads(body)) == (200, {"size": 2 << 20})


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rpartition(")")[2].split()[1])


def test_each_serving_process_ran_startup_once(served: tuple[str, Server, Path]) -> None:
    name, server, marker = served
    for path in ("/api/post/a", "/api/post/b", "/api/post/c", "/api/post/d"):
        assert server.request("GET", path)[0] == 200
    lines = marker.read_text().splitlines()
    pids = [int(line.split()[1]) for line in lines if line.startswith("startup")]
    assert len(pids) == len(set(pids)), lines  # once per process
    if name == "granian":  # in each of the two workers, not in the parent
        assert len(pids) == 2
        assert {_parent_of(pid) for pid in pids} == {server.process.pid}
    else:
        assert pids == [server.process.pid]


def test_the_access_log_has_one_line_per_request(served: tuple[str, Server, Path]) -> None:
    name, server, _ = served
    target = "/api/post/logged?x=1&y=%22q%22"
    status, _, body = server.request(
        "GET", target, headers={"User-Agent": 'probe "quoted"', "Referer": "http://r.example/"}
    )
    assert status == 200
    streamed_status, _, streamed = server.request("GET", "/api/stream?logged=1")
    lines = _log_lines(server, "logged", count=2)
    assert len(lines) == 2, server.output
    request_line, stream_line = sorted(lines, key=lambda line: "stream" in line)
    if name == "granian":
        record = json.loads(request_line)
        assert record["client"] == "127.0.0.1"
        assert (record["method"], record["path"], record["status"]) == ("GET", target, 200)
        assert record["bytes"] == len(body)
        assert record["user_agent"] == "probe \\x22quoted\\x22"
        assert record["referer"] == "http://r.example/"
        assert record["duration_ms"] >= 0
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", record["time"])
        streamed_record = json.loads(stream_line)
        assert (streamed_record["status"], streamed_record["bytes"]) == (200, len(streamed))
    else:
        found = COMBINED.match(request_line)
        assert found, request_line
        assert found["client"] == "127.0.0.1"
        assert (found["method"], found["target"], found["status"]) == ("GET", target, "200")
        assert int(found["bytes"]) == len(body)
        assert found["agent"] == "probe \\x22quoted\\x22"
        assert found["referer"] == "http://r.example/"
        streamed_found = COMBINED.match(stream_line)
        assert streamed_found, stream_line
        assert int(streamed_found["bytes"]) == len(streamed) == 21
    assert streamed_status == 200
