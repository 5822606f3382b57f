"""The public route table: what each route file answers, for tools and documents.

``App.routes()`` returns one :class:`RouteInfo` per route file; the
``microroutes routes`` command, the sitemap helpers and the OpenAPI document
read the site through it rather than through the loader's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .methods import Handler
from .routing import RouteKind
from .typed import HandlerSignature

__all__ = ["RouteInfo"]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route of a site, its file imported."""

    #: The URL pattern, e.g. ``/api/post/[uid]``.
    pattern: str
    #: What the pattern matches: static, dynamic, catch-all or optional catch-all.
    kind: RouteKind
    #: The route file, relative to ``pages/``.
    file: str
    #: The path parameters' names, in order.
    params: tuple[str, ...]
    #: The methods the ``Allow`` header lists, in its order.
    methods: tuple[str, ...]
    #: The ``_middleware.py`` files wrapping the route, outermost first.
    middleware: tuple[str, ...]
    #: The function answering each method (see :meth:`MethodTable.handlers`).
    handlers: Mapping[str, Handler]
    #: The imported route module.
    module: ModuleType
    #: The route's body limit in bytes (``None``: no limit).
    max_body_size: int | None
    #: The page's sitemap entry fields (``SITEMAP``), or ``None`` when it opts out.
    sitemap_fields: Mapping[str, Any] | None
    #: The module's ``sitemap(app)`` function, if it defines one.
    sitemap_function: Callable[..., Iterable[Any]] | None
    #: What each handler's annotations declare, with the same keys as :attr:`handlers`;
    #: each holds the user's function as written (``handlers`` may hold wrappers).
    signatures: Mapping[str, HandlerSignature]
    #: The imported ``_middleware.py`` modules of :attr:`middleware`, in the same order.
    middleware_modules: tuple[ModuleType, ...] = ()
