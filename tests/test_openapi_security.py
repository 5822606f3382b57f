"""Security schemes declared by ``_middleware.py``, ``_app.py`` and route files, in the document."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from microroutes import App, SiteError, openapi_document
from microroutes.testing import Client

BEARER = {"type": "http", "scheme": "bearer"}
ADMIN_KEY = {"type": "apiKey", "in": "header", "name": "X-Admin-Key"}

AUTH = """
from microroutes import HTTPError

SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def middleware(req, res, call_next):
    if req.path != "/api/health" and req.headers.get("Authorization") != "Bearer secret":
        raise HTTPError(401, "a bearer token is required")
    return call_next()
"""

ADMIN = """
from microroutes import HTTPError

SECURITY = {"adminKey": {"type": "apiKey", "in": "header", "name": "X-Admin-Key"}}


def middleware(req, res, call_next):
    if req.headers.get("X-Admin-Key") != "k":
        raise HTTPError(401, "an admin key is required")
    return call_next()
"""

SITE: dict[str, str] = {
    "pages/index.py": "def GET(req, res):\n    return {'home': True}\n",
    "pages/api/_middleware.py": AUTH,
    "pages/api/items.py": "def GET(req, res) -> list[str]:\n    return ['teapot']\n",
    "pages/api/health.py": "SECURITY = []\n\ndef GET(req, res) -> dict:\n    return {'ok': True}\n",
    "pages/api/admin/_middleware.py": ADMIN,
    "pages/api/admin/users.py": "def GET(req, res) -> list[str]:\n    return []\n",
    "pages/api/own.py": (
        "ERRORS = {'GET': {401: 'The token expired.'}}\ndef GET(req, res) -> dict:\n    return {}\n"
    ),
}


def operation(document: dict[str, Any], path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path]["get"]
    return found


@pytest.fixture
def document(make_site: Any) -> dict[str, Any]:
    found = openapi_document(App(make_site(SITE)))
    validate(found)
    return found


def test_the_middleware_scheme_covers_every_operation_below_it(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"] == {
        "adminKey": ADMIN_KEY,
        "bearerAuth": BEARER,
    }
    items = operation(document, "/api/items")
    assert items["security"] == [{"bearerAuth": []}]
    assert items["responses"]["401"] == {
        "description": "Missing or invalid credentials (bearerAuth).",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }


def test_nested_middleware_schemes_are_all_required(document: dict[str, Any]) -> None:
    users = operation(document, "/api/admin/users")
    assert users["security"] == [{"bearerAuth": [], "adminKey": []}]
    assert users["responses"]["401"]["description"] == (
        "Missing or invalid credentials (bearerAuth, adminKey)."
    )


def test_a_route_with_an_empty_security_is_public(document: dict[str, Any]) -> None:
    health = operation(document, "/api/health")
    assert "security" not in health
    assert "401" not in health["responses"]


def test_routes_outside_the_folder_carry_no_requirement(document: dict[str, Any]) -> None:
    home = operation(document, "/")
    assert "security" not in home
    assert "401" not in home["responses"]


def test_a_route_s_own_401_description_wins(document: dict[str, Any]) -> None:
    own = operation(document, "/api/own")
    assert own["security"] == [{"bearerAuth": []}]
    assert own["responses"]["401"]["description"] == "The token expired."


def test_what_the_site_answers_is_what_the_document_says(
    make_site: Any, document: dict[str, Any]
) -> None:
    client = Client(App(make_site(SITE)))
    for path in ("/api/items", "/api/own", "/api/admin/users"):
        assert "401" in operation(document, path)["responses"]
        assert client.get(path).status_code == 401
    assert client.get("/api/items", headers={"Authorization": "Bearer secret"}).json == ["teapot"]
    both = {"Authorization": "Bearer secret", "X-Admin-Key": "k"}
    assert client.get("/api/admin/users", headers=both).status_code == 200
    assert client.get("/api/health").json == {"ok": True}


def test_schemes_of_one_declaration_are_alternatives(make_site: Any) -> None:
    middleware = (
        "SECURITY = {'bearerAuth': {'type': 'http', 'scheme': 'bearer'},\n"
        "            'cookieAuth': {'type': 'apiKey', 'in': 'cookie', 'name': 'session'}}\n"
        "def middleware(req, res, call_next):\n    return call_next()\n"
    )
    site = make_site(
        {
            "pages/api/_middleware.py": middleware,
            "pages/api/items.py": "def GET(req, res):\n    return []\n",
        }
    )
    document = openapi_document(App(site))
    validate(document)
    assert operation(document, "/api/items")["security"] == [
        {"bearerAuth": []},
        {"cookieAuth": []},
    ]


def test_app_py_security_covers_the_whole_site(make_site: Any) -> None:
    site = make_site(
        {
            "pages/_app.py": "SECURITY = {'bearerAuth': {'type': 'http', 'scheme': 'bearer'}}\n",
            "pages/index.py": "def GET(req, res):\n    return {}\n",
            "pages/api/openapi.json.py": (
                "from microroutes import openapi_handler\nSECURITY = []\nGET = openapi_handler()\n"
            ),
        }
    )
    document = Client(App(site)).get("/api/openapi.json").json
    validate(document)
    assert operation(document, "/")["security"] == [{"bearerAuth": []}]
    assert "security" not in operation(document, "/api/openapi.json")
    assert document["components"]["securitySchemes"] == {"bearerAuth": BEARER}


def test_no_scheme_no_security_components(make_site: Any) -> None:
    site = make_site({"pages/index.py": "def GET(req, res):\n    return {}\n"})
    document = openapi_document(App(site))
    assert "securitySchemes" not in document["components"]
    assert "security" not in operation(document, "/")


@pytest.mark.parametrize(
    ("file", "setting"),
    [
        ("api/_middleware.py", "'bearer'"),
        ("api/_middleware.py", "{'bearerAuth': {'type': 'password'}}"),
        ("api/_middleware.py", "{'bearerAuth': 'bearer'}"),
        ("api/_middleware.py", "[]"),
        ("api/items.py", "['bearerAuth']"),
        ("api/items.py", "{'': {'type': 'http', 'scheme': 'bearer'}}"),
        ("_app.py", "{'bearerAuth': {'scheme': 'bearer'}}"),
    ],
)
def test_a_malformed_security_setting_names_its_file(
    make_site: Any, file: str, setting: str
) -> None:
    passing = "def middleware(req, res, call_next):\n    return call_next()\n"
    files = {
        "pages/api/_middleware.py": passing,
        "pages/api/items.py": "def GET(req, res):\n    return []\n",
    }
    files[f"pages/{file}"] = f"SECURITY = {setting}\n" + files.get(f"pages/{file}", "")
    site = make_site(files)
    with pytest.raises(SiteError, match=rf"^{file}: SECURITY must map a scheme name"):
        openapi_document(App(site))


def test_one_name_declared_as_two_schemes_is_an_error(make_site: Any) -> None:
    site = make_site(
        {
            "pages/api/_middleware.py": (
                "SECURITY = {'auth': {'type': 'http', 'scheme': 'bearer'}}\n"
                "def middleware(req, res, call_next):\n    return call_next()\n"
            ),
            "pages/api/items.py": (
                "SECURITY = {'auth': {'type': 'http', 'scheme': 'basic'}}\n"
                "def GET(req, res):\n    return []\n"
            ),
        }
    )
    with pytest.raises(SiteError, match=r"api/items\.py: the security scheme 'auth' is declared"):
        openapi_document(App(site))
