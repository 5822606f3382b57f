"""Route file and folder names must be usable as they are in a URL path.

A name holding a character a path cannot carry literally (``{``, ``?``,
``#``, ``%``, a space, a control or format character) stops ``App(...)``
with a :class:`RouteConflictError` naming the file relative to ``pages/``;
every other name keeps answering its path, and the OpenAPI document shows it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from conftest import ECHO_ROUTE, client_for
from servers import run_command

from microroutes import App, RouteConflictError, openapi_document

REFUSED = [
    pytest.param("{id}.py", "'{' '}'", id="braces"),
    pytest.param("q?.py", "'?'", id="question-mark"),
    pytest.param("#frag.py", "'#'", id="hash"),
    pytest.param("a b.py", "' '", id="space"),
    pytest.param("100%.py", "'%'", id="percent"),
    pytest.param("a%41.py", "'%'", id="percent-escape"),
    pytest.param('say"hi".py', "'\"'", id="double-quote"),
    pytest.param("a<b>.py", "'<' '>'", id="angle-brackets"),
    pytest.param("back\\slash.py", "'\\\\'", id="backslash"),
    pytest.param("pipe|caret^tick`.py", "'|' '^' '`'", id="pipe-caret-backtick"),
    pytest.param("tab\t.py", "'\\t'", id="tab"),
    pytest.param("nl\n.py", "'\\n'", id="newline"),
    pytest.param("del\x7f.py", "'\\x7f'", id="delete"),
    pytest.param("nbsp\u00a0.py", "'\\xa0'", id="no-break-space"),
    pytest.param("zw\u200bsp.py", "'\\u200b'", id="zero-width-space"),
    pytest.param("{section}/index.py", "'{' '}'", id="folder-braces"),
    pytest.param("api/a b/[id].py", "' '", id="folder-space"),
    pytest.param("(group)/x?/y.py", "'?'", id="folder-in-group"),
]


@pytest.mark.parametrize(("file", "shown"), REFUSED)
def test_a_name_a_url_path_cannot_carry_is_refused(make_site, file: str, shown: str) -> None:
    site = make_site({"pages/index.py": ECHO_ROUTE, f"pages/{file}": ECHO_ROUTE})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    message = str(caught.value)
    assert caught.value.files == (file,)
    assert message.startswith(f"{file}: the name ")
    assert f"holds {shown}, which a URL path cannot carry as it is" in message
    assert str(site) not in message


def test_the_command_line_names_the_file(make_site) -> None:
    site = make_site({"pages/api/{id}.py": ECHO_ROUTE})
    for command in ("openapi", "routes"):
        result = run_command(command, str(site))
        assert result.returncode != 0
        assert "api/{id}.py: the name '{id}' holds '{' '}'" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_a_folder_without_route_files_is_not_checked(make_site) -> None:
    site = make_site(
        {"pages/index.py": ECHO_ROUTE, "pages/notes and drafts/readme.txt": "not a route\n"}
    )
    assert client_for(site).get("/").json["file"] == "index.py"


ALLOWED = [
    "sitemap.xml.py",
    "feed.rss.py",
    "a-b_c~d.py",
    "it's.py",
    "a+b,c;d=e.py",
    "a:b@c.py",
    "$1!*.py",
    "()/inside.py",
    "café.py",
    "ünï/cødé.py",
    "日本語.py",
    "😀.py",
    "x/[id].py",
]


@pytest.mark.parametrize("file", ALLOWED)
def test_names_a_path_can_carry_keep_answering(make_site, file: str) -> None:
    site = make_site({f"pages/{file}": ECHO_ROUTE})
    app = App(site)
    path = "/" + file.removesuffix(".py").replace("[id]", "7")
    response = client_for(app).get(quote(path, safe="/:@!$&'()*+,;="))
    assert response.status_code == 200
    assert response.json["file"] == file
    document: dict[str, Any] = openapi_document(app)
    assert list(document["paths"]) == [path.replace("/7", "/{id}")]
