"""What a route file may define, read and checked once when it is imported.

A route module may define:

* ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``, ``HEAD``, ``OPTIONS``:
  the function answering that method;
* ``handler``: the function answering every standard method without an export
  (``@handles(...)`` narrows it);
* ``MAX_BODY_SIZE``: its body limit in bytes, or ``None`` for no limit;
* ``SITEMAP``: ``False`` to leave a page out of the sitemap, or a mapping of
  the page's entry fields;
* ``sitemap(app)``: a function yielding the sitemap entries it answers.

Everything else in the module is the route's own business. This module is the
one place those names are read; a mistake is a :class:`SiteError` naming the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .asyncio_bridge import bridge_handler
from .errors import SiteError
from .methods import HTTP_METHODS, Handler, MethodTable
from .typed import HandlerSignature, bind_handler

if TYPE_CHECKING:
    from .routing import Route

__all__ = [
    "BODY_LIMIT_SETTING",
    "FALLBACK_HANDLER",
    "SITEMAP_FIELDS",
    "SITEMAP_FUNCTION",
    "SITEMAP_SETTING",
    "LoadedRoute",
    "route_loader",
]

#: The function answering every standard method without an export.
FALLBACK_HANDLER = "handler"
#: The route's body limit in bytes (``None``: no limit).
BODY_LIMIT_SETTING = "MAX_BODY_SIZE"
#: ``False`` to leave a page out of the sitemap, or a mapping of :data:`SITEMAP_FIELDS`.
SITEMAP_SETTING = "SITEMAP"
#: The function yielding a route's sitemap entries: ``sitemap(app)``.
SITEMAP_FUNCTION = "sitemap"
#: The entry fields a page's ``SITEMAP`` mapping may give.
SITEMAP_FIELDS = frozenset({"lastmod", "changefreq", "priority", "images", "alternates"})


@dataclass(frozen=True, slots=True)
class LoadedRoute:
    """What a route module provides once imported."""

    #: Handlers by method.
    table: MethodTable
    #: Body limit in bytes (``None``: no limit).
    max_body_size: int | None
    #: The page's sitemap entry fields, or ``None`` when ``SITEMAP`` leaves it out.
    sitemap_fields: Mapping[str, Any] | None
    #: ``sitemap(app)``, yielding the entries the route answers, if defined.
    sitemap_function: Callable[..., Iterable[Any]] | None
    #: The module itself.
    module: ModuleType
    #: What each handler declares, by export name (``GET``, ..., ``handler``).
    signatures: Mapping[str, HandlerSignature]

    def signature(self, method: str) -> HandlerSignature:
        """What the function answering ``method`` declares (``HEAD`` falls back to ``GET``)."""
        found = self.signatures.get(method)
        if found is None and method == "HEAD":
            found = self.signatures.get("GET")
        return found or self.signatures[FALLBACK_HANDLER]


def route_loader(
    route: Route, default_limit: int | None
) -> Callable[[ModuleType, str], LoadedRoute]:
    """Reads what the module of ``route`` defines; ``default_limit`` is the app's body limit."""

    def load(module: ModuleType, file: str) -> LoadedRoute:
        table, signatures = _method_table(module, file, route.params)
        return LoadedRoute(
            table=table,
            max_body_size=_body_limit(module, file, default_limit),
            sitemap_fields=_sitemap_fields(module, file),
            sitemap_function=_sitemap_function(module, file),
            module=module,
            signatures=signatures,
        )

    return load


def _method_table(
    module: ModuleType, file: str, params: tuple[str, ...]
) -> tuple[MethodTable, dict[str, HandlerSignature]]:
    exports: dict[str, Handler] = {}
    signatures: dict[str, HandlerSignature] = {}
    for method in HTTP_METHODS:
        function = getattr(module, method, None)
        if function is not None:
            where = f"{file}: {method}"
            handler, signatures[method] = bind_handler(function, where, params)
            exports[method] = bridge_handler(handler)
    fallback: Handler | None = None
    function = getattr(module, FALLBACK_HANDLER, None)
    if function is not None:
        where = f"{file}: {FALLBACK_HANDLER}"
        handler, signatures[FALLBACK_HANDLER] = bind_handler(function, where, params)
        fallback = bridge_handler(handler)
    if not exports and fallback is None:
        raise SiteError(f"{file}: no handler; define GET, POST, ... or handler(req, res)")
    return MethodTable.build(exports, fallback), signatures


def _body_limit(module: ModuleType, file: str, default: int | None) -> int | None:
    limit: object = getattr(module, BODY_LIMIT_SETTING, default)
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise SiteError(f"{file}: {BODY_LIMIT_SETTING} must be a byte count or None, got {limit!r}")
    return limit


def _sitemap_fields(module: ModuleType, file: str) -> Mapping[str, Any] | None:
    value = getattr(module, SITEMAP_SETTING, True)
    if value is True:
        return {}
    if value is False or value is None:
        return None
    if isinstance(value, Mapping) and set(value) <= SITEMAP_FIELDS:
        return value
    raise SiteError(
        f"{file}: {SITEMAP_SETTING} must be True, False or a mapping of "
        f"{', '.join(sorted(SITEMAP_FIELDS))}; got {value!r}"
    )


def _sitemap_function(module: ModuleType, file: str) -> Callable[..., Iterable[Any]] | None:
    function = getattr(module, SITEMAP_FUNCTION, None)
    if function is not None and not callable(function):
        raise SiteError(f"{file}: {SITEMAP_FUNCTION} must be a function sitemap(app)")
    return function
