"""A big blog's sitemap from PostgreSQL: every part served over HTTP vs COPY of the same rows.

    python benchmarks/bench_sitemap_pg.py [--posts 1000000] [--rounds 3]

Makes a PostgreSQL server with ``initdb`` (``tests/pg.py``), fills the
example blog's table with ``--posts`` posts (``generate_series``), serves
the blog with ``microroutes serve`` (waitress) on it, and then, in
alternating rounds:

* **parts**: ``GET /sitemaps/1.xml`` ... ``/sitemaps/N.xml``, one after the
  other, each read to its end (the rows, rendered and escaped as XML with
  absolute URLs, through the app and the server);
* **COPY**: ``COPY (SELECT slug, updated FROM posts ORDER BY id) TO STDOUT``
  read by psycopg: the same rows in the same order, as fast as PostgreSQL
  hands them out, with nothing done to them.

Reports the best round of each, the ratio, the slowest first byte of a
part, and the server's resident memory after each round.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pg import postgres_server  # noqa: E402

_URL = re.compile(r"on http://127\.0\.0\.1:(\d+)")


def resident(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def get(port: int, path: str) -> tuple[float, int]:
    """(seconds to the first body byte, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        started = time.monotonic()
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200, response.status
        first = response.read(1)
        first_byte = time.monotonic() - started
        size = len(first)
        while chunk := response.read(1 << 16):
            size += len(chunk)
        return first_byte, size
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with postgres_server() as server:
        server.execute("CREATE DATABASE blog")
        url = server.url("blog")
        env = {
            **os.environ,
            "BLOG_DATABASE_URL": url,
            "BLOG_BASE_URL": "https://blog.example",
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "microroutes", "serve", str(ROOT / "examples" / "blog")]
        process = subprocess.Popen(
            [*command, "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            assert process.stdout is not None
            port = 0
            while not port:
                line = process.stdout.readline().decode()
                assert line, "the server did not start"
                found = _URL.search(line)
                port = int(found.group(1)) if found else 0
            get(port, "/api/posts")  # the schema and the seed posts
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "INSERT INTO posts (slug, title, body, created, updated)"
                    " SELECT 'bulk-' || n, 'Bulk ' || n, 'b', '2024-06-01T00:00:00+00:00',"
                    " '2024-06-01' FROM generate_series(1, %s) AS n",
                    (args.posts - 5,),
                )
                conn.execute("VACUUM ANALYZE posts")
            parts = -(-(args.posts + 1) // 50_000)
            best_parts = best_copy = float("inf")
            slowest_first = 0.0
            print(f"{args.posts:,} posts, {parts} parts; round: parts s, COPY s, server RSS MiB")
            for number in range(args.rounds):
                started = time.monotonic()
                total = 0
                for part in range(1, parts + 1):
                    first_byte, size = get(port, f"/sitemaps/{part}.xml")
                    slowest_first = max(slowest_first, first_byte)
                    total += size
                served = time.monotonic() - started
                started = time.monotonic()
                copied = 0
                with psycopg.connect(url) as conn, conn.cursor() as cursor:
                    query = "COPY (SELECT slug, updated FROM posts ORDER BY id) TO STDOUT"
                    with cursor.copy(query) as copy:
                        for block in copy:
                            copied += len(block)
                copy_seconds = time.monotonic() - started
                best_parts, best_copy = min(best_parts, served), min(best_copy, copy_seconds)
                rss = resident(process.pid)
                print(
                    f"  {number + 1}: {served:.2f} s ({total / 2**20:.0f} MiB of XML), "
                    f"{copy_seconds:.2f} s ({copied / 2**20:.0f} MiB), {rss:.1f}"
                )
            print(
                f"best: parts {best_parts:.2f} s, COPY {best_copy:.2f} s, "
                f"ratio {best_parts / best_copy:.1f}x; slowest first byte {slowest_first:.3f} s"
            )
        finally:
            process.terminate()
            process.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
