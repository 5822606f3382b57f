"""``microroutes sitemap``: a site's sitemap files and index."""

from __future__ import annotations

import argparse
import sys

from ..app import App
from ._common import add_site

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sitemap`` command."""
    sitemap = commands.add_parser("sitemap", help="write the site's sitemap files and index")
    add_site(sitemap)
    sitemap.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    sitemap.add_argument(
        "--hostname", required=True, help="the site's address, e.g. https://example.com"
    )
    sitemap.add_argument(
        "--base-url", help="where the files will be served from (default: --hostname)"
    )
    sitemap.add_argument("--gzip", action="store_true", help="write .xml.gz files")
    sitemap.set_defaults(run=_sitemap)


def _sitemap(args: argparse.Namespace) -> int:
    from ..sitemap import SitemapError, site_urls, write_sitemaps

    app = App(args.site_dir)
    app.startup()
    try:
        paths = write_sitemaps(
            site_urls(app),
            args.out,
            hostname=args.hostname,
            base_url=args.base_url or args.hostname,
            gzip=args.gzip,
        )
    except (SitemapError, ValueError) as error:
        print(f"microroutes: sitemap: {error}", file=sys.stderr)
        return 1
    finally:
        app.close()
    for path in paths:
        print(path)
    return 0
