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
    sitemap.add_argument(
        "--max-urls",
        type=_positive,
        default=None,
        metavar="N",
        help="URLs per part (default and most: 50,000)",
    )
    sitemap.add_argument(
        "--part",
        type=_positive,
        metavar="N",
        help="write only part N (sitemap-N.xml), reading only its entries; the index is kept",
    )
    sitemap.set_defaults(run=_sitemap)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, not {text!r}")
    return value


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
    from ..sitemap import MAX_URLS, SitemapError, site_urls, write_sitemaps
    from ..sitemap._values import Origin

    if args.part is not None:
        return _one_part(args)

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
            max_urls=args.max_urls or MAX_URLS,
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


def _one_part(args: argparse.Namespace) -> int:
    """``--part N``: part N alone, from ``site_urls(app, start, stop)``."""
    from pathlib import Path

    from ..sitemap import MAX_URLS, SitemapError, count_site_urls, site_urls, write_sitemap_part
    from ..sitemap._files import part_name

    started = time.monotonic()
    per_part = args.max_urls or MAX_URLS
    app = App(args.site_dir)
    app.startup()
    try:
        parts = max(1, -(-count_site_urls(app) // per_part))
        if args.part > parts:
            print(f"microroutes: sitemap: no part {args.part}; there are {parts}", file=sys.stderr)
            return 1
        start = (args.part - 1) * per_part
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = write_sitemap_part(
            site_urls(app, start, start + per_part),
            out / part_name(args.part, args.gzip),
            hostname=args.hostname,
            gzip=args.gzip,
            max_urls=per_part,
        )
    except (SitemapError, ValueError) as error:
        print(f"microroutes: sitemap: {error}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(path)
    seconds = time.monotonic() - started
    print(
        f"microroutes: sitemap: part {args.part} of {parts} written to {path} in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 0
