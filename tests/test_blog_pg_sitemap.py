"""The sitemap of a blog with a million posts in PostgreSQL, served part by part.

Slow (a million rows): run with ``pytest -m slow tests/test_blog_pg_sitemap.py -s``.
``microroutes serve examples/blog`` runs on PostgreSQL; each of the 21 parts
is fetched over HTTP, twice. Every URL comes back exactly once, in order,
and the server's resident memory does not grow in the second round: what a
part costs is its own (the server's threads each keep what their largest
answer needed, whatever the number of posts). The time to each part's
first byte and the memory are printed.
"""

from __future__ import annotations

import http.client
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import psycopg
import pytest
from servers import running
from test_blog_pg import BLOG

POSTS = 1_000_000
PER_FILE = 50_000
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LOC = "sm:url/sm:loc"
#: Growth of the server's resident memory allowed over the second round of parts.
FLAT_MEMORY = 8 * 1024 * 1024


def resident(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fetch(address: str, path: str) -> tuple[float, float, bytes]:
    """GET ``path``: (seconds to the first body byte, seconds in all, the body)."""
    parts = urlsplit(address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        started = time.monotonic()
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200, response.read()[:500]
        first = response.read(1)
        first_byte = time.monotonic() - started
        body = first + response.read()
        return first_byte, time.monotonic() - started, body
    finally:
        conn.close()


@pytest.mark.slow
def test_a_million_posts_are_served_part_by_part_in_flat_memory(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"BLOG_DATABASE_URL": pg_url, "BLOG_BASE_URL": "https://blog.example", "BLOG_DB": None}
    with running("serve", str(BLOG), env=env) as server:
        assert server.request("GET", "/api/posts")[0] == 200  # the schema and the seed
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO posts (slug, title, body, created, updated)"
                " SELECT 'bulk-' || n, 'Bulk ' || n, 'b', '2024-06-01T00:00:00+00:00',"
                " '2024-06-01' FROM generate_series(1, %s) AS n",
                (POSTS - 5,),
            )
            conn.execute("VACUUM ANALYZE posts")
            slugs = [slug for (slug,) in conn.execute("SELECT slug FROM posts ORDER BY id")]
        assert len(slugs) == POSTS
        index = ET.fromstring(fetch(server.url, "/sitemap.xml")[2])
        parts = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
        assert len(parts) == -(-(POSTS + 1) // PER_FILE)
        figures: list[tuple[int, float, float, int]] = []
        for _round in range(2):
            locs: list[str] = []
            for number, part in enumerate(parts, 1):
                first_byte, seconds, body = fetch(server.url, urlsplit(part).path)
                found = [loc.text or "" for loc in ET.fromstring(body).iterfind(LOC, SITEMAP_NS)]
                assert len(found) == (PER_FILE if number < len(parts) else POSTS + 1 - len(locs))
                locs += found
                figures.append((number, first_byte, seconds, resident(server.process.pid)))
            assert locs == ["https://blog.example/"] + [
                f"https://blog.example/posts/{slug}" for slug in slugs
            ]
        first_round, second_round = figures[: len(parts)], figures[len(parts) :]
        growth = second_round[-1][3] - first_round[-1][3]
        with capsys.disabled():
            print(f"\n{POSTS:,} posts, {len(parts)} parts of {PER_FILE:,}, served twice:")
            for number, first_byte, seconds, rss in figures:
                print(
                    f"  part {number:2}: first byte {first_byte:.3f} s, "
                    f"whole {seconds:.2f} s, server RSS {rss / 2**20:.1f} MiB"
                )
            print(f"  RSS growth over the second round: {growth / 2**20:+.1f} MiB")
        assert growth < FLAT_MEMORY, figures
