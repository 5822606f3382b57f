"""Typed handlers through a real server: ``microroutes serve`` (waitress) on a loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from servers import Server, running

ROUTES = {
    "pages/api/items/index.py": """\
        import dataclasses


        @dataclasses.dataclass
        class NewItem:
            name: str
            quantity: int
            tags: list[str] = dataclasses.field(default_factory=list)


        def POST(req, res, body: NewItem):
            res.status(201)
            return body
    """,
    "pages/api/items/[id].py": """\
        def GET(req, res, id: int):
            return {"id": id}
    """,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from conftest import write_files

    site = write_files(tmp_path_factory.mktemp("typed-served"), ROUTES)
    with running("serve", str(site)) as served:
        yield served


def post(server: Server, body: bytes, content_type: str = "application/json"):
    return server.request("POST", "/api/items", body, {"Content-Type": content_type})


def test_typed_post_is_decoded_and_sent_back(server: Server) -> None:
    status, headers, body = post(server, b'{"name": "pen", "quantity": 2}')
    assert status == 201
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"name": "pen", "quantity": 2, "tags": []}


def test_a_form_post_is_refused_without_form(server: Server) -> None:
    form = b"name=pen&quantity=2&tags=a&tags=b"
    status, _, body = post(server, form, "application/x-www-form-urlencoded")
    assert status == 415
    assert json.loads(body)["error"]["message"] == (
        "the body must be sent as application/json, application/*+json"
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"name": "pen", "quantity": "two"}', "application/json", 422),
        (b'{"name": "pen", "quantity": 2', "application/json", 400),
        (b'{"name": "\\udc00", "quantity": 2}', "application/json", 400),
        (b"[" * 50_000, "application/json", 400),  # malformed, though it starts wrong too
        (b'{"name": "pen", "quantity": NaN}', "application/json", 400),
        (b"", "application/json", 422),
        (b'{"name": "pen", "quantity": 2}', "text/plain", 415),
    ],
)
def test_bad_bodies_get_4xx_json_errors(
    server: Server, body: bytes, content_type: str, status: int
) -> None:
    answered, headers, data = post(server, body, content_type)
    assert answered == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(data)["error"]["status"] == status


def test_path_parameter_that_does_not_convert_is_404(server: Server) -> None:
    assert server.request("GET", "/api/items/12")[2] == b'{"id":12}'
    status, _, body = server.request("GET", "/api/items/twelve")
    assert status == 404
    assert json.loads(body)["error"]["status"] == 404
