"""sitemap_response: a route serving a streamed sitemap through WSGI."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sitemap_schemas import URLSET_SCHEMA

from microroutes import App, Response
from microroutes.sitemap import SitemapError, Url, parse_sitemap, sitemap_response
from microroutes.testing import Client

ROUTE = """
from microroutes.sitemap import Url, sitemap_response


def GET(req, res):
    count = int(req.query.get("count", "3"))
    urls = (Url(f"/posts/{number}", priority=0.5) for number in range(count))
    return sitemap_response(urls, "https://example.com", headers={"Cache-Control": "max-age=60"})
"""


@pytest.fixture
def client(tmp_path: Path) -> Client:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "sitemap.xml.py").write_text(ROUTE)
    return Client(App(tmp_path))


def test_a_route_streams_a_valid_sitemap(client: Client) -> None:
    response = client.get("/sitemap.xml?count=5000")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Cache-Control"] == "max-age=60"
    assert "Content-Length" not in response.headers  # streamed, not buffered
    URLSET_SCHEMA.assertValid(etree.fromstring(response.data))
    locs = [url.loc for url in parse_sitemap(response.data)]
    assert locs == [f"https://example.com/posts/{number}" for number in range(5000)]


def test_head_sends_no_body(client: Client) -> None:
    response = client.head("/sitemap.xml")
    assert response.status_code == 200
    assert response.data == b""


def test_the_body_is_an_iterable_of_chunks() -> None:
    response = sitemap_response((f"/p/{number}" for number in range(3000)), "example.com")
    assert isinstance(response, Response)
    assert response.content_type == "application/xml; charset=utf-8"
    assert not isinstance(response.body, bytes)
    chunks = list(response.body)
    assert len(chunks) > 2
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert b"".join(chunks).count(b"<url>") == 3000


def test_an_error_in_the_first_entries_is_raised_in_the_handler() -> None:
    with pytest.raises(SitemapError, match=r"entry 1 \('/b'\): priority 3"):
        sitemap_response(["/a", Url("/b", priority=3)], "example.com")
