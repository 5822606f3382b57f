"""CORS middleware: preflights, simple requests, allowed and refused origins."""

from __future__ import annotations

import pytest

from microroutes import App
from microroutes.cors import CORS
from microroutes.testing import Client

ORIGIN = "https://app.example"
ROUTE = "def GET(req, res):\n    return {'ok': True}\n\ndef POST(req, res):\n    return {'ok': 1}\n"


@pytest.fixture
def client(make_site) -> Client:
    site = make_site(
        {
            "pages/api/_middleware.py": (
                "from microroutes.cors import CORS\n"
                f"middleware = CORS(allow_origins=[{ORIGIN!r}], allow_credentials=True,\n"
                "                  allow_headers=['Content-Type', 'X-Token'],\n"
                "                  expose_headers=['X-Total'], max_age=120)\n"
            ),
            "pages/api/items.py": ROUTE,
            "pages/public/_middleware.py": (
                "from microroutes.cors import CORS\nmiddleware = CORS(allow_headers='*')\n"
            ),
            "pages/public/items.py": ROUTE,
            "pages/plain.py": ROUTE,
        }
    )
    return Client(App(site))


def preflight(client: Client, path: str, origin: str = ORIGIN, method: str = "POST", **headers):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method, **headers}
    return client.options(path, headers=request_headers)


def test_allowed_preflight(client: Client) -> None:
    response = preflight(client, "/api/items", **{"Access-Control-Request-Headers": "x-token"})
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type, X-Token"
    assert response.headers["Access-Control-Max-Age"] == "120"
    assert "Origin" in response.headers["Vary"].split(", ")


@pytest.mark.parametrize(
    ("origin", "method", "headers", "message"),
    [
        ("https://evil.example", "POST", "", "origin 'https://evil.example' is not allowed"),
        (ORIGIN, "TRACE", "", "method 'TRACE' is not allowed"),
        (ORIGIN, "POST", "X-Other, Content-Type", "request headers not allowed: X-Other"),
    ],
)
def test_refused_preflight_is_a_403_with_a_message(client, origin, method, headers, message):
    extra = {"Access-Control-Request-Headers": headers} if headers else {}
    response = preflight(client, "/api/items", origin, method, **extra)
    assert response.status_code == 403
    assert response.json["error"]["message"] == f"CORS: {message}"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_safelisted_request_headers_need_no_permission(client: Client) -> None:
    response = preflight(
        client, "/api/items", **{"Access-Control-Request-Headers": "Accept, Content-Language"}
    )
    assert response.status_code == 204


def test_simple_request_from_allowed_origin(client: Client) -> None:
    response = client.get("/api/items", headers={"Origin": ORIGIN})
    assert response.json == {"ok": True}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert response.headers["Vary"] == "Origin"


def test_simple_request_from_refused_origin_runs_but_is_not_shared(client: Client) -> None:
    response = client.get("/api/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_same_origin_request_still_varies_on_origin(client: Client) -> None:
    response = client.get("/api/items")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_wildcard_origin_and_any_header(client: Client) -> None:
    response = preflight(
        client,
        "/public/items",
        "https://anyone.example",
        "PUT",
        **{"Access-Control-Request-Headers": "X-Custom"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Headers"] == "X-Custom"
    assert "Access-Control-Allow-Credentials" not in response.headers
    simple = client.post("/public/items", headers={"Origin": "https://anyone.example"})
    assert simple.headers["Access-Control-Allow-Origin"] == "*"


def test_folders_without_cors_are_untouched(client: Client) -> None:
    response = client.get("/plain", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Vary" not in response.headers
    # Without CORS, a preflight is just an OPTIONS request answered by the route.
    options = preflight(client, "/plain")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert "Access-Control-Allow-Origin" not in options.headers


def test_options_without_request_method_is_not_a_preflight(client: Client) -> None:
    response = client.options("/api/items", headers={"Origin": ORIGIN})
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_credentials_with_wildcard_origin_is_refused_at_setup() -> None:
    with pytest.raises(ValueError, match="allow_credentials needs explicit origins"):
        CORS("*", allow_credentials=True)
