"""``serve --server waitress``: one process, a pool of threads, a graceful stop.

waitress has no graceful stop of its own: closing it drops connections that
are mid-response. Here SIGTERM/SIGINT first makes readiness routes answer 503
for the drain delay (while everything else is served as usual; a second
signal cuts the delay short), then closes the listening sockets (new
connections are refused), then waits, up to the graceful timeout, until no
connection has a request being read, run or written, and only then closes
the rest. The waiting happens on a helper thread while waitress's loop keeps
running on the main thread, so responses keep flowing out.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..health import start_draining
from .options import ServeOptions
from .signals import StopEvent, stop_requested
from .site import body_limit, flush_logs, load_site, start_app, wsgi_stack
from .startup import describe_bind_error
from .waitress_channel import use_microroutes_channels

__all__ = ["run_waitress"]

_DRAIN_POLL = 0.02


def run_waitress(options: ServeOptions, announce: Callable[[str], None]) -> int:
    """Serve the site under waitress until SIGTERM/SIGINT; return the exit status.

    ``announce`` receives the ``serving ... on http://host:port`` line once
    the server accepts connections.

    :raises StartupError: the site or the address is unusable, or ``startup(app)`` failed.
    :raises SiteError: a route or middleware file is broken.
    """
    from waitress.server import create_server

    app = load_site(options)
    try:
        served = wsgi_stack(app, options)
        server: Any = create_server(
            served,
            host=options.host,
            port=options.port,
            threads=options.thread_count,
            # waitress refuses a body far over every route's limit before buffering it.
            max_request_body_size=body_limit(app),
            **_connection_settings(options),
        )
    except OSError as error:
        raise describe_bind_error(options.host, options.port, error) from error
    use_microroutes_channels(_event_map(server))
    try:
        start_app(app)
    except BaseException:
        server.close()
        raise
    try:
        with stop_requested() as stop:
            drainer = threading.Thread(
                target=_drain_when_stopped,
                args=(server, stop, options.drain_delay, options.graceful_timeout),
                name="microroutes-drain",
                daemon=True,
            )
            drainer.start()
            host, port = _address(server, options)
            announce(f"serving {app.site_dir} on http://{host}:{port} (waitress)")
            server.run()
            drainer.join()
    finally:
        flush_logs(served)
        app.close()
    return 0


def _connection_settings(options: ServeOptions) -> dict[str, Any]:
    """waitress's connection limit, idle timeout and backlog, from ``options``."""
    idle = max(1, math.ceil(options.idle_timeout))
    return {
        "connection_limit": options.connection_limit,
        "channel_timeout": idle,
        # Idle connections are looked for this often: a few times per timeout.
        "cleanup_interval": max(1, min(30, idle // 3)),
        "backlog": options.backlog,
        # select() cannot watch descriptors past 1023; poll() can, for any limit.
        "asyncore_use_poll": True,
        # Proxy headers are the app stack's business (TrustedProxies), on every server.
        "clear_untrusted_proxy_headers": False,
    }


def _address(server: Any, options: ServeOptions) -> tuple[str, int]:
    listen = getattr(server, "effective_listen", None)
    if listen:
        host, port = listen[0][:2]
        return str(host), int(port)
    return str(server.effective_host), int(server.effective_port)


def _event_map(server: Any) -> dict[int, Any]:
    found: dict[int, Any] = getattr(server, "map", None) or server._map
    return found


def _drain_when_stopped(server: Any, stop: StopEvent, drain_delay: float, timeout: float) -> None:
    """Wait for the stop signal, drain, stop accepting, let requests finish, then close all."""
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    stop.wait()
    start_draining()
    if drain_delay > 0:
        stop.again.wait(drain_delay)
    events = _event_map(server)
    listeners = [d for d in list(events.values()) if isinstance(d, BaseWSGIServer)]
    trigger: Any = listeners[0].trigger

    def stop_listening() -> None:
        for listener in listeners:
            listener.accepting = False
            wasyncore.dispatcher.close(listener)

    trigger.pull_trigger(stop_listening)
    deadline = time.monotonic() + timeout
    while True:
        busy = [
            channel
            for channel in list(events.values())
            if isinstance(channel, HTTPChannel)
            and (channel.requests or channel.request is not None or channel.total_outbufs_len)
        ]
        if not busy:
            break
        if time.monotonic() >= deadline:
            print(
                f"microroutes: {len(busy)} connection(s) still busy after {timeout:g} s; closing",
                file=sys.stderr,
                flush=True,
            )
            break
        time.sleep(_DRAIN_POLL)
    # Closing every dispatcher empties the map, which ends waitress's loop.
    trigger.pull_trigger(lambda: wasyncore.close_all(events))
    listeners[0].task_dispatcher.shutdown(cancel_pending=True, timeout=max(1, math.ceil(timeout)))
