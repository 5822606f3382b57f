"""Two blog hosts behind nginx on one PostgreSQL, under load, losing a host and the database.

The long run (``pytest -m slow tests/test_topology.py -s``) holds the load
for longer around each fault than the one the suite runs. Two
``microroutes serve examples/blog --server granian --workers 2 --threads 4``
processes listen on 127.0.0.2 and 127.0.0.3 (same port), nginx balances
between them with the configuration of ``docs/deploying.md``, and clients
create and read posts through nginx the whole time.

- ``kill -9`` of one host's process group: every create a client saw
  acknowledged (201) is stored, once; every read succeeds (nginx retries
  it on the other host); the host serves again once restarted.
- PostgreSQL stops and starts again: while it is down clients get 503 with
  ``Retry-After`` and nothing else, and successes again soon after it is
  back (the time is printed).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from load_client import Load, Outcome
from pg import Postgres, free_port, postgres_server
from topology import ROOT, site_config, topology

ADDRESSES = ("127.0.0.2", "127.0.0.3")
SERVE = ("--server", "granian", "--workers", "2", "--threads", "4")
#: The most the tests wait for a host to serve again, or the app to recover.
DEADLINE = 60.0


def common_port() -> int:
    """A port free on every address of :data:`ADDRESSES`."""
    while True:
        port = free_port(ADDRESSES[0])
        with socket.socket() as probe:
            try:
                probe.bind((ADDRESSES[1], port))
            except OSError:
                continue
        return port


def wait_for(load: Load, since: float, fits: Callable[[Outcome], bool]) -> Outcome:
    """The first outcome of a request started after ``since`` that fits; poll until one does."""
    deadline = time.monotonic() + DEADLINE
    while True:
        found = [outcome for outcome in load.since(since) if fits(outcome)]
        if found:
            return min(found, key=lambda outcome: outcome.ended)
        assert time.monotonic() < deadline, "nothing fitting came within the deadline"
        time.sleep(0.05)


def stored(server: Postgres, slugs: list[str]) -> dict[str, int]:
    """How many posts have each slug."""
    if not slugs:
        return {}
    rows = server.execute("SELECT slug, count(*) FROM posts GROUP BY slug", database="blog")
    counts = {str(slug): int(str(count)) for slug, count in rows}
    return {slug: counts.get(slug, 0) for slug in slugs}


def acknowledged(outcomes: list[Outcome]) -> list[str]:
    return [o.slug for o in outcomes if o.kind == "create" and o.status == 201 and o.slug]


@pytest.mark.parametrize(
    # Seconds of load before and after each fault, and seconds a host stays dead
    # and the database down.
    ("steady", "outage"),
    [pytest.param(0.5, 3.0, id="short"), pytest.param(3.0, 5.0, id="long", marks=pytest.mark.slow)],
)
def test_two_hosts_survive_a_host_kill_and_a_database_restart(
    steady: float, outage: float, capsys: pytest.CaptureFixture[str]
) -> None:
    with postgres_server() as server:
        server.execute("CREATE DATABASE blog")
        # A 1 s wait for a connection (2 s by default) fits several 503s in the outage.
        env = {"BLOG_DATABASE_URL": server.url("blog"), "BLOG_DB": "", "BLOG_POOL_TIMEOUT": "1"}
        nginx_port = free_port()
        with topology(ADDRESSES, common_port(), nginx_port, env, SERVE) as (hosts, _nginx):
            victim = hosts[0]
            victim_address = f"{victim.address}:{victim.port}"

            # -- a host dies under load, and comes back
            load = Load(nginx_port, tag="a").start()
            time.sleep(steady)
            victim.kill()
            time.sleep(outage)
            victim.start()
            restarted = time.monotonic()
            rejoined = wait_for(
                load,
                restarted,
                lambda o: o.upstream == victim_address and o.status in (200, 201),
            )
            time.sleep(steady)
            outcomes = load.stop()

            reads = [o for o in outcomes if o.kind != "create"]
            assert reads
            assert [o for o in reads if o.status != 200] == []
            creates = [o for o in outcomes if o.kind == "create"]
            lost = [o for o in creates if o.status != 201]
            # Only a create sent to the killed host can fail: 502, never acknowledged. (nginx
            # may still write one on a kept-alive connection to it just after the kill; a
            # POST that reached a host is not resent, so it is not made twice either.)
            assert all(o.status == 502 and o.upstream == victim_address for o in lost), lost
            slugs = acknowledged(outcomes)
            assert slugs
            assert set(stored(server, slugs).values()) == {1}
            served_after = {o.upstream for o in outcomes if o.started > rejoined.ended}
            assert victim_address in served_after

            # -- the database restarts under load
            load = Load(nginx_port, tag="b").start()
            time.sleep(steady)
            server.stop()
            down = time.monotonic()
            time.sleep(outage)
            coming_back = time.monotonic()
            server.start()
            back = time.monotonic()
            first = wait_for(load, back, lambda o: o.status in (200, 201))
            time.sleep(steady)
            outcomes = load.stop()

            for outcome in outcomes:
                if outcome.status not in (200, 201):
                    assert outcome.status == 503, outcome
                    assert outcome.retry_after == "2", outcome
            while_down = [o for o in outcomes if o.started >= down and o.ended <= coming_back]
            assert while_down
            assert {o.status for o in while_down} == {503}
            slugs = acknowledged(outcomes)
            assert set(stored(server, slugs).values()) == {1}
            unavailable = [o for o in outcomes if o.status == 503]
            with capsys.disabled():
                print(
                    f"\nhost kill: {len(reads)} reads all 200, {len(creates) - len(lost)} creates "
                    f"acknowledged and stored once, {len(lost)} lost in flight (502); the host "
                    f"served again {rejoined.ended - restarted:.2f} s after its restart"
                )
                print(
                    f"database restart: {len(unavailable)} answers 503 with Retry-After, the "
                    f"first success {first.ended - back:.2f} s after PostgreSQL was back"
                )


def test_the_documented_nginx_configuration_is_the_tested_one() -> None:
    text = (ROOT / "docs" / "deploying.md").read_text()
    documented = text.split("```nginx scale-out\n", 1)[1].split("```", 1)[0]
    assert documented == site_config(["10.0.0.2:8000", "10.0.0.3:8000"], "80")
