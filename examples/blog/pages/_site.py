"""The site's public address, for the absolute URLs in sitemap.xml and robots.txt."""

from __future__ import annotations

import os
import re

from microroutes import BadRequest, Request
from microroutes.sitemap import SitemapError, normalise_url

#: ``host`` or ``host:port`` (a name, an IPv4 or a bracketed IPv6 address).
_HOST = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


def base_url(req: Request) -> str:
    """``$BLOG_BASE_URL`` (such as ``https://blog.example.com``) when set, else from the request.

    Set ``BLOG_BASE_URL`` in production: without it the address comes from
    the client's ``Host`` header. A ``Host`` that cannot make a valid URL is a 400.
    """
    configured = os.environ.get("BLOG_BASE_URL")
    if configured:
        return configured.rstrip("/")
    host = req.headers.get("Host") or _server_host(req)
    scheme = req.environ.get("wsgi.url_scheme", "http")
    base = f"{scheme}://{host.lower()}"
    if _HOST.fullmatch(host):
        try:
            normalise_url("/", hostname=base)
        except SitemapError:
            pass
        else:
            return base
    raise BadRequest(f"the Host header is not a valid host name: {host[:80]!r}")


def _server_host(req: Request) -> str:
    environ = req.environ
    name, port = environ.get("SERVER_NAME", "localhost"), environ.get("SERVER_PORT", "")
    default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    return name if port in ("", default) else f"{name}:{port}"
