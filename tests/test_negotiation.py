"""``req.prefers``: the client's preferred type among those a handler offers."""

from __future__ import annotations

import pytest
from conftest import client_for

from microroutes.negotiation import preferred

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OFFERED = ("application/json", "text/html")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        (BROWSER, "text/html"),
        ("application/json", "application/json"),
        ("text/html;q=0.5, application/json;q=0.4", "text/html"),
        ("text/*", "text/html"),
        ("text/html, application/json", "application/json"),  # a tie: the first offered
        ("image/png", None),
        ("text/html;q=0", None),
        ("garbage;;;q=x", None),
    ],
)
def test_preferred(accept: str | None, expected: str | None) -> None:
    assert preferred(accept, OFFERED) == expected


def test_nothing_offered_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="offer at least one"):
        preferred("*/*", ())


def test_req_prefers_in_a_handler(make_site) -> None:
    site = make_site(
        {
            "pages/kind.py": (
                "def GET(req, res):\n"
                "    return {'kind': req.prefers('text/html', 'application/json')}\n"
            )
        }
    )
    client = client_for(site)
    assert client.get("/kind").json == {"kind": "text/html"}
    assert client.get("/kind", headers={"Accept": "application/json"}).json == {
        "kind": "application/json"
    }
    assert client.get("/kind", headers={"Accept": "image/*"}).json == {"kind": None}
