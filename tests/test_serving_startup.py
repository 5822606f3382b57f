"""Start-up failures of ``microroutes serve``: a few lines naming the cause, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from servers import run_command

GRANIAN = ("--server", "granian", "--workers", "2")
BOTH_SERVERS = [pytest.param((), id="waitress"), pytest.param(GRANIAN, id="granian")]
OK_ROUTE = {"pages/ok.py": "def GET(req, res):\n    return {}\n"}
FAILING_STARTUP = {
    **OK_ROUTE,
    "pages/_app.py": (
        "def startup(app):\n"
        "    connect()\n"
        "\n"
        "def connect():\n"
        "    raise ConnectionError('database unreachable at db.internal:5432')\n"
    ),
}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port with a listening socket on it."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _assert_clean_failure(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0, result
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # A few lines: at most one short report per worker process, and the parent's.
    assert len(result.stderr.strip().splitlines()) <= 12, result.stderr


@pytest.mark.parametrize("server", BOTH_SERVERS)
def test_a_port_in_use(make_site, busy_port: int, server: tuple[str, ...]) -> None:
    site = make_site(OK_ROUTE)
    result = run_command("serve", str(site), *server, "--port", str(busy_port))
    _assert_clean_failure(
        result, f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use"
    )


@pytest.mark.parametrize("server", BOTH_SERVERS)
def test_an_address_not_on_this_machine(make_site, server: tuple[str, ...]) -> None:
    site = make_site(OK_ROUTE)
    # 192.0.2.0/24 is reserved for documentation: never assigned, so binding fails.
    result = run_command("serve", str(site), *server, "--host", "192.0.2.1", "--port", "8000")
    _assert_clean_failure(
        result, "cannot listen on 192.0.2.1:8000: that address does not belong to this machine"
    )


def test_a_missing_site_folder(tmp_path) -> None:
    missing = tmp_path / "nowhere"
    result = run_command("serve", str(missing), *GRANIAN, "--port", "0")
    _assert_clean_failure(result, f"no such site folder: {missing}")


def test_a_site_folder_without_pages(make_site) -> None:
    site = make_site(pages=False)
    result = run_command("serve", str(site), "--port", "0")
    _assert_clean_failure(result, f"{site} has no pages/ folder")


@pytest.mark.parametrize("server", BOTH_SERVERS)
def test_broken_route_files_are_named(make_site, server: tuple[str, ...]) -> None:
    site = make_site(
        {
            **OK_ROUTE,
            "pages/api/syntax.py": "def GET(req, res) nope\n",
            "pages/api/arity.py": "def GET(req):\n    return {}\n",
        }
    )
    result = run_command("serve", str(site), *server, "--port", "0")
    _assert_clean_failure(result, "api/syntax.py", "SyntaxError", "api/arity.py")


@pytest.mark.parametrize("server", BOTH_SERVERS)
def test_a_failing_startup_hook(make_site, server: tuple[str, ...]) -> None:
    site = make_site(FAILING_STARTUP)
    result = run_command("serve", str(site), *server, "--port", "0")
    _assert_clean_failure(
        result,
        "startup(app) in pages/_app.py failed:",
        "ConnectionError: database unreachable at db.internal:5432",
        "raised at pages/_app.py:5",
        "--debug",
    )


@pytest.mark.parametrize("server", BOTH_SERVERS)
def test_debug_shows_the_traceback(make_site, server: tuple[str, ...]) -> None:
    site = make_site(FAILING_STARTUP)
    result = run_command("serve", str(site), *server, "--port", "0", "--debug")
    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "connect()" in result.stderr
    assert "startup(app) in pages/_app.py failed:" in result.stderr


def test_granian_missing_says_how_to_install_it(make_site) -> None:
    site = make_site(OK_ROUTE)
    # granian hidden from this interpreter: importing it raises ImportError.
    shim = (
        "import sys; sys.modules['granian'] = None; "
        "from microroutes.cli import main; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", shim, "serve", str(site), "--server", "granian", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    _assert_clean_failure(result, "granian is not installed", "pip install 'microroutes[granian]'")


def test_workers_on_waitress_points_to_granian_and_gunicorn(make_site) -> None:
    site = make_site(OK_ROUTE)
    result = run_command("serve", str(site), "--workers", "4", "--port", "0")
    _assert_clean_failure(
        result, "waitress runs in a single process", "--server granian", "gunicorn"
    )
