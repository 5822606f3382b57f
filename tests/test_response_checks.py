"""What a handler sends is checked before anything reaches the server.

Return values, JSON numbers, headers and statuses are checked where they are
produced; a bad one is an error naming the route file, answered with our
JSON 500 (the message says what to write instead under ``debug``), never a
cut stream, a server's own text/plain 500 or invalid JSON.
"""

from __future__ import annotations

import http
import json
import logging
from pathlib import Path

import pytest
from conftest import client_for, without_request_id, write_files

from microroutes import App, Response
from microroutes.testing import Client

GENERIC_500 = {"error": {"status": 500, "message": "internal server error"}}

SITE = {
    "pages/tuple/text.py": "def GET(req, res):\n    return 'created', 201\n",
    "pages/tuple/json.py": "def GET(req, res):\n    return {'id': 1}, 201\n",
    "pages/tuple/headers.py": (
        "def GET(req, res):\n    return {'id': 1}, 201, {'Location': '/items/1'}\n"
    ),
    "pages/row.py": """\
        import sqlite3

        def GET(req, res):
            conn = sqlite3.connect(":memory:")
            conn.row_factory = sqlite3.Row
            try:
                return conn.execute("SELECT 'ada' AS name, 36 AS age").fetchone()
            finally:
                conn.close()
        """,
    "pages/containers/[kind].py": """\
        import collections
        import types

        VALUES = {
            "mapping": types.MappingProxyType({"a": 1}),
            "set": {b"a"},
            "deque": collections.deque([b"a", b"b"]),
            "range": range(3),
            "keys": {"a": 1}.keys(),
        }

        def GET(req, res):
            return VALUES[req.params["kind"]]
        """,
    "pages/streams/[kind].py": """\
        import io

        def GET(req, res):
            kind = req.params["kind"]
            if kind == "generator":
                return (part for part in [b"a", b"b"])
            if kind == "iterator":
                return iter([b"a", "b"])
            if kind == "map":
                return map(str.encode, ["a", "b"])
            return io.BytesIO(b"ab\\n")
        """,
    "pages/nan/[how].py": """\
        def GET(req, res):
            value = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
            how = req.params["how"]
            if how == "return":
                return {"score": value[req.query["v"]]}
            return res.json([1.0, value[req.query["v"]]])
        """,
    "pages/nan-model.py": """\
        import dataclasses

        @dataclasses.dataclass
        class Score:
            value: float

        def GET(req, res):
            return Score(float("nan"))
        """,
    "pages/opaque.py": "def GET(req, res):\n    return {'value': object()}\n",
    "pages/header.py": """\
        def GET(req, res):
            res.set_header(req.query["name"], req.query.get("value", "x"))
            return {"ok": True}
        """,
    "pages/error-header.py": """\
        from microroutes import HTTPError

        def GET(req, res):
            raise HTTPError(400, "nope", {req.query["name"]: req.query.get("value", "x")})
        """,
    "pages/status.py": """\
        def GET(req, res):
            code = req.query["code"]
            res.status_code = int(code) if code.lstrip("-").isdigit() else code
            return {"ok": True}
        """,
    "pages/surrogate.py": """\
        from microroutes import BadRequest

        def GET(req, res):
            raise BadRequest("bad title: \\ud800!", detail="also \\udfff here")
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("responses") / "site", SITE)


@pytest.fixture(scope="module")
def debug_client(site: Path) -> Client:
    return client_for(App(site, debug=True))


def failure_message(client: Client, path: str) -> str:
    """The debug 500's message: the exception the app raised, as the client sees it."""
    response = client.get(path)
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert b"\r\n" not in response.data
    return str(response.json["error"]["message"])


# -- return values -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tuple/text", "/tuple/json", "/tuple/headers"])
def test_a_returned_tuple_is_a_500_saying_what_to_write(
    client: Client, debug_client: Client, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    response = client.get(path)
    # One complete JSON 500: no 200 head, no stream cut after "created".
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC_500)
    file = path.lstrip("/") + ".py"
    assert f"TypeError: {file} returned a tuple" in caplog.text
    message = failure_message(debug_client, path)
    assert message.startswith(f"TypeError: {file} returned a tuple (")
    assert "res.status(201); res.set_header('Location', url); return body" in message


def test_a_returned_database_row_is_a_500_naming_the_file_and_type(debug_client: Client) -> None:
    message = failure_message(debug_client, "/row")
    assert message.startswith("TypeError: row.py returned a sqlite3.Row, which is not a body")
    assert "dict(row)" in message


@pytest.mark.parametrize(
    ("kind", "type_name"),
    [
        ("set", "set"),
        ("deque", "collections.deque"),
        ("range", "range"),
        ("keys", "dict_keys"),
        ("mapping", "mappingproxy"),
    ],
)
def test_containers_other_than_dict_and_list_are_refused(
    debug_client: Client, kind: str, type_name: str
) -> None:
    message = failure_message(debug_client, f"/containers/{kind}")
    assert message.startswith(f"TypeError: containers/[kind].py returned a {type_name}, ")
    hint = "convert it with dict(...)" if kind == "mapping" else "a container is not streamed"
    assert hint in message


@pytest.mark.parametrize(
    ("kind", "body"),
    [("generator", b"ab"), ("iterator", b"ab"), ("map", b"ab"), ("file", b"ab\n")],
)
def test_iterables_without_a_length_are_streamed(client: Client, kind: str, body: bytes) -> None:
    response = client.get(f"/streams/{kind}")
    assert (response.status_code, response.data) == (200, body)
    assert "Content-Length" not in response.headers


# -- JSON out ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize("how", ["return", "res.json"])
def test_nan_and_infinity_are_never_sent_as_json(
    client: Client, debug_client: Client, how: str, value: str
) -> None:
    path = f"/nan/{how}?v={value}"
    response = client.get(path)
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC_500)
    json.loads(response.data, parse_constant=pytest.fail)  # strict JSON
    message = failure_message(debug_client, path)
    assert "JSON has no NaN or Infinity: send None or a string" in message
    if how == "return":
        assert message.startswith(
            "ValueError: nan/[how].py: cannot send the returned value as JSON"
        )


def test_a_returned_model_holding_nan_is_a_500_naming_the_file(debug_client: Client) -> None:
    assert failure_message(debug_client, "/nan-model") == (
        "ValueError: nan-model.py: cannot send the returned value as JSON: "
        "JSON has no NaN or Infinity: send None or a string for that number instead"
    )


def test_a_returned_value_with_no_json_form_is_a_500_naming_the_file(
    debug_client: Client,
) -> None:
    assert failure_message(debug_client, "/opaque") == (
        "TypeError: opaque.py: cannot send the returned value as JSON: "
        "object is not JSON serializable"
    )


# -- headers and statuses ------------------------------------------------------------

HOP_BY_HOP = ["Connection", "Transfer-Encoding", "keep-alive", "Upgrade", "TE", "Trailer"]
PROXY = ["Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection"]


@pytest.mark.parametrize("name", HOP_BY_HOP + PROXY)
@pytest.mark.parametrize("path", ["/header", "/error-header"])
def test_hop_by_hop_headers_are_refused_where_set(
    debug_client: Client, path: str, name: str
) -> None:
    message = failure_message(debug_client, f"{path}?name={name}&value=close")
    assert message == (
        f"ValueError: header {name} is a hop-by-hop header: only the server may send it (PEP 3333)"
    )


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "5, 5", " 5", "²"])
def test_a_content_length_that_is_not_a_number_is_refused(debug_client: Client, value: str) -> None:
    response = debug_client.get("/header", query_string={"name": "Content-Length", "value": value})
    assert response.status_code == 500
    assert response.json["error"]["message"] == (
        f"ValueError: header Content-Length must be a number of bytes, got {value!r}"
    )


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
@pytest.mark.parametrize("path", ["/header", "/error-header"])
def test_control_characters_in_header_values_are_refused(
    client: Client, debug_client: Client, path: str, char: str
) -> None:
    query = {"name": "X-Value", "value": f"a{char}b"}
    response = client.get(path, query_string=query)
    assert (response.status_code, without_request_id(response.json)) == (500, GENERIC_500)
    assert "X-Value" not in response.headers
    message = debug_client.get(path, query_string=query).json["error"]["message"]
    assert message.startswith(
        f"ValueError: header X-Value: value contains the control character {char!r}"
    )


def test_a_tab_in_a_header_value_is_fine(site: Path) -> None:
    # RFC 9110 allows a tab inside a value; wsgiref.validate alone does not.
    client = Client(App(site), validate=False)
    response = client.get("/header", query_string={"name": "X-Value", "value": "a\tb"})
    assert (response.status_code, response.headers["X-Value"]) == (200, "a\tb")


@pytest.mark.parametrize("code", ["99", "100", "199", "600", "-200", "abc"])
def test_assigning_a_bad_status_code_is_refused(debug_client: Client, code: str) -> None:
    expected = int(code) if code.lstrip("-").isdigit() else code
    message = failure_message(debug_client, f"/status?code={code}")
    assert message == f"ValueError: HTTP status must be an int from 200 to 599, got {expected!r}"


def test_assigning_a_good_status_code_works(client: Client) -> None:
    assert client.get("/status?code=201").status_code == 201


def test_status_code_is_checked_on_the_object_itself() -> None:
    response = Response()
    response.status_code = 404
    assert response.status_code == 404
    for bad in (99, 600, "200", 200.0, True):
        with pytest.raises(ValueError, match="HTTP status must be an int from 200 to 599"):
            response.status_code = bad  # type: ignore[assignment]
    assert response.status_code == 404
    response.status_code = http.HTTPStatus.CREATED
    assert (type(response.status_code), response.status_code) == (int, 201)
    assert type(Response().status(http.HTTPStatus.ACCEPTED).status_code) is int


# -- error pages ---------------------------------------------------------------------


def test_an_html_error_page_with_a_lone_surrogate_is_still_the_4xx(client: Client) -> None:
    page = client.get("/surrogate", headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    text = page.data.decode("utf-8")  # valid UTF-8
    assert "<h1>400 bad title: &#55296;!</h1>" in text
    assert "<pre>also &#57343; here</pre>" in text


def test_a_json_error_with_a_lone_surrogate_is_still_the_4xx(client: Client) -> None:
    response = client.get("/surrogate")
    assert response.status_code == 400
    assert without_request_id(json.loads(response.data.decode("ascii"))) == {
        "error": {"status": 400, "message": "bad title: \ud800!", "detail": "also \udfff here"}
    }
