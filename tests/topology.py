"""Several blog hosts behind a real nginx, for the scale-out test and benchmark.

A :class:`Host` is ``microroutes serve examples/blog`` on one loopback
address (``127.0.0.2``, ``127.0.0.3``, ...: Linux answers on all of
``127.0.0.0/8``), every host on the same port, in a process group of its
own so that ``kill -9`` of the group takes the server and all its workers
down at once, as losing a machine would. :class:`Nginx` balances between
them with the configuration ``docs/deploying.md`` shows.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog"
#: Seconds a host or nginx gets to start answering.
START_TIMEOUT = 60.0

#: The balancing part of the nginx configuration, as ``docs/deploying.md`` shows it:
#: ``{upstreams}`` is one :data:`UPSTREAM` line per host, ``{listen}`` nginx's address.
NGINX_SITE = """\
upstream blog {{
{upstreams}
    keepalive 32;
}}

server {{
    listen {listen};

    location / {{
        proxy_pass http://blog;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        # A host that refuses or drops a connection is skipped: the request
        # goes to the next one. nginx never resends a POST or PATCH that
        # reached a host (that would need "non_idempotent" here), so a create
        # is never made twice; GET, HEAD, PUT and DELETE are retried.
        proxy_next_upstream error timeout;
        proxy_next_upstream_timeout 10s;
        proxy_connect_timeout 1s;
        proxy_read_timeout 30s;
        add_header X-Upstream $upstream_addr always;
    }}
}}
"""
#: One host of the ``upstream`` block: out of the rotation for 2 s after one failure.
UPSTREAM = "    server {address} max_fails=1 fail_timeout=2s;"
#: The rest of a whole nginx configuration, for a server of the tests' own.
NGINX_CONF = """\
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
{user}
events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

{site}
}}
"""


def site_config(upstreams: Sequence[str], listen: str) -> str:
    """:data:`NGINX_SITE` for hosts at ``upstreams`` (``address:port``), nginx at ``listen``."""
    lines = "\n".join(UPSTREAM.format(address=address) for address in upstreams)
    return NGINX_SITE.format(upstreams=lines, listen=listen)


def documented_site(upstream: str, listen: str, *, body_timeout: int | None = None) -> str:
    """The nginx server of docs/deploying.md's "Behind nginx", in front of ``upstream``.

    Without TLS and ``public/``: its ``client_*`` limits and its ``location @app``
    proxying as written, ``client_body_timeout`` set to ``body_timeout`` seconds if given.
    """
    text = (ROOT / "docs" / "deploying.md").read_text()
    block = text.split("## Behind nginx", 1)[1].split("```nginx", 1)[1].split("```", 1)[0]
    limits = re.findall(r"^\s*(client_\w+ [^;]+;)", block, re.MULTILINE)
    if not {line.split()[0] for line in limits} >= {"client_body_timeout", "client_max_body_size"}:
        raise AssertionError(f"the documented nginx block lost its body limits: {limits}")
    if body_timeout is not None:
        limits = [
            re.sub(r"^client_body_timeout .*", f"client_body_timeout {body_timeout}s;", line)
            for line in limits
        ]
    app = block.split("location @app {", 1)[1].split("}", 1)[0]
    proxying = re.findall(r"^\s*(proxy_\w+ [^;]+;)", app, re.MULTILINE)
    proxying = [line.replace("http://mysite", "http://app") for line in proxying]
    if "proxy_pass http://app;" not in proxying:
        raise AssertionError(f"the documented nginx block proxies elsewhere: {proxying}")
    inner = "\n        "
    return (
        f"upstream app {{\n    server {upstream};\n    keepalive 16;\n}}\n"
        f"server {{\n    listen {listen};\n    " + "\n    ".join(limits) + "\n"
        f"    location / {{{inner}{inner.join(proxying)}\n    }}\n}}\n"
    )


def find_nginx() -> str:
    """The nginx program; fail (never skip) when it is not installed."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.path.exists(path)), None
    )
    if found is None:
        pytest.fail("nginx is not installed (apt-get install nginx); the topology test needs it")
    return found


def wait_for_http(host: str, port: int, path: str, timeout: float = START_TIMEOUT) -> None:
    """Poll until ``GET path`` on ``host:port`` answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(host, port, timeout=5)
            try:
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing answered 200 on http://{host}:{port}{path}")
        time.sleep(0.1)


class Host:
    """``microroutes serve examples/blog`` on one loopback address."""

    def __init__(
        self, address: str, port: int, env: Mapping[str, str], args: Sequence[str] = ()
    ) -> None:
        self.address, self.port = address, port
        self._env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self._args = list(args)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="microroutes-host-", suffix=".log")[1])

    def start(self) -> None:
        """Start the server and wait until it answers."""
        command = [sys.executable, "-m", "microroutes", "serve", str(BLOG), *self._args]
        command += ["--host", self.address, "--port", str(self.port)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self._env, start_new_session=True
            )
        wait_for_http(self.address, self.port, "/api/posts?limit=1")

    def kill(self) -> None:
        """``kill -9`` the server's process group: the server and its workers, at once."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM the server, then kill whatever is left of its group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Nginx:
    """nginx in front of the hosts, configured from :data:`NGINX_CONF`."""

    def __init__(
        self,
        upstreams: Sequence[str],
        port: int,
        *,
        site: str | None = None,
        ready_path: str = "/api/posts?limit=1",
    ) -> None:
        """``site``: the ``http`` block's own part (default :func:`site_config`); nginx is
        ready once ``ready_path`` answers 200 through it."""
        self.port = port
        self.ready_path = ready_path
        self.folder = Path(tempfile.mkdtemp(prefix="microroutes-nginx-"))
        user = "user root;" if os.geteuid() == 0 else ""
        if site is None:
            site = site_config(upstreams, f"127.0.0.1:{port}")
        self.config = NGINX_CONF.format(folder=self.folder, user=user, site=site)
        (self.folder / "nginx.conf").write_text(self.config)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [find_nginx(), "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_http("127.0.0.1", self.port, self.ready_path)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def topology(
    addresses: Sequence[str],
    port: int,
    nginx_port: int,
    env: Mapping[str, str],
    args: Sequence[str],
) -> Iterator[tuple[list[Host], Nginx]]:
    """Hosts on ``addresses`` (all on ``port``) behind nginx on ``nginx_port``; stopped after."""
    hosts = [Host(address, port, env, args) for address in addresses]
    nginx = Nginx([f"{address}:{port}" for address in addresses], nginx_port)
    try:
        # All at once, as after a deploy: the schema is made once under its lock.
        threads = [threading.Thread(target=host.start) for host in hosts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(START_TIMEOUT + 10)
        for host in hosts:
            wait_for_http(host.address, host.port, "/api/posts?limit=1", timeout=5)
        nginx.start()
        yield hosts, nginx
    finally:
        nginx.stop()
        for host in hosts:
            host.stop()
            host.log.unlink(missing_ok=True)
