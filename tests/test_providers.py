"""Providers: ``providers = {Type: function}`` in ``pages/_app.py`` fill handler parameters."""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import without_request_id

from microroutes import App, SiteError
from microroutes.cli import main
from microroutes.testing import Client

#: A site-wide module with the types, the providers and an event log the tests read.
LIB = """\
import asyncio
from dataclasses import dataclass

from microroutes import Unauthorized

EVENTS = []


@dataclass
class Settings:
    greeting: str


@dataclass
class User:
    name: str


class Connection:
    def __init__(self):
        self.rows = []


def settings(req):
    EVENTS.append("settings")
    return Settings("hello")


def current_user(req, settings: Settings):
    token = req.headers.get("Authorization", "")
    if token != "Bearer good":
        raise Unauthorized("a valid bearer token is required")
    EVENTS.append("user")
    return User(settings.greeting + " ada")


def connection(req):
    conn = Connection()
    EVENTS.append("open")
    try:
        yield conn
    except Exception as error:
        EVENTS.append(f"rollback {type(error).__name__} {conn.rows}")
        raise
    else:
        EVENTS.append(f"commit {conn.rows}")
    finally:
        EVENTS.append("close")


class Clock:
    pass


async def clock(req):
    await asyncio.sleep(0)
    return Clock()


class Session:
    pass


async def session(req):
    EVENTS.append("session open")
    try:
        yield Session()
    finally:
        EVENTS.append("session closed")
"""

APP = """\
from sitelib import Clock, Connection, Session, Settings, User, clock, connection, current_user
from sitelib import session, settings

providers = {
    Settings: settings,
    User: current_user,
    Connection: connection,
    Clock: clock,
    Session: session,
}
"""


@pytest.fixture
def provided_site(make_site, request):
    """A site whose ``pages/_app.py`` provides the types of ``sitelib``, a module of its own."""
    name = f"sitelib_{request.node.name.replace('[', '_').replace(']', '_').replace('-', '_')}"

    def make(pages: dict[str, str]):
        files = {f"{name}.py": LIB, "pages/_app.py": APP.replace("sitelib", name)}
        files.update({path: code.replace("sitelib", name) for path, code in pages.items()})
        site = make_site(files)
        app = App(site)
        return app, Client(app), lambda: __import__(name).EVENTS

    return make


def test_handler_parameters_receive_provided_values(provided_site) -> None:
    _app, client, events = provided_site(
        {
            "pages/me.py": (
                "from sitelib import Settings, User\n"
                "def GET(req, res, user: User, settings: Settings):\n"
                "    return {'name': user.name, 'greeting': settings.greeting}\n"
            )
        }
    )
    answer = client.get("/me", headers={"Authorization": "Bearer good"})
    assert answer.json == {"name": "hello ada", "greeting": "hello"}
    # Settings is needed twice (by the handler and by current_user): made once.
    assert events() == ["settings", "user"]


def test_a_provider_raising_an_http_error_answers_with_it(provided_site) -> None:
    _app, client, _events = provided_site(
        {
            "pages/me.py": (
                "from sitelib import User\n"
                "def GET(req, res, user: User):\n"
                "    raise AssertionError('the handler must not run')\n"
            )
        }
    )
    answer = client.get("/me", headers={"Authorization": "Bearer bad"})
    assert answer.status_code == 401
    assert without_request_id(answer.json) == {
        "error": {"status": 401, "message": "a valid bearer token is required"}
    }


def test_generator_provider_commits_after_a_response(provided_site) -> None:
    _app, client, events = provided_site(
        {
            "pages/items.py": (
                "from sitelib import Connection, EVENTS\n"
                "def POST(req, res, conn: Connection):\n"
                "    conn.rows.append(1)\n"
                "    EVENTS.append('handler')\n"
                "    return {'ok': True}\n"
            )
        }
    )
    assert client.post("/items").json == {"ok": True}
    assert events() == ["open", "handler", "commit [1]", "close"]


def test_generator_provider_sees_the_handlers_exception(provided_site) -> None:
    _app, client, events = provided_site(
        {
            "pages/items.py": (
                "from microroutes import Conflict\n"
                "from sitelib import Connection\n"
                "def POST(req, res, conn: Connection):\n"
                "    conn.rows.append(1)\n"
                "    if req.query.get('conflict'):\n"
                "        raise Conflict('taken')\n"
                "    raise LookupError('boom')\n"
            )
        }
    )
    failed = client.post("/items")
    assert failed.status_code == 500
    assert events() == ["open", "rollback LookupError [1]", "close"]
    events().clear()
    conflict = client.post("/items?conflict=1")
    assert (conflict.status_code, conflict.json["error"]["message"]) == (409, "taken")
    assert events() == ["open", "rollback Conflict [1]", "close"]


def test_the_return_annotation_converts_a_provided_handler_s_answer(provided_site) -> None:
    """Keys the model does not declare stay on the server, with providers as without."""
    _app, client, events = provided_site(
        {
            "pages/account.py": (
                "import msgspec\n"
                "from sitelib import Connection\n"
                "class Account(msgspec.Struct):\n"
                "    name: str\n"
                "def GET(req, res, conn: Connection) -> Account:\n"
                "    if req.query.get('wrong'):\n"
                "        return {'name': 1}\n"
                "    return {'name': 'ada', 'password_hash': 'secret'}\n"
                "async def PUT(req, res, conn: Connection) -> list[Account]:\n"
                "    return [{'name': 'ada', 'password_hash': 'secret'}]\n"
            )
        }
    )
    answer = client.get("/account")
    assert (answer.status_code, answer.get_data()) == (200, b'{"name":"ada"}')
    assert events() == ["open", "commit []", "close"]
    events().clear()
    assert client.put("/account").get_data() == b'[{"name":"ada"}]'
    events().clear()
    # A value that does not fit fails inside the providers: the transaction is rolled back.
    assert client.get("/account?wrong=1").status_code == 500
    assert events() == ["open", "rollback ReturnTypeError []", "close"]


def test_generator_provider_finishes_after_a_streamed_body(provided_site) -> None:
    _app, client, events = provided_site(
        {
            "pages/export.py": (
                "from sitelib import Connection, EVENTS\n"
                "def GET(req, res, conn: Connection):\n"
                "    def rows():\n"
                "        for n in range(3):\n"
                "            conn.rows.append(n)\n"
                "            EVENTS.append(f'chunk {n}')\n"
                "            yield f'{n}\\n'\n"
                "        if req.query.get('fail'):\n"
                "            raise LookupError('late')\n"
                "    return rows()\n"
            )
        }
    )
    assert client.get("/export").data == b"0\n1\n2\n"
    assert events() == ["open", "chunk 0", "chunk 1", "chunk 2", "commit [0, 1, 2]", "close"]
    events().clear()
    # Closed before its end (a client gone): finished as well.
    body = client.get("/export", buffered=False)
    iterator = iter(body.response)
    assert next(iterator) == b"0\n"
    body.close()
    assert events() == ["open", "chunk 0", "commit [0]", "close"]
    events().clear()
    # Failing midway: the error is thrown in.
    streamed = client.get("/export?fail=1", buffered=False)
    with pytest.raises(LookupError):
        b"".join(streamed.response)
    streamed.close()
    assert events()[-2:] == ["rollback LookupError [0, 1, 2]", "close"]


def test_async_providers_and_async_handlers(provided_site) -> None:
    _app, client, events = provided_site(
        {
            "pages/tick.py": (
                "import asyncio\n"
                "from sitelib import Clock, Session, EVENTS\n"
                "async def GET(req, res, clock: Clock, session: Session):\n"
                "    await asyncio.sleep(0)\n"
                "    EVENTS.append('handler')\n"
                "    return {'clock': type(clock).__name__, 'session': type(session).__name__}\n"
            ),
            "pages/sync.py": (
                "from sitelib import Clock, Session\n"
                "def GET(req, res, clock: Clock, session: Session):\n"
                "    return {'clock': type(clock).__name__}\n"
            ),
        }
    )
    assert client.get("/tick").json == {"clock": "Clock", "session": "Session"}
    assert events() == ["session open", "handler", "session closed"]
    assert client.get("/sync").json == {"clock": "Clock"}


def test_providers_work_beside_typed_body_query_and_path_parameters(provided_site) -> None:
    app, client, events = provided_site(
        {
            "pages/items/[id].py": (
                "from dataclasses import dataclass\n"
                "from sitelib import Connection, Settings\n"
                "@dataclass\n"
                "class Item:\n"
                "    name: str\n"
                "@dataclass\n"
                "class Query:\n"
                "    loud: bool = False\n"
                "def PUT(req, res, id: int, body: Item, query: Query, conn: Connection,"
                " settings: Settings):\n"
                "    conn.rows.append(id)\n"
                "    name = body.name.upper() if query.loud else body.name\n"
                "    return {'id': id, 'name': name, 'greeting': settings.greeting}\n"
            )
        }
    )
    answer = client.put("/items/7?loud=true", json={"name": "lamp"})
    assert answer.json == {"id": 7, "name": "LAMP", "greeting": "hello"}
    assert "commit [7]" in events()
    assert client.put("/items/x", json={"name": "lamp"}).status_code == 404
    invalid = client.put("/items/7", json={"name": 3})
    assert invalid.status_code == 422
    assert invalid.json["error"]["detail"][0]["loc"] == ["body", "name"]
    # The typed binding sees only its own parameters: the OpenAPI body schema is intact.
    (route,) = [r for r in app.routes() if r.pattern == "/items/[id]"]
    assert route.signatures["PUT"].arguments == ("id", "body", "query")


def test_routes_json_lists_provided_parameters(provided_site, capsys) -> None:
    app, _client, _events = provided_site(
        {
            "pages/me.py": (
                "from sitelib import User\n"
                "def GET(req, res, user: User):\n"
                "    return {}\n"
                "def POST(req, res):\n"
                "    return {}\n"
            )
        }
    )
    assert main(["routes", str(app.site_dir), "--json"]) == 0
    (route,) = json.loads(capsys.readouterr().out)
    assert route["providers"] == {"GET": {"user": "User"}}


def test_a_type_nobody_provides_is_a_start_up_error(provided_site) -> None:
    app, client, _events = provided_site(
        {"pages/me.py": ("class Cart:\n    pass\ndef GET(req, res, cart: Cart):\n    return {}\n")}
    )
    with pytest.raises(
        SiteError, match=r"me\.py: GET: unknown parameter 'cart': no provider gives Cart"
    ):
        app.load_all()
    assert client.get("/me").status_code == 500


@pytest.mark.parametrize(
    ("app_file", "message"),
    [
        (
            "class A: pass\nclass B: pass\n"
            "def a(req, b: B): return A()\n"
            "def b(req, a: A): return B()\n"
            "providers = {A: a, B: b}\n",
            r"_app\.py: provider \w+ parameter '\w+': "
            r"providers form a cycle: (A -> B -> A|B -> A -> B)",
        ),
        (
            "class A: pass\ndef a(req, other): return A()\nproviders = {A: a}\n",
            r"_app\.py: provider a \(for A\): "
            r"parameter 'other' \(no annotation\) is not a provided type",
        ),
        (
            "class A: pass\nproviders = {A: 3}\n",
            r"_app\.py: the provider of A must be a function, got 3",
        ),
        (
            "class A: pass\ndef a(): return A()\nproviders = {A: a}\n",
            r"_app\.py: provider a \(for A\) must take the request as its first parameter",
        ),
        ("providers = [1]\n", r"_app\.py: providers must be a dict"),
    ],
)
def test_broken_providers_are_start_up_errors_naming_the_file(
    make_site, app_file: str, message: str
) -> None:
    site = make_site(
        {
            "pages/_app.py": app_file,
            "pages/index.py": "def GET(req, res, x: int = 1):\n    return {}\n",
        }
    )
    with pytest.raises(SiteError, match=message):
        App(site).load_all()


def test_a_site_without_providers_keeps_the_typed_message(make_site) -> None:
    site = make_site(
        {"pages/a.py": "class Cart: pass\ndef GET(req, res, cart: Cart):\n    return {}\n"}
    )
    with pytest.raises(SiteError, match=r"a\.py: GET: unknown parameter 'cart'"):
        App(site).load_all()


def test_broken_providers_fail_load_all_even_if_no_handler_asks(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": "providers = {int: 3}\n",
            "pages/index.py": "def GET(req, res):\n    return {}\n",
        }
    )
    with pytest.raises(SiteError, match=r"_app\.py: the provider of int must be a function"):
        App(site).load_all()


def test_providers_follow_a_development_reload(make_site) -> None:
    site = make_site(
        {
            "pages/_deps.py": "class Greeting:\n    text = 'hello'\n",
            "pages/_app.py": (
                "from microroutes import Conflict\n"
                "from ._deps import Greeting\n"
                "class Taken(Exception):\n    pass\n"
                "providers = {Greeting: lambda req: Greeting()}\n"
                "exceptions = {Taken: Conflict}\n"
            ),
            "pages/hi.py": (
                "from ._deps import Greeting\n"
                "def GET(req, res, greeting: Greeting):\n"
                "    return {'text': greeting.text}\n"
            ),
            "pages/taken.py": ("from ._app import Taken\ndef GET(req, res):\n    raise Taken()\n"),
        }
    )
    client = Client(App(site, reload=True))
    assert client.get("/hi").json == {"text": "hello"}
    route = site / "pages" / "hi.py"
    route.write_text(route.read_text().replace("greeting.text}", "greeting.text + '!'}"))
    # The edit re-imports pages/ (the types included); the providers follow it.
    deadline = time.monotonic() + 15
    while (answer := client.get("/hi")).json != {"text": "hello!"}:
        assert answer.status_code == 200, answer.json
        assert time.monotonic() < deadline, "the edit was never picked up"
        time.sleep(0.05)
        os.utime(route)
    assert client.get("/taken").status_code == 409


def test_a_same_named_class_from_elsewhere_is_pointed_out(make_site) -> None:
    site = make_site(
        {
            "pages/_app.py": "class User:\n    pass\nproviders = {User: lambda req: User()}\n",
            "pages/me.py": "class User:\n    pass\ndef GET(req, res, user: User):\n    return {}\n",
        }
    )
    with pytest.raises(SiteError, match="another class of the same name: import it from one place"):
        App(site).load_all()
