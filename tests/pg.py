"""A real PostgreSQL server for the tests, made from nothing in a temporary folder.

:class:`Postgres` runs ``initdb`` into a fresh folder and starts ``postgres``
on a free loopback port, with its Unix socket in that folder, trusting
local connections. As root (PostgreSQL refuses to run as root) the server
runs as the ``postgres`` user. The programs are found on ``PATH`` or under
``/usr/lib/postgresql/*/bin``; when they are missing the tests that need
them fail (they never skip): ``.ci/run`` installs Debian's ``postgresql``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Seconds to wait for the server to start or stop.
START_TIMEOUT = 60.0
#: The database superuser the tests connect as.
SUPERUSER = "postgres"


def find_program(name: str) -> str:
    """The path of a PostgreSQL server program (``initdb``, ``pg_ctl``); fail if missing."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = candidates[-1] if candidates else None
    if found is None:
        pytest.fail(
            f"PostgreSQL's {name} is not installed (apt-get install postgresql); "
            "the PostgreSQL tests need a real server"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class Postgres:
    """A PostgreSQL server in its own folder; :meth:`start`, :meth:`stop`, :meth:`restart`."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="microroutes-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._user = self._run_as()
        self._pg_ctl = find_program("pg_ctl")
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        self._as_owner(
            find_program("initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )

    @staticmethod
    def _run_as() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs a postgres user to run PostgreSQL as")

    def _as_owner(self, *command: str) -> None:
        prefix = [] if self._user is None else ["runuser", "-u", self._user.pw_name, "--"]
        result = subprocess.run(
            [*prefix, *command],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
            cwd=self.folder,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{result.stdout}\n{result.stderr}")

    def url(self, database: str = SUPERUSER) -> str:
        """A ``postgresql://`` URL of one database, over TCP on loopback."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=300 -c shared_buffers=64MB"
        )
        self._as_owner(
            self._pg_ctl,
            "start",
            "--pgdata",
            str(self.data),
            "--wait",
            f"--timeout={int(START_TIMEOUT)}",
            "--log",
            str(self.folder / "server.log"),
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions, close connections)."""
        self._as_owner(self._pg_ctl, "stop", "--pgdata", str(self.data), "--wait", "--mode", mode)

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    def execute(self, sql: str, database: str = SUPERUSER) -> list[tuple[object, ...]]:
        """Run one statement in its own autocommitted connection; the rows it returned."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def remove(self) -> None:
        """Stop the server if it runs and delete its folder."""
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new, empty database for the block; its URL. Dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.execute(f"CREATE DATABASE {name}")
        try:
            yield self.url(name)
        finally:
            self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A started :class:`Postgres`, removed when the block ends."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def wait_until_accepting(server: Postgres, timeout: float = START_TIMEOUT) -> None:
    """Poll until the server answers a query."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            server.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
