"""Typed dependencies: ``providers = {Type: function}`` in ``pages/_app.py``.

A handler parameter after ``(req, res)`` annotated with a provided type
receives ``function(req)``'s result::

    # pages/_app.py
    providers = {User: current_user, Connection: connection}

    # pages/api/me.py
    def GET(req, res, user: User):
        return {"name": user.name}

A provider's first parameter receives the request; any others must be
annotated with provided types and are filled the same way (each provider runs
at most once per request). A provider may be:

* a plain function: its return value is provided;
* a generator function: it yields the value once; the code after ``yield``
  runs when the response is finished (a streamed body: when the stream ends
  or is closed), or, when the handler fails, the exception is thrown in at the
  ``yield`` (commit or roll back, give a connection back to its pool);
* ``async def`` (or an async generator), run to completion like async handlers.

Everything is checked once, when a route module is imported (``App.load_all()``
at start-up): a parameter asking for a type no provider gives, a provider
parameter without a provided type, and cycles are :class:`SiteError`\\ s
naming the file and the parameter. The plan (which provider runs in which
order, feeding whom) is made then too, so a request only runs it.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from .asyncio_bridge import is_async_callable, run_awaitable
from .errors import SiteError
from .response import Response, to_response
from .typed import type_label

if TYPE_CHECKING:
    pass

__all__ = ["PROVIDERS_SETTING", "Providers", "bind_providers", "provided_parameters"]

#: The name in ``pages/_app.py`` holding ``{Type: provider}``.
PROVIDERS_SETTING = "providers"
#: Set on a handler wrapped by :func:`bind_providers`: ``{parameter: type}``.
_PROVIDED = "__microroutes_provided__"
#: The parameters a handler's typed binding fills itself.
_TYPED_NAMES = ("body", "query")

_PLAIN, _COROUTINE, _GENERATOR, _ASYNC_GENERATOR = range(4)
#: What ``next`` gives for a generator with nothing left.
_NOTHING: Any = object()


#: Which value each handler parameter gets: (name, index into the values).
_Outputs = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class _Provider:
    """One provider, read once: what it is, and what it needs."""

    provides: Any
    function: Callable[..., Any]
    kind: int
    #: Its parameters after the request: (name, provided type).
    needs: tuple[tuple[str, Any], ...]
    name: str


@dataclass(frozen=True, slots=True)
class _Step:
    """Run ``function(req, **{name: values[index]})``; its value goes next in ``values``."""

    function: Callable[..., Any]
    kind: int
    needs: tuple[tuple[str, int], ...]
    name: str


class Providers:
    """A site's providers, checked: every parameter provided, no cycle.

    :param mapping: ``{Type: provider}`` as ``pages/_app.py`` defines it.
    :param file: the file defining it, for messages.
    :raises SiteError: naming ``file``, for a mapping that is not one, a
        provider that is not callable, a parameter no provider fills, a cycle.
    """

    def __init__(self, mapping: object, file: str) -> None:
        if not isinstance(mapping, Mapping):
            raise SiteError(
                f"{file}: {PROVIDERS_SETTING} must be a dict {{Type: function}}, got {mapping!r}"
            )
        #: The file that defines them.
        self.file = file
        self._providers: dict[Any, _Provider] = {}
        for provided, function in mapping.items():
            self._providers[provided] = _read_provider(provided, function, file, mapping)
        for provided in self._providers:
            self._order(provided, ())

    def __contains__(self, annotation: object) -> bool:
        try:
            return annotation in self._providers
        except TypeError:  # an unhashable annotation is never a provided type
            return False

    def _order(self, provided: Any, path: tuple[Any, ...]) -> list[Any]:
        """``provided`` and everything it needs, needs first; a cycle is a :class:`SiteError`."""
        if provided in path:
            cycle = " -> ".join(type_label(t) for t in (*path[path.index(provided) :], provided))
            provider = self._providers[path[-1]]
            parameter = next(name for name, needed in provider.needs if needed == provided)
            raise SiteError(
                f"{self.file}: provider {provider.name} parameter {parameter!r}: "
                f"providers form a cycle: {cycle}"
            )
        order: list[Any] = []
        for _, needed in self._providers[provided].needs:
            order.extend(t for t in self._order(needed, (*path, provided)) if t not in order)
        order.append(provided)
        return order

    def plan(self, wanted: Mapping[str, Any]) -> tuple[tuple[_Step, ...], _Outputs]:
        """The steps making ``wanted`` (``{parameter: type}``), and which value each gets."""
        order: list[Any] = []
        for provided in wanted.values():
            order.extend(t for t in self._order(provided, ()) if t not in order)
        index = {provided: position for position, provided in enumerate(order)}
        steps = tuple(
            _Step(
                provider.function,
                provider.kind,
                tuple((name, index[needed]) for name, needed in provider.needs),
                provider.name,
            )
            for provider in (self._providers[provided] for provided in order)
        )
        return steps, tuple((name, index[provided]) for name, provided in wanted.items())

    def labels(self) -> list[str]:
        """The provided types, for messages."""
        return sorted(type_label(provided) for provided in self._providers)


def _read_provider(
    provided: object, function: object, file: str, mapping: Mapping[Any, Any]
) -> _Provider:
    label = type_label(provided)
    if not callable(function):
        raise SiteError(f"{file}: the provider of {label} must be a function, got {function!r}")
    name = getattr(function, "__qualname__", repr(function))
    where = f"{file}: provider {name} (for {label})"
    parameters = _parameters(function, where)
    if not parameters:
        raise SiteError(f"{where} must take the request as its first parameter")
    hints = _hints(function, where)
    needs: list[tuple[str, Any]] = []
    for parameter in parameters[1:]:
        annotation = hints.get(parameter.name)
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise SiteError(f"{where}: parameter {parameter.name!r} must be passable by name")
        if annotation is None or annotation not in mapping:
            if parameter.default is not parameter.empty:
                continue  # left to its default
            known = ", ".join(sorted(type_label(t) for t in mapping))
            asked = "no annotation" if annotation is None else f"{type_label(annotation)}"
            raise SiteError(
                f"{where}: parameter {parameter.name!r} ({asked}) is not a provided type; "
                f"after the request a provider takes only provided types ({known})"
            )
        needs.append((parameter.name, annotation))
    return _Provider(provided, function, _kind(function), tuple(needs), name)


def _parameters(function: object, where: str) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(function)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SiteError(f"{where}: has no signature to read; define it with def") from None
    return [
        p
        for p in signature.parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def _hints(function: object, where: str) -> dict[str, Any]:
    target = inspect.unwrap(function) if callable(function) else function
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(target, "__call__", target)  # noqa: B004
    try:
        return typing.get_type_hints(target)
    except Exception as error:  # a NameError or SyntaxError in a string annotation
        raise SiteError(f"{where}: cannot read its annotations: {error}") from None


def _kind(function: object) -> int:
    original = inspect.unwrap(function) if callable(function) else function
    for candidate in (original, getattr(original, "__call__", None)):  # noqa: B004
        if inspect.isasyncgenfunction(candidate):
            return _ASYNC_GENERATOR
        if inspect.iscoroutinefunction(candidate):
            return _COROUTINE
        if inspect.isgeneratorfunction(candidate):
            return _GENERATOR
    return _PLAIN


def provided_parameters(function: object) -> Mapping[str, Any]:
    """``{parameter: type}`` for a handler :func:`bind_providers` wrapped, else empty."""
    provided: Mapping[str, Any] = getattr(function, _PROVIDED, {})
    return provided


def bind_providers(
    function: object,
    where: str,
    file: str,
    params: Iterable[str],
    providers: Providers | None,
    respond: Callable[[object, Response, str], Response] = to_response,
) -> object:
    """``function`` itself, or a wrapper that fills its provider parameters.

    The wrapper's signature leaves those parameters out, so the typed binding
    (:mod:`microroutes.typed`) sees only ``body``, ``query`` and path parameters.
    ``where`` names the file and export for messages; ``file`` is the route file.
    ``respond`` turns what ``function`` returns into the response, inside the
    providers' ``try``, so a generator provider sees its failures too.

    :raises SiteError: naming ``where`` and the parameter, for an annotated
        parameter that is not ``body``, ``query`` or a path parameter and whose
        type no provider gives.
    """
    if not callable(function):
        return function
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return function  # the typed binding says what is wrong
    extra = list(signature.parameters.values())[2:]
    reserved = {*_TYPED_NAMES, *params}
    candidates = [
        p
        for p in extra
        if p.name not in reserved
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.annotation is not p.empty
    ]
    if not candidates or providers is None:
        return function  # without providers, the typed binding names unknown parameters
    hints = _hints(function, where)
    wanted: dict[str, Any] = {}
    for parameter in candidates:
        annotation = hints.get(parameter.name)
        if annotation in providers:
            wanted[parameter.name] = annotation
            continue
        if parameter.default is not parameter.empty:
            continue  # the typed binding decides about it
        given = ", ".join(providers.labels()) or "nothing"
        label = type_label(annotation)
        if label in providers.labels():
            given += f"; that {label} is another class of the same name: import it from one place"
        raise SiteError(
            f"{where}: unknown parameter {parameter.name!r}: no provider gives "
            f"{label} ({providers.file} provides {given}); after (req, res) "
            f"a handler takes body, query, path parameters and provided types"
        )
    if not wanted:
        return function
    steps, outputs = providers.plan(wanted)
    kept = [p for p in signature.parameters.values() if p.name not in wanted]
    handler = _wrapper(function, steps, outputs, file, respond, takes_more=len(kept) > 2)
    handler.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    setattr(handler, _PROVIDED, dict(wanted))
    return handler


def _wrapper(
    function: Callable[..., Any],
    steps: tuple[_Step, ...],
    outputs: _Outputs,
    file: str,
    respond: Callable[[object, Response, str], Response],
    *,
    takes_more: bool,
) -> Callable[..., Response]:
    """The handler running ``steps`` and then ``function``, written out for this plan.

    ``takes_more``: ``function`` also takes typed parameters (``body``, ...), which
    the typed binding passes on by name.

    The plan is known at import, so its code is generated once (as :mod:`dataclasses`
    does for ``__init__``): one local per value and the calls in a row run in about a
    third of the time a loop over the steps takes, on every request.
    """
    scope: dict[str, Any] = {
        "function": function,
        "file": file,
        "respond": respond,
        "run_awaitable": run_awaitable,
        "isawaitable": inspect.isawaitable,
        "start": _start,
        "unwind": _unwind,
        "finish": _finish,
        "FinishingBody": _FinishingBody,
        "NOTHING": _NOTHING,
        "no_value": _no_value,
    }
    cleans_up = any(step.kind in (_GENERATOR, _ASYNC_GENERATOR) for step in steps)
    more = ", **arguments" if takes_more else ""
    lines = [f"def with_providers(req, res, /{more}):"]
    if cleans_up:
        lines.append("    opened = []  # generators to finish, in the order they started")
    lines.append("    try:")
    for number, step in enumerate(steps):
        scope[f"p{number}"] = step.function
        scope[f"n{number}"] = step.name
        call = ", ".join(["req", *(f"{key}=v{index}" for key, index in step.needs)])
        if step.kind == _PLAIN:
            lines.append(f"        v{number} = p{number}({call})")
        elif step.kind == _GENERATOR:
            lines += [
                f"        g{number} = p{number}({call})",
                f"        v{number} = next(g{number}, NOTHING)",
                f"        if v{number} is NOTHING:",
                f"            raise no_value(n{number})",
                f"        opened.append(g{number})",
            ]
        else:
            opened = "opened" if step.kind == _ASYNC_GENERATOR else "None"
            lines.append(f"        v{number} = start(p{number}({call}), n{number}, {opened})")
    passed = "".join(f", {key}=v{index}" for key, index in outputs)
    lines.append(f"        result = function(req, res{passed}{more})")
    if is_async_callable(function):
        lines.append("        if isawaitable(result): result = run_awaitable(result)")
    lines.append("        response = respond(result, res, file)")
    if cleans_up:
        lines += [
            "    except BaseException as error:",
            "        final = unwind(opened, error)",
            "        if final is error: raise",
            "        raise final from error",
            "    if opened:",
            "        if isinstance(response.body, bytes): finish(opened)",
            "        else: response.body = FinishingBody(response.body, opened)",
        ]
    else:
        lines.append("    finally: pass")
    lines.append("    return response")
    exec(compile("\n".join(lines), f"<providers of {file}>", "exec"), scope)  # noqa: S102
    handler: Callable[..., Response] = functools.wraps(function)(scope["with_providers"])
    return handler


def _no_value(name: str) -> RuntimeError:
    return RuntimeError(f"provider {name} did not yield a value")


def _start(made: Any, name: str, opened: list[Any] | None) -> Any:
    """The value of a coroutine (``opened`` is ``None``) or an async generator provider,
    which joins ``opened``."""
    if opened is None:
        return run_awaitable(made)
    value = run_awaitable(anext(made, _NOTHING))
    if value is _NOTHING:
        raise _no_value(name)
    opened.append(made)
    return value


def _unwind(opened: list[Any], error: BaseException) -> BaseException:
    """Throw ``error`` into every open generator, last first; what to raise in the end.

    A generator that re-raises it, or swallows it, leaves ``error`` standing; one
    that raises something else (a failed rollback) replaces it.
    """
    while opened:
        generator = opened.pop()
        try:
            if type(generator) is GeneratorType:
                generator.throw(error)
            else:
                run_awaitable(generator.athrow(error))
        except (StopIteration, StopAsyncIteration):
            continue
        except BaseException as raised:  # the provider's own answer
            error = raised  # the same one, or a replacement chained to it
            continue
        error = _yielded_twice(generator, error)
    return error


def _finish(opened: list[Any]) -> None:
    """Run every open generator past its ``yield``, last first; a failure unwinds the rest."""
    while opened:
        generator = opened.pop()
        try:
            if type(generator) is GeneratorType:
                left = next(generator, _NOTHING)
            else:
                left = run_awaitable(anext(generator, _NOTHING))
        except BaseException as error:
            final = _unwind(opened, error)
            if final is error:
                raise
            raise final from error
        if left is not _NOTHING:
            raise _unwind(opened, _yielded_twice(generator, None))


def _yielded_twice(generator: Any, error: BaseException | None) -> BaseException:
    name = getattr(generator, "__qualname__", "a provider")
    problem = RuntimeError(f"provider {name} yielded more than once")
    problem.__context__ = error
    if inspect.isasyncgen(generator):
        run_awaitable(generator.aclose())
    else:
        generator.close()
    return problem


class _FinishingBody:
    """A streamed body that finishes the providers' generators when it ends or closes.

    An error while streaming is thrown into them; ending or closing early
    (a client gone) finishes them normally.
    """

    __slots__ = ("_body", "_iterator", "_opened")

    def __init__(self, body: Iterable[bytes], opened: list[Any]) -> None:
        self._body = body
        self._iterator = iter(body)
        self._opened = opened

    def __iter__(self) -> _FinishingBody:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            _finish(self._opened)
            raise
        except BaseException as error:
            final = _unwind(self._opened, error)
            if final is error:
                raise
            raise final from error

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            _finish(self._opened)
