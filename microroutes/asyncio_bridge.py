"""``async def`` handlers and middleware under a WSGI server.

WSGI is synchronous: a server thread calls the app and waits for the answer.
An ``async def`` handler is run to completion on an event loop before the
thread answers; an async generator (or any async iterable body) is streamed
one chunk per step of a loop. Loops are made once and reused: a request takes
an idle one (a thread answering requests one after another keeps getting the
same one), runs its async work on it and gives it back, so there are never
more loops than requests running at once, and none is made per request.

Only route files that define async functions pay for this: the route loader
wraps them once, at import (:func:`bridge_handler`, :func:`bridge_middleware`),
and sync functions are returned unchanged.

A request's async work ends with it: tasks it started and left running are
cancelled when its handler (or its async body) finishes, given
:data:`TASK_CANCEL_WAIT` seconds to unwind, and logged, so nothing it left
behind runs inside a later, unrelated request on the same loop.

Async middleware awaits ``call_next()``; the rest of the chain runs on another
thread (a pool that grows as needed), so an async handler further in runs on
a loop of its own rather than re-entering the running one (asyncio forbids
that), and the middleware can use ``asyncio.wait_for`` or ``gather`` around
``call_next()``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import selectors
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

__all__ = [
    "TASK_CANCEL_WAIT",
    "bridge_handler",
    "bridge_middleware",
    "is_async_callable",
    "iterate_async",
    "run_awaitable",
]

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])

#: Seconds the tasks a request left running get to finish once cancelled, when it ends.
#: A loop with a task still running after that is closed and never reused. Set it
#: (0 or more) from ``pages/_app.py``, before the first request.
TASK_CANCEL_WAIT = 1.0
logger = logging.getLogger("microroutes")

#: Threads for the inner chain of async middleware and for nested waits. Each one
#: serves one waiting request at a time, so the pool never needs more than
#: (server threads x async middleware depth); the cap only guards runaways.
_INNER_THREADS = 1024


class _ZeroWaitSkippingSelector(selectors.DefaultSelector):
    """The default selector, except that a poll with a zero timeout is skipped twice in three.

    asyncio polls with a zero timeout whenever callbacks are ready, and a
    coroutine that never waits on I/O (most handlers) finishes in two such
    iterations. Each poll is a system call that releases the GIL, and getting
    it back under a server's other threads costs far more than the handler:
    skipping them makes an ``async def`` handler nearly as cheap as a sync one.
    A real poll still happens at least every third zero-timeout iteration
    (so a ``sleep(0)`` busy loop still sees I/O) and on every waiting one.
    """

    _SKIPS = 2

    def __init__(self) -> None:
        super().__init__()
        self._skipped = 0

    def start_run(self) -> None:
        """A new piece of work starts: its first zero-timeout polls may be skipped."""
        self._skipped = 0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout <= 0 and self._skipped < self._SKIPS:
            self._skipped += 1
            return []
        self._skipped = 0
        return super().select(timeout)


class _BridgeLoop(asyncio.SelectorEventLoop):
    """An event loop on a :class:`_ZeroWaitSkippingSelector`."""

    def __init__(self) -> None:
        self._polls = _ZeroWaitSkippingSelector()
        super().__init__(self._polls)

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` to completion."""
        self._polls.start_run()
        return self.run_until_complete(awaitable)


class _LoopPool:
    """Idle event loops: a request takes one and gives it back when its async work is done."""

    def __init__(self) -> None:
        self._idle: list[_BridgeLoop] = []
        self._lock = threading.Lock()

    def take(self) -> _BridgeLoop:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _BridgeLoop()

    def give_back(self, loop: _BridgeLoop) -> None:
        with self._lock:
            self._idle.append(loop)


_loops = _LoopPool()


@functools.cache
def _inner_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_INNER_THREADS, thread_name_prefix="microroutes-async")


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def run_awaitable(awaitable: Awaitable[T], where: str = "an awaitable") -> T:
    """Await ``awaitable`` to completion on an idle event loop and return its result.

    Tasks it leaves running are cancelled before the loop is given back (see
    :func:`_end_work`); ``where`` names it in the warning that says so.
    Called from inside a coroutine (a loop already running on this thread),
    it waits on another thread instead, since asyncio cannot nest loops.
    """
    if _in_running_loop():

        def elsewhere() -> T:
            return run_awaitable(awaitable, where)

        return _inner_threads().submit(elsewhere).result()
    loop = _loops.take()
    try:
        return loop.run(awaitable)
    finally:
        _end_work(loop, where)


def _end_work(loop: _BridgeLoop, where: str) -> None:
    """A request's async work on ``loop`` is over: cancel what it left running, free the loop.

    Leftover tasks are logged, cancelled and given :data:`TASK_CANCEL_WAIT`
    seconds to unwind. A loop that still has a task after that (one that
    ignores cancellation) is closed rather than given back, so the task can
    never run inside another request.
    """
    try:
        clean = _cancel_leftovers(loop, where)
    except Exception:  # a task's clean-up broke the loop itself: do not reuse it
        logger.exception("%s: cancelling the asyncio tasks it left running failed", where)
        clean = False
    if clean:
        _loops.give_back(loop)
    else:
        loop.close()


def _cancel_leftovers(loop: _BridgeLoop, where: str) -> bool:
    """Cancel the tasks left on ``loop`` and wait for them; whether none is left."""
    leftovers = asyncio.all_tasks(loop)
    if not leftovers:
        return True
    logger.warning(
        "%s left %d asyncio task(s) running when its request ended (%s); cancelled them:"
        " await what a handler starts",
        where,
        len(leftovers),
        _describe(leftovers),
    )
    for task in leftovers:
        task.cancel()
    loop.run(asyncio.wait(leftovers, timeout=TASK_CANCEL_WAIT))
    stuck = asyncio.all_tasks(loop)
    if stuck:
        logger.error(
            "%s: %d asyncio task(s) still running %g s after being cancelled (%s);"
            " their event loop is closed and not reused",
            where,
            len(stuck),
            TASK_CANCEL_WAIT,
            _describe(stuck),
        )
        return False
    return True


def _describe(tasks: set[asyncio.Task[Any]]) -> str:
    """The tasks' coroutines by name, at most a few, for a log line."""
    names = sorted(getattr(task.get_coro(), "__qualname__", "?") for task in tasks)
    shown = ", ".join(names[:5])
    return shown + (f", and {len(names) - 5} more" if len(names) > 5 else "")


class _AsyncBody(Generic[T]):
    """A sync iterator over an async iterable, every step on one loop held until the end.

    ``loop`` is the loop the handler ran on, when it returned this body: the
    tasks it started live on until the body ends, and are cancelled then.
    """

    __slots__ = ("_iterator", "_loop", "_where")

    def __init__(
        self, iterable: AsyncIterable[T], where: str, loop: _BridgeLoop | None = None
    ) -> None:
        self._iterator: AsyncIterator[T] = aiter(iterable)
        self._loop = loop
        self._where = where

    def _run(self, step: Awaitable[T]) -> T:
        if _in_running_loop():
            return run_awaitable(step, self._where)
        loop = self._loop
        if loop is None:
            loop = self._loop = _loops.take()
        return loop.run(step)

    def _release(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            _end_work(loop, self._where)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return self._run(anext(self._iterator))
        except StopAsyncIteration:
            self._release()
            raise StopIteration from None
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        try:
            if aclose is not None:
                self._run(aclose())
        finally:
            self._release()


def iterate_async(iterable: AsyncIterable[T], where: str = "a streamed body") -> Iterator[T]:
    """A sync iterator (with ``close()``) over an async iterable, for a streamed WSGI body.

    ``where`` names the route in the warning about tasks left running when it ends.
    """
    return _AsyncBody(iterable, where)


def is_async_callable(function: object) -> bool:
    """Whether ``function`` (unwrapped through ``__wrapped__``) is ``async def``.

    Async generator functions count, and so do objects with an ``async def __call__``.
    """
    original = inspect.unwrap(function) if callable(function) else function
    for candidate in (original, getattr(original, "__call__", None)):  # noqa: B004
        if inspect.iscoroutinefunction(candidate) or inspect.isasyncgenfunction(candidate):
            return True
    return False


def _settle(result: object, where: str) -> object:
    """A handler's result made synchronous: awaited if awaitable, iterated if async iterable.

    When the awaited result is an async body, the body keeps the loop it was
    made on, so the tasks the handler started live until the body ends.
    """
    if not inspect.isawaitable(result):
        return iterate_async(result, where) if isinstance(result, AsyncIterable) else result
    if _in_running_loop():
        return _settle(run_awaitable(result, where), where)
    loop = _loops.take()
    try:
        result = loop.run(result)
    except BaseException:
        _end_work(loop, where)
        raise
    if isinstance(result, AsyncIterable):
        return _AsyncBody(result, where, loop)
    _end_work(loop, where)
    return result


def _name_of(function: object) -> str:
    return getattr(function, "__qualname__", None) or type(function).__qualname__


def bridge_handler(handler: _F, where: str | None = None) -> _F:
    """``handler`` itself if it is synchronous; else a sync wrapper that runs it to completion.

    The wrapper keeps the handler's name, signature and attributes (through
    ``functools.wraps``, so ``__wrapped__`` reaches the original). ``where``
    (the route file and export) names it in the warning about tasks it left running.
    """
    if not is_async_callable(handler):
        return handler
    name = where or _name_of(handler)

    @functools.wraps(handler)
    def run_handler(*args: Any, **kwargs: Any) -> object:
        return _settle(handler(*args, **kwargs), name)

    return run_handler  # type: ignore[return-value]


def bridge_middleware(middleware: _F, where: str | None = None) -> _F:
    """``middleware`` itself if synchronous; else a sync wrapper whose ``call_next`` is awaitable.

    Awaiting ``call_next()`` runs the rest of the chain on another thread and
    resolves to its response. ``where`` names the file, as for :func:`bridge_handler`.
    """
    if not is_async_callable(middleware):
        return middleware
    name = where or _name_of(middleware)

    @functools.wraps(middleware)
    def run_middleware(req: Any, res: Any, call_next: Callable[[], T]) -> object:
        async def call_next_async() -> T:
            return await asyncio.get_running_loop().run_in_executor(_inner_threads(), call_next)

        return _settle(middleware(req, res, call_next_async), name)

    return run_middleware  # type: ignore[return-value]
