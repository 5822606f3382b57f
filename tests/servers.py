"""Running ``microroutes`` server commands as real subprocesses on a loopback port."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_URL = re.compile(r"on (http://[^\s/]+:\d+)")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
#: How long to wait for a line the server is expected to print.
OUTPUT_TIMEOUT = 10.0


@dataclass
class Server:
    """A started server: its base URL and everything it printed so far."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request with urllib: ``(status, headers, body)``, errors included."""
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers=dict(headers)
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read()

    def wait_for_output(self, *fragments: str, timeout: float = OUTPUT_TIMEOUT) -> str:
        """Everything printed so far, once it holds every fragment; fail after ``timeout``.

        The output is read by a thread, so a line logged while answering a request may
        arrive after the response: wait for it instead of reading ``output`` at once.
        """
        deadline = time.monotonic() + timeout
        while True:
            text = "".join(self.output)
            if all(fragment in text for fragment in fragments):
                return text
            if time.monotonic() > deadline or self.process.poll() is not None:
                missing = [fragment for fragment in fragments if fragment not in text]
                raise AssertionError(f"the server never printed {missing!r}:\n{text}")
            time.sleep(0.02)


def _pump(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


@contextmanager
def running(
    *args: str, env: Mapping[str, str | None] | None = None, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """Run ``python -m microroutes ARGS --host HOST --port 0`` until the block ends; SIGTERM it.

    ``env`` adds variables to the environment (``None`` removes one).

    The server is always stopped, even when the block fails; on leaving, the
    process must exit 0 within :data:`STOP_TIMEOUT` and have printed ``stopped``.
    """
    command = [sys.executable, "-m", "microroutes", *args, "--host", host, "--port", "0"]
    # A session of its own, so worker processes (granian's) can be found and reaped.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_environment(env),
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_pump, args=(process, lines), daemon=True)
    reader.start()
    try:
        url = _wait_for_url(process, lines)
        server = Server(url, process, lines)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        survivors = _reap_session(process.pid)
        reader.join(STOP_TIMEOUT)
        if process.stdout is not None and not reader.is_alive():
            process.stdout.close()
    output = "".join(lines)
    assert process.returncode == 0, f"server exited {process.returncode}:\n{output}"
    assert "microroutes: stopped" in output, output
    assert not survivors, f"processes {survivors} outlived the server:\n{output}"


def listening(session: int) -> bool:
    """Whether any process of the server's session still holds a listening TCP socket.

    Read from ``/proc``, not by connecting: once the server lets its port go, a
    server another test starts may take the same port number.
    """
    sockets: set[str] = set()
    for pid in _session_members(session):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        sockets.add(target[len("socket:[") : -1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == _TCP_LISTEN and fields[9] in sockets:
                    return True
    return False


#: The state column of a listening socket in ``/proc/net/tcp``.
_TCP_LISTEN = "0A"


def _session_members(session: int) -> list[int]:
    return [
        int(pid)
        for pid in os.listdir("/proc")
        if pid.isdigit() and _session_of(int(pid)) == session
    ]


def _reap_session(session: int) -> list[int]:
    """Kill what is left of the server's session once its first process is gone; their pids.

    A worker that outlives its server would hold the output pipe open for good.
    """
    try:
        os.killpg(session, 0)
    except ProcessLookupError:
        return []
    survivors = _session_members(session)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(session, signal.SIGKILL)
    return survivors


def _session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _environment(changes: Mapping[str, str | None] | None) -> dict[str, str]:
    merged: dict[str, str | None] = {**os.environ, **(changes or {}), "PYTHONUNBUFFERED": "1"}
    return {name: value for name, value in merged.items() if value is not None}


def _wait_for_url(process: subprocess.Popen[str], lines: list[str]) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in list(lines):
            found = _URL.search(line)
            if found:
                return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"server did not start:\n{''.join(lines)}")


def run_command(
    *args: str, env: Mapping[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m microroutes ARGS`` to completion and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "microroutes", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
        **kwargs,
    )
