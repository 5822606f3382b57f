"""One body decoder: ``req.json`` and typed bodies answer the same body the same way."""

from __future__ import annotations

import pytest
from conftest import without_request_id, write_files

from microroutes import App
from microroutes.testing import Client

ROUTES = {
    "pages/untyped.py": """\
        def POST(req, res):
            return {"got": req.expect_json()}
    """,
    "pages/typed.py": """\
        from typing import Any


        def POST(req, res, body: dict[str, Any]):
            return {"got": body}
    """,
    "pages/pydantic.py": """\
        from typing import Annotated, Any

        import pydantic


        def POST(req, res, body: dict[str, Annotated[Any, pydantic.Field()]]):
            return {"got": body}
    """,
}
JSON = "application/json"
#: name -> (body, content type, status, message or the decoded body)
CASES: dict[str, tuple[bytes, str, int, object]] = {
    "plain": (b'{"a": 1}', JSON, 200, {"a": 1}),
    "UTF-8 BOM": (b'\xef\xbb\xbf{"a": 1}', JSON, 200, {"a": 1}),
    "+json type": (b'{"a": [1]}', "application/problem+json", 200, {"a": [1]}),
    "charset": (b'{"a": "\xc3\xa9"}', "application/json; charset=utf-8", 200, {"a": "é"}),
    "1e999": (
        b'{"a": 1e999}',
        JSON,
        400,
        "malformed JSON body: a number is out of range (NaN and Infinity are not JSON either)",
    ),
    "NaN": (
        b'{"a": NaN}',
        JSON,
        400,
        "malformed JSON body: invalid character (byte 6)",
    ),
    "malformed": (
        b'{"a": ',
        JSON,
        400,
        "malformed JSON body: the JSON text ends early, or a string holds a lone surrogate "
        "such as \\ud800",
    ),
    "trailing text": (
        b'{"a": 1} x',
        JSON,
        400,
        "malformed JSON body: trailing characters (byte 10)",
    ),
    "too many digits": (
        b'{"a": ' + b"9" * 5000 + b"}",
        JSON,
        400,
        "malformed JSON body: an integer has too many digits",
    ),
    "lone surrogate": (
        b'{"a": "\\ud800"}',
        JSON,
        400,
        "malformed JSON body: the JSON text ends early, or a string holds a lone surrogate "
        "such as \\ud800",
    ),
    "not UTF-8": (b'{"a": "\xff"}', JSON, 400, "malformed JSON body: Invalid UTF-8 encoded string"),
    "too deep": (
        b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        JSON,
        400,
        "malformed JSON body: nested too deeply",
    ),
    "text/plain": (
        b'{"a": 1}',
        "text/plain",
        415,
        "the body must be sent as application/json, application/*+json",
    ),
    "text/vnd.x+json": (
        b'{"a": 1}',
        "text/vnd.x+json",
        415,
        "the body must be sent as application/json, application/*+json",
    ),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Client:
    return Client(App(write_files(tmp_path_factory.mktemp("one-decoder"), ROUTES)))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("path", ["/untyped", "/typed", "/pydantic"])
def test_the_same_body_gets_the_same_answer(client: Client, path: str, name: str) -> None:
    body, content_type, status, expected = CASES[name]
    response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == status, response.data[:300]
    if status == 200:
        assert response.json == {"got": expected}
    else:
        assert without_request_id(response.json) == {
            "error": {"status": status, "message": expected}
        }
