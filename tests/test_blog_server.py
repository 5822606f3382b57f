"""The example blog served for real: ``microroutes serve`` under waitress, driven over HTTP.

One server process runs for the whole module on a free loopback port, with
its own SQLite file. ``servers.running`` always stops it with SIGTERM
(killing it if it hangs) and then checks that it exited 0 after printing
``stopped``.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from servers import running

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> Any:
        assert self.headers["Content-Type"] == "application/json", self.headers
        return json.loads(self.body)

    def error(self, status: int) -> dict[str, Any]:
        """The JSON error object; the answer must have ``status``."""
        assert self.status == status, self.body
        error: dict[str, Any] = self.json["error"]
        assert error["status"] == status
        assert error["message"]
        return error


@dataclass
class Blog:
    host: str
    port: int
    db: Path
    output: list[str]

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            conn.close()

    def send_json(self, method: str, path: str, value: object) -> Answer:
        data = json.dumps(value).encode()
        return self.request(method, path, data, {"Content-Type": "application/json"})

    def slugs(self) -> list[str]:
        """Every slug in the database, oldest post first, read with sqlite3 directly."""
        conn = sqlite3.connect(self.db)
        try:
            return [slug for (slug,) in conn.execute("SELECT slug FROM posts ORDER BY id")]
        finally:
            conn.close()


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Blog]:
    db = tmp_path_factory.mktemp("blog") / "blog.sqlite3"
    env = {"BLOG_DB": str(db), "BLOG_BASE_URL": None, "BLOG_SITEMAP_SIZE": None}
    with running("serve", str(BLOG), env=env) as server:
        address = server.url.removeprefix("http://")
        host, _, port = address.rpartition(":")
        yield Blog(host, int(port), db, server.output)


def test_serves_on_loopback_and_seeds_its_database(blog: Blog) -> None:
    assert blog.host == "127.0.0.1"
    answer = blog.request("GET", "/api/posts?limit=100")
    assert answer.status == 200
    page = answer.json
    assert page["total"] == len(blog.slugs()) > 0
    assert {post["slug"] for post in page["posts"]} == set(blog.slugs())


def test_create_read_update_delete(blog: Blog) -> None:
    created = blog.send_json("POST", "/api/posts", {"title": "Over the wire", "body": "Hi."})
    assert created.status == 201
    assert created.headers["Location"] == "/api/post/over-the-wire"
    assert created.json["title"] == "Over the wire"
    assert "over-the-wire" in blog.slugs()

    read = blog.request("GET", "/api/post/over-the-wire")
    assert read.status == 200
    assert read.json == created.json

    put = blog.send_json("PUT", "/api/post/over-the-wire", {"title": "Replaced", "body": "New."})
    assert put.status == 200
    assert (put.json["title"], put.json["body"]) == ("Replaced", "New.")

    patched = blog.send_json("PATCH", "/api/post/over-the-wire", {"slug": "renamed"})
    assert patched.status == 200
    assert patched.headers["Content-Location"] == "/api/post/renamed"
    assert blog.request("GET", "/api/post/over-the-wire").status == 404
    assert blog.request("GET", "/api/post/renamed").json["title"] == "Replaced"

    deleted = blog.request("DELETE", "/api/post/renamed")
    assert deleted.status == 204
    assert deleted.body == b""
    assert "renamed" not in blog.slugs()
    assert blog.request("GET", "/api/post/renamed").error(404)["message"] == "no such post"


def test_error_answers(blog: Blog) -> None:
    assert blog.request("GET", "/api/post/not-there").error(404)["message"] == "no such post"
    assert blog.request("GET", "/no/such/page").error(404)

    not_allowed = blog.request("POST", "/api/post/hello-world")
    not_allowed.error(405)
    assert not_allowed.headers["Allow"] == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    assert blog.request("DELETE", "/api/posts").headers["Allow"] == "GET, HEAD, POST, OPTIONS"

    bad_limit = blog.request("GET", "/api/posts?limit=zero").error(422)
    assert [problem["loc"] for problem in bad_limit["detail"]] == [["query", "limit"]]
    invalid = blog.send_json("POST", "/api/posts", {"title": "", "slug": "Bad Slug"})
    assert [problem["loc"] for problem in invalid.error(422)["detail"]] == [
        ["body", "title"],
        ["body", "slug"],
        ["body", "body"],  # missing fields come last
    ]
    malformed = blog.request("POST", "/api/posts", b"{", {"Content-Type": "application/json"})
    malformed.error(400)
    text = blog.request("POST", "/api/posts", b"title=x", {"Content-Type": "text/plain"})
    assert "application/json" in text.error(415)["message"]

    assert blog.send_json("POST", "/api/posts", {"title": "Twice", "body": "1"}).status == 201
    again = blog.send_json("POST", "/api/posts", {"title": "Twice", "body": "2"})
    assert again.error(409)["detail"] == {"slug": "is taken by another post"}

    too_big = blog.send_json("POST", "/api/posts", {"title": "Big", "body": "x" * 400_000})
    too_big.error(413)


def test_html_pages_and_the_stylesheet(blog: Blog) -> None:
    # Its own post, the newest: the home page lists the newest 20, whatever else the
    # module's other tests created before.
    created = blog.send_json("POST", "/api/posts", {"title": "On the home page", "body": "B."})
    slug = created.json["slug"]
    home = blog.request("GET", "/", headers={"Accept": "text/html"})
    assert home.status == 200
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"
    html = home.body.decode()
    assert 'href="/style.css"' in html
    assert f'href="/posts/{slug}"' in html
    post = blog.request("GET", f"/posts/{slug}")
    assert post.status == 200
    assert b"<article>" in post.body
    css = blog.request("GET", "/style.css")
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    missing = blog.request("GET", "/posts/not-there", headers={"Accept": "text/html"})
    assert missing.status == 404
    assert missing.headers["Content-Type"].startswith("text/html")
    # The blog's own 404 page, in its layout.
    assert b"<h1>No such post</h1>" in missing.body
    assert b'href="/style.css"' in missing.body
    refused = blog.request("DELETE", "/posts/not-there", headers={"Accept": "text/html"})
    assert refused.status == 405
    assert b"<h1>Error 405</h1>" in refused.body
    assert refused.headers["X-Request-ID"].encode() in refused.body


def test_sitemap_lists_every_post(blog: Blog) -> None:
    blog.send_json("POST", "/api/posts", {"title": "Mapped", "body": "b"})
    answer = blog.request("GET", "/sitemap.xml")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(answer.body)
    locs = [loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
    base = f"http://{blog.host}:{blog.port}"
    assert locs == [f"{base}/"] + [f"{base}/posts/{slug}" for slug in blog.slugs()]


def test_robots_txt(blog: Blog) -> None:
    answer = blog.request("GET", "/robots.txt")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    sitemap_line = f"Sitemap: http://{blog.host}:{blog.port}/sitemap.xml"
    assert sitemap_line in answer.body.decode().splitlines()


def test_concurrent_writers_under_the_thread_pool(blog: Blog) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        for number in range(4):
            title = f"Thread {worker} note {number}"
            status = blog.send_json("POST", "/api/posts", {"title": title, "body": "b"}).status
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [201] * 48
    assert sum(slug.startswith("thread-") for slug in blog.slugs()) == 48
