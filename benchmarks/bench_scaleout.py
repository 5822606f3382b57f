"""Scale-out: the example blog through nginx, on SQLite, on PostgreSQL, on one host or two.

    python benchmarks/bench_scaleout.py [--seconds 10] [--clients 16] [--workers 2]

Each setup is ``microroutes serve examples/blog --server granian --workers N``
on loopback addresses behind a real nginx (the configuration of
``docs/deploying.md``, made by ``tests/topology.py``), driven by the same
closed-loop clients (``tests/load_client.py``): each client creates a post,
reads one, lists the newest, over and over, on a keep-alive connection.

1. SQLite, one host (``BLOG_DB``, a new file);
2. PostgreSQL, one host (a server made by ``initdb`` for the run);
3. PostgreSQL, two hosts (127.0.0.2 and 127.0.0.3, same port).

Reports creates and reads per second, their p50 and p99 latency and any
failure (anything but 200/201, or a connection error), and the ratios to
the SQLite setup. On one machine the "hosts" share its cores: two hosts
show what the balancer and the shared database cost and what a second
set of workers adds there, not what a second machine adds. Needs
PostgreSQL and nginx (``apt-get install postgresql nginx``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from load_client import Load, Outcome  # noqa: E402
from pg import free_port, postgres_server  # noqa: E402
from test_topology import common_port  # noqa: E402
from topology import topology  # noqa: E402


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def measure(
    name: str,
    addresses: Sequence[str],
    env: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, float | str]:
    serve = ("--server", "granian", "--workers", str(args.workers), "--threads", str(args.threads))
    nginx_port = free_port()
    with topology(addresses, common_port(), nginx_port, env, serve):
        warm = Load(nginx_port, threads=args.clients, tag="warm").start()  # every worker
        time.sleep(2)
        warm.stop()
        load = Load(nginx_port, threads=args.clients, tag="run").start()
        started = time.monotonic()
        time.sleep(args.seconds)
        outcomes = load.stop()
        elapsed = time.monotonic() - started
    return summarise(name, outcomes, elapsed)


def summarise(name: str, outcomes: list[Outcome], elapsed: float) -> dict[str, float | str]:
    creates = [o for o in outcomes if o.kind == "create" and o.status == 201]
    reads = [o for o in outcomes if o.kind != "create" and o.status == 200]
    failed = len(outcomes) - len(creates) - len(reads)
    return {
        "setup": name,
        "creates/s": len(creates) / elapsed,
        "reads/s": len(reads) / elapsed,
        "create p50 ms": 1000 * percentile([o.ended - o.started for o in creates], 0.5),
        "create p99 ms": 1000 * percentile([o.ended - o.started for o in creates], 0.99),
        "read p99 ms": 1000 * percentile([o.ended - o.started for o in reads], 0.99),
        "failed": failed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per setup")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="granian workers per host")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_env = {"BLOG_DB": str(Path(folder) / "blog.sqlite3"), "BLOG_DATABASE_URL": ""}
        results.append(measure("SQLite, 1 host", ["127.0.0.2"], sqlite_env, args))
    with postgres_server() as server:
        for name, addresses in (
            ("PostgreSQL, 1 host", ["127.0.0.2"]),
            ("PostgreSQL, 2 hosts", ["127.0.0.2", "127.0.0.3"]),
        ):
            database = "b" + str(len(addresses))
            server.execute(f"CREATE DATABASE {database}")
            env = {"BLOG_DATABASE_URL": server.url(database), "BLOG_DB": ""}
            results.append(measure(name, addresses, env, args))
    base = results[0]
    print(
        f"{args.clients} clients, {args.seconds:.0f} s a setup, granian --workers {args.workers}"
        f" --threads {args.threads} per host, through nginx\n"
    )
    header = (
        "| setup | creates/s | reads/s | create p50 ms | create p99 ms | read p99 ms | failed"
        " | creates vs SQLite | reads vs SQLite |"
    )
    print(header)
    print("|" + " --- |" * 9)
    for row in results:
        print(
            f"| {row['setup']} | {row['creates/s']:.0f} | {row['reads/s']:.0f}"
            f" | {row['create p50 ms']:.1f} | {row['create p99 ms']:.1f}"
            f" | {row['read p99 ms']:.1f} | {row['failed']:.0f}"
            f" | {float(row['creates/s']) / float(base['creates/s']):.2f}x"
            f" | {float(row['reads/s']) / float(base['reads/s']):.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
