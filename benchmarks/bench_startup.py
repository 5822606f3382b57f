"""Start-up with many route files: microroutes against Falcon building the same routes.

The routes are ``/g<n // 100>/r<n>/<id>``, 100 to a folder. Each case runs in a
fresh interpreter (imports are what is measured) and reports the process CPU
time from before building the app to its first answer:

* ``microroutes``: ``App(site)``, ``load_all()`` (every route file imported), one request;
* ``microroutes dev``: the same with ``reload=True`` (the reloader records its stamps);
* ``falcon``: each of the same files imported with importlib and its resource
  added with ``app.add_route``, then one request.

Then, unless ``--no-serve``, the wall time from starting
``microroutes serve SITE --server granian --workers 2`` to its first 200.

    python benchmarks/bench_startup.py --routes 2000 10000
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _common import format_table, stop_process, versions

_ROUTE = "def GET(req, res):\n    return {'id': req.params['id'], 'n': %d}\n"
_FALCON_RESOURCE = (
    "class Resource:\n"
    "    def on_get(self, req, resp, id):\n"
    "        resp.media = {'id': id, 'n': %d}\n"
)

_MICROROUTES = textwrap.dedent(
    """
    import sys, time
    from microroutes import App
    from microroutes.testing import Client
    start = time.process_time()
    app = App(sys.argv[1], reload=sys.argv[2] == "dev")
    app.load_all()
    assert Client(app).get("/g0/r7/x").json == {"id": "x", "n": 7}
    print(time.process_time() - start)
    """
)
_FALCON = textwrap.dedent(
    """
    import importlib.util, os, sys, time
    import falcon, falcon.testing
    start = time.process_time()
    app = falcon.App()
    folder = sys.argv[1]
    for name in sorted(os.listdir(folder)):
        number = int(name.removeprefix("r").removesuffix(".py"))
        path = f"{folder}/{name}"
        spec = importlib.util.spec_from_file_location(f"falcon_routes.r{number}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        app.add_route(f"/g{number // 100}/r{number}/{{id}}", module.Resource())
    result = falcon.testing.TestClient(app).simulate_get("/g0/r7/x")
    assert result.json == {"id": "x", "n": 7}, result.json
    print(time.process_time() - start)
    """
)


def _group(number: int) -> str:
    # 100 routes a folder: Falcon checks each new route against its siblings.
    return f"g{number // 100}"


def _write_sites(root: Path, routes: int) -> tuple[Path, Path]:
    site, falcon_folder = root / "site", root / "falcon"
    for number in range(routes):
        folder = site / "pages" / _group(number) / f"r{number}"
        folder.mkdir(parents=True)
        (folder / "[id].py").write_text(_ROUTE % number)
    falcon_folder.mkdir()
    for number in range(routes):
        (falcon_folder / f"r{number}.py").write_text(_FALCON_RESOURCE % number)
    return site, falcon_folder


def _cpu_seconds(script: str, *args: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _first_answer_seconds(site: Path) -> float:
    """Wall time from starting granian with two workers to the first 200."""
    port = _free_port()
    start = time.monotonic()
    command = [sys.executable, "-m", "microroutes", "serve", str(site), "--server", "granian"]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.monotonic() - start < 600:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/g0/r7/x")
                if conn.getresponse().status == 200:
                    return time.monotonic() - start
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("granian never answered")
    finally:
        stop_process(process, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    parser.add_argument("--no-serve", action="store_true", help="skip the granian first answer")
    args = parser.parse_args()
    print(versions("microroutes", "falcon", "granian"))
    rows = []
    for routes in args.routes:
        with tempfile.TemporaryDirectory() as temporary:
            site, falcon_folder = _write_sites(Path(temporary), routes)
            best: dict[str, float] = {}
            for _ in range(args.rounds):  # interleaved, best round kept
                for name, script, target, mode in (
                    ("microroutes", _MICROROUTES, site, "serve"),
                    ("microroutes dev", _MICROROUTES, site, "dev"),
                    ("falcon", _FALCON, falcon_folder, ""),
                ):
                    seconds = _cpu_seconds(script, str(target), mode)
                    best[name] = min(best.get(name, seconds), seconds)
            served = "" if args.no_serve else f"{_first_answer_seconds(site):.2f} s"
            falcon = best["falcon"]
            rows.append(
                [
                    f"{routes:,}",
                    f"{falcon:.2f} s",
                    f"{best['microroutes']:.2f} s ({best['microroutes'] / falcon:.2f}x)",
                    f"{best['microroutes dev']:.2f} s ({best['microroutes dev'] / falcon:.2f}x)",
                    served,
                ]
            )
    header = ["routes", "falcon", "microroutes", "microroutes dev", "granian 2 workers: 1st 200"]
    print(format_table(header, rows))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
