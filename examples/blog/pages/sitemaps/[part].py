"""``/sitemaps/<n>.xml``: part ``n`` of a sitemap too big for one file.

``/sitemap.xml`` lists these parts when the site has more than 50,000 URLs
(or more than ``$BLOG_SITEMAP_SIZE``). Each part streams its slice of the
posts from a database cursor.
"""

import re
from typing import Annotated

from microroutes import Answer, NotFound, Response
from microroutes.sitemap import sitemap_response

from .._site import base_url
from .._sitemaps import XML, entries, file_count, urls_per_file

#: For crawlers, not part of the JSON API: left out of the OpenAPI document.
OPENAPI = False

_PART = re.compile(r"([1-9][0-9]{0,5})\.xml")


def GET(req, res, part: str) -> Annotated[Response, Answer(media_type=XML)]:
    """One part of the sitemap."""
    found = _PART.fullmatch(part)
    if found is None:
        raise NotFound("no such sitemap; parts are named 1.xml, 2.xml, ...")
    number = int(found.group(1))
    per_file = urls_per_file()
    files = file_count(req.app, per_file)
    if number > files:
        raise NotFound(f"no such sitemap; there are {files} parts")
    start = (number - 1) * per_file
    return sitemap_response(entries(req.app, start, start + per_file), hostname=base_url(req))
