"""Request bodies: text charsets, strict JSON, unreadable input and uploads.

Whatever a client sends as a body is either decoded or refused with a JSON
4xx before any handler sees it: an unknown or unsafe charset is a 415, JSON
that is not strict JSON (``NaN``, ``1e999``, a lone surrogate) a 400, and a
body the server cannot read (a malformed chunked body, a client gone) a 400
logged as a client error.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from conftest import client_for, environ_for, without_request_id, write_files, wsgi_call
from werkzeug.serving import DechunkedInput

from microroutes import App
from microroutes.testing import Client

SITE = {
    "pages/text.py": "def POST(req, res):\n    return {'text': req.text}\n",
    "pages/body.py": """\
        def POST(req, res):
            body = req.body
            return {"type": type(body).__name__, "body": body}
        """,
    "pages/json.py": "def POST(req, res):\n    return {'json': req.json}\n",
    "pages/expect.py": "def POST(req, res):\n    return {'json': req.expect_json()}\n",
    "pages/data.py": "def POST(req, res):\n    return {'size': len(req.data)}\n",
    "pages/upload.py": """\
        MAX_BODY_SIZE = 8 << 20

        def POST(req, res):
            uploads = req.files.getlist("file")
            req.app.state.uploads = uploads
            return {"sizes": [len(upload.read()) for upload in uploads]}
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("bodies") / "site", SITE)


# -- charsets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("charset", "data", "text"),
    [
        ("UTF-8", "café ✓".encode(), "café ✓"),
        ("utf8", "café".encode(), "café"),
        ("us-ascii", b"plain", "plain"),
        ("latin1", "café".encode("latin-1"), "café"),
        ("ISO_8859-15", "€uro".encode("iso8859-15"), "€uro"),
        ("iso-8859-2", "Łódź".encode("iso8859-2"), "Łódź"),
        ("windows-1252", "“quoted”".encode("cp1252"), "“quoted”"),
        ("cp1251", "привет".encode("cp1251"), "привет"),
        ("utf-16", "héllo".encode("utf-16"), "héllo"),
        ("UTF-16LE", "héllo".encode("utf-16-le"), "héllo"),
        ("utf-32", "héllo".encode("utf-32"), "héllo"),
    ],
)
def test_text_in_an_allowed_charset_is_decoded(
    client: Client, charset: str, data: bytes, text: str
) -> None:
    response = client.post("/text", data=data, content_type=f"text/plain; charset={charset}")
    assert (response.status_code, response.json) == (200, {"text": text})


@pytest.mark.parametrize(
    "charset", ["punycode", "idna", "undefined", "utf-7", "rot13", "base64", "no-such-charset"]
)
@pytest.mark.parametrize("path", ["/text", "/body"])
def test_text_in_any_other_charset_is_a_415_naming_it(
    client: Client, path: str, charset: str
) -> None:
    # 20 KiB of digits: enough to make punycode's quadratic decoder crawl, were it reached.
    response = client.post(path, data=b"7" * 20_000, content_type=f"text/plain; charset={charset}")
    assert response.status_code == 415
    message = response.json["error"]["message"]
    assert message.startswith(f"unsupported charset {charset!r}: send UTF-8 text")


def test_the_charset_is_refused_before_the_body_is_read(site: Path) -> None:
    # The input would fail if it were read at all: the charset is checked first.
    environ = environ_for(
        "/text",
        method="POST",
        content_type="text/plain; charset=punycode",
        headers={"Transfer-Encoding": "chunked"},
    )
    environ["wsgi.input"] = DechunkedInput(io.BytesIO(b"not a chunk header\r\n"))
    environ["wsgi.input_terminated"] = True
    status, _, body = wsgi_call(App(site), environ)
    assert status.startswith("415 ")
    assert json.loads(body)["error"]["message"].startswith("unsupported charset 'punycode'")


def test_undecodable_bytes_in_an_allowed_charset_are_a_400(client: Client) -> None:
    response = client.post("/text", data=b"\xff\xfe\xfd", content_type="text/plain; charset=ascii")
    assert response.status_code == 400
    assert response.json["error"]["message"] == "the body is not valid ascii text"


# -- JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'{"a": 1, "b": [true, false, null], "c": 1.5, "d": "x"}', None),
        (b'[1, -2, 3.25, "\\u00e9\\ud83d\\ude00", {}]', None),
        (b'"\\u2603 snow"', None),
        (b"9223372036854775807", None),
        (b"-9223372036854775808", None),
        (b"1.7976931348623157e308", None),
        (b"1" * 4300, None),
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'\xef\xbb\xbf{"bom": true}', {"bom": True}),
    ],
)
def test_json_bodies_give_plain_python_values(client: Client, text: bytes, value: Any) -> None:
    response = client.post("/json", data=text, content_type="application/json")
    expected = json.loads(text.decode("utf-8-sig")) if value is None else value
    assert response.status_code == 200
    assert response.json == {"json": expected}
    assert type(response.json["json"]) is type(expected)


#: JSON texts that Python's json module accepts but that are not strict JSON.
NOT_STRICT_JSON = {
    "lone high surrogate": b'{"title": "\\ud800"}',
    "lone high surrogate, more text": b'["\\ud800x"]',
    "lone low surrogate": b'"\\udc00"',
    "reversed pair": b'"\\udc00\\ud800"',
    "NaN": b'{"x": NaN}',
    "Infinity": b"[Infinity]",
    "-Infinity": b"-Infinity",
    "1e999": b'{"x": 1e999}',
    "-1e999": b"-1e999",
    "4301-digit integer": b"1" * 4301,
}


@pytest.mark.parametrize("text", NOT_STRICT_JSON.values(), ids=NOT_STRICT_JSON.keys())
@pytest.mark.parametrize("path", ["/json", "/body", "/expect"])
def test_json_that_is_not_strict_json_is_a_400_no_handler_sees(
    client: Client, path: str, text: bytes
) -> None:
    for content_type in ("application/json", "application/problem+json"):
        response = client.post(path, data=text, content_type=content_type)
        assert response.status_code == 400, (content_type, response.data)
        assert response.json["error"]["message"].startswith("malformed JSON body: ")


def test_the_400_says_what_is_wrong(client: Client) -> None:
    def message(text: bytes) -> str:
        response = client.post("/json", data=text, content_type="application/json")
        return str(response.json["error"]["message"])

    assert "lone surrogate" in message(NOT_STRICT_JSON["lone high surrogate"])
    assert "lone surrogate" in message(NOT_STRICT_JSON["lone low surrogate"])
    assert "out of range" in message(NOT_STRICT_JSON["1e999"])
    assert "too many digits" in message(NOT_STRICT_JSON["4301-digit integer"])
    assert "nested too deeply" in message(b"[" * 100_000 + b"]" * 100_000)


# -- bodies the server cannot read ---------------------------------------------------


def _chunked_environ(data: bytes) -> dict[str, Any]:
    """A POST whose body arrives through werkzeug's dev server de-chunker."""
    environ = environ_for(
        "/data",
        method="POST",
        content_type="application/octet-stream",
        headers={"Transfer-Encoding": "chunked"},
    )
    environ["wsgi.input"] = DechunkedInput(io.BytesIO(data))
    environ["wsgi.input_terminated"] = True
    return environ


@pytest.mark.parametrize(
    "data",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # not a chunk size
        b"5\r\nhelloXX0\r\n\r\n",  # no CRLF after the chunk
        b"-5\r\nhello\r\n0\r\n\r\n",  # negative size
        b"",  # the client left before the first chunk
    ],
    ids=["bad size", "no terminator", "negative size", "client gone"],
)
def test_a_body_the_server_cannot_read_is_a_400_logged_as_a_client_error(
    site: Path, caplog: pytest.LogCaptureFixture, data: bytes
) -> None:
    caplog.set_level(logging.INFO, logger="microroutes")
    status, _, body = wsgi_call(App(site, debug=True), _chunked_environ(data))
    assert status.startswith("400 ")
    assert without_request_id(json.loads(body)) == {
        "error": {
            "status": 400,
            "message": "the request body could not be read: malformed or cut short",
        }
    }
    assert b"Traceback" not in body
    records = [r for r in caplog.records if r.name == "microroutes"]
    assert [r.levelno for r in records] == [logging.WARNING]  # one line, no traceback
    assert records[0].exc_info is None
    assert records[0].getMessage().startswith("client error: could not read the body of POST /data")


def test_a_well_formed_chunked_body_is_read(site: Path) -> None:
    status, _, body = wsgi_call(App(site), _chunked_environ(b"5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n"))
    assert (status, json.loads(body)) == ("200 OK", {"size": 8})


# -- uploads -------------------------------------------------------------------------


def test_every_upload_is_closed_not_only_the_first_of_each_field(site: Path) -> None:
    app = App(site)
    # Over 500 KiB in all, so werkzeug spools the uploads to temporary files.
    boundary = "----part-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p{n}.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + bytes([n]) * 300_000
        + b"\r\n"
        for n in range(3)
    ]
    data = b"".join(parts) + f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client_for(app).post("/upload", data=data, content_type=content_type)
    assert response.json == {"sizes": [300_000] * 3}
    uploads = app.state.uploads
    assert len(uploads) == 3
    assert [upload.stream.closed for upload in uploads] == [True, True, True]
