"""``serve --server granian``: worker processes, each with its own app, under granian.

The parent process checks the site (every route file imported) and the
address before granian starts, so those failures are reported once and
plainly. granian then spawns the workers; each builds its own
:class:`~microroutes.App` from the site folder, runs ``startup(app)``, serves,
and runs ``shutdown(app)`` when granian stops it.

On SIGTERM/SIGINT the parent first drains for the drain delay (see
:mod:`.drain`: readiness routes answer 503, the rest as usual), then
granian drains by itself: its parent process stops the workers, each
stops accepting and lets its in-flight requests finish; the graceful
timeout becomes granian's ``workers_kill_timeout``, after which a worker
still busy is killed.

A worker that dies while serving is replaced, one that fails to start stops
the server, and workers stop by themselves when the parent is killed (see
:mod:`.granian_workers`).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..app import App
from ..health import follow_drain_file
from .drain import DrainFile
from .granian_workers import ReadyChannel, keep_stop_signals, supervised_server, watch_parent
from .options import ServeOptions
from .site import WSGIApp, body_limit, flush_logs, load_site, start_app, wsgi_stack
from .startup import EXIT_STARTUP_FAILED, StartupError, report, reserve_port

__all__ = ["GRANIAN_MISSING", "granian_available", "run_granian"]

#: What to tell a user who asks for granian without it installed.
GRANIAN_MISSING = "granian is not installed; install it with: pip install 'microroutes[granian]'"
_READY_TIMEOUT = 60.0

#: The app this worker process serves and its WSGI stack, closed when granian stops the worker.
_worker_apps: list[tuple[App, WSGIApp]] = []


def granian_available() -> bool:
    """Whether granian can be imported."""
    try:
        import granian  # noqa: F401
    except ImportError:
        return False
    return True


def run_granian(options: ServeOptions, announce: Callable[[str], None]) -> int:
    """Serve the site under granian with ``options.workers`` processes; return the exit status.

    ``announce`` receives the ``serving ... on http://host:port`` line once a
    worker accepts connections.

    :raises StartupError: granian is missing, or the site or address is unusable.
    :raises SiteError: a route or middleware file is broken.
    """
    try:
        from granian.constants import Interfaces
        from granian.http import HTTP1Settings
        from granian.log import LogLevels
    except ImportError:
        raise StartupError(GRANIAN_MISSING) from None

    app = load_site(options)
    port = reserve_port(options.host, options.port)
    channel = ReadyChannel()
    server: Any = supervised_server(
        channel,
        target=str(app.site_dir),
        address=options.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=options.workers,
        blocking_threads=options.thread_count,
        workers_kill_timeout=max(1, math.ceil(options.graceful_timeout)),
        backlog=options.backlog,
        # hyper's header timeout also bounds the wait for a keep-alive connection's next request.
        http1_settings=HTTP1Settings(header_read_timeout=math.ceil(options.idle_timeout * 1000)),
        # granian's own info lines would repeat ours; its warnings and errors still show.
        log_level=LogLevels.warning,
    )
    banner = f"serving {app.site_dir} on http://{options.host}:{port} (granian, "
    banner += f"{options.workers} worker{'s' if options.workers != 1 else ''})"
    server.on_startup(functools.partial(_announce_when_ready, channel, banner, announce))
    drain = DrainFile(options.drain_delay)
    # granian installs this handler for SIGTERM/SIGINT when it starts.
    server.signal_handler_interrupt = drain.delay_stop(server.signal_handler_interrupt)
    try:
        server.serve(
            spawn_target=_serve_worker,
            target_loader=functools.partial(
                _load_worker_app, options, channel, os.getpid(), drain.path
            ),
            wrap_loader=False,
        )
        if server.startup_failed:
            print("microroutes: stopped: a worker process failed", file=sys.stderr, flush=True)
            return EXIT_STARTUP_FAILED
    except SystemExit as exit_:
        # granian exits non-zero when a worker died unexpectedly (a failed startup, say).
        if exit_.code:
            print("microroutes: stopped: a worker process failed", file=sys.stderr, flush=True)
            return exit_.code if isinstance(exit_.code, int) else EXIT_STARTUP_FAILED
    finally:
        drain.close()
    return 0


def _announce_when_ready(
    channel: ReadyChannel, banner: str, announce: Callable[[str], None]
) -> None:
    """Announce ``banner`` once a worker is ready to serve."""

    def wait() -> None:
        if channel.wait_for_one(_READY_TIMEOUT):
            announce(banner)

    threading.Thread(target=wait, name="microroutes-ready", daemon=True).start()


def _load_worker_app(
    options: ServeOptions, channel: ReadyChannel, parent: int, drain_file: str
) -> WSGIApp:
    """In a worker process: the site's app, started, wrapped as the options ask.

    The worker watches ``parent`` (the server process) from now on, and tells
    it through ``channel`` once it is ready to serve. Its readiness routes
    answer 503 once the parent creates ``drain_file``.
    """
    watch_parent(parent, options.graceful_timeout)
    follow_drain_file(drain_file)
    try:
        app = load_site(options)
        start_app(app)
    except Exception as error:
        # The parent sees the worker exit and stops granian with a failure status.
        report(error, debug=options.debug)
        raise SystemExit(EXIT_STARTUP_FAILED) from None
    stack = wsgi_stack(app, options, drain_limit=body_limit(app))
    _worker_apps.append((app, stack))
    channel.announce()
    return stack


def _serve_worker(*args: Any) -> None:
    """A granian WSGI worker process that runs ``shutdown(app)`` after granian stops it."""
    from granian.server import Server

    keep_stop_signals()
    try:
        Server._spawn_wsgi_worker(*args)
    finally:
        while _worker_apps:
            app, stack = _worker_apps.pop()
            flush_logs(stack)
            try:
                app.close()
            except Exception as error:
                print(f"microroutes: shutdown(app) failed: {error!r}", file=sys.stderr)
