"""A closed-loop HTTP load of blog creates and reads, recording every answer.

Each thread keeps one keep-alive connection (opened again after an error)
and alternates: create a post with a slug of its own, read back the last
post it saw created, list the newest posts. Every request is recorded as an
:class:`Outcome`, with what the client saw; a connection error is status 0.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One request as the client saw it."""

    kind: str  # "create", "read" or "list"
    started: float
    ended: float
    status: int
    retry_after: str | None
    upstream: str | None
    slug: str | None


class Load:
    """``threads`` clients hammering ``host:port`` until :meth:`stop`."""

    def __init__(self, port: int, threads: int = 6, host: str = "127.0.0.1", tag: str = "") -> None:
        self._host, self._port, self._tag = host, port, tag
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        self._threads = [
            threading.Thread(target=self._run, args=(number,), daemon=True)
            for number in range(threads)
        ]

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        with self._lock:
            return list(self.outcomes)

    def since(self, moment: float) -> list[Outcome]:
        with self._lock:
            return [outcome for outcome in self.outcomes if outcome.started >= moment]

    def _run(self, number: int) -> None:
        conn: http.client.HTTPConnection | None = None
        last = "hello-world"
        step = 0
        while not self._stop.is_set():
            step += 1
            kind = ("create", "read", "list")[step % 3]
            slug = f"load{self._tag}-{number}-{step}" if kind == "create" else None
            if kind == "create":
                body = json.dumps({"title": f"Load {number} {step}", "body": "b", "slug": slug})
                request = ("POST", "/api/posts", body.encode())
            elif kind == "read":
                request = ("GET", f"/api/post/{last}", None)
            else:
                request = ("GET", "/api/posts?limit=5", None)
            if conn is None:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
            started = time.monotonic()
            status, retry_after, upstream = 0, None, None
            try:
                headers = {"Content-Type": "application/json"} if request[2] else {}
                conn.request(request[0], request[1], body=request[2], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                retry_after = response.getheader("Retry-After")
                upstream = response.getheader("X-Upstream")
            except (OSError, http.client.HTTPException):
                with contextlib.suppress(OSError):
                    conn.close()
                conn = None
            if kind == "create" and status == 201 and slug is not None:
                last = slug
            outcome = Outcome(kind, started, time.monotonic(), status, retry_after, upstream, slug)
            with self._lock:
                self.outcomes.append(outcome)
        if conn is not None:
            conn.close()
