"""Hosts in sitemaps are IDNA 2008 with UTS 46 mapping, as browsers and sitemap.js write them."""

from __future__ import annotations

import pytest

from microroutes.sitemap import (
    SitemapError,
    Url,
    iter_sitemap,
    iter_sitemap_index,
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


_LONG_HOST = ".".join(["a" * 63] * 4) + "x"  # 256 characters in labels of 63
_BAD_HOSTS = [
    pytest.param("a..b.example", "an empty label", id="empty-label"),
    pytest.param(".a.example", "an empty label", id="leading-dot"),
    pytest.param("a" * 300 + ".example", "308 characters; the limit is 253", id="300-characters"),
    pytest.param(_LONG_HOST, "256 characters; the limit is 253", id="256-characters"),
    pytest.param("b" * 64 + ".example", "is 64 characters; the limit is 63", id="64-char-label"),
    pytest.param("xn--zz.example", "'xn--zz' is not valid IDNA", id="bad-a-label"),
    pytest.param("xn--.example", "'xn--' is not letters", id="empty-a-label"),
    pytest.param("xn--a.example", "'xn--a' is not valid IDNA", id="a-label-of-a-control"),
    pytest.param("a%00b.example", "'a%00b' is not letters", id="percent-nul"),
    pytest.param("a_b.example", "'a_b' is not letters", id="underscore"),
    pytest.param("-a.example", "'-a' is not letters", id="leading-hyphen"),
    pytest.param("a-.example", "'a-' is not letters", id="trailing-hyphen"),
    pytest.param("a!b.example", "'a!b' is not letters", id="sub-delim"),
    pytest.param("999.1.1.1", "is not a valid IPv4 address", id="bad-ipv4"),
    pytest.param("[zz::g]", "is not a valid IPv6 address", id="bad-ipv6"),
    pytest.param("user:pw@a.example", "carries user information", id="userinfo"),
    pytest.param("@a.example", "carries user information", id="empty-userinfo"),
    pytest.param("a.example:0", "port '0' is not valid", id="port-0"),
    pytest.param("a.example:65536", "port '65536' is not valid", id="port-65536"),
]


@pytest.mark.parametrize(("host", "reason"), _BAD_HOSTS)
def test_malformed_hosts_are_refused_naming_the_entry(host: str, reason: str) -> None:
    loc = f"https://{host}/page"
    with pytest.raises(SitemapError, match=r"^entry 1 ") as caught:
        b"".join(iter_sitemap(["/ok", loc], "https://b.example"))
    assert reason in str(caught.value)
    assert repr(loc) in str(caught.value)  # the entry, by its loc


@pytest.mark.parametrize(("host", "reason"), _BAD_HOSTS)
def test_malformed_hosts_are_refused_as_hostname(host: str, reason: str) -> None:
    with pytest.raises(SitemapError) as caught:
        b"".join(iter_sitemap(["/ok"], f"https://{host}"))
    assert reason in str(caught.value)


@pytest.mark.parametrize(("host", "reason"), _BAD_HOSTS)
def test_malformed_hosts_on_other_sites_are_refused_too(host: str, reason: str) -> None:
    """Image, alternate and index locs may be on any host, but it must be a valid one."""
    loc = f"https://{host}/p.png"
    for entry in (Url("/a", images=[loc]), Url("/a", alternates={"de": loc})):
        with pytest.raises(SitemapError, match=r"^entry 0 ") as caught:
            b"".join(iter_sitemap([entry], "https://b.example"))
        assert reason in str(caught.value)
    with pytest.raises(SitemapError, match=reason):
        b"".join(iter_sitemap_index([loc]))


@pytest.mark.parametrize(("host", "reason"), _BAD_HOSTS)
def test_the_parser_refuses_malformed_hosts(host: str, reason: str) -> None:
    document = f"{URLSET}<url><loc>https://{host}/a</loc></url></urlset>".encode()
    with pytest.raises(SitemapError, match=r"^entry 0 ") as caught:
        list(parse_sitemap(document))
    assert reason in str(caught.value)
    assert list(parse_sitemap(document, on_error="skip")) == []


@pytest.mark.parametrize(
    ("host", "written"),
    [
        ("a.example:8080", "a.example:8080"),
        ("A.Example:443", "a.example"),
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1:8000", "127.0.0.1:8000"),
        ("[::1]", "[::1]"),
        ("[2001:DB8::1]:8443", "[2001:db8::1]:8443"),
        ("localhost", "localhost"),
        ("a-b--c.example", "a-b--c.example"),
        ("xn--fa-hia.de", "xn--fa-hia.de"),
        ("XN--FA-HIA.DE", "xn--fa-hia.de"),
        ("c" * 63 + ".example", "c" * 63 + ".example"),
        (".".join(["d" * 63] * 3) + "." + "e" * 61, ".".join(["d" * 63] * 3) + "." + "e" * 61),
        ("4chan.example", "4chan.example"),
        ("a.b.123x", "a.b.123x"),
    ],
)
def test_well_formed_hosts_are_kept(host: str, written: str) -> None:
    assert normalise_url(f"https://{host}/p").loc == f"https://{written}/p"
    image = normalise_url(Url("/a", images=[f"https://{host}/i.png"]), "https://b.example")
    assert image.images[0].loc == f"https://{written}/i.png"
