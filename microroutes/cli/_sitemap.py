"""``microroutes sitemap``: a site's sitemap files and index."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from ..app import App
from ._common import add_site

__all__ = ["ProgressLine", "register"]

#: The least time between two progress updates on the terminal, in seconds.
_REFRESH = 0.2


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sitemap`` command."""
    sitemap = commands.add_parser("sitemap", help="write the site's sitemap files and index")
    add_site(sitemap)
    sitemap.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    sitemap.add_argument(
        "--hostname",
        required=True,
        help="the site's address: https://example.com, or a bare host (https)",
    )
    sitemap.add_argument(
        "--base-url", help="where the files will be served from (default: --hostname)"
    )
    sitemap.add_argument("--gzip", action="store_true", help="write .xml.gz files")
    sitemap.set_defaults(run=_sitemap)


class ProgressLine:
    """Shows URLs written, their rate and the parts so far on one rewritten terminal line."""

    def __init__(self, stream: TextIO, started: float) -> None:
        self._stream = stream
        self._started = started
        self._shown = 0.0
        self._width = 0

    def __call__(self, urls: int, parts: int) -> None:
        now = time.monotonic()
        if now - self._shown < _REFRESH:
            return
        self._shown = now
        rate = urls / max(now - self._started, 1e-9)
        text = f"microroutes: sitemap: {urls:,} URLs, {rate:,.0f} URLs/s, {_parts(parts)}"
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        """Erase the line, if anything was shown."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()


def _parts(count: int) -> str:
    return f"{count:,} part" + ("" if count == 1 else "s")


def _sitemap(args: argparse.Namespace) -> int:
    from ..sitemap import SitemapError, site_urls, write_sitemaps
    from ..sitemap._values import Origin

    started = time.monotonic()
    counts = [0, 0]
    show = ProgressLine(sys.stderr, started) if sys.stderr.isatty() else None

    def progress(urls: int, parts: int) -> None:
        counts[:] = [urls, parts]
        if show is not None:
            show(urls, parts)

    app = App(args.site_dir)
    app.startup()
    try:
        # A bare host names an https site, for --base-url's default too.
        base_url = args.base_url or Origin.parse(args.hostname).prefix
        paths = write_sitemaps(
            site_urls(app),
            args.out,
            hostname=args.hostname,
            base_url=base_url,
            gzip=args.gzip,
            progress=progress,
        )
    except (SitemapError, ValueError) as error:
        if show is not None:
            show.clear()
        print(f"microroutes: sitemap: {error}", file=sys.stderr)
        return 1
    finally:
        app.close()
    if show is not None:
        show.clear()
    for path in paths:
        print(path)
    seconds = time.monotonic() - started
    urls, parts = counts
    print(
        f"microroutes: sitemap: {urls:,} URLs in {_parts(parts)} and the index, "
        f"written to {args.out} in {seconds:.1f} s ({urls / max(seconds, 1e-9):,.0f} URLs/s)",
        file=sys.stderr,
    )
    return 0
