"""Serving a sitemap from a route as a streamed response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..response import Response
from ._model import UrlLike
from ._writer import OnError, iter_sitemap

__all__ = ["CONTENT_TYPE", "sitemap_response"]

CONTENT_TYPE = "application/xml; charset=utf-8"


def sitemap_response(
    urls: Iterable[UrlLike],
    hostname: str | None = None,
    *,
    xsl: str | None = None,
    on_error: OnError = "raise",
    namespaces: Iterable[str] = (),
    headers: Iterable[tuple[str, str]] | None = None,
    max_urls: int | None = None,
    max_bytes: int | None = None,
) -> Response:
    """A 200 :class:`~microroutes.response.Response` streaming :func:`iter_sitemap`'s chunks.

    The first chunk is rendered before returning, so an error in the first
    entries (a bad hostname, an invalid URL) is raised in the handler and
    becomes an error response; a later one can only cut the stream short,
    as headers have been sent by then. Arguments are those of
    :func:`iter_sitemap`; ``headers`` adds response headers (``Cache-Control``...).
    """
    chunks = iter_sitemap(
        urls,
        hostname,
        xsl=xsl,
        on_error=on_error,
        namespaces=namespaces,
        max_urls=max_urls,
        max_bytes=max_bytes,
    )
    first = next(chunks)
    return Response(_resumed(first, chunks), headers=headers, content_type=CONTENT_TYPE)


def _resumed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """``first`` then ``rest``; closing this generator closes ``rest`` too."""
    yield first
    yield from rest
