"""The blog answers 503 with Retry-After when another writer holds SQLite's lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import without_request_id

from microroutes import App
from microroutes.testing import Client

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "blog.sqlite3"
    monkeypatch.setenv("BLOG_DB", str(path))
    monkeypatch.setenv("BLOG_BUSY_TIMEOUT", "0.2")
    return path


def test_a_write_locked_out_answers_503_with_retry_after(db: Path) -> None:
    client = Client(App(BLOG))
    assert client.get("/api/posts").status_code == 200  # creates and seeds the file
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        locked = client.post("/api/posts", json={"title": "Locked out", "body": "text"})
        assert locked.status_code == 503
        assert locked.headers["Retry-After"] == "1"
        assert without_request_id(locked.json) == {
            "error": {"status": 503, "message": "the database is busy; try again shortly"}
        }
        assert client.get("/api/posts").status_code == 200  # readers carry on (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    created = client.post("/api/posts", json={"title": "Locked out", "body": "text"})
    assert created.status_code == 201


def test_other_operational_errors_stay_500s(db: Path) -> None:
    client = Client(App(BLOG))
    assert client.get("/api/posts").status_code == 200
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE posts RENAME TO gone")
    conn.commit()
    conn.close()
    answer = client.get("/api/posts")
    assert answer.status_code == 500
    assert "Retry-After" not in answer.headers


@pytest.mark.parametrize("bad", ["soon", "-1", "61", "nan"])
def test_a_malformed_busy_timeout_stops_start_up(
    db: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("BLOG_BUSY_TIMEOUT", bad)
    with pytest.raises(ValueError, match="BLOG_BUSY_TIMEOUT must be a number of seconds"):
        App(BLOG).startup()
