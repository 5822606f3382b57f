"""The per-request path: each input is parsed and converted once, with the same answers."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import client_for, environ_for

from microroutes import ContentTooLarge
from microroutes import app as app_module
from microroutes import request as request_module
from microroutes.request import Request
from microroutes.typed._engines import Invalid, build_engine
from microroutes.typed._numbers import short_integer

SITE = {
    "pages/items/[id].py": """
        from typing import Annotated
        import msgspec

        class Change(msgspec.Struct):
            name: str

        class Flags(msgspec.Struct):
            dry: bool = False

        def GET(req, res, id: int):
            return {"id": id, "type": type(id).__name__}

        def PUT(req, res, id: int, query: Flags, body: Change):
            return {"id": id, "dry": query.dry, "name": body.name, "length": req.content_length}
    """,
}


def test_content_length_is_parsed_once_per_request(
    make_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    parse = request_module.parse_content_length

    def counted(environ: dict[str, Any]) -> int | None:
        calls.append(environ.get("CONTENT_LENGTH", ""))
        return parse(environ)

    monkeypatch.setattr(app_module, "parse_content_length", counted)
    monkeypatch.setattr(request_module, "parse_content_length", counted)
    client = client_for(make_site(SITE))
    answer = client.put("/items/3?dry=true", json={"name": "pen"})
    assert answer.json == {"id": 3, "dry": True, "name": "pen", "length": 15}
    assert calls == ["15"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items/7", 7),
        ("/items/-3", -3),
        ("/items/-0", 0),
        ("/items/123456789012345678", 123456789012345678),
        ("/items/9223372036854775807", 9223372036854775807),  # longer: through msgspec
        ("/items/99999999999999999999999", 99999999999999999999999),
    ],
)
def test_an_int_path_parameter_is_converted(make_site: Any, path: str, expected: int) -> None:
    assert client_for(make_site(SITE)).get(path).json == {"id": expected, "type": "int"}


@pytest.mark.parametrize(
    "path",
    [
        "/items/007",
        "/items/-007",
        "/items/00",
        "/items/7.0",
        "/items/1e3",
        "/items/+7",
        "/items/-",
        "/items/%D9%A3",
        "/items/7x",
    ],
)
def test_an_int_path_parameter_that_is_not_one_is_a_404(make_site: Any, path: str) -> None:
    answer = client_for(make_site(SITE)).get(path)
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "-0",
        "7",
        "-7",
        "10",
        "007",
        "-007",
        "00",
        "",
        "-",
        "+7",
        "1_0",
        " 7",
        "7 ",
        "٣",
        "1e3",
        "123456789012345678",
        "-123456789012345678",
        "1234567890123456789",
    ],
)
def test_short_integers_are_read_as_msgspec_reads_them(text: str) -> None:
    """Where short_integer answers, the engine it stands in for gives the same int."""
    number = short_integer(text)
    try:
        expected: int | None = build_engine(int).from_strings(text, ("path", "id"))
    except Invalid:
        expected = None
    if number is not None:
        assert number == expected
    else:
        assert expected is None or len(text.lstrip("-")) > 18


@pytest.mark.parametrize(
    ("declared", "sent", "refused"),
    [("10", 10, False), ("11", 11, True), ("12", 12, True), (None, 10, False), (None, 11, True)],
)
def test_the_body_limit_holds_when_the_body_is_read(
    declared: str | None, sent: int, refused: bool
) -> None:
    """A request made without the app's check (an error page's, say) still refuses it."""
    environ = environ_for("/", method="POST", data=b"x" * sent)
    if declared is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True  # a chunked body: no length to check first
    else:
        environ["CONTENT_LENGTH"] = declared
    req = Request(environ, "/", {}, None, 10)  # type: ignore[arg-type]
    if refused:
        with pytest.raises(ContentTooLarge):
            req.data  # noqa: B018
    else:
        assert req.data == b"x" * sent
