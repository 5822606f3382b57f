"""The example blog in a real browser: headless Chromium shows its error pages in its look."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, chromium, chromium_path
from servers import Server, running

BLOG = Path(__file__).resolve().parent.parent / "examples" / "blog"


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()  # skip before starting a server for nothing
    db = tmp_path_factory.mktemp("blog_browser") / "blog.sqlite3"
    env = {"BLOG_DB": str(db), "BLOG_BASE_URL": None, "BLOG_SITEMAP_SIZE": None}
    with running("serve", str(BLOG), env=env) as server:
        yield server


@pytest.fixture(scope="module")
def browser(blog: Server) -> Iterator[Browser]:
    with chromium() as running_browser:
        yield running_browser


#: What the page shows, read in the browser: the layout's elements and computed styles
#: that only public/style.css sets.
LOOK = """JSON.stringify({
    title: document.title,
    heading: document.querySelector("main h1")?.textContent,
    site: document.querySelector("header a.site")?.textContent,
    footer: !!document.querySelector("footer a[href='/sitemap.xml']"),
    stylesheets: Array.from(document.styleSheets, sheet => sheet.href),
    rules: Array.from(document.styleSheets, sheet => sheet.cssRules.length),
    maxWidth: getComputedStyle(document.body).maxWidth,
    background: getComputedStyle(document.body).backgroundColor,
    siteWeight: getComputedStyle(document.querySelector("header a.site")).fontWeight,
})"""


def test_a_missing_post_shows_the_blog_s_404_page_in_its_look(
    blog: Server, browser: Browser
) -> None:
    visit = browser.visit(blog.url + "/posts/no-such-post")
    assert visit.status == 404
    look = json.loads(visit.evaluate(LOOK))
    assert look["title"] == "No such post · The microroutes blog"
    assert look["heading"] == "No such post"
    assert look["site"] == "The microroutes blog"
    assert look["footer"] is True
    assert look["stylesheets"] == [blog.url + "/style.css"]
    assert look["rules"][0] > 0  # the stylesheet loaded and parsed
    # Set by style.css only: 42rem, the --paper colour, a bold site name.
    assert look["maxWidth"] == "672px"
    assert look["background"] == "rgb(253, 253, 251)"
    assert look["siteWeight"] == "700"


def test_a_home_page_and_an_error_page_look_alike(blog: Server, browser: Browser) -> None:
    home = browser.visit(blog.url + "/")
    refused = browser.visit(blog.url + "/?page=0")
    assert (home.status, refused.status) == (200, 422)
    home_look = json.loads(home.evaluate(LOOK))
    error_look = json.loads(refused.evaluate(LOOK))
    assert error_look["heading"] == "Error 422"
    for key in ("site", "footer", "stylesheets", "maxWidth", "background", "siteWeight"):
        assert error_look[key] == home_look[key], key
