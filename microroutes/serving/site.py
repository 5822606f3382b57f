"""Loading a site for serving: the same checks and the same WSGI stack on every server."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..app import HOOKS_FILE, App
from ..response import StartResponse
from .access_log import AccessLog
from .options import ServeOptions
from .startup import check_site_folder, describe_hook_error

__all__ = ["WSGIApp", "load_site", "start_app", "wsgi_stack"]

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def load_site(options: ServeOptions) -> App:
    """The site's :class:`App` with every route and middleware file imported.

    :raises StartupError: the site folder is missing or has no ``pages/``.
    :raises SiteError: a route or middleware file is broken (each one is named).
    """
    app = App(check_site_folder(options.site_dir))
    app.load_all()
    return app


def start_app(app: App) -> None:
    """Run ``pages/_app.py``'s ``startup(app)``; a failure is a :class:`StartupError`."""
    try:
        app.startup()
    except Exception as error:
        raise describe_hook_error(error, app.pages_dir / HOOKS_FILE) from error


def wsgi_stack(app: App, options: ServeOptions) -> WSGIApp:
    """``app`` wrapped as the options ask (the access log)."""
    if options.access_log:
        return AccessLog(app, log_format=options.access_log_format)
    return app
