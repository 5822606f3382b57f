"""``microroutes routes`` shows each route's typed body and query."""

from __future__ import annotations

from test_cli_routes import table

from microroutes.cli import main

SITE = {
    "pages/_types.py": """\
        import dataclasses
        from typing import Literal


        @dataclasses.dataclass
        class NewPost:
            title: str


        @dataclasses.dataclass
        class Paging:
            limit: int = 10
            order: Literal["asc", "desc"] = "asc"
    """,
    "pages/posts/index.py": """\
        from .._types import NewPost, Paging


        def GET(req, res, query: Paging):
            return []


        def POST(req, res, body: NewPost):
            return {}


        def PUT(req, res, body: list[NewPost] | None = None):
            return {}
    """,
    "pages/posts/[id].py": """\
        def GET(req, res, id: int):
            return {}
    """,
}


def test_routes_has_body_and_query_columns(make_site, capsys) -> None:
    assert main(["routes", str(make_site(SITE))]) == 0
    rows = table(capsys.readouterr().out)
    header = rows[0]
    assert header[3:5] == ["BODY", "QUERY"]
    cells = {row[0]: (row[3], row[4]) for row in rows[1:]}
    assert cells == {
        "/posts": ("POST NewPost, PUT list[NewPost] | None", "GET Paging"),
        "/posts/[id]": ("-", "-"),
    }
