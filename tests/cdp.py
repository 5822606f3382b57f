"""Headless Chromium driven over the Chrome DevTools Protocol, with a small WebSocket client.

``browser()`` starts Chromium on a free debugging port and yields a
:class:`Page` attached to its first tab: ``call`` sends a command and returns
its result, ``events`` holds every event seen so far, and ``evaluate``
returns the value of a JavaScript expression.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
#: How long one command or one wait may take.
TIMEOUT = 30.0
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium() -> str | None:
    """The Chromium program, or ``None`` when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class WebSocket:
    """A client WebSocket (RFC 6455) over plain TCP: text frames out, whole messages in."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._socket = socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        self._socket.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self._socket.recv(1)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"no WebSocket upgrade: {head!r}")

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            data += chunk
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self._socket.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def receive(self) -> str:
        """The next whole text message (answering pings on the way)."""
        message = b""
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._read(8))
            payload = self._read(size)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self._socket.close()


class Page:
    """One tab, driven over its DevTools WebSocket."""

    def __init__(self, socket_url: str) -> None:
        self._socket = WebSocket(socket_url)
        self._next_id = 0
        #: Every event received so far, in order: ``{"method": ..., "params": ...}``.
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command; its result (events that arrive first are kept in :attr:`events`)."""
        self._next_id += 1
        number = self._next_id
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.receive())
            if message.get("id") != number:
                self.events.append(message)
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            result: dict[str, Any] = message.get("result", {})
            return result

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        found = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in found:
            raise RuntimeError(f"{expression}: {found['exceptionDetails']}")
        return found["result"].get("value")

    def wait_for(self, probe: Callable[[], T | None], what: str) -> T:
        """``probe()``'s first value that is not ``None`` or false, polled until :data:`TIMEOUT`."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def close(self) -> None:
        self._socket.close()


def _pump(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


@contextmanager
def browser() -> Iterator[Page]:
    """Headless Chromium with a fresh profile; yields its first tab, and stops it after."""
    program = chromium()
    if program is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                program,
                "--headless=new",
                "--no-sandbox",  # the tests may run as root
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=_pump, args=(process.stderr, lines), daemon=True)
        reader.start()
        page: Page | None = None
        try:
            deadline = time.monotonic() + TIMEOUT
            address = None
            while address is None:
                found = _LISTENING.search("".join(lines))
                if found is not None:
                    address = urlsplit(found.group(1)).netloc
                elif time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("chromium did not start:\n" + "".join(lines))
                else:
                    time.sleep(0.05)
            with urllib.request.urlopen(f"http://{address}/json/list", timeout=TIMEOUT) as answer:
                targets = json.load(answer)
            tab = next(target for target in targets if target["type"] == "page")
            page = Page(tab["webSocketDebuggerUrl"])
            yield page
        finally:
            if page is not None:
                page.close()
            process.terminate()
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(TIMEOUT)
            if process.stderr is not None and not reader.is_alive():
                process.stderr.close()
