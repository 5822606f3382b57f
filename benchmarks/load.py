"""Load and soak: the example blog under waitress, driven by concurrent keep-alive clients.

    python benchmarks/load.py [--seconds 20] [--clients 16] [--threads 8]

1. Serves ``examples/blog`` with ``microroutes serve --port 0`` (a subprocess,
   on a fresh temporary ``BLOG_DB``) and warms it up.
2. Soak: ``--clients`` threads, each on its own keep-alive ``http.client``
   connection, send a mix of reads (the post list, one post), writes (new posts
   with unique slugs), 404s and sitemap requests for ``--seconds``.
3. Checks that every post created is readable afterwards, and compares the
   server's resident memory after warm-up with that at the end.
4. Throughput: the same clients send only ``GET /api/post/<slug>`` for a few
   seconds, first to the blog, then to a raw WSGI function under waitress
   (same thread count, in its own process) that reads the same post from the
   same database and answers the same JSON.

Prints a table and exits 1 if an invariant fails: any 5xx, any connection
error, any unexpected status, a created post that cannot be read back, or
memory that keeps growing. ``python benchmarks/load.py --raw-server DB`` is
the raw WSGI server's entry point (used by step 4).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import stop_process

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog"
SEED_SLUG = "hello-world"
_URL = re.compile(r"on http://127\.0\.0\.1:(\d+)")
#: Memory growth tolerated between warm-up and the end: SQLite's page cache,
#: allocator arenas and import caches settle within this.
RSS_SLACK_KIB = 16 * 1024
RSS_SLACK_RATIO = 0.25

#: (kind, weight): what the soak sends, and how often.
MIX = [("list", 30), ("post", 35), ("create", 12), ("missing", 18), ("sitemap", 5)]


# -- servers -----------------------------------------------------------------------------


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)

    def rss_kib(self) -> int:
        """The server's resident set size (``VmRSS``), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if found is None:
            raise RuntimeError("no VmRSS in /proc/<pid>/status")
        return int(found.group(1))

    def stop(self) -> int:
        return stop_process(self.process, 15)


def start(command: list[str], env: dict[str, str]) -> ServerProcess:
    """Start a server that prints ``... on http://127.0.0.1:PORT``; wait for that line."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
    )
    lines: list[str] = []
    found = threading.Event()
    port: list[int] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = _URL.search(line)
            if match and not port:
                port.append(int(match.group(1)))
                found.set()

    threading.Thread(target=pump, daemon=True).start()
    if not found.wait(30):
        process.kill()
        raise RuntimeError("server did not start:\n" + "".join(lines))
    return ServerProcess(process, port[0], lines)


def raw_wsgi_app(database: str) -> Callable[..., Iterable[bytes]]:
    """A bare WSGI function answering ``GET /api/post/<slug>`` like the blog does."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        slug = path[len("/api/post/") :] if path.startswith("/api/post/") else ""
        conn = sqlite3.connect(database, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute(
                "SELECT id, slug, title, body, created, updated FROM posts WHERE slug = ?",
                (slug,),
            ).fetchone()
        finally:
            conn.close()
        if row is None:
            body = b'{"error":{"status":404,"message":"no such post"}}'
            status = "404 Not Found"
        else:
            post = {key: row[key] for key in ("id", "slug", "title", "body", "created")}
            post["updated"] = row["updated"]
            post["url"] = "/posts/" + row["slug"]
            body = json.dumps(post, ensure_ascii=False, separators=(",", ":")).encode()
            status = "200 OK"
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def serve_raw(database: str, threads: int) -> int:
    from waitress.server import create_server

    server: Any = create_server(raw_wsgi_app(database), host="127.0.0.1", port=0, threads=threads)
    print(f"raw WSGI: serving on http://127.0.0.1:{server.effective_port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    finally:
        server.close()
    return 0


# -- clients -----------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client thread saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.unexpected += other.unexpected
        self.connection_errors += other.connection_errors
        self.created += other.created


EXPECTED = {"list": 200, "post": 200, "create": 201, "missing": 404, "sitemap": 200}


class Client:
    """One keep-alive connection and the requests it sends."""

    def __init__(self, port: int, number: int, run: str) -> None:
        self.port = port
        self.number = number
        self.run = run
        self.count = 0
        self.random = random.Random(number)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.slugs = [SEED_SLUG]

    def request(
        self, tally: Tally, kind: str, method: str, path: str, body: bytes | None = None
    ) -> bytes | None:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.connection_errors.append(f"{method} {path}: {error!r}")
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return None
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[(kind, response.status)] += 1
        if response.status != EXPECTED.get(kind, 200):
            tally.unexpected.append(f"{method} {path}: {response.status} {data[:200]!r}")
            return None
        return data

    def one(self, tally: Tally, kind: str) -> None:
        self.count += 1
        if kind == "list":
            offset = self.random.randrange(0, 50)
            self.request(tally, kind, "GET", f"/api/posts?limit=10&offset={offset}")
        elif kind == "post":
            slug = self.random.choice(self.slugs)
            data = self.request(tally, kind, "GET", f"/api/post/{slug}")
            if data is not None and json.loads(data)["slug"] != slug:
                tally.unexpected.append(f"GET /api/post/{slug}: another post came back")
        elif kind == "create":
            slug = f"load-{self.run}-{self.number}-{self.count}"
            title = f"Load post {self.number}/{self.count}"
            body = json.dumps({"title": title, "body": "x" * 200, "slug": slug}).encode()
            data = self.request(tally, kind, "POST", "/api/posts", body)
            if data is not None:
                tally.created.append((slug, title))
                self.slugs.append(slug)
        elif kind == "missing":
            if self.count % 2:
                self.request(tally, kind, "GET", f"/api/post/no-such-post-{self.count}")
            else:
                self.request(tally, kind, "GET", f"/nothing/here/{self.count}")
        elif kind == "sitemap":
            data = self.request(tally, kind, "GET", "/sitemap.xml")
            if data is not None and not data.rstrip().endswith(b"</urlset>"):
                tally.unexpected.append("GET /sitemap.xml: truncated document")

    def close(self) -> None:
        self.connection.close()


def drive(
    port: int, clients: int, seconds: float, choose: Callable[[random.Random], str], run: str
) -> tuple[Tally, float]:
    """Run ``clients`` threads for ``seconds``; the merged tally and the elapsed time."""
    tallies = [Tally() for _ in range(clients)]
    deadline_box: list[float] = []
    barrier = threading.Barrier(clients + 1)

    def worker(number: int) -> None:
        client = Client(port, number, run)
        tally = tallies[number]
        barrier.wait()
        try:
            while time.perf_counter() < deadline_box[0]:
                client.one(tally, choose(client.random))
        except Exception as error:  # report, never hang the run
            tally.connection_errors.append(f"client {number} crashed: {error!r}")
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline_box.append(started + seconds)
    barrier.wait()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - started
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total, elapsed


def mixed(rng: random.Random) -> str:
    return rng.choices([kind for kind, _ in MIX], weights=[weight for _, weight in MIX])[0]


def reads_only(rng: random.Random) -> str:
    return "post"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def read_back(port: int, created: list[tuple[str, str]]) -> list[str]:
    """Every created post, read back on one connection: the problems found."""
    problems = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for slug, title in created:
            connection.request("GET", f"/api/post/{slug}")
            response = connection.getresponse()
            data = response.read()
            if response.status != 200 or json.loads(data)["title"] != title:
                problems.append(f"{slug}: {response.status} {data[:100]!r}")
    finally:
        connection.close()
    return problems


# -- the run -----------------------------------------------------------------------------


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="soak length (default 20)")
    parser.add_argument("--clients", type=int, default=16, help="client connections (16)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    parser.add_argument("--raw-server", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_server:
        return serve_raw(args.raw_server, args.threads)

    warm_seconds = max(1.0, min(3.0, args.seconds / 5))
    compare_seconds = max(1.0, min(5.0, args.seconds / 4))
    run = f"{os.getpid()}-{int(time.time())}"
    threads = str(args.threads)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="microroutes-load-") as scratch:
        database = str(Path(scratch) / "blog.sqlite3")
        env = {"BLOG_DB": database, "BLOG_BASE_URL": "https://blog.example.com"}
        serve = ["serve", str(BLOG), "--host", "127.0.0.1", "--port", "0"]
        blog = start([sys.executable, "-m", "microroutes", *serve, "--threads", threads], env)
        try:
            warm, _ = drive(blog.port, args.clients, warm_seconds, mixed, run + "w")
            rss_warm = blog.rss_kib()
            soak, elapsed = drive(blog.port, args.clients, args.seconds, mixed, run)
            rss_end = blog.rss_kib()
            lost = read_back(blog.port, warm.created + soak.created)
            blog_reads, blog_elapsed = drive(
                blog.port, args.clients, compare_seconds, reads_only, run + "r"
            )
        finally:
            blog_exit = blog.stop()
        raw = start([sys.executable, __file__, "--raw-server", database, "--threads", threads], {})
        try:
            check = http.client.HTTPConnection("127.0.0.1", raw.port, timeout=10)
            check.request("GET", f"/api/post/{SEED_SLUG}")
            raw_sample = json.loads(check.getresponse().read())
            check.close()
            raw_reads, raw_elapsed = drive(
                raw.port, args.clients, compare_seconds, reads_only, run + "x"
            )
        finally:
            raw.stop()

    everything = Tally()
    for tally in (warm, soak, blog_reads, raw_reads):
        everything.merge(tally)
    server_errors = sum(n for (_, status), n in everything.statuses.items() if status >= 500)
    created = len(warm.created) + len(soak.created)
    rss_growth = rss_end - rss_warm
    rss_limit = max(RSS_SLACK_KIB, int(rss_warm * RSS_SLACK_RATIO))
    soak_rps = len(soak.latencies) / elapsed
    blog_rps = len(blog_reads.latencies) / blog_elapsed
    raw_rps = len(raw_reads.latencies) / raw_elapsed
    if raw_sample.get("slug") != SEED_SLUG:
        failures.append(f"the raw WSGI app answered {raw_sample!r}")

    if server_errors:
        failures.append(f"{server_errors} responses were 5xx")
    if everything.connection_errors:
        first = everything.connection_errors[0]
        failures.append(f"{len(everything.connection_errors)} connection errors, e.g. {first}")
    if everything.unexpected:
        first = everything.unexpected[0]
        failures.append(f"{len(everything.unexpected)} unexpected answers, e.g. {first}")
    if lost:
        failures.append(f"{len(lost)} of {created} created posts not readable, e.g. {lost[0]}")
    if not soak.created:
        failures.append("no post was created during the soak")
    if rss_growth > rss_limit:
        failures.append(f"server memory grew {rss_growth} KiB (limit {rss_limit} KiB)")
    if blog_exit != 0:
        failures.append(f"the blog server exited {blog_exit}:\n" + "".join(blog.output[-20:]))

    kinds = Counter({kind: 0 for kind, _ in MIX})
    for (kind, _), n in soak.statuses.items():
        kinds[kind] += n

    def ms(values: list[float], fraction: float) -> str:
        return f"{percentile(values, fraction) * 1000:.1f}"

    mix = ", ".join(f"{kind} {kinds[kind]}" for kind, _ in MIX)
    rows = [
        ("soak requests", f"{len(soak.latencies)} ({mix})"),
        ("soak requests/s", f"{soak_rps:.0f}"),
        ("latency p50 / p99", f"{ms(soak.latencies, 0.5)} ms / {ms(soak.latencies, 0.99)} ms"),
        ("5xx responses", str(server_errors)),
        ("connection errors", str(len(everything.connection_errors))),
        ("unexpected answers", str(len(everything.unexpected))),
        ("posts created / lost", f"{created} / {len(lost)}"),
        (
            "server RSS warm / end",
            f"{rss_warm / 1024:.1f} MiB / {rss_end / 1024:.1f} MiB ({rss_growth / 1024:+.1f} MiB)",
        ),
        (
            "GET /api/post/<slug> req/s",
            f"microroutes {blog_rps:.0f}, raw WSGI {raw_rps:.0f} "
            f"(ratio {blog_rps / raw_rps:.2f}), {compare_seconds:g} s each",
        ),
        (
            "  latency p50 / p99",
            f"microroutes {ms(blog_reads.latencies, 0.5)} / {ms(blog_reads.latencies, 0.99)} ms, "
            f"raw WSGI {ms(raw_reads.latencies, 0.5)} / {ms(raw_reads.latencies, 0.99)} ms",
        ),
    ]
    print(
        f"microroutes load: {args.clients} clients, {args.threads} server threads, "
        f"soak {args.seconds:g} s after {warm_seconds:g} s warm-up"
    )
    print(table(rows))
    if failures:
        print("FAILED:")
        for failure in failures:
            print("  - " + failure)
        return 1
    print("OK: no 5xx, no connection errors, nothing lost, memory flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
