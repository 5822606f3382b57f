"""The Request: a lazy view over the WSGI environ."""

from __future__ import annotations

import gc
import json
import warnings
from io import BytesIO

import pytest
from conftest import client_for, environ_for, write_files, wsgi_call

from microroutes import App, Request
from microroutes.testing import Client

# One route per aspect; each returns what it saw as JSON.
ROUTES = {
    "pages/info/[id].py": """\
        def handler(req, res):
            return {
                "method": req.method,
                "path": req.path,
                "url": req.url,
                "query_string": req.query_string,
                "params": req.params,
                "app_is_set": req.app is not None and req.app.pages_dir.name == "pages",
            }
    """,
    "pages/post/[id].py": """\
        def GET(req, res):
            return {"params": req.params, "query": req.query.to_dict(flat=False)}
    """,
    "pages/files/[...path].py": """\
        def GET(req, res):
            return {"params": req.params, "query": req.query.to_dict(flat=False)}
    """,
    "pages/query.py": """\
        def GET(req, res):
            q = req.query
            return {
                "first": q.get("tag"),
                "all": q.getlist("tag"),
                "blank": q.get("blank"),
                "bare": q.get("bare"),
                "missing": q.get("missing"),
                "keys": sorted(q.keys()),
            }
    """,
    "pages/headers.py": """\
        def GET(req, res):
            h = req.headers
            return {
                "lower": h.get("x-custom"),
                "upper": h.get("X-CUSTOM"),
                "mixed": h["X-Custom"],
                "agent": h.get("user-agent"),
                "absent": h.get("x-absent"),
            }
    """,
    "pages/cookies.py": """\
        def GET(req, res):
            return {"cookies": req.cookies.to_dict(), "missing": req.cookies.get("nope")}
    """,
    "pages/data.py": """\
        def POST(req, res):
            data = req.data
            assert req.data is data  # read once
            return {
                "type": type(data).__name__,
                "hex": data.hex(),
                "content_length": req.content_length,
                "content_type": req.content_type,
            }
    """,
    "pages/text.py": """\
        def POST(req, res):
            return {"text": req.text}
    """,
    "pages/json.py": """\
        def POST(req, res):
            return {"json": req.json}
    """,
    "pages/expect.py": """\
        def POST(req, res):
            return {"json": req.expect_json()}
    """,
    "pages/form.py": """\
        def POST(req, res):
            files = {
                name: {
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "content": f.read().decode(),
                }
                for name, f in req.files.items()
            }
            for upload in req.files.values():
                upload.close()
            return {"form": req.form.to_dict(flat=False), "files": files}
    """,
    "pages/body.py": """\
        def POST(req, res):
            body = req.body
            for upload in req.files.values():
                upload.close()
            if hasattr(body, "to_dict"):
                value = body.to_dict(flat=False)
            elif isinstance(body, bytes):
                value = body.hex()
            else:
                value = body
            return {"type": type(body).__name__, "value": value}
    """,
    "pages/lazy/[id].py": """\
        def handler(req, res):
            return {"id": req.params["id"]}
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("request"), ROUTES))


# --- method, path, url ----------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
    ],
)
def test_method_path_url(client, method: str) -> None:
    response = client.open("/info/7?x=1&y=%20z", method=method)
    assert response.json == {
        "method": method,
        "path": "/info/7",
        "url": "http://localhost/info/7?x=1&y=%20z",
        "query_string": "x=1&y=%20z",
        "params": {"id": "7"},
        "app_is_set": True,
    }


def test_path_is_decoded(client) -> None:
    body = client.get("/info/caf%C3%A9").json
    assert body["path"] == "/info/café"
    assert body["params"] == {"id": "café"}


def test_url_uses_host_header(client) -> None:
    response = client.get("/info/1", base_url="https://example.org:8443/")
    assert response.json["url"] == "https://example.org:8443/info/1"


def test_request_repr_and_direct_construction(app: App) -> None:
    environ = environ_for("/x?a=1", method="post")
    req = Request(environ, "/x", {"id": "1"}, app)
    assert req.app is app
    assert req.method == "post"  # as sent: methods are case-sensitive
    assert req.params == {"id": "1"}
    assert req.query["a"] == "1"
    assert repr(req) == "<Request post '/x'>"


# --- params and query -------------------------------------------------------


def test_params_and_query_are_kept_apart(client) -> None:
    assert client.get("/post/abc?id=q").json == {
        "params": {"id": "abc"},
        "query": {"id": ["q"]},
    }


def test_catch_all_params_are_a_list_and_query_separate(client) -> None:
    assert client.get("/files/a/b?path=z").json == {
        "params": {"path": ["a", "b"]},
        "query": {"path": ["z"]},
    }


def test_query_multi_values_and_blanks(client) -> None:
    body = client.get("/query?tag=a&tag=b&blank=&bare&tag=c").json
    assert body == {
        "first": "a",
        "all": ["a", "b", "c"],
        "blank": "",
        "bare": "",
        "missing": None,
        "keys": ["bare", "blank", "tag"],
    }


def test_query_decoding(client) -> None:
    body = client.get("/query?tag=caf%C3%A9&tag=a+b&tag=%2B&tag=%26").json
    assert body["all"] == ["café", "a b", "+", "&"]


def test_query_with_invalid_utf8_is_replaced(client) -> None:
    body = client.get("/query?tag=%FF&tag=ok").json
    assert body["all"] == ["\ufffd", "ok"]


def test_query_with_no_query_string(client) -> None:
    body = client.get("/query").json
    assert body["all"] == []
    assert body["keys"] == []


def test_too_many_query_fields_is_400(client) -> None:
    query = "&".join(f"k{i}=v" for i in range(1100))
    response = client.get(f"/query?{query}")
    assert response.status_code == 400
    assert "query" in response.json["error"]["message"]


# --- headers and cookies ----------------------------------------------------


def test_headers_are_case_insensitive(client) -> None:
    response = client.get("/headers", headers={"X-Custom": "v1", "User-Agent": "tester/1"})
    assert response.json == {
        "lower": "v1",
        "upper": "v1",
        "mixed": "v1",
        "agent": "tester/1",
        "absent": None,
    }


def test_cookies(app: App) -> None:
    # A client without its own cookie jar sends the Cookie header as given.
    client = Client(app, use_cookies=False)
    response = client.get("/cookies", headers={"Cookie": 'a=1; b=two; c="quoted value"'})
    assert response.json == {
        "cookies": {"a": "1", "b": "two", "c": "quoted value"},
        "missing": None,
    }


def test_cookie_with_utf8_value(app: App) -> None:
    environ = environ_for("/cookies")
    environ["HTTP_COOKIE"] = "name=caf\u00c3\u00a9; b=2"  # UTF-8 bytes as latin-1, as servers give
    status, _, body = wsgi_call(app, environ)
    assert status.startswith("200 ")
    assert json.loads(body)["cookies"] == {"name": "café", "b": "2"}


def test_no_cookies(client) -> None:
    assert client.get("/cookies").json == {"cookies": {}, "missing": None}


# --- raw body, text, json ---------------------------------------------------


def test_data_is_the_raw_body(client) -> None:
    payload = bytes(range(256))
    response = client.post("/data", data=payload, content_type="application/octet-stream")
    assert response.json == {
        "type": "bytes",
        "hex": payload.hex(),
        "content_length": 256,
        "content_type": "application/octet-stream",
    }


def test_data_empty(client) -> None:
    body = client.post("/data").json
    assert body["type"] == "bytes"
    assert body["hex"] == ""
    assert body["content_type"] == ""


def test_content_length_zero(app: App) -> None:
    environ = environ_for("/data", method="POST")
    environ["CONTENT_LENGTH"] = "0"
    status, _, body = wsgi_call(app, environ)
    assert status.startswith("200 ")
    assert json.loads(body)["content_length"] == 0


def test_content_type_is_lowercase_without_parameters(client) -> None:
    response = client.post("/data", data=b"x", content_type="Text/Plain; charset=UTF-8")
    assert response.json["content_type"] == "text/plain"


def test_text_default_utf8(client) -> None:
    response = client.post("/text", data="café ✓".encode(), content_type="text/plain")
    assert response.json == {"text": "café ✓"}


def test_text_declared_charset(client) -> None:
    response = client.post(
        "/text", data="café".encode("latin-1"), content_type="text/plain; charset=latin-1"
    )
    assert response.json == {"text": "café"}


def test_undecodable_text_is_400(client) -> None:
    response = client.post("/text", data=b"\xff\xfe\xfd", content_type="text/plain")
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_text_in_an_unknown_charset_is_415(client) -> None:
    content_type = "text/plain; charset=no-such-charset"
    response = client.post("/text", data=b"abc", content_type=content_type)
    assert response.status_code == 415
    assert "unsupported charset 'no-such-charset'" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            b'{"a": [1, 2.5, null, true], "b": "caf\\u00e9"}',
            {"a": [1, 2.5, None, True], "b": "café"},
        ),
        (b"[1, 2]", [1, 2]),
        (b'"text"', "text"),
        (b"3", 3),
        (b"", None),
    ],
)
def test_json(client, payload: bytes, expected) -> None:
    response = client.post("/json", data=payload, content_type="application/json")
    assert response.status_code == 200
    assert response.json == {"json": expected}


@pytest.mark.parametrize("payload", [b"{", b"{'a': 1}", b"nope", b"[1,]", b"\xff"])
def test_malformed_json_is_400_with_json_message(client, payload: bytes) -> None:
    response = client.post("/json", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == "application/json"
    error = response.json["error"]
    assert error["status"] == 400
    assert "JSON" in error["message"]


def test_deeply_nested_json_is_400_not_500(client) -> None:
    payload = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/json", data=payload, content_type="application/json")
    assert response.status_code == 400


def test_json_ignores_content_type(client) -> None:
    response = client.post("/json", data=b'{"a": 1}', content_type="text/plain")
    assert response.json == {"json": {"a": 1}}


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_expect_json_accepts_json_types(client, content_type: str) -> None:
    response = client.post("/expect", data=b'{"ok": true}', content_type=content_type)
    assert response.json == {"json": {"ok": True}}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_expect_json_is_415_otherwise(client, content_type: str | None) -> None:
    response = client.post("/expect", data=b'{"ok": true}', content_type=content_type)
    assert response.status_code == 415
    assert response.json["error"]["status"] == 415


def test_expect_json_malformed_is_400(client) -> None:
    response = client.post("/expect", data=b"{", content_type="application/json")
    assert response.status_code == 400


# --- forms and files --------------------------------------------------------


def test_urlencoded_form(client) -> None:
    response = client.post("/form", data={"a": "1", "b": ["x", "y"], "c": "café"})
    assert response.json == {"form": {"a": ["1"], "b": ["x", "y"], "c": ["café"]}, "files": {}}


def test_multipart_form_and_files(client) -> None:
    response = client.post(
        "/form",
        data={
            "name": "n",
            "upload": (BytesIO(b"file content"), "notes.txt", "text/plain"),
            "other": (BytesIO(b"{}"), "data.json", "application/json"),
        },
    )
    assert response.json == {
        "form": {"name": ["n"]},
        "files": {
            "upload": {
                "filename": "notes.txt",
                "content_type": "text/plain",
                "content": "file content",
            },
            "other": {"filename": "data.json", "content_type": "application/json", "content": "{}"},
        },
    }


def test_form_of_a_json_body_is_empty(client) -> None:
    response = client.post("/form", data=b'{"a": 1}', content_type="application/json")
    assert response.json == {"form": {}, "files": {}}


def test_malformed_multipart_is_400(client) -> None:
    response = client.post(
        "/form",
        data=b"--xyz\r\nnot a part",
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_multipart_without_boundary_is_400(client) -> None:
    response = client.post("/form", data=b"abc", content_type="multipart/form-data")
    assert response.status_code == 400


# --- body by content type -------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "data", "expected"),
    [
        ("application/json", b'{"a": 1}', {"type": "dict", "value": {"a": 1}}),
        ("application/json; charset=utf-8", b"[1]", {"type": "list", "value": [1]}),
        ("application/vnd.api+json", b'{"b": 2}', {"type": "dict", "value": {"b": 2}}),
        (
            "application/x-www-form-urlencoded",
            b"a=1&a=2&b=",
            {"type": "MultiDict", "value": {"a": ["1", "2"], "b": [""]}},
        ),
        ("text/plain", "héllo".encode(), {"type": "str", "value": "héllo"}),
        ("text/csv", b"a,b\n1,2\n", {"type": "str", "value": "a,b\n1,2\n"}),
        ("application/octet-stream", b"\x00\x01", {"type": "bytes", "value": "0001"}),
        ("image/png", b"\x89PNG", {"type": "bytes", "value": "89504e47"}),
        (None, b"raw", {"type": "bytes", "value": "726177"}),
        (None, b"", {"type": "NoneType", "value": None}),
        ("application/json", b"", {"type": "NoneType", "value": None}),
        ("text/plain", b"", {"type": "NoneType", "value": None}),
    ],
)
def test_body_parsed_by_content_type(client, content_type, data: bytes, expected) -> None:
    response = client.post("/body", data=data, content_type=content_type)
    assert response.status_code == 200, response.data
    assert response.json == expected


def test_body_of_multipart_is_the_form(client) -> None:
    response = client.post("/body", data={"f": "v", "up": (BytesIO(b"x"), "x.bin")})
    assert response.json == {"type": "MultiDict", "value": {"f": ["v"]}}


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=utf-8"])
def test_body_media_type_is_case_insensitive(client, content_type: str) -> None:
    response = client.post("/body", data=b'{"a": 1}', content_type=content_type)
    assert response.json == {"type": "dict", "value": {"a": 1}}


def test_expect_json_media_type_is_case_insensitive(client) -> None:
    response = client.post("/expect", data=b"[1]", content_type="Application/Json")
    assert response.json == {"json": [1]}


def test_uploaded_files_are_closed_after_the_request(make_site) -> None:
    site = make_site(
        {
            "pages/up.py": """\
                def POST(req, res):
                    return {"size": len(req.files["f"].read())}
            """
        }
    )
    client = client_for(site)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.post("/up", data={"f": (BytesIO(b"abc"), "a.txt")})
        gc.collect()
    assert response.json == {"size": 3}
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_body_malformed_json_is_400(client) -> None:
    response = client.post("/body", data=b"{nope", content_type="application/json")
    assert response.status_code == 400


# --- laziness -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{{{ not json", "application/json"),
        (b"\xff\xfe", "garbage;;;==;"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"%%%", "application/x-www-form-urlencoded"),
    ],
)
def test_handler_touching_only_params_ignores_a_bad_body(client, data, content_type) -> None:
    response = client.post("/lazy/9", data=data, content_type=content_type)
    assert response.status_code == 200
    assert response.json == {"id": "9"}


def test_handler_touching_only_params_ignores_bad_cookies_and_query(client) -> None:
    response = client.get(
        "/lazy/3?%%%=&&=%ZZ", headers={"Cookie": "=;;;\x7f", "Accept": "\x01garbage"}
    )
    assert response.json == {"id": "3"}


def test_body_is_not_read_unless_asked(tmp_path) -> None:
    site = write_files(tmp_path, {"pages/p.py": "def POST(req, res):\n    return req.params\n"})

    class Unreadable(BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readlines = read

    environ = environ_for("/p", method="POST", data=b"x" * 10)
    environ["wsgi.input"] = Unreadable()
    status, _, body = wsgi_call(App(site), environ)
    assert status.startswith("200 ")
    assert json.loads(body) == {}
