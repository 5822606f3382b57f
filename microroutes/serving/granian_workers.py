"""granian's worker processes looked after: dead ones replaced, orphans stopped.

- A worker that dies after it was ready (``os._exit``, a segfault, an
  out-of-memory kill) is replaced at once, and the death and the replacement
  are logged. granian's own respawning would stop the whole server when the
  same worker dies twice within a few seconds; here a worker that served is
  always replaced.
- A worker that dies before it was ready (its ``startup(app)`` failed, its
  imports crashed) stops the server with a failure status: respawning it
  would only fail again, forever.
- A worker whose parent process is gone (``kill -9`` of the server) stops
  by itself, so no orphan keeps serving and holding the port.

Workers tell the parent they are ready through a pipe; the parent reads it
when a worker dies, so nothing runs on a timer in the parent.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from .signals import STOP_SIGNALS

__all__ = ["ReadyChannel", "keep_stop_signals", "supervised_server", "watch_parent"]

#: How often a worker checks that its parent is still there (seconds).
_PARENT_POLL = 0.25
#: How often a worker's stop signal is passed on to granian until it stops (seconds).
_STOP_REPEAT = 0.1


class ReadyChannel:
    """Worker processes say "ready" (their pid); the parent asks who did."""

    def __init__(self) -> None:
        # granian forks on Linux and spawns elsewhere; the queue must match.
        method = multiprocessing.get_start_method()
        context = multiprocessing.get_context(method if method in {"fork", "spawn"} else "spawn")
        self._queue: Any = context.SimpleQueue()
        self._any_ready: Any = context.Event()
        self._ready: set[int] = set()

    def announce(self) -> None:
        """In a worker: tell the parent this process is ready to serve."""
        self._queue.put(os.getpid())
        self._any_ready.set()

    def wait_for_one(self, timeout: float) -> bool:
        """In the parent: wait until some worker is ready; ``False`` after ``timeout``."""
        return bool(self._any_ready.wait(timeout))

    def was_ready(self, pid: int | None) -> bool:
        """In the parent: whether the worker ``pid`` said it was ready."""
        while not self._queue.empty():
            self._ready.add(self._queue.get())
        return pid in self._ready


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _log(line: str) -> None:
    print(f"microroutes: {line}", file=sys.stderr, flush=True)


def supervised_server(channel: ReadyChannel, **settings: Any) -> Any:
    """A granian ``Server`` built from ``settings`` whose workers are supervised.

    Its ``startup_failed`` attribute tells, once ``serve()`` returns, whether
    a worker died before it was ready.
    """
    from granian.server import Server

    class SupervisedServer(Server):  # type: ignore[misc, valid-type]
        startup_failed = False

        def _init_shared_socket(self) -> None:
            # On Linux granian gives each worker a socket of its own (SO_REUSEPORT):
            # the connections waiting on a worker that dies are reset, and with every
            # worker gone the port refuses. One listening socket, opened here and
            # inherited by the workers, keeps them waiting until a replacement accepts.
            if self.bind_uds or sys.platform != "linux":
                super()._init_shared_socket()
                return
            from granian._granian import ListenerSpec

            self._shd = ListenerSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._ssp = None
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)
            # granian's socket allows other sockets on its port (SO_REUSEPORT); this one
            # is the only one, and another server must not be able to share its port.
            self._sso.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 0)
            # Listening from now on: connections wait in the backlog until a worker accepts.
            self._sso.listen(self.backlog)

        def _respawn_workers(
            self, workers: list[int], spawn_target: Any, target_loader: Any, delay: float = 0
        ) -> None:
            # Called for workers that died, and (alive) on SIGHUP reloads.
            for idx in workers:
                inner = self.wrks[idx].inner
                code = getattr(inner, "exitcode", None)
                if code is None:
                    continue
                if not channel.was_ready(inner.pid):
                    _log(f"worker {idx + 1} (pid {inner.pid}) failed to start; stopping")
                    self.startup_failed = True
                    self.interrupt_signal = True
                    self.main_loop_interrupt.set()
                    return
                _log(f"worker {idx + 1} (pid {inner.pid}) died ({_exit_reason(code)})")
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            for idx in workers:
                # A worker that had served is always replaced, however often it dies:
                # forget granian's note of the respawn, which it reads as a crash loop.
                self.respawned_wrks.pop(idx, None)
                _log(f"worker {idx + 1} replaced by pid {self.wrks[idx].inner.pid}")

    return SupervisedServer(respawn_failed_workers=True, **settings)


def watch_parent(parent: int, grace: float) -> None:
    """In a worker: stop gracefully once process ``parent`` is no longer this one's parent.

    The worker gets SIGTERM (granian drains it, ``shutdown(app)`` runs); if
    it is still alive ``grace`` seconds later, it exits at once.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL)
        _log(f"the server process (pid {parent}) is gone; worker {os.getpid()} stopping")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="microroutes-parent-watch", daemon=True).start()


def keep_stop_signals() -> None:
    """In a worker, before granian runs it: a stop signal always stops it.

    granian's worker waits for its stop on a lock in the main thread; a
    SIGTERM that the kernel hands to one of its other threads runs no
    handler until the main thread wakes, which it never does. Here the stop
    signals are blocked in every thread and one thread waits for them: it
    stops a worker still starting at once, and passes the stop on to
    granian's own handler (repeatedly, in case granian is not yet listening
    for it) once that is installed.
    """
    if not hasattr(signal, "pthread_sigmask"):
        return
    import granian._signals as granian_signals

    stop_events: list[Any] = []
    install: Any = granian_signals.set_sync_signals

    def set_sync_signals() -> Any:
        event = install()
        stop_events.append(event)
        return event

    granian_signals.set_sync_signals = set_sync_signals
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    def wait() -> None:
        signal.sigwait(STOP_SIGNALS)
        if not stop_events:
            os._exit(1)  # still starting: nothing to drain
        while True:
            stop_events[0].set()
            time.sleep(_STOP_REPEAT)

    threading.Thread(target=wait, name="microroutes-stop", daemon=True).start()
