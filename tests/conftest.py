"""Shared fixtures and helpers for the test suite.

Fixtures
--------
``make_site``
    Writes a site folder from a dict of relative paths -> file contents and
    returns its path::

        def test_post(make_site):
            site = make_site({"pages/api/post/[uid].py": "def GET(req, res): ..."})
            client = client_for(site)

    Contents are dedented, so sources can be indented triple-quoted strings;
    ``bytes`` are written as they are. ``pages/`` is always created (pass
    ``pages=False`` to leave it out). Each call in one test gets a new folder.

Helpers (import them with ``from conftest import ...``)
-------------------------------------------------------
``client_for(site_or_app, **app_options)``
    A :class:`microroutes.testing.Client` (werkzeug's client wrapped in
    ``wsgiref.validate``) for an :class:`~microroutes.App` or a site folder.
``write_files(root, files)``
    What ``make_site`` does, for any folder (module-scoped fixtures use it).
``wsgi_call(app, environ)``
    Run one request from a raw ``environ`` through ``wsgiref.validate`` and
    return ``(status, headers, body)``, for requests the client cannot build.
``environ_for(path, **builder_options)``
    A complete WSGI environ from werkzeug's ``EnvironBuilder``.
``ECHO_ROUTE``
    Route source answering every method with the file that answered
    (relative to ``pages/``) and ``req.params``.

PostgreSQL (``tests/pg.py``): ``postgres`` is a real server made by ``initdb``
for the session (the tests fail when PostgreSQL is not installed), and
``pg_url`` the URL of a new, empty database on it for one test.

Default fixtures a module can lean on: ``app`` (one :class:`~microroutes.App`
per module, over the module's own ``site`` fixture) and ``client`` (a
validating client for ``app``). A module defining its own ``app`` or
``client`` overrides them.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from pg import Postgres, postgres_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from microroutes import App
from microroutes.testing import Client

__all__ = [
    "ECHO_ROUTE",
    "client_for",
    "environ_for",
    "without_request_id",
    "write_files",
    "wsgi_call",
]

#: A route answering ``{"file": <path relative to pages/>, "params": req.params}``.
ECHO_ROUTE = """\
from pathlib import Path

def handler(req, res):
    return {
        "file": Path(__file__).relative_to(req.app.pages_dir).as_posix(),
        "params": req.params,
    }
"""

SiteFiles = Mapping[str, "str | bytes"]


def write_files(root: Path, files: SiteFiles) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Build a site folder under ``tmp_path``; see the module docstring."""
    count = 0

    def make(files: SiteFiles | None = None, *, pages: bool = True) -> Path:
        nonlocal count
        count += 1
        site = tmp_path / ("site" if count == 1 else f"site{count}")
        site.mkdir()
        if pages:
            (site / "pages").mkdir()
        return write_files(site, files or {})

    return make


@pytest.fixture(scope="module")
def app(site: Path) -> App:
    """One app per module over the module's ``site`` fixture."""
    return App(site)


@pytest.fixture
def client(app: App) -> Client:
    """A validating test client for the module's ``app``."""
    return client_for(app)


def client_for(site_or_app: App | str | Path, **app_options: Any) -> Client:
    """A validating test client for an App, or for a new App on a site folder."""
    app = site_or_app if isinstance(site_or_app, App) else App(site_or_app, **app_options)
    return Client(app)


def environ_for(path: str = "/", **builder_options: Any) -> dict[str, Any]:
    """A WSGI environ for ``path`` built by werkzeug's ``EnvironBuilder``."""
    builder = EnvironBuilder(path=path, **builder_options)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def wsgi_call(
    app: Any, environ: dict[str, Any], *, validate: bool = True
) -> tuple[str, dict[str, str], bytes]:
    """One request through ``wsgiref.validate``: ``(status line, headers, body)``.

    The body is read in full and ``close()`` called, as a server would.
    Repeated header names keep the last value; use the client for those.
    Pass ``validate=False`` for environs the validator itself rejects (a
    malformed ``CONTENT_LENGTH``, for one).
    """
    body, status, headers = run_wsgi_app(
        validator(app) if validate else app, environ, buffered=True
    )
    return status, dict(headers.to_wsgi_list()), b"".join(body)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server of the test session's own, in a temporary folder."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(postgres: Postgres) -> Iterator[str]:
    """The URL of a new, empty database for this test (dropped after it)."""
    with postgres.database() as url:
        yield url


def without_request_id(body: Any) -> Any:
    """A JSON error body (parsed, or bytes/text) with its ``request_id`` checked and dropped.

    Error bodies carry the request's id (``{"error": {..., "request_id": "..."}}``);
    tests comparing a whole body compare the rest with this.
    """
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    error = dict(body["error"])
    request_id = error.pop("request_id")
    assert isinstance(request_id, str), body
    assert request_id, body
    return {**body, "error": error}
