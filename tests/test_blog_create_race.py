"""Creating a post while another request deletes it: the create still answers 201.

The race is made deterministic with a trigger in the real SQLite file that
deletes each new post in the insert's own transaction, so by the time the
insert has committed the row is gone, exactly as if a concurrent ``DELETE``
had committed between the insert and any read-back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from microroutes import App
from microroutes.testing import Client

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("BLOG_DB", str(tmp_path / "blog.sqlite3"))
    return Client(App(BLOG))


def _execute(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        with conn:
            return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_post_deleted_right_after_its_insert_is_still_created(
    client: Client, tmp_path: Path
) -> None:
    db = tmp_path / "blog.sqlite3"
    assert client.get("/api/posts").status_code == 200  # creates and seeds the database
    _execute(
        db,
        "CREATE TRIGGER vanish AFTER INSERT ON posts BEGIN "
        "DELETE FROM posts WHERE id = NEW.id; END",
    )

    response = client.post("/api/posts", json={"title": "Gone soon", "body": "text"})

    assert response.status_code == 201
    post = response.get_json()
    assert post["slug"] == "gone-soon"
    assert post["title"] == "Gone soon"
    assert post["body"] == "text"
    assert response.headers["Location"] == "/api/post/gone-soon"
    assert _execute(db, "SELECT count(*) FROM posts WHERE slug = 'gone-soon'") == [(0,)]
    assert client.get("/api/post/gone-soon").status_code == 404
