"""``microroutes routes SITE_DIR --json``: the route table for tools."""

from __future__ import annotations

import json

from servers import run_command

GET = "def GET(req, res):\n    return {}\n"
SITE = {
    "pages/index.py": GET,
    "pages/api/post/[uid].py": GET + "def DELETE(req, res):\n    return None\n",
    "pages/api/_middleware.py": "def middleware(req, res, next):\n    return next()\n",
    "pages/docs/[...slug].py": "def handler(req, res):\n    return {}\n",
    "pages/shop/[[...path]].py": (
        "from microroutes import handles\n"
        "@handles('GET', 'POST')\n"
        "def handler(req, res):\n    return {}\n"
    ),
    "pages/_private.py": "X = 1\n",
}


def test_routes_json_lists_every_route(make_site) -> None:
    site = make_site(SITE)
    result = run_command("routes", str(site), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == [
        {
            "pattern": "/",
            "kind": "static",
            "file": "index.py",
            "params": [],
            "methods": ["GET", "HEAD", "OPTIONS"],
            "middleware": [],
            "body": {},
            "query": {},
        },
        {
            "pattern": "/api/post/[uid]",
            "kind": "dynamic",
            "file": "api/post/[uid].py",
            "params": ["uid"],
            "methods": ["GET", "HEAD", "DELETE", "OPTIONS"],
            "middleware": ["api/_middleware.py"],
            "body": {},
            "query": {},
        },
        {
            "pattern": "/docs/[...slug]",
            "kind": "catch-all",
            "file": "docs/[...slug].py",
            "params": ["slug"],
            "methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            "middleware": [],
            "body": {},
            "query": {},
        },
        {
            "pattern": "/shop/[[...path]]",
            "kind": "optional catch-all",
            "file": "shop/[[...path]].py",
            "params": ["path"],
            "methods": ["GET", "HEAD", "POST", "OPTIONS"],
            "middleware": [],
            "body": {},
            "query": {},
        },
    ]


def test_routes_json_of_an_empty_site(make_site) -> None:
    result = run_command("routes", str(make_site({})), "--json")
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_routes_json_on_a_broken_site_prints_no_json(make_site) -> None:
    site = make_site({"pages/ok.py": GET, "pages/bad.py": "X = 1\n"})
    result = run_command("routes", str(site), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "microroutes: broken site:\n"
        "  bad.py: no handler (it defines X); define GET, POST, ... or handler(req, res)\n"
    )


def test_routes_json_gives_typed_bodies_and_queries_by_method(make_site) -> None:
    site = make_site(
        {
            "pages/api/items/[id].py": (
                "import dataclasses\n\n"
                "@dataclasses.dataclass\n"
                "class Filters:\n    tag: list[str]\n\n"
                "@dataclasses.dataclass\n"
                "class ItemPatch:\n    name: str\n\n"
                "def GET(req, res, id: int, query: Filters):\n    return {}\n\n"
                "def PUT(req, res, id: int, body: list[ItemPatch]):\n    return {}\n\n"
                "def DELETE(req, res):\n    return None\n"
            )
        }
    )
    result = run_command("routes", str(site), "--json")
    assert result.returncode == 0, result.stderr
    (route,) = json.loads(result.stdout)
    assert route["methods"] == ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]
    assert route["body"] == {"PUT": "list[ItemPatch]"}
    assert route["query"] == {"GET": "Filters"}
