"""``/robots.txt``: crawl everything but the JSON API, and where the sitemap is.

A route rather than a file in ``public/`` because the ``Sitemap:`` line needs
the site's absolute address, which depends on where the site is served.
"""

from ._site import base_url

#: For crawlers, not part of the JSON API: left out of the OpenAPI document.
OPENAPI = False

ROBOTS = """\
User-agent: *
Allow: /
Disallow: /api/

Sitemap: {base}/sitemap.xml
"""


def GET(req, res) -> str:
    """Crawl rules and the sitemap's address."""
    return ROBOTS.format(base=base_url(req))
