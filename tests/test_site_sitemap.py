"""A site's sitemap from its route table: site_urls, page_urls and `microroutes sitemap`."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sitemap_schemas import URLSET_SCHEMA

from microroutes import App, SiteError
from microroutes.cli import main
from microroutes.sitemap import page_urls, parse_sitemap, site_urls

PAGE = "def GET(req, res):\n    return 'page'\n"


@pytest.fixture
def site(make_site) -> Path:
    return make_site(
        {
            "pages/index.py": PAGE + "SITEMAP = {'changefreq': 'daily', 'priority': 1.0}\n",
            "pages/about.py": PAGE,
            "pages/(marketing)/pricing.py": PAGE,
            "pages/drafts.py": PAGE + "SITEMAP = False\n",
            "pages/write-only.py": "def POST(req, res):\n    return {}\n",
            "pages/api/posts.py": PAGE,
            "pages/robots.txt.py": PAGE,
            "pages/_private.py": PAGE,
            "pages/docs/[...slug].py": PAGE,
            "pages/tags/[tag].py": (
                PAGE + "def sitemap(app):\n"
                "    for tag in ('python', 'wsgi'):\n"
                "        yield {'loc': f'/tags/{tag}', 'changefreq': 'weekly'}\n"
            ),
            "pages/news.py": PAGE + "def sitemap(app):\n    yield '/news?page=1'\n",
        }
    )


def test_page_urls_lists_static_pages_only(site: Path) -> None:
    assert list(page_urls(App(site))) == [
        {"loc": "/", "changefreq": "daily", "priority": 1.0},
        {"loc": "/about"},
        {"loc": "/pricing"},
    ]


def test_site_urls_adds_what_each_sitemap_function_yields(site: Path) -> None:
    assert list(site_urls(App(site)))[3:] == [
        "/news?page=1",
        {"loc": "/tags/python", "changefreq": "weekly"},
        {"loc": "/tags/wsgi", "changefreq": "weekly"},
    ]


def test_sitemap_functions_get_the_app_and_are_read_lazily(make_site) -> None:
    site = make_site(
        {
            "pages/items/[id].py": (
                PAGE + "CONSUMED = []\n"
                "def sitemap(app):\n"
                "    for number in range(1_000_000):\n"
                "        CONSUMED.append(number)\n"
                "        yield f'/items/{number}?site={app.site_dir.name}'\n"
            )
        }
    )
    entries = site_urls(App(site))
    assert next(entries) == f"/items/0?site={site.name}"
    assert next(entries) == "/items/1?site=" + site.name
    entries.close()


def test_a_bad_sitemap_setting_names_the_file(make_site) -> None:
    site = make_site({"pages/about.py": PAGE + "SITEMAP = {'colour': 'red'}\n"})
    with pytest.raises(SiteError, match=r"about\.py: SITEMAP must be"):
        list(site_urls(App(site)))


def test_sitemap_command_writes_valid_files_and_an_index(site: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    status = main(["sitemap", str(site), "--out", str(out), "--hostname", "https://example.com"])
    assert status == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "sitemap-1.xml"), str(out / "sitemap-index.xml")]
    URLSET_SCHEMA.assertValid(etree.parse(str(out / "sitemap-1.xml")))
    with open(out / "sitemap-1.xml", "rb") as file:
        locs = [url.loc for url in parse_sitemap(file)]
    assert locs == [
        "https://example.com/",
        "https://example.com/about",
        "https://example.com/pricing",
        "https://example.com/news?page=1",
        "https://example.com/tags/python",
        "https://example.com/tags/wsgi",
    ]
    index = (out / "sitemap-index.xml").read_text()
    assert "<loc>https://example.com/sitemap-1.xml</loc>" in index


def test_sitemap_command_reports_bad_entries(make_site, tmp_path: Path, capsys) -> None:
    site = make_site(
        {"pages/x/[id].py": PAGE + "def sitemap(app):\n    yield {'loc': '/x/1', 'priority': 7}\n"}
    )
    status = main(["sitemap", str(site), "--out", str(tmp_path / "o"), "--hostname", "https://e.x"])
    assert status == 1
    assert "priority" in capsys.readouterr().err


def test_a_bad_sitemap_setting_fails_at_start_up(make_site) -> None:
    site = make_site({"pages/about.py": PAGE + "SITEMAP = 'yes'\n"})
    app = App(site)
    with pytest.raises(SiteError, match=r"about\.py: SITEMAP must be"):
        app.load_all()


def test_a_sitemap_that_is_not_a_function_names_the_file(make_site) -> None:
    site = make_site({"pages/about.py": PAGE + "sitemap = ['/a']\n"})
    with pytest.raises(SiteError, match=r"about\.py: sitemap must be a function"):
        App(site).load_all()
