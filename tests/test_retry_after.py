"""``ServiceUnavailable`` and ``TooManyRequests`` tell the client when to retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import without_request_id

from microroutes import App, HTTPError, ServiceUnavailable, TooManyRequests
from microroutes.testing import Client


def test_retry_after_becomes_a_header(make_site) -> None:
    site = make_site(
        {
            "pages/busy.py": (
                "from microroutes import ServiceUnavailable\n"
                "def GET(req, res):\n"
                "    raise ServiceUnavailable('the database is busy', retry_after=2.5)\n"
            ),
            "pages/slow_down.py": (
                "from microroutes import TooManyRequests\n"
                "def GET(req, res):\n"
                "    raise TooManyRequests(retry_after=30)\n"
            ),
        }
    )
    client = Client(App(site))
    busy = client.get("/busy")
    assert (busy.status_code, busy.headers["Retry-After"]) == (503, "3")
    assert without_request_id(busy.json) == {
        "error": {"status": 503, "message": "the database is busy"}
    }
    slow = client.get("/slow_down")
    assert (slow.status_code, slow.headers["Retry-After"]) == (429, "30")
    assert slow.json["error"]["message"] == "Too Many Requests"


def test_retry_after_forms() -> None:
    assert ("Retry-After", "90") in ServiceUnavailable(retry_after=timedelta(minutes=1.5)).headers
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert ("Retry-After", "Wed, 02 Jan 2030 03:04:05 GMT") in TooManyRequests(
        retry_after=when
    ).headers
    assert not [name for name, _ in ServiceUnavailable().headers if name == "Retry-After"]
    assert isinstance(ServiceUnavailable(), HTTPError)
    assert ServiceUnavailable().status == 503


@pytest.mark.parametrize("bad", [-1, float("nan"), "soon", True])
def test_a_bad_retry_after_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="retry_after"):
        ServiceUnavailable(retry_after=bad)  # type: ignore[arg-type]
