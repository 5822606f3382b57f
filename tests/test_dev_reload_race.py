"""Development reloads under concurrent requests: no request ever sees a half-reloaded site."""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

from microroutes import App
from microroutes.testing import Client

ROUTES = 4
READERS = 4
REQUESTS_PER_READER = 300
REWRITES = 100


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


def test_requests_during_rewrites_never_fail(make_site) -> None:
    files = {f"pages/api/r{i}/[id].py": _route(i, 0) for i in range(ROUTES)}
    files["pages/_helper.py"] = "from ._count import N\nWORD = 'w' * N\n"
    files["pages/_count.py"] = "N = 1\n"
    site = make_site(files)
    app = App(site, reload=True)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    writer_done = threading.Event()

    def read(reader: int) -> None:
        client = Client(app)
        sent = 0
        while sent < REQUESTS_PER_READER or not writer_done.is_set():
            response = client.get(f"/api/r{sent % ROUTES}/{reader}")
            with lock:
                statuses[response.status_code] += 1
                if response.status_code != 200:
                    failures.append(response.get_data(as_text=True)[:300])
            sent += 1
            if sent >= 4 * REQUESTS_PER_READER:
                break

    def write() -> None:
        try:
            for edit in range(1, REWRITES + 1):
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
    assert statuses[200] >= READERS * REQUESTS_PER_READER
    # After the last rewrite, every route answers its newest version.
    client = Client(app)
    for number in range(ROUTES):
        body = client.get(f"/api/r{number}/x").json
        last_edit = max(e for e in range(REWRITES + 1) if e % ROUTES == number)
        assert body == {
            "word": "w" * (REWRITES % 5 + 1),
            "n": REWRITES % 5 + 1,
            "route": number,
            "edit": last_edit,
        }
