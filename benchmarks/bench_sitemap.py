"""Sitemap writer benchmark: iter_sitemap against a hand-written loop (and sitemap.js).

Two workloads of COUNT entries, generated lazily:

* ``dates``: a plain relative loc, a ``date`` lastmod, changefreq, priority;
* ``datetimes``: a relative loc with a query string (``&`` written ``&amp;``),
  a per-row ``datetime`` lastmod (UTC, +02:00, -05:30 and naive in turn, with
  milliseconds), changefreq, priority.

Each workload streams into a sink that only counts bytes:

* ``generate``: building the ``Url`` values alone, the cost every case shares;
* ``hand loop``: the minimal f-string loop producing the very same bytes;
* ``iter_sitemap``: the library (with the 50,000-URL and 50 MiB limits lifted);
* ``hand loop files``: the hand loop's lines written as ``write_sitemaps`` writes
  them, 50,000 to a file, plus the index with each file's newest lastmod (the
  baseline for ``write_sitemaps``; no temporary names, no ``fsync``);
* ``write_sitemaps`` plain and ``gzip=True``: 50,000-URL files in a temporary folder;
* ``sitemap.js`` (``--with-node``): npm's ``sitemap`` SitemapStream on the same
  entries, from ``benchmarks/sitemapjs`` (run ``npm ci`` there first), and
  ``sitemap.js generate``, building its entries alone. Both outputs are first
  read back to check that they hold the same entries.

Each run of a case is a fresh process, so its peak RSS is its own: the
growth is ``ru_maxrss`` after the run minus ``ru_maxrss`` once set up. The
cases of both workloads take turns for ``--repeat`` rounds and the fastest
run of each counts. ``--profile WORKLOAD`` prints a cProfile of
``iter_sitemap`` instead. Run::

    PYTHONPATH=. python benchmarks/bench_sitemap.py [--count 1000000] [--with-node]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from microroutes.sitemap import Url, iter_sitemap, parse_sitemap, write_sitemaps

HOST = "https://example.com"
CHANGEFREQS = ("daily", "weekly", "monthly")
PRIORITIES = (0.5, 0.8, 1.0)
DAYS = tuple(date(2020, 1, 1) + timedelta(days=number) for number in range(3650))
#: The datetimes workload's zones, one per row in turn (``None``: naive, written as UTC).
ZONES = (
    timezone.utc,
    timezone(timedelta(hours=2)),
    timezone(-timedelta(hours=5, minutes=30)),
    None,
)
EPOCH = datetime(2020, 1, 1)
#: The time between two rows' lastmods in the datetimes workload (so each has milliseconds).
STEP = timedelta(seconds=37, milliseconds=1)
NODE_SCRIPT = Path(__file__).parent / "sitemapjs" / "stream.js"
WORKLOADS = ("dates", "datetimes")
START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
END = "</urlset>\n"
INDEX_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
INDEX_END = "</sitemapindex>\n"
#: URLs per file, as write_sitemaps splits them.
PER_FILE = 50_000


def make_dated_urls(count: int) -> Iterator[Url]:
    """The ``dates`` workload's entries, built one at a time."""
    for number in range(count):
        yield Url(
            f"/posts/{number}",
            DAYS[number % 3650],
            CHANGEFREQS[number % 3],
            PRIORITIES[number % 3],
        )


def make_timed_urls(count: int) -> Iterator[Url]:
    """The ``datetimes`` workload's entries: query strings and per-row datetimes.

    Row ``number``'s lastmod is ``EPOCH + number * STEP`` on the wall clock of
    zone ``number % 4``. Each zone keeps its own running datetime, advanced by
    four steps: adding a constant ``timedelta`` to an aware datetime is the
    cheapest way to build a new one (``datetime.replace(tzinfo=...)`` alone
    costs about 0.7 µs), and what it costs is not the writer's.
    """
    moments = [EPOCH.replace(tzinfo=zone) + STEP * index for index, zone in enumerate(ZONES)]
    stride = STEP * len(ZONES)
    for number in range(count):
        turn = number % 4
        moment = moments[turn]
        moments[turn] = moment + stride
        yield Url(
            f"/search?q=item{number}&page={number % 50}",
            moment,
            CHANGEFREQS[number % 3],
            PRIORITIES[number % 3],
        )


MAKERS: dict[str, Callable[[int], Iterator[Url]]] = {
    "dates": make_dated_urls,
    "datetimes": make_timed_urls,
}


def hand_loop_dates(urls: Iterable[Url]) -> Iterator[bytes]:
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


def hand_loop_datetimes(urls: Iterable[Url]) -> Iterator[bytes]:
    """The same, escaping ``&`` and writing datetimes to the second, naive ones as UTC."""
    buffer = [START]
    size = 0
    for url in urls:
        lastmod: datetime = url.lastmod  # type: ignore[assignment]
        stamp = lastmod.isoformat("T", "seconds")
        if lastmod.tzinfo is None:
            stamp += "+00:00"
        line = (
            f"<url><loc>{HOST}{url.loc.replace('&', '&amp;')}</loc><lastmod>{stamp}</lastmod>"
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


HAND_LOOPS: dict[str, Callable[[Iterable[Url]], Iterator[bytes]]] = {
    "dates": hand_loop_dates,
    "datetimes": hand_loop_datetimes,
}


def newest_of(moments: dict[tzinfo | None, date]) -> str:
    """The index's lastmod: the latest of a part's newest lastmod per zone (naive is UTC)."""
    if None not in moments or len(moments) == 1:
        latest = max(moments.values())
    else:
        utc = moments[None].replace(tzinfo=timezone.utc)  # type: ignore[call-arg]
        latest = max([utc, *(moment for zone, moment in moments.items() if zone is not None)])
    if isinstance(latest, datetime):
        latest = latest.replace(microsecond=0, tzinfo=latest.tzinfo or timezone.utc)
    return latest.isoformat()


def hand_loop_files(urls: Iterable[Url], folder: Path, workload: str, per_file: int) -> list[Path]:
    """What ``write_sitemaps`` writes, by hand: the same lines in the same files and index.

    The lines come from the workload's hand loop's f-string; a part holds
    ``per_file`` entries, written 64 KiB at a time; each part's newest
    lastmod is kept per zone for the index. No checks, no temporary names,
    no ``fsync``.
    """
    timed = workload == "datetimes"
    paths: list[Path] = []
    newest: list[str] = []
    iterator = iter(urls)
    while True:
        count = size = 0
        moments: dict[tzinfo | None, date] = {}
        buffer = [START]
        path = folder / f"sitemap-{len(paths) + 1}.xml"
        with open(path, "wb") as out:
            for url in iterator:
                lastmod: datetime = url.lastmod  # type: ignore[assignment]
                zone = lastmod.tzinfo if timed else None
                if timed:
                    stamp = lastmod.isoformat("T", "seconds")
                    if zone is None:
                        stamp += "+00:00"
                    loc = url.loc.replace("&", "&amp;")
                else:
                    stamp, loc = lastmod.isoformat(), url.loc
                latest = moments.get(zone)
                if latest is None or lastmod > latest:
                    moments[zone] = lastmod
                line = (
                    f"<url><loc>{HOST}{loc}</loc><lastmod>{stamp}</lastmod><changefreq>"
                    f"{url.changefreq}</changefreq><priority>{url.priority}</priority></url>\n"
                )
                buffer.append(line)
                size += len(line)
                if size >= 64 * 1024:
                    out.write("".join(buffer).encode())
                    buffer = []
                    size = 0
                count += 1
                if count == per_file:
                    break
            buffer.append(END)
            out.write("".join(buffer).encode())
        if count == 0 and paths:
            path.unlink()
            break
        paths.append(path)
        newest.append(newest_of(moments) if moments else "")
        if count < per_file:
            break
    index = folder / "sitemap-index.xml"
    lines = [
        f"<sitemap><loc>{HOST}/sitemaps/{path.name}</loc>"
        + (f"<lastmod>{stamp}</lastmod>" if stamp else "")
        + "</sitemap>\n"
        for path, stamp in zip(paths, newest, strict=True)
    ]
    index.write_text(f"{INDEX_START}{''.join(lines)}{INDEX_END}")
    return [*paths, index]


def drain(chunks: Iterable[bytes]) -> int:
    """The null sink: count the bytes, keep nothing."""
    return sum(len(chunk) for chunk in chunks)


def generate_only(urls: Iterable[Url]) -> int:
    for _ in urls:
        pass
    return 0


def write_files(urls: Iterable[Url], gzip: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_sitemaps(urls, folder, hostname=HOST, base_url=f"{HOST}/sitemaps", gzip=gzip)
        return sum(path.stat().st_size for path in paths)


def write_files_by_hand(urls: Iterable[Url], workload: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        paths = hand_loop_files(urls, Path(folder), workload, PER_FILE)
        return sum(path.stat().st_size for path in paths)


def make_case(workload: str, name: str) -> Callable[[int], int]:
    """``run(count) -> bytes written`` for case ``name`` of ``workload``."""
    make = MAKERS[workload]
    hand_loop = HAND_LOOPS[workload]
    cases: dict[str, Callable[[int], int]] = {
        "generate": lambda count: generate_only(make(count)),
        "hand loop": lambda count: drain(hand_loop(make(count))),
        "hand loop files": lambda count: write_files_by_hand(make(count), workload),
        "iter_sitemap": lambda count: drain(iter_sitemap(make(count), HOST)),
        "write_sitemaps": lambda count: write_files(make(count), gzip=False),
        "write_sitemaps gzip": lambda count: write_files(make(count), gzip=True),
    }
    return cases[name]


CASE_NAMES = (
    "generate",
    "hand loop",
    "iter_sitemap",
    "hand loop files",
    "write_sitemaps",
    "write_sitemaps gzip",
)


def run_case(workload: str, name: str, count: int) -> dict[str, object]:
    """Time one case in this process; RSS growth is measured from after set-up."""
    case = make_case(workload, name)
    case(100)  # warm up imports and caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = case(count)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"case": name, "count": count, "seconds": seconds, "bytes": size,
            "rss_growth_kib": after - before, "max_rss_kib": after}  # fmt: skip


def check_same_bytes() -> None:
    """The hand loops are only fair baselines if they write exactly what the library writes."""
    for workload, make in MAKERS.items():
        sample = list(make(5000))
        if b"".join(HAND_LOOPS[workload](sample)) != b"".join(iter_sitemap(sample, HOST)):
            raise SystemExit(f"{workload}: the hand loop and iter_sitemap disagree; void")
        with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
            base = f"{HOST}/sitemaps"
            written = write_sitemaps(sample, ours, hostname=HOST, base_url=base, max_urls=2000)
            by_hand = hand_loop_files(sample, Path(theirs), workload, 2000)
            if [(path.name, path.read_bytes()) for path in written] != [
                (path.name, path.read_bytes()) for path in by_hand
            ]:
                raise SystemExit(f"{workload}: the hand loop's files and write_sitemaps' differ")


def check_same_entries_as_node(count: int = 2000) -> None:
    """sitemap.js is only a fair peer if it writes the entries ``iter_sitemap`` writes.

    Both outputs are read back with ``parse_sitemap``: the same locs,
    changefreqs and priorities, and lastmods that are the same instants
    (sitemap.js writes them in UTC with milliseconds; we keep the offset and
    write whole seconds).
    """
    for workload, make in MAKERS.items():
        done = subprocess.run(
            ["node", str(NODE_SCRIPT), str(count), workload, "xml"],
            check=True, capture_output=True,
        )  # fmt: skip
        theirs = list(parse_sitemap(io.BytesIO(done.stdout)))
        ours = list(parse_sitemap(io.BytesIO(b"".join(iter_sitemap(make(count), HOST)))))
        if len(theirs) != len(ours):
            raise SystemExit(f"{workload}: sitemap.js wrote {len(theirs)} entries, we {len(ours)}")
        for their, our in zip(theirs, ours, strict=True):
            their_lastmod, our_lastmod = their.lastmod, our.lastmod
            if isinstance(their_lastmod, datetime) and isinstance(our_lastmod, datetime):
                their_lastmod = their_lastmod.replace(microsecond=0)
            if (their.loc, their_lastmod, their.changefreq, their.priority) != (
                our.loc, our_lastmod, our.changefreq, our.priority,
            ):  # fmt: skip
                raise SystemExit(f"{workload}: sitemap.js wrote {their}, we {our}; void")


def profile(workload: str, count: int, top: int) -> None:
    """Print where ``iter_sitemap`` spends its time on ``workload``."""
    urls = list(MAKERS[workload](count))
    profiler = cProfile.Profile()
    profiler.runcall(drain, iter_sitemap(urls, HOST))
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


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


def report(workload: str, results: dict[str, dict[str, object]], count: int) -> None:
    """One workload's table and ratios."""

    def seconds(name: str) -> float:
        return float(results[name]["seconds"])  # type: ignore[arg-type]

    print(f"\n### {workload}\n")
    print(
        f"| case | seconds | µs/URL | vs hand loop | peak RSS growth | peak RSS |\n|{' --- |' * 6}"
    )
    for name, result in results.items():
        ratio = seconds(name) / seconds("hand loop")
        rss = int(result["rss_growth_kib"])  # type: ignore[call-overload]
        peak = int(result["max_rss_kib"]) / 1024  # type: ignore[call-overload]
        label = f"{name} {result['version']}" if "version" in result else name
        print(
            f"| {label} | {seconds(name):.2f} | {seconds(name) / count * 1e6:.2f} "
            f"| {ratio:.2f}x | {rss:,} KiB | {peak:.1f} MiB |"
        )
    shared = seconds("generate")
    print()
    for name, baseline in (("iter_sitemap", "hand loop"), ("write_sitemaps", "hand loop files")):
        net = (seconds(name) - shared) / (seconds(baseline) - shared)
        print(
            f"- {name} / {baseline}: {seconds(name) / seconds(baseline):.2f}x "
            f"(net of building the Url values: {net:.2f}x)"
        )
    gzip_ratio = seconds("write_sitemaps gzip") / seconds("write_sitemaps")
    print(f"- gzip / plain write_sitemaps: {gzip_ratio:.2f}x")
    if "sitemap.js" in results:
        total = seconds("sitemap.js") / seconds("iter_sitemap")
        theirs = seconds("sitemap.js") - seconds("sitemap.js generate")
        net = theirs / (seconds("iter_sitemap") - shared)
        print(
            f"- sitemap.js / iter_sitemap: {total:.2f}x "
            f"(net, each of building its own entries: {net:.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--with-node", action="store_true", help="also time sitemap.js")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    parser.add_argument("--workload", choices=WORKLOADS, action="append", help="default: both")
    parser.add_argument("--profile", choices=WORKLOADS, help="cProfile iter_sitemap on one")
    parser.add_argument("--top", type=int, default=20, help="functions --profile shows")
    parser.add_argument("--case", choices=CASE_NAMES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workloads = args.workload or list(WORKLOADS)
    if args.case:
        print(json.dumps(run_case(workloads[0], args.case, args.count)))
        return
    if args.profile:
        profile(args.profile, args.count, args.top)
        return

    check_same_bytes()
    if args.with_node:
        check_same_entries_as_node()
    commands: dict[tuple[str, str], list[str]] = {}
    for workload in workloads:
        for name in CASE_NAMES:
            commands[workload, name] = [
                sys.executable, __file__, "--case", name,
                "--workload", workload, "--count", str(args.count),
            ]  # fmt: skip
        if args.with_node:
            node = ["node", str(NODE_SCRIPT), str(args.count), workload]
            commands[workload, "sitemap.js generate"] = [*node, "generate"]
            commands[workload, "sitemap.js"] = node
    runs: dict[tuple[str, str], list[dict[str, object]]] = {key: [] for key in commands}
    for _ in range(args.repeat):  # round-robin, so every case sees the same noise
        for key, command in commands.items():
            runs[key].append(in_subprocess(command))
    print(f"{args.count:,} URLs, Python {sys.version.split()[0]}, best of {args.repeat}")
    for workload in workloads:
        results = {
            name: best_of(case_runs) for (w, name), case_runs in runs.items() if w == workload
        }
        report(workload, results, args.count)


if __name__ == "__main__":
    main()
