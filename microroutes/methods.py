"""Method switching: which function answers which HTTP method.

A route module exports ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``,
``HEAD`` or ``OPTIONS`` functions, and/or one ``handler(req, res)`` for every
standard method without an export (extension methods need :func:`handles`).
``HEAD`` falls back to ``GET`` with the body dropped, ``OPTIONS`` answers 204
with ``Allow``, and a 405 always carries ``Allow``. Methods are compared as
sent: they are case-sensitive.

For ``handler``-style files, :func:`handles` declares the methods a handler
takes (the app then answers 405/``OPTIONS`` itself), and :func:`allow` does
the same check inline, which suits a ``match req.method`` block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .errors import Halt, MethodNotAllowed

if TYPE_CHECKING:
    from .request import Request
    from .response import Response

__all__ = ["HTTP_METHODS", "Handler", "MethodTable", "allow", "check_handler", "handles"]

#: The methods a route module may export, in the order ``Allow`` lists them.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: A request handler: ``handler(req, res)`` returning a body, a Response or None.
Handler = Callable[["Request", "Response"], object]
_H = TypeVar("_H", bound=Callable[..., object])
_DECLARED = "__microroutes_methods__"
#: Set by :func:`handles` when ``OPTIONS`` is listed: the handler answers it itself.
_ANSWERS_OPTIONS = "__microroutes_answers_options__"
#: An upper-case method name; ``-`` and ``_`` join words (``VERSION-CONTROL``).
_METHOD_NAME = re.compile(r"[A-Z]+(?:[-_][A-Z]+)*")


def _method_names(methods: Iterable[str]) -> tuple[str, ...]:
    """Checked method names for :func:`handles` and :func:`allow`, with the implied ones.

    Methods are case-sensitive (RFC 9110, section 9.1), so ``"get"`` would never match
    a ``GET`` request; names must be upper-case tokens and a lower-case one is refused
    with a :class:`ValueError` that says what to write instead.
    """
    names: list[str] = []
    for method in methods:
        if not isinstance(method, str) or not _METHOD_NAME.fullmatch(method):
            hint = ""
            if isinstance(method, str) and _METHOD_NAME.fullmatch(method.upper()):
                hint = f"; write {method.upper()!r}: HTTP methods are case-sensitive"
            raise ValueError(f"not an upper-case HTTP method name: {method!r}{hint}")
        names.append(method)
    if not names:
        raise ValueError("name at least one HTTP method")
    return _with_implied(names)


def _with_implied(methods: Iterable[str]) -> tuple[str, ...]:
    """``methods`` plus ``HEAD`` (when ``GET`` is there) and ``OPTIONS``, in ``Allow`` order."""
    found = set(methods)
    if "GET" in found:
        found.add("HEAD")
    found.add("OPTIONS")
    ordered = [m for m in HTTP_METHODS if m in found]
    return (*ordered, *sorted(found.difference(HTTP_METHODS)))


def handles(*methods: str) -> Callable[[_H], _H]:
    """Declare the methods a ``handler`` takes; others get 405 with ``Allow``.

    ``HEAD`` is implied by ``GET`` and ``OPTIONS`` is answered for you (list
    ``"OPTIONS"`` to answer it yourself)::

        @handles("GET", "POST")
        def handler(req, res):
            match req.method:
                case "GET": ...
                case "POST": ...
    """
    allowed = _method_names(methods)

    def declare(function: _H) -> _H:
        setattr(function, _DECLARED, allowed)
        setattr(function, _ANSWERS_OPTIONS, "OPTIONS" in methods)
        return function

    return declare


def allow(req: Request, *methods: str) -> None:
    """Return if ``req.method`` is one of ``methods``, else stop with 405 and ``Allow``.

    An ``OPTIONS`` request is answered with 204 and ``Allow`` (unless
    ``OPTIONS`` is listed, when it is the caller's to answer); ``HEAD`` is
    allowed wherever ``GET`` is.
    """
    allowed = _method_names(methods)
    method = req.method
    if method in allowed and (method != "OPTIONS" or "OPTIONS" in methods):
        return
    if method == "OPTIONS":
        raise Halt(204, [("Allow", ", ".join(allowed))])
    raise MethodNotAllowed(allowed)


def check_handler(function: object, where: str, params: Collection[str] = ()) -> Handler:
    """The handler answering as ``handler(req, res)`` for ``function``; else :class:`SiteError`.

    ``where`` names the file and export, as in ``"api/post/[uid].py: GET"``;
    ``params`` are the route's path parameter names. A function taking only
    ``(req, res)`` is returned as it is; one taking typed parameters after
    them gets a wrapper that decodes them (see :mod:`microroutes.typed`).
    """
    from .typed import bind_handler

    return bind_handler(function, where, params)[0]


@dataclass(frozen=True, slots=True)
class MethodTable:
    """The handlers of one route module and the methods it allows."""

    #: Handlers exported by method name.
    exports: dict[str, Handler]
    #: The ``handler`` function for other methods, if any.
    fallback: Handler | None
    #: Methods the fallback declared with :func:`handles` (``None``: the seven standard ones).
    fallback_methods: tuple[str, ...] | None
    #: The ``Allow`` header's methods.
    allowed: tuple[str, ...]
    #: The methods that reach the fallback: the seven standard ones for a bare
    #: ``handler``, the declared ones for a :func:`handles` one (``OPTIONS`` only
    #: when listed).
    fallback_receives: frozenset[str] = frozenset()

    @classmethod
    def build(cls, exports: dict[str, Handler], fallback: Handler | None) -> MethodTable:
        """The table for method ``exports`` and an optional ``handler`` for the rest."""
        declared: tuple[str, ...] | None = getattr(fallback, _DECLARED, None)
        if fallback is None:
            allowed = _with_implied(exports)
            receives: frozenset[str] = frozenset()
        elif declared is not None:
            allowed = _with_implied((*exports, *declared))
            receives = frozenset(declared)
            if not getattr(fallback, _ANSWERS_OPTIONS, False):
                receives = receives.difference({"OPTIONS"})
        else:
            # Extension methods (PURGE, PROPFIND...) reach a handler only through @handles.
            allowed = HTTP_METHODS
            receives = frozenset(HTTP_METHODS)
        return cls(exports, fallback, declared, allowed, receives)

    def handlers(self) -> dict[str, Handler]:
        """The function answering each allowed method, in ``Allow`` order.

        ``HEAD`` is left out when it falls back to the ``GET`` function, and
        ``OPTIONS`` when the app answers it.
        """
        found: dict[str, Handler] = {}
        for method in self.allowed:
            try:
                function = self.resolve(method)
            except Halt:
                continue
            if method == "HEAD" and function is found.get("GET"):
                continue
            found[method] = function
        return found

    def resolve(self, method: str) -> Handler:
        """The handler for ``method``; raise 405 or answer ``OPTIONS`` when there is none.

        ``method`` is compared exactly (methods are case-sensitive): ``get`` is not
        ``GET`` and gets 405. ``HEAD`` resolves to the ``GET`` handler; the caller
        drops the body.
        """
        handler = self.exports.get(method)
        if handler is not None:
            return handler
        if method == "HEAD" and "GET" in self.exports:
            return self.exports["GET"]
        fallback = self.fallback
        if fallback is not None and method in self.fallback_receives:
            return fallback
        if method == "OPTIONS":
            raise Halt(204, [("Allow", ", ".join(self.allowed))])
        raise MethodNotAllowed(self.allowed)
