"""Development reloads under concurrent requests: no request ever sees a half-reloaded site.

Reader threads send requests while a writer thread rewrites a route and the
helper modules it imports; each rewrite waits for a few more answers, so the
reloads are spread over the whole run without any sleeping.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from servers import running

from microroutes import App
from microroutes.testing import Client

ROUTES = 4
READERS = 4
REWRITES = 200
#: Answers the readers give between two rewrites.
ANSWERS_PER_REWRITE = 2
#: Each reader's requests at least, however fast the writer is.
MINIMUM_REQUESTS = 100

#: ``request(reader, number) -> (status, body)``.
Send = Callable[[int, int], tuple[int, str]]


def _replace(path: Path, text: str) -> None:
    """Write ``text`` atomically, as editors do, so no reader sees a half-written file."""
    temporary = path.with_name(path.name + ".swp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _route(number: int, edit: int) -> str:
    return (
        "from ..._helper import WORD\n"
        "from ..._count import N\n\n"
        "def GET(req, res):\n"
        f"    return {{'word': WORD, 'n': N, 'route': {number}, 'edit': {edit}}}\n"
    )


def _site(make_site) -> Path:
    files = {f"pages/api/r{i}/[id].py": _route(i, 0) for i in range(ROUTES)}
    files["pages/_helper.py"] = "from ._count import N\nWORD = 'w' * N\n"
    files["pages/_count.py"] = "N = 1\n"
    return make_site(files)


def _stress(site: Path, send: Send) -> Counter[int]:
    """Send requests from several threads while the files are rewritten; the statuses seen."""
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    answered = threading.Condition()
    writer_done = threading.Event()

    def read(reader: int) -> None:
        number = 0
        while number < MINIMUM_REQUESTS or not writer_done.is_set():
            status, body = send(reader, number)
            with answered:
                statuses[status] += 1
                if status != 200:
                    failures.append(body[:300])
                answered.notify_all()
            number += 1

    def write() -> None:
        try:
            for edit in range(1, REWRITES + 1):
                wanted = edit * ANSWERS_PER_REWRITE
                with answered:
                    answered.wait_for(lambda: statuses.total() >= wanted)  # noqa: B023
                _replace(site / "pages/_count.py", f"N = {edit % 5 + 1}\n")
                number = edit % ROUTES
                _replace(site / f"pages/api/r{number}/[id].py", _route(number, edit))
        finally:
            writer_done.set()

    threads = [threading.Thread(target=read, args=(k,)) for k in range(READERS)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [], f"{statuses}: {failures[:3]}"
    return statuses


def _newest(number: int) -> dict[str, object]:
    """What route ``number`` answers after the last rewrite."""
    edit = max(e for e in range(REWRITES + 1) if e % ROUTES == number)
    count = REWRITES % 5 + 1
    return {"word": "w" * count, "n": count, "route": number, "edit": edit}


def test_requests_during_rewrites_never_fail(make_site) -> None:
    site = _site(make_site)
    app = App(site, reload=True)
    clients = [Client(app) for _ in range(READERS)]

    def send(reader: int, number: int) -> tuple[int, str]:
        response = clients[reader].get(f"/api/r{number % ROUTES}/{reader}")
        return response.status_code, response.get_data(as_text=True)

    statuses = _stress(site, send)
    assert set(statuses) == {200}
    assert statuses[200] >= max(READERS * MINIMUM_REQUESTS, REWRITES * ANSWERS_PER_REWRITE)
    for number in range(ROUTES):
        assert Client(app).get(f"/api/r{number}/x").json == _newest(number)


def test_dev_server_answers_every_request_while_files_are_rewritten(make_site) -> None:
    site = _site(make_site)
    with running("dev", str(site)) as server:

        def send(reader: int, number: int) -> tuple[int, str]:
            status, _, body = server.request("GET", f"/api/r{number % ROUTES}/{reader}")
            return status, body.decode(errors="replace")

        statuses = _stress(site, send)
        assert set(statuses) == {200}
        for number in range(ROUTES):
            status, _, _ = server.request("GET", f"/api/r{number}/x")
            assert status == 200
