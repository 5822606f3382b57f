"""Body size limits: per app, per route module, declared and chunked bodies."""

from __future__ import annotations

import json
import logging
from io import BytesIO

import pytest
from conftest import client_for, environ_for, write_files, wsgi_call
from werkzeug.test import encode_multipart

from microroutes import App, SiteError

MIB = 1 << 20

SIZE_ROUTE = """\
def POST(req, res):
    return {"size": len(req.data)}
"""

ROUTES = {
    "pages/size.py": SIZE_ROUTE,
    "pages/bigger.py": "MAX_BODY_SIZE = 2 * 1024 * 1024\n" + SIZE_ROUTE,
    "pages/smaller.py": "MAX_BODY_SIZE = 5\n" + SIZE_ROUTE,
    "pages/unlimited.py": "MAX_BODY_SIZE = None\n" + SIZE_ROUTE,
    "pages/zero.py": "MAX_BODY_SIZE = 0\n" + SIZE_ROUTE,
    "pages/untouched.py": """\
        def POST(req, res):
            raise AssertionError("the handler must not run")
    """,
    "pages/form.py": """\
        def POST(req, res):
            return {"fields": len(req.form)}
    """,
}


class ExplodingInput:
    """A ``wsgi.input`` that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readlines = read

    def __iter__(self):
        raise AssertionError("the body was read")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    return write_files(tmp_path_factory.mktemp("limits"), ROUTES)


def post(client, path: str, size: int):
    return client.post(path, data=b"x" * size, content_type="application/octet-stream")


def assert_413(response) -> None:
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert response.json["error"]["status"] == 413


# --- the default limit ------------------------------------------------------------


def test_default_limit_is_one_mib(app: App) -> None:
    assert app.max_body_size == MIB


def test_body_exactly_at_the_limit(client) -> None:
    response = post(client, "/size", MIB)
    assert response.status_code == 200
    assert response.json == {"size": MIB}


def test_body_over_the_limit_is_413(client) -> None:
    assert_413(post(client, "/size", MIB + 1))


def test_limit_is_checked_before_the_handler_without_reading(app: App) -> None:
    environ = environ_for("/untouched", method="POST")
    environ["CONTENT_LENGTH"] = str(MIB + 1)
    environ["wsgi.input"] = ExplodingInput()
    status, headers, body = wsgi_call(app, environ)
    assert status.startswith("413 ")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["status"] == 413


def test_limit_applies_even_when_the_handler_ignores_the_body(app: App) -> None:
    environ = environ_for("/untouched", method="POST")
    environ["CONTENT_LENGTH"] = str(10 * MIB)
    environ["wsgi.input"] = ExplodingInput()
    status, _, _ = wsgi_call(app, environ)
    assert status.startswith("413 ")


def test_form_over_the_limit_is_413(client) -> None:
    boundary, data = encode_multipart({"f": "x" * (MIB + 10)})
    assert len(data) > MIB + 10
    content_type = f"multipart/form-data; boundary={boundary}"
    assert_413(client.post("/form", data=data, content_type=content_type))


def test_form_within_the_limit(client) -> None:
    boundary, data = encode_multipart({"a": "1", "b": "2"})
    content_type = f"multipart/form-data; boundary={boundary}"
    assert client.post("/form", data=data, content_type=content_type).json == {"fields": 2}


# --- per app and per module ----------------------------------------------------------


def test_app_max_body_size(site) -> None:
    client = client_for(App(site, max_body_size=10))
    assert post(client, "/size", 10).json == {"size": 10}
    assert_413(post(client, "/size", 11))


def test_app_without_limit(site) -> None:
    client = client_for(App(site, max_body_size=None))
    assert post(client, "/size", 2 * MIB).json == {"size": 2 * MIB}


def test_module_limit_bigger_than_the_default(client) -> None:
    assert post(client, "/bigger", MIB + MIB // 2).json == {"size": MIB + MIB // 2}
    assert post(client, "/bigger", 2 * MIB).json == {"size": 2 * MIB}
    assert_413(post(client, "/bigger", 2 * MIB + 1))


def test_module_limit_smaller_than_the_default(client) -> None:
    assert post(client, "/smaller", 5).json == {"size": 5}
    assert_413(post(client, "/smaller", 6))


def test_module_limit_none_means_no_limit(client) -> None:
    assert post(client, "/unlimited", 3 * MIB).json == {"size": 3 * MIB}


def test_module_limit_zero(client) -> None:
    assert post(client, "/zero", 0).json == {"size": 0}
    assert_413(post(client, "/zero", 1))


@pytest.mark.parametrize("app_limit", [1, None])
def test_module_limit_overrides_the_app_limit(site, app_limit) -> None:
    client = client_for(App(site, max_body_size=app_limit))
    assert post(client, "/bigger", 1000).json == {"size": 1000}
    assert_413(post(client, "/smaller", 6))
    assert post(client, "/unlimited", 1000).json == {"size": 1000}


# --- chunked bodies --------------------------------------------------------------------


def chunked_environ(path: str, data: bytes, *, terminated: bool = True) -> dict:
    environ = environ_for(path, method="POST")
    environ.pop("CONTENT_LENGTH", None)
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input"] = BytesIO(data)
    environ["wsgi.input_terminated"] = terminated
    return environ


def test_chunked_body_within_the_limit(app: App) -> None:
    status, _, body = wsgi_call(app, chunked_environ("/size", b"x" * MIB))
    assert status.startswith("200 ")
    assert json.loads(body) == {"size": MIB}


def test_chunked_body_over_the_limit_is_413(app: App) -> None:
    status, _, body = wsgi_call(app, chunked_environ("/size", b"x" * (MIB + 1)))
    assert status.startswith("413 ")
    assert json.loads(body)["error"]["status"] == 413


def test_chunked_body_over_a_module_limit_is_413(app: App) -> None:
    status, _, _ = wsgi_call(app, chunked_environ("/smaller", b"123456"))
    assert status.startswith("413 ")
    status, _, body = wsgi_call(app, chunked_environ("/smaller", b"12345"))
    assert json.loads(body) == {"size": 5}


def test_unterminated_input_without_length_reads_nothing(app: App) -> None:
    # Without Content-Length or wsgi.input_terminated, reading could block: the body is empty.
    status, _, body = wsgi_call(app, chunked_environ("/size", b"abc", terminated=False))
    assert status.startswith("200 ")
    assert json.loads(body) == {"size": 0}


# --- Content-Length ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "1e3", " 5", "0x10", "9" * 30, "٣", "5, 5", "+5"]
)
def test_invalid_content_length_is_400(app: App, value: str) -> None:
    environ = environ_for("/untouched", method="POST")
    environ["CONTENT_LENGTH"] = value
    environ["wsgi.input"] = ExplodingInput()
    status, headers, body = wsgi_call(app, environ, validate=False)
    assert status.startswith("400 ")
    assert headers["Content-Type"] == "application/json"
    assert "Content-Length" in json.loads(body)["error"]["message"]


def test_huge_content_length_within_digits_is_413(app: App) -> None:
    environ = environ_for("/untouched", method="POST")
    environ["CONTENT_LENGTH"] = "9" * 18
    environ["wsgi.input"] = ExplodingInput()
    status, _, _ = wsgi_call(app, environ)
    assert status.startswith("413 ")


def test_body_shorter_than_content_length_is_400(app: App) -> None:
    environ = environ_for("/size", method="POST")
    environ["CONTENT_LENGTH"] = "100"
    environ["wsgi.input"] = BytesIO(b"short")
    status, _, body = wsgi_call(app, environ)
    assert status.startswith("400 ")
    assert json.loads(body)["error"]["status"] == 400


# --- invalid MAX_BODY_SIZE ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["'big'", "-1", "True", "1.5", "[10]"])
def test_invalid_module_limit_names_the_file(make_site, caplog, value: str) -> None:
    caplog.set_level(logging.ERROR, logger="microroutes")
    site = make_site({"pages/upload.py": f"MAX_BODY_SIZE = {value}\n" + SIZE_ROUTE})
    app = App(site)
    response = client_for(app).post("/upload", data=b"x")
    assert response.status_code == 500
    assert "upload.py" in caplog.text
    assert "MAX_BODY_SIZE" in caplog.text
    ((_, endpoint),) = list(app.router)
    with pytest.raises(SiteError, match="MAX_BODY_SIZE") as caught:
        endpoint.module.get()
    assert "upload.py" in str(caught.value)
