"""granian's workers under ``serve``: a dead worker is replaced, a dead parent takes its workers.

Workers are found as the server process's children in ``/proc``; every wait
polls with a deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import Server, listening, running

pytest.importorskip("granian")

GRANIAN = ("--server", "granian", "--workers", "2")
DEADLINE = 20.0
SITE = {
    "pages/pid.py": "import os\n\ndef GET(req, res):\n    return {'pid': os.getpid()}\n",
    "pages/crash.py": "import os\n\ndef GET(req, res):\n    os._exit(3)\n",
    # Start-up fails once the FAIL_MARKER file exists: the first workers start, a
    # replacement does not.
    "pages/_app.py": """
        import os

        def startup(app):
            if os.path.exists(os.environ["FAIL_MARKER"]):
                raise ConnectionError("database unreachable")
    """,
}


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                # The fields after the command name, which may hold spaces, in parentheses.
                fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    found.add(int(entry))
    return found


def _workers(server: Server, count: int = 2) -> set[int]:
    """The server's ``count`` worker processes, once they all answer."""
    deadline = time.monotonic() + DEADLINE
    while True:
        # granian's parent has a resource tracker child too: only workers answer /pid.
        answering = {_pid_of(server) for _ in range(8)}
        workers = _children(server.process.pid) & answering
        if len(workers) == count:
            return workers
        assert time.monotonic() < deadline, f"workers {workers} of {count}:\n{server.output}"
        time.sleep(0.05)


def _pid_of(server: Server) -> int:
    # A new connection each time: the kernel hands them to either worker.
    status, _, body = server.request("GET", "/pid", headers={"Connection": "close"})
    assert status == 200
    return int(re.search(rb"\d+", body).group())  # type: ignore[union-attr]


def _answers_from_new_workers(server: Server, old: set[int]) -> set[int]:
    """Poll until two workers answer and the pids in ``old`` are gone; the new set."""
    deadline = time.monotonic() + DEADLINE
    while True:
        workers = _workers(server)
        if not workers & old:
            return workers
        assert time.monotonic() < deadline, "".join(server.output)
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGSEGV], ids=["SIGKILL", "SIGSEGV"])
def test_a_killed_worker_is_replaced_and_logged(
    make_site, tmp_path: Path, signum: signal.Signals
) -> None:
    site = make_site(SITE)
    env = {"FAIL_MARKER": str(tmp_path / "fail")}
    with running("serve", str(site), *GRANIAN, env=env) as server:
        victim, survivor = sorted(_workers(server))
        os.kill(victim, signum)
        log = server.wait_for_output(f"(pid {victim}) died (killed by {signum.name})")
        log = server.wait_for_output("replaced by pid")
        replacement = int(re.search(r"replaced by pid (\d+)", log).group(1))  # type: ignore[union-attr]
        assert _answers_from_new_workers(server, {victim}) == {survivor, replacement}


def test_a_route_that_exits_its_worker_does_not_stop_the_server(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    env = {"FAIL_MARKER": str(tmp_path / "fail")}
    with running("serve", str(site), *GRANIAN, env=env) as server:
        first = _workers(server)
        # Twice in a row, faster than granian's own crash-loop window: a worker
        # that had served is replaced however often it dies.
        for _ in range(2):
            host, port = server.url.removeprefix("http://").split(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", "/crash")
            with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
                connection.getresponse()
            connection.close()
        deadline = time.monotonic() + DEADLINE
        while "".join(server.output).count("replaced by pid") < 2:
            assert time.monotonic() < deadline, "".join(server.output)
            time.sleep(0.05)
        assert "".join(server.output).count("died (exit status 3)") == 2
        assert len(_workers(server) - first) >= 1


def test_a_replacement_that_fails_to_start_stops_the_server(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    marker = tmp_path / "fail"
    command = [sys.executable, "-m", "microroutes", "serve", str(site), *GRANIAN, "--port", "0"]
    with _started(command, {"FAIL_MARKER": str(marker)}) as (process, lines):
        victim = min(_children_answering(process, lines))
        marker.write_text("")
        os.kill(victim, signal.SIGKILL)
        # No respawn loop: the server gives up with a failure status.
        assert process.wait(DEADLINE) != 0
    output = "".join(lines)
    assert "failed to start; stopping" in output
    assert output.count("ConnectionError: database unreachable") == 1


def test_workers_stop_when_the_server_process_is_killed(make_site, tmp_path: Path) -> None:
    site = make_site(SITE)
    env = {"FAIL_MARKER": str(tmp_path / "fail")}
    command = [sys.executable, "-m", "microroutes", "serve", str(site), *GRANIAN, "--port", "0"]
    with _started(command, env) as (process, lines):
        workers = _children_answering(process, lines)
        port = _port(lines)
        process.kill()
        process.wait()
        deadline = time.monotonic() + DEADLINE
        while listening(process.pid) or any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived the server"
            time.sleep(0.05)
    assert "is gone; worker" in "".join(lines)
    # The port is free again: a new server starts on it.
    again = [*command[:-1], str(port)]
    with _started(again, env) as (process, lines):
        assert _port(lines) == port
        process.terminate()
        assert process.wait(DEADLINE) == 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@contextlib.contextmanager
def _started(
    command: list[str], env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """A server started from ``command`` in a session of its own; the whole session killed after."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + DEADLINE
        while not any("serving" in line for line in list(lines)):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        yield process, lines
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        reader.join(DEADLINE)
        process.stdout.close()


def _port(lines: list[str]) -> int:
    found = re.search(r"http://127\.0\.0\.1:(\d+)", "".join(lines))
    assert found, lines
    return int(found.group(1))


def _children_answering(process: subprocess.Popen[str], lines: list[str]) -> set[int]:
    server = Server(f"http://127.0.0.1:{_port(lines)}", process, lines)
    return _workers(server)
