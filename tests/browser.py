"""Headless Chromium driven over the DevTools protocol, for tests about what a browser shows.

``with chromium() as browser: visit = browser.visit(url)`` loads a page in a
real browser and gives the document's HTTP status and a way to evaluate
JavaScript in it (computed styles, elements). The protocol runs over a pipe
(``--remote-debugging-pipe``: JSON messages ending in a NUL byte on file
descriptors 3 and 4), so no WebSocket client is needed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import pytest

#: Longest wait for the browser to start, answer a command or load a page.
TIMEOUT = 30.0


def chromium_path() -> str:
    """The Chromium executable; the test is skipped without one (``.ci/run`` installs it)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (apt-get install chromium)")


class _Connection:
    """Commands out on one pipe, answers and events in on the other, NUL-separated."""

    def __init__(self, process: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self._process = process
        self._write = os.fdopen(write_fd, "wb", buffering=0)
        self._read = os.fdopen(read_fd, "rb", buffering=0)
        self._next_id = 0
        self._messages: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        pending = b""
        while True:
            data = self._read.read(65536)
            if not data:
                return
            pending += data
            *messages, pending = pending.split(b"\0")
            with self._changed:
                self._messages.extend(json.loads(message) for message in messages)
                self._changed.notify_all()

    def wait_for(self, wanted: Any, what: str) -> dict[str, Any]:
        """The first message ``wanted(message)`` accepts (removed); fail after :data:`TIMEOUT`."""
        deadline = time.monotonic() + TIMEOUT
        with self._changed:
            while True:
                for message in self._messages:
                    if wanted(message):
                        self._messages.remove(message)
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self._process.poll() is not None:
                    raise AssertionError(f"Chromium never sent {what}")
                self._changed.wait(min(left, 0.5))

    def send(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        """Run one protocol command and return its result; a protocol error fails the test."""
        self._next_id += 1
        number = self._next_id
        message = {"id": number, "method": method, "params": params or {}, **extra}
        self._write.write(json.dumps(message).encode() + b"\0")
        answer = self.wait_for(lambda m: m.get("id") == number, f"an answer to {method}")
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer.get("result", {})

    def close(self) -> None:
        self._write.close()
        self._read.close()


@dataclass
class Visit:
    """A page loaded in the browser: the document's status and a JavaScript evaluator."""

    status: int
    _connection: _Connection
    _session: str

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        result = self._connection.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            sessionId=self._session,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")


class Browser:
    """A running headless Chromium."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    def visit(self, url: str) -> Visit:
        """Open ``url`` in a new tab and wait until it has loaded (stylesheets included)."""
        connection = self._connection
        target = connection.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = connection.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Network.enable"):
            connection.send(domain, sessionId=session)
        connection.send("Page.navigate", {"url": url}, sessionId=session)
        document = connection.wait_for(
            lambda m: (
                m.get("sessionId") == session
                and m.get("method") == "Network.responseReceived"
                and m["params"].get("type") == "Document"
            ),
            f"the response for {url}",
        )
        connection.wait_for(
            lambda m: m.get("sessionId") == session and m.get("method") == "Page.loadEventFired",
            f"the load event of {url}",
        )
        return Visit(int(document["params"]["response"]["status"]), connection, session)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium with a throw-away profile, stopped when the block ends."""
    executable = chromium_path()
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()

    def pipes_on_3_and_4() -> None:  # runs in the child, before exec
        # Copied above every low descriptor first, so one dup2 cannot overwrite the other.
        commands = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
        answers = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
        os.dup2(commands, 3)
        os.dup2(answers, 4)
        os.close(commands)
        os.close(answers)

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",  # tests may run as root, where the sandbox refuses to start
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # only 0-2 and the inheritable 3 and 4 are passed on
            preexec_fn=pipes_on_3_and_4,
            start_new_session=True,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        connection = _Connection(process, to_browser_write, from_browser_read)
        try:
            yield Browser(connection)
        finally:
            with suppress(AssertionError, OSError):
                connection.send("Browser.close")
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            connection.close()
