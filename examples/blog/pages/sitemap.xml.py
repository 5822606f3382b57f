"""``/sitemap.xml``: every page of the site, from the route table, streamed.

The document is written while the posts are read from a cursor, so memory
stays flat however many posts there are. Past 50,000 URLs (the protocol's
limit per file) this becomes a sitemap index of ``/sitemaps/1.xml``,
``/sitemaps/2.xml``, ... (see ``sitemaps/[part].py``).

URLs are absolute: ``$BLOG_BASE_URL`` when set, else taken from the request.
"""

from typing import Annotated

from microroutes import Answer, Response
from microroutes.sitemap import iter_sitemap_index, sitemap_response

from ._site import base_url
from ._sitemaps import XML, entries, file_count, urls_per_file

#: For crawlers, not part of the JSON API: left out of the OpenAPI document.
OPENAPI = False


def GET(req, res) -> Annotated[Response, Answer(media_type=XML)]:
    """The sitemap, or a sitemap index past 50,000 URLs."""
    base = base_url(req)
    per_file = urls_per_file()
    files = file_count(req.app, per_file)
    if files == 1:
        return sitemap_response(entries(req.app), hostname=base)
    parts = (f"{base}/sitemaps/{number}.xml" for number in range(1, files + 1))
    return Response(iter_sitemap_index(parts), content_type="application/xml; charset=utf-8")
