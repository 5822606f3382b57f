"""The example blog on PostgreSQL: what only a shared database server brings.

Several apps (each with a pool of its own, as worker processes have) start
on one empty database at once and create posts with one slug at once; the
database goes down and comes back under a running app. The API's behaviour
on both databases is in ``test_blog_inprocess.py``.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg import Postgres, postgres_server

from microroutes import App
from microroutes.testing import Client, TestResponse

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"
#: Apps started at once, each with its own pool, like worker processes on several hosts.
APPS = 4
#: How long the app may take to answer again once the database is back.
RECOVERY_DEADLINE = 30.0


@pytest.fixture
def blog_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def use(url: str) -> None:
        monkeypatch.setenv("BLOG_DATABASE_URL", url)
        monkeypatch.delenv("BLOG_DB", raising=False)
        monkeypatch.delenv("BLOG_BASE_URL", raising=False)

    return use


@pytest.fixture
def apps(pg_url: str, blog_env: Callable[[str], None]) -> Iterator[list[App]]:
    blog_env(pg_url)
    started = [App(BLOG) for _ in range(APPS)]
    yield started
    for app in started:
        app.close()


def at_once(calls: list[Callable[[], TestResponse]]) -> list[TestResponse]:
    """Run the calls in threads released together; their responses in order."""
    barrier = threading.Barrier(len(calls))
    results: list[TestResponse | None] = [None] * len(calls)

    def run(number: int) -> None:
        barrier.wait()
        results[number] = calls[number]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql.encode()).fetchall()


def test_apps_starting_at_once_make_the_schema_and_seed_once(apps: list[App], pg_url: str) -> None:
    clients = [Client(app) for app in apps for _ in range(3)]
    answers = at_once([lambda c=client: c.get("/api/posts") for client in clients])
    assert [answer.status_code for answer in answers] == [200] * len(clients)
    assert {answer.json["total"] for answer in answers} == {5}
    assert query(pg_url, "SELECT count(*) FROM posts") == [(5,)]
    assert query(pg_url, "SELECT version FROM blog_schema") == [(1,)]


def test_one_slug_created_at_once_everywhere_is_one_201_and_409s(
    apps: list[App], pg_url: str
) -> None:
    for app in apps:  # the schema exists; what races now is the insert alone
        assert Client(app).get("/api/posts").status_code == 200
    clients = [Client(app) for app in apps for _ in range(4)]
    body = {"title": "Raced", "body": "b", "slug": "raced"}
    answers = at_once([lambda c=client: c.post("/api/posts", json=body) for client in clients])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * (len(clients) - 1)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json["error"]["detail"] == {"slug": "is taken by another post"}
    assert query(pg_url, "SELECT count(*) FROM posts WHERE slug = 'raced'") == [(1,)]


def test_renames_onto_one_slug_at_once_leave_one_post_with_it(apps: list[App], pg_url: str) -> None:
    first = Client(apps[0])
    slugs = [f"post-{n}" for n in range(8)]
    for slug in slugs:
        assert first.post("/api/posts", json={"title": slug, "body": "b"}).status_code == 201
    clients = [Client(apps[n % APPS]) for n in range(len(slugs))]
    answers = at_once(
        [
            lambda c=client, s=slug: c.patch(f"/api/post/{s}", json={"slug": "wanted"})
            for client, slug in zip(clients, slugs, strict=True)
        ]
    )
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * (len(slugs) - 1)
    assert query(pg_url, "SELECT count(*) FROM posts WHERE slug = 'wanted'") == [(1,)]


@pytest.fixture
def own_server() -> Iterator[Postgres]:
    """A server of this test's own: it is stopped and started again."""
    with postgres_server() as server:
        yield server


def _unavailable(response: TestResponse) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "2"
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["status"] == 503
    assert "database" in error["message"]


def test_a_database_that_is_down_is_503_with_retry_after_and_the_app_recovers(
    own_server: Postgres, blog_env: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    blog_env(own_server.url())
    app = App(BLOG)
    try:
        client = Client(app)
        assert client.post("/api/posts", json={"title": "Before", "body": "b"}).status_code == 201
        own_server.stop()
        # Each answer comes after the pool's bounded wait (2 s), not a hang.
        _unavailable(client.get("/api/posts"))
        _unavailable(client.get("/api/post/before"))
        _unavailable(client.post("/api/posts", json={"title": "While down", "body": "b"}))
        _unavailable(client.get("/posts/before", headers={"Accept": "application/json"}))
        own_server.start()
        back = time.monotonic()
        deadline = back + RECOVERY_DEADLINE
        while True:
            response = client.get("/api/post/before")
            if response.status_code == 200:
                break
            _unavailable(response)
            assert time.monotonic() < deadline, "the app did not recover"
            time.sleep(0.05)
        recovered = time.monotonic() - back
        assert client.post("/api/posts", json={"title": "After", "body": "b"}).status_code == 201
        slugs = {slug for (slug,) in query(own_server.url(), "SELECT slug FROM posts")}
        assert {"before", "after"} <= slugs
        assert "while-down" not in slugs
        with capsys.disabled():
            print(f"\nblog on PostgreSQL: answering again {recovered:.2f} s after the restart")
    finally:
        app.close()


def test_the_pool_survives_a_development_reload(
    pg_url: str, blog_env: Callable[[str], None], tmp_path: Path
) -> None:
    blog_env(pg_url)
    site = tmp_path / "blog"
    shutil.copytree(BLOG, site, ignore=shutil.ignore_patterns("data", "__pycache__"))
    app = App(site, reload=True)
    try:
        client = Client(app)
        assert client.post("/api/posts", json={"title": "Kept", "body": "b"}).status_code == 201
        database = app.state.blog_database
        (site / "pages" / "extra.py").write_text("def GET(req, res):\n    return 'new'\n")
        deadline = time.monotonic() + 10
        while client.get("/extra").status_code != 200:  # the reload has happened
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert app.state.blog_database is database
        assert client.get("/api/post/kept").status_code == 200
    finally:
        app.close()
    assert app.state.blog_database is None
