"""Hosts in sitemaps are IDNA 2008 with UTS 46 mapping, as browsers and sitemap.js write them."""

from __future__ import annotations

import pytest

from microroutes.sitemap import (
    SitemapError,
    Url,
    iter_sitemap,
    normalise_url,
    parse_sitemap,
    parse_sitemap_index,
)

URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


@pytest.mark.parametrize(
    ("hostname", "written"),
    [
        ("https://faß.de", "https://xn--fa-hia.de/"),  # IDNA 2003 would give fass.de
        ("FAß.de", "https://xn--fa-hia.de/"),  # a bare host, upper case mapped by UTS 46
        ("https://Bücher.example:8443", "https://xn--bcher-kva.example:8443/"),
        ("http://ドメイン.テスト", "http://xn--eckwd4c7c.xn--zckzah/"),
        ("https://xn--fa-hia.de", "https://xn--fa-hia.de/"),
    ],
)
def test_the_writer_encodes_hosts_with_idna_2008(hostname: str, written: str) -> None:
    data = b"".join(iter_sitemap([Url("/")], hostname))
    assert f"<loc>{written}</loc>".encode() in data


def test_an_absolute_loc_on_an_idn_host_matches_its_hostname() -> None:
    data = b"".join(iter_sitemap(["https://faß.de/straße"], "https://xn--fa-hia.de"))
    assert b"<loc>https://xn--fa-hia.de/stra%C3%9Fe</loc>" in data


@pytest.mark.parametrize("host", ["a\u200db.example", "-bäd-.example", "faß..de"])
def test_hosts_idna_2008_refuses_are_errors(host: str) -> None:
    with pytest.raises(SitemapError, match="is not a valid domain name"):
        normalise_url(f"https://{host}/")


def test_the_parser_encodes_hosts_with_idna_2008() -> None:
    document = f"{URLSET}<url><loc>https://faß.de/a</loc></url></urlset>".encode()
    assert [url.loc for url in parse_sitemap(document)] == ["https://xn--fa-hia.de/a"]
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>https://faß.de/s.xml</loc></sitemap></sitemapindex>"
    ).encode()
    assert [entry.loc for entry in parse_sitemap_index(index)] == ["https://xn--fa-hia.de/s.xml"]
