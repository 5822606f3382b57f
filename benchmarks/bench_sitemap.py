"""Sitemap writer benchmark: iter_sitemap against a hand-written loop (and sitemap.js).

Every case streams COUNT entries (loc, lastmod as a ``date``, changefreq,
priority), generated lazily, into a sink that only counts bytes:

* ``generate``: building the ``Url`` values alone, the cost every case shares;
* ``hand loop``: the minimal f-string loop producing the very same bytes;
* ``iter_sitemap``: the library (with the 50,000-URL and 50 MiB limits lifted);
* ``write_sitemaps`` plain and ``gzip=True``: 50,000-URL files in a temporary folder;
* ``sitemap.js`` (``--with-node``): npm's ``sitemap`` SitemapStream, from
  ``benchmarks/sitemapjs`` (run ``npm ci`` there first).

Each run of a case is a fresh process, so its peak RSS is its own: the
growth is ``ru_maxrss`` after the run minus ``ru_maxrss`` once set up. The
cases take turns for ``--repeat`` rounds and the fastest run of each counts.
Run::

    PYTHONPATH=. python benchmarks/bench_sitemap.py [--count 1000000] [--with-node]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from microroutes.sitemap import Url, iter_sitemap, write_sitemaps

HOST = "https://example.com"
CHANGEFREQS = ("daily", "weekly", "monthly")
PRIORITIES = (0.5, 0.8, 1.0)
DAYS = tuple(date(2020, 1, 1) + timedelta(days=number) for number in range(3650))
NODE_SCRIPT = Path(__file__).parent / "sitemapjs" / "stream.js"
START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
END = "</urlset>\n"


def make_urls(count: int) -> Iterator[Url]:
    """The benchmark's entries, built one at a time."""
    for number in range(count):
        yield Url(
            f"/posts/{number}",
            DAYS[number % 3650],
            CHANGEFREQS[number % 3],
            PRIORITIES[number % 3],
        )


def hand_loop(urls: Iterable[Url]) -> Iterator[bytes]:
    """The least a writer can do: format, buffer, join and encode, with no checks."""
    buffer = [START]
    size = 0
    for url in urls:
        line = (
            f"<url><loc>{HOST}{url.loc}</loc><lastmod>{url.lastmod.isoformat()}</lastmod>"  # type: ignore[union-attr]
            f"<changefreq>{url.changefreq}</changefreq><priority>{url.priority}</priority></url>\n"
        )
        buffer.append(line)
        size += len(line)
        if size >= 32 * 1024:
            yield "".join(buffer).encode()
            buffer = []
            size = 0
    buffer.append(END)
    yield "".join(buffer).encode()


def drain(chunks: Iterable[bytes]) -> int:
    """The null sink: count the bytes, keep nothing."""
    return sum(len(chunk) for chunk in chunks)


def generate_only(count: int) -> int:
    for _ in make_urls(count):
        pass
    return 0


def write_files(count: int, gzip: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_sitemaps(
            make_urls(count), folder, hostname=HOST, base_url=f"{HOST}/sitemaps", gzip=gzip
        )
        return sum(path.stat().st_size for path in paths)


CASES: dict[str, Callable[[int], int]] = {
    "generate": generate_only,
    "hand loop": lambda count: drain(hand_loop(make_urls(count))),
    "iter_sitemap": lambda count: drain(iter_sitemap(make_urls(count), HOST)),
    "write_sitemaps": lambda count: write_files(count, gzip=False),
    "write_sitemaps gzip": lambda count: write_files(count, gzip=True),
}


def run_case(name: str, count: int) -> dict[str, object]:
    """Time one case in this process; RSS growth is measured from after set-up."""
    case = CASES[name]
    case(100)  # warm up imports and caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = case(count)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"case": name, "count": count, "seconds": seconds, "bytes": size,
            "rss_growth_kib": after - before, "max_rss_kib": after}  # fmt: skip


def check_same_bytes() -> None:
    """The hand loop is only a fair baseline if it writes exactly what the library writes."""
    sample = list(make_urls(5000))
    if b"".join(hand_loop(sample)) != b"".join(iter_sitemap(sample, HOST)):
        raise SystemExit("the hand loop and iter_sitemap disagree; the comparison is void")


def in_subprocess(command: list[str]) -> dict[str, object]:
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best_of(runs: list[dict[str, object]]) -> dict[str, object]:
    """The fastest run, with the largest RSS growth seen in any run."""
    best = min(runs, key=lambda run: float(run["seconds"]))  # type: ignore[arg-type]
    for key in ("rss_growth_kib", "max_rss_kib"):
        best[key] = max(int(run[key]) for run in runs)  # type: ignore[call-overload]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--with-node", action="store_true", help="also time sitemap.js")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.count)))
        return

    check_same_bytes()
    commands = {
        name: [sys.executable, __file__, "--case", name, "--count", str(args.count)]
        for name in CASES
    }
    if args.with_node:
        commands["sitemap.js"] = ["node", str(NODE_SCRIPT), str(args.count)]
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in commands}
    for _ in range(args.repeat):  # round-robin, so every case sees the same noise
        for name, command in commands.items():
            runs[name].append(in_subprocess(command))
    results = {name: best_of(case_runs) for name, case_runs in runs.items()}

    def seconds(name: str) -> float:
        return float(results[name]["seconds"])  # type: ignore[arg-type]

    print(f"{args.count:,} URLs, Python {sys.version.split()[0]}, best of {args.repeat}\n")
    print(
        f"| case | seconds | µs/URL | vs hand loop | peak RSS growth | peak RSS |\n|{' --- |' * 6}"
    )
    for name, result in results.items():
        ratio = seconds(name) / seconds("hand loop")
        rss = int(result["rss_growth_kib"])  # type: ignore[call-overload]
        peak = int(result["max_rss_kib"]) / 1024  # type: ignore[call-overload]
        label = f"{name} {result['version']}" if "version" in result else name
        print(
            f"| {label} | {seconds(name):.2f} | {seconds(name) / args.count * 1e6:.2f} "
            f"| {ratio:.2f}x | {rss:,} KiB | {peak:.1f} MiB |"
        )
    shared = seconds("generate")
    writer_only = (seconds("iter_sitemap") - shared) / (seconds("hand loop") - shared)
    print(
        f"\niter_sitemap / hand loop: {seconds('iter_sitemap') / seconds('hand loop'):.2f}x "
        f"(writing alone, Url building taken out: {writer_only:.2f}x)"
    )
    gzip_ratio = seconds("write_sitemaps gzip") / seconds("write_sitemaps")
    print(f"gzip / plain write_sitemaps: {gzip_ratio:.2f}x")
    if args.with_node:
        print(f"sitemap.js / iter_sitemap: {seconds('sitemap.js') / seconds('iter_sitemap'):.2f}x")


if __name__ == "__main__":
    main()
