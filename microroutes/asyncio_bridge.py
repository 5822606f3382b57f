"""``async def`` handlers and middleware under a WSGI server.

WSGI is synchronous: a server thread calls the app and waits for the answer.
An ``async def`` handler is run here on an event loop kept per server thread
(created on the thread's first async request, closed when the thread ends)
and awaited to completion before the thread answers; an async generator (or
any async iterable body) is streamed one chunk per step of that loop.

Only route files that define async functions pay for this: the route loader
wraps them once, at import (:func:`bridge_handler`, :func:`bridge_middleware`),
and sync functions are returned unchanged.

Async middleware awaits ``call_next()``; the rest of the chain runs on another
thread (a pool that grows as needed), so an async handler further in gets a
loop of its own rather than re-entering the running one, and the middleware
can use ``asyncio.wait_for`` or ``gather`` around ``call_next()``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

__all__ = [
    "bridge_handler",
    "bridge_middleware",
    "is_async_callable",
    "iterate_async",
    "run_awaitable",
]

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])

#: Threads for the inner chain of async middleware and for nested waits. Each one
#: serves one waiting request at a time, so the pool never needs more than
#: (server threads x async middleware depth); the cap only guards runaways.
_INNER_THREADS = 1024
_inner_pool: ThreadPoolExecutor | None = None
_inner_pool_lock = threading.Lock()


class _LoopHolder:
    """Owns one thread's event loop and closes it when the thread's local storage is dropped."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        if not self.loop.is_running():
            self.loop.close()


class _ThreadLoop(threading.local):
    """The current thread's event loop, made on first use and closed when the thread ends."""

    holder: _LoopHolder | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        holder = self.holder
        if holder is None or holder.loop.is_closed():
            holder = self.holder = _LoopHolder()
        return holder.loop


_thread_loop = _ThreadLoop()


def _pool() -> ThreadPoolExecutor:
    global _inner_pool
    pool = _inner_pool
    if pool is None:
        with _inner_pool_lock:
            pool = _inner_pool
            if pool is None:
                pool = _inner_pool = ThreadPoolExecutor(
                    _INNER_THREADS, thread_name_prefix="microroutes-async"
                )
    return pool


def run_awaitable(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` to completion on this thread's event loop and return its result.

    Called from inside a coroutine already running on this thread's loop, it
    waits on another thread instead of re-entering the loop (which asyncio forbids).
    """
    loop = _thread_loop.get()
    if loop.is_running():
        context = contextvars.copy_context()

        def nested() -> T:
            return run_awaitable(awaitable)

        return _pool().submit(context.run, nested).result()
    return loop.run_until_complete(awaitable)


class _AsyncBody(Generic[T]):
    """A sync iterator over an async iterable: each chunk is one step of the thread's loop."""

    __slots__ = ("_iterator",)

    def __init__(self, iterable: AsyncIterable[T]) -> None:
        self._iterator: AsyncIterator[T] = aiter(iterable)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return run_awaitable(anext(self._iterator))
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            run_awaitable(aclose())


def iterate_async(iterable: AsyncIterable[T]) -> Iterator[T]:
    """A sync iterator (with ``close()``) over an async iterable, for a streamed WSGI body."""
    return _AsyncBody(iterable)


def is_async_callable(function: object) -> bool:
    """Whether ``function`` (unwrapped through ``__wrapped__``) is ``async def``.

    Async generator functions count, and so do objects with an ``async def __call__``.
    """
    original = inspect.unwrap(function) if callable(function) else function
    for candidate in (original, getattr(original, "__call__", None)):  # noqa: B004
        if inspect.iscoroutinefunction(candidate) or inspect.isasyncgenfunction(candidate):
            return True
    return False


def _settle(result: object) -> object:
    """A handler's result made synchronous: awaited if awaitable, iterated if async iterable."""
    if inspect.isawaitable(result):
        result = run_awaitable(result)
    if isinstance(result, AsyncIterable):
        return iterate_async(result)
    return result


def bridge_handler(handler: _F) -> _F:
    """``handler`` itself if it is synchronous; else a sync wrapper that runs it to completion.

    The wrapper keeps the handler's name, signature and attributes (through
    ``functools.wraps``, so ``__wrapped__`` reaches the original).
    """
    if not is_async_callable(handler):
        return handler

    @functools.wraps(handler)
    def run_handler(*args: Any, **kwargs: Any) -> object:
        return _settle(handler(*args, **kwargs))

    return run_handler  # type: ignore[return-value]


def bridge_middleware(middleware: _F) -> _F:
    """``middleware`` itself if synchronous; else a sync wrapper whose ``call_next`` is awaitable.

    Awaiting ``call_next()`` runs the rest of the chain on another thread and
    resolves to its response.
    """
    if not is_async_callable(middleware):
        return middleware

    @functools.wraps(middleware)
    def run_middleware(req: Any, res: Any, call_next: Callable[[], T]) -> object:
        async def call_next_async() -> T:
            loop = asyncio.get_running_loop()
            context = contextvars.copy_context()
            return await loop.run_in_executor(_pool(), context.run, call_next)

        return _settle(middleware(req, res, call_next_async))

    return run_middleware  # type: ignore[return-value]
