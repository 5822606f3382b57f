"""Two threads' first requests at once: ``startup(app)`` runs once, and both wait for it."""

from __future__ import annotations

import sys
import threading
import time

from microroutes import App
from microroutes.testing import Client

SITE = {
    "pages/_app.py": (
        "import threading\n"
        "CALLS = []\n"
        "ENTERED = threading.Event()\n"
        "PROCEED = threading.Event()\n\n"
        "def startup(app):\n"
        "    CALLS.append(threading.get_ident())\n"
        "    ENTERED.set()\n"
        "    PROCEED.wait(30)\n"
        "    app.state.ready = True\n"
    ),
    "pages/ready.py": "def GET(req, res):\n    return {'ready': req.app.state.ready}\n",
}


def _waiting_in_startup(thread: threading.Thread) -> bool:
    """Whether ``thread`` is inside ``App.startup``: blocked on the start-up lock."""
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name == "startup" and "self" in frame.f_locals:
            return isinstance(frame.f_locals["self"], App)
        frame = frame.f_back
    return False


def test_concurrent_first_requests_run_startup_once(make_site) -> None:
    app = App(make_site(SITE))
    answers: dict[str, object] = {}

    def first_request(name: str) -> None:
        response = Client(app).get("/ready")
        answers[name] = (response.status_code, response.json)

    first = threading.Thread(target=first_request, args=("first",))
    first.start()
    hooks_module = app.hooks_module()
    assert hooks_module is not None
    hooks = hooks_module.__dict__
    assert hooks["ENTERED"].wait(10), "the first request never ran startup()"
    second = threading.Thread(target=first_request, args=("second",))
    second.start()
    # The second request must wait for the first's start-up, not start a second one.
    deadline = time.monotonic() + 10
    while not _waiting_in_startup(second) and len(hooks["CALLS"]) < 2:
        assert time.monotonic() < deadline, "the second request neither waited nor ran startup()"
        time.sleep(0.005)
    hooks["PROCEED"].set()
    first.join(10)
    second.join(10)
    assert len(hooks["CALLS"]) == 1
    assert answers == {"first": (200, {"ready": True}), "second": (200, {"ready": True})}
