"""What a route file may define, read and checked once when it is imported.

A route module may define:

* ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``, ``HEAD``, ``OPTIONS``:
  the function answering that method;
* ``handler``: the function answering every standard method without an export
  (``@handles(...)`` narrows it);
* ``MAX_BODY_SIZE``: its body limit in bytes, or ``None`` for no limit;
* ``PROBLEM_LIMITS``: a :class:`~microroutes.ProblemLimits` for its handlers' 422s;
* ``SITEMAP``: ``False`` to leave a page out of the sitemap, or a mapping of
  the page's entry fields;
* ``sitemap(app)``: a function yielding the sitemap entries it answers.

Everything else in the module is the route's own business. This module is the
one place those names are read; a mistake is a :class:`SiteError` naming the file.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .asyncio_bridge import bridge_handler, is_async_callable
from .errors import SiteError
from .methods import HTTP_METHODS, Handler, MethodTable
from .providers import Providers, bind_providers
from .response import to_response
from .returns import Responder, answering, typed_responder
from .typed import (
    DEFAULT_PROBLEM_LIMITS,
    HandlerSignature,
    ProblemLimits,
    bind_handler,
    read_returns,
)

if TYPE_CHECKING:
    from .routing import Route

__all__ = [
    "BODY_LIMIT_SETTING",
    "FALLBACK_HANDLER",
    "PROBLEM_LIMITS_SETTING",
    "SITEMAP_FIELDS",
    "SITEMAP_FUNCTION",
    "SITEMAP_SETTING",
    "LoadedRoute",
    "RouteDefaults",
    "route_loader",
]

#: The function answering every standard method without an export.
FALLBACK_HANDLER = "handler"
#: The route's body limit in bytes (``None``: no limit).
BODY_LIMIT_SETTING = "MAX_BODY_SIZE"
#: The route's :class:`~microroutes.ProblemLimits`.
PROBLEM_LIMITS_SETTING = "PROBLEM_LIMITS"
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


@dataclass(frozen=True)
class RouteDefaults:
    """What a route module gets from its app unless it sets its own."""

    #: The body limit in bytes (``None``: no limit); a route's ``MAX_BODY_SIZE`` wins.
    max_body_size: int | None
    #: Bounds on the problems a 422 lists; a route's ``PROBLEM_LIMITS`` wins.
    problem_limits: ProblemLimits = DEFAULT_PROBLEM_LIMITS
    #: Typed JSON bodies may carry keys no field takes.
    allow_unknown_fields: bool = False
    #: The site's providers (``pages/_app.py`` is read on first need).
    providers: Callable[[], Providers | None] = lambda: None


def route_loader(
    route: Route,
    defaults: RouteDefaults,
) -> Callable[[ModuleType, str], LoadedRoute]:
    """Reads what the module of ``route`` defines, with the app's ``defaults``."""

    def load(module: ModuleType, file: str) -> LoadedRoute:
        limits = _problem_limits(module, file, defaults.problem_limits)
        table, signatures = _method_table(module, file, route.params, limits, defaults)
        return LoadedRoute(
            table=table,
            max_body_size=_body_limit(module, file, defaults.max_body_size),
            sitemap_fields=_sitemap_fields(module, file),
            sitemap_function=_sitemap_function(module, file),
            module=module,
            signatures=signatures,
        )

    return load


def _method_table(
    module: ModuleType,
    file: str,
    params: tuple[str, ...],
    limits: ProblemLimits,
    defaults: RouteDefaults,
) -> tuple[MethodTable, dict[str, HandlerSignature]]:
    exports: dict[str, Handler] = {}
    signatures: dict[str, HandlerSignature] = {}
    for method in HTTP_METHODS:
        function = getattr(module, method, None)
        if function is not None:
            exports[method], signatures[method] = _handler(
                function, f"{file}: {method}", file, params, limits, defaults
            )
    fallback: Handler | None = None
    function = getattr(module, FALLBACK_HANDLER, None)
    if function is not None:
        fallback, signatures[FALLBACK_HANDLER] = _handler(
            function, f"{file}: {FALLBACK_HANDLER}", file, params, limits, defaults
        )
    _refuse_miscased_exports(module, file, exports)
    if not exports and fallback is None:
        raise SiteError(_no_handler_message(module, file))
    return MethodTable.build(exports, fallback), signatures


def _handler(
    function: object,
    where: str,
    file: str,
    params: tuple[str, ...],
    limits: ProblemLimits,
    defaults: RouteDefaults,
) -> tuple[Handler, HandlerSignature]:
    """The handler serving ``function`` (an export of ``file``), and what it declares.

    Its parameters are provided and decoded, an ``async def`` is run, and a
    JSON return annotation converts and encodes what it returns.
    """
    respond = typed_responder(read_returns(function, where), where)
    provided = _with_providers(function, where, file, params, defaults.providers, respond)
    # A provider wrapper answers through respond itself; a plain synchronous handler's
    # binding calls it in the same call; an async handler's answer is awaited first.
    inline = provided is function and not is_async_callable(function)
    handler, signature = bind_handler(
        provided,
        where,
        params,
        limits,
        allow_unknown_fields=defaults.allow_unknown_fields,
        respond=respond if inline else None,
    )
    served = bridge_handler(handler, where)
    if respond is not None and provided is function and not inline:
        served = answering(served, respond, where, signature.function)
    return served, signature


def _with_providers(
    function: object,
    where: str,
    file: str,
    params: tuple[str, ...],
    providers: Callable[[], Providers | None],
    respond: Responder | None,
) -> object:
    """``function``, wrapped to get its provider parameters when it asks for any."""
    code = getattr(inspect.unwrap(function) if callable(function) else function, "__code__", None)
    if code is not None and code.co_argcount + code.co_kwonlyargcount <= 2:
        return function  # only (req, res): nothing to provide, no _app.py to read
    return bind_providers(function, where, file, params, providers(), respond or to_response)


def _own_functions(module: ModuleType) -> list[str]:
    """The public functions the module itself defines (not imported ones), in name order."""
    return sorted(
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__ == module.__name__
    )


def _refuse_miscased_exports(module: ModuleType, file: str, exports: Mapping[str, Any]) -> None:
    """``def get`` or ``def Post`` where ``GET`` or ``POST`` is meant: methods are upper case."""
    for name in _own_functions(module):
        method = name.upper()
        if method in HTTP_METHODS and name != method and method not in exports:
            raise SiteError(
                f"{file}: {name}() is not a method export: did you mean {method}? "
                f"Method exports are upper case (def {method}(req, res)); rename a helper "
                f"that is not one to _{name}"
            )


def _no_handler_message(module: ModuleType, file: str) -> str:
    """Says what the module defines instead, with the export each near-miss was likely meant as."""
    candidates = (*HTTP_METHODS, FALLBACK_HANDLER)
    described: list[str] = []
    for name in _own_functions(module):
        close = difflib.get_close_matches(name.upper(), candidates, n=1, cutoff=0.75)
        close = close or difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        described.append(f"{name}(){hint}")
    names = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and not inspect.isfunction(value)
        and getattr(value, "__module__", module.__name__) == module.__name__
    ]
    described.extend(sorted(names))
    defines = f"it defines {', '.join(described)}" if described else "it defines nothing public"
    return f"{file}: no handler ({defines}); define GET, POST, ... or handler(req, res)"


def _body_limit(module: ModuleType, file: str, default: int | None) -> int | None:
    limit: object = getattr(module, BODY_LIMIT_SETTING, default)
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise SiteError(f"{file}: {BODY_LIMIT_SETTING} must be a byte count or None, got {limit!r}")
    return limit


def _problem_limits(module: ModuleType, file: str, default: ProblemLimits) -> ProblemLimits:
    limits: object = getattr(module, PROBLEM_LIMITS_SETTING, default)
    if not isinstance(limits, ProblemLimits):
        raise SiteError(f"{file}: {PROBLEM_LIMITS_SETTING} must be a ProblemLimits, got {limits!r}")
    return limits


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
