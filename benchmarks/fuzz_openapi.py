"""Schema-driven fuzzing: schemathesis against a site's own OpenAPI document.

The example blog by default; ``--site new`` fuzzes a site just made by
``microroutes new`` instead.

    python benchmarks/fuzz_openapi.py [--max-examples 50] [--seed 1] [--phases ...]

1. Serves ``examples/blog`` with ``microroutes serve --port 0`` (a subprocess
   on a fresh temporary ``BLOG_DB``, so the fuzzer's posts land nowhere else).
2. Runs ``schemathesis run http://127.0.0.1:PORT/api/openapi.json`` with
   every check but one: no server error, and no status code, content type,
   header or response body that the document does not declare; undeclared
   methods must get 405 with ``Allow``; bodies and queries the document rules
   out must be refused; created posts must be readable at their address.
   (``positive_data_acceptance`` is left out: see the comment in ``fuzz``;
   413 counts as a refusal, and the stateful phase follows the ``Location``
   headers: see :data:`CONFIG`.)
3. Stops the server with SIGTERM and exits with schemathesis's status (0: no
   failure found).

Any other arguments after ``--`` go to ``schemathesis run`` as they are.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import stop_process

#: negative_data_rejection also takes 413, the blog's (documented) answer to a body over
#: the route's limit, however invalid the body is.
#: 413 counts as a refusal. Stateful links come from the ``Location`` headers the
#: blog sends: schemathesis's dependency analysis would instead take a post's
#: ``id`` for the ``uid`` of ``/api/post/{uid}``, which is the slug, and report
#: the post it then cannot find as lost.
CONFIG = """\
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428"]

[phases.stateful.inference]
algorithms = ["location-headers"]
"""
ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog"
_URL = re.compile(r"on (http://127\.0\.0\.1:\d+)")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=50, help="cases per operation")
    parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible runs)")
    parser.add_argument(
        "--phases", default="examples,coverage,fuzzing,stateful", help="schemathesis phases"
    )
    parser.add_argument(
        "--site",
        choices=("blog", "new"),
        default="blog",
        help="the example blog, or a site just made by 'microroutes new'",
    )
    parser.add_argument(
        "--max-time", type=int, default=None, help="seconds for the whole run (schemathesis)"
    )
    parser.add_argument("extra", nargs="*", help="more schemathesis arguments (after --)")
    return parser.parse_args(argv)


def _serve(site: Path, database: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start the site; its process, base URL and the output lines read so far."""
    environ = {**os.environ, "BLOG_DB": str(database), "PYTHONUNBUFFERED": "1"}
    environ.pop("BLOG_BASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "microroutes",
            "serve",
            str(site),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
    )
    lines: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        lines.extend(process.stdout)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        for line in list(lines):
            found = _URL.search(line)
            if found:
                return process, found.group(1), lines
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{site} did not start:\n" + "".join(lines))


def _new_site(scratch: Path) -> Path:
    """A site made by ``microroutes new``, as a newcomer starts one."""
    site = scratch / "new-site"
    subprocess.run([sys.executable, "-m", "microroutes", "new", str(site)], check=True)
    return site


def fuzz(max_examples: int, seed: int, phases: str, extra: list[str], site: str = "blog") -> int:
    """Serve the site, fuzz it, stop it; schemathesis's exit status."""
    with tempfile.TemporaryDirectory(prefix="fuzz-site-") as scratch:
        folder = BLOG if site == "blog" else _new_site(Path(scratch))
        process, url, lines = _serve(folder, Path(scratch) / "blog.sqlite3")
        try:
            config = Path(scratch) / "schemathesis.toml"
            config.write_text(CONFIG, encoding="utf-8")
            command = [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
                "run", f"{url}/api/openapi.json",
                "--checks", "all",
                # The coverage phase may label a case positive whose body it took from its
                # negative pool (meta.components.body.mode is "negative"), then blame the
                # blog for refusing, say, the body 0 where a NewPost belongs.
                "--exclude-checks", "positive_data_acceptance",
                "--max-examples", str(max_examples),
                "--seed", str(seed),
                "--phases", phases,
                "--generation-database", "none",
                "--workers", "1",
                "--no-color",
                *extra,
            ]  # fmt: skip
            # Output goes to a file: a failing case may carry a body of hundreds of KiB.
            report = Path(scratch) / "schemathesis.txt"
            with report.open("w", encoding="utf-8") as out:
                status = subprocess.run(
                    command, cwd=scratch, stdout=out, stderr=subprocess.STDOUT, check=False
                ).returncode
            print(_shortened(report.read_text(encoding="utf-8")))
        finally:
            stop_process(process, 15)
        server_errors = [line for line in lines if "Traceback" in line]
        if server_errors:
            print("the server logged tracebacks:\n" + "".join(lines), file=sys.stderr)
            return status or 1
        return status


def _shortened(text: str, longest: int = 2_000) -> str:
    """``text`` with each line cut to ``longest`` characters."""
    return "\n".join(
        line if len(line) <= longest else line[:longest] + " [...]" for line in text.splitlines()
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    extra = [*args.extra, "--max-time", str(args.max_time)] if args.max_time else args.extra
    return fuzz(args.max_examples, args.seed, args.phases, extra, args.site)


if __name__ == "__main__":
    sys.exit(main())
