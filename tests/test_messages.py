"""Messages that say what to do: syntax errors, broken helpers, misnamed exports, conflicts.

Each is checked where a user meets it: ``App.load_all()``, and the ``routes``,
``serve`` and ``dev`` commands run as real processes.
"""

from __future__ import annotations

import json

import pytest
from servers import run_command, running

from microroutes import App, RouteConflictError, SiteError
from microroutes.testing import Client

GET = "def GET(req, res):\n    return {}\n"
USES_DB = "from .._db import connect\n\n" + GET
SYNTAX_ERROR_SITE = {
    "pages/api/[id].py": "import json\n\n\ndef GET(req, res)\n    return {}\n",
    "pages/api/ok.py": GET,
}
SYNTAX_ERROR = (
    "  api/[id].py:4:18: SyntaxError: expected ':'\n"
    "      def GET(req, res)\n"
    "                       ^\n"
)
HELPER_SITE = {
    "pages/api/a.py": USES_DB,
    "pages/api/b.py": USES_DB,
    "pages/api/c.py": USES_DB,
    "pages/_db.py": "def connect():\n    return 1 +\n",
}
HELPER_ERROR = (
    "  _db.py:2:15: SyntaxError: invalid syntax\n"
    "      return 1 +\n"
    "                ^\n"
    "    imported by api/a.py, api/b.py, api/c.py\n"
)


def _load_all_message(site) -> str:
    with pytest.raises(SiteError) as caught:
        App(site).load_all()
    return str(caught.value) + "\n"


def test_syntax_error_shows_place_line_and_caret(make_site) -> None:
    site = make_site(SYNTAX_ERROR_SITE)
    assert _load_all_message(site) == "broken site:\n" + SYNTAX_ERROR


def test_syntax_error_in_serve_and_routes(make_site) -> None:
    site = make_site(SYNTAX_ERROR_SITE)
    served = run_command("serve", str(site), "--port", "0")
    assert served.returncode == 1
    assert served.stderr == "microroutes: broken site:\n" + SYNTAX_ERROR
    assert "Traceback" not in served.stderr
    listed = run_command("routes", str(site))
    assert listed.returncode == 1
    assert listed.stderr == "microroutes: broken site:\n" + SYNTAX_ERROR
    (row,) = [line for line in listed.stdout.splitlines() if line.endswith("api/[id].py")]
    assert "error: api/[id].py:4:18: SyntaxError: expected ':'" in row


def test_syntax_error_in_dev_is_printed_once_and_answered(make_site) -> None:
    site = make_site(SYNTAX_ERROR_SITE)
    with running("dev", str(site)) as server:
        assert server.request("GET", "/api/ok")[0] == 200
        status, _, body = server.request("GET", "/api/7")
        assert status == 500
        assert "api/[id].py:4:18: SyntaxError: expected ':'" in json.loads(body)["error"]["message"]
    output = "".join(server.output)
    assert "microroutes: broken site:\n" + SYNTAX_ERROR in output
    assert output.count("  api/[id].py:4:18") == 1


def test_broken_helper_is_named_once_with_the_routes_importing_it(make_site) -> None:
    site = make_site(HELPER_SITE)
    assert _load_all_message(site) == "broken site:\n" + HELPER_ERROR
    served = run_command("serve", str(site), "--port", "0")
    assert served.returncode == 1
    assert served.stderr == "microroutes: broken site:\n" + HELPER_ERROR


def test_helper_of_a_middleware_is_named_once(make_site) -> None:
    site = make_site(
        {
            "pages/api/_middleware.py": (
                "from .._db import connect\n\ndef middleware(req, res, next):\n    return next()\n"
            ),
            "pages/api/a.py": GET,
            "pages/api/b.py": GET,
            "pages/_db.py": "raise RuntimeError('no database configured')\n",
        }
    )
    assert _load_all_message(site) == (
        "broken site:\n"
        "  _db.py: RuntimeError: no database configured\n"
        "    imported by api/_middleware.py\n"
    )


def test_helper_failing_at_import_is_blamed_not_the_route(make_site) -> None:
    site = make_site(
        {
            "pages/api/a.py": USES_DB,
            "pages/api/b.py": USES_DB,
            "pages/_db.py": "raise RuntimeError('no database configured')\n",
        }
    )
    assert _load_all_message(site) == (
        "broken site:\n"
        "  _db.py: RuntimeError: no database configured\n"
        "    imported by api/a.py, api/b.py\n"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "def get(req, res):\n    return {}\n",
            "api/item.py: get() is not a method export: did you mean GET? Method exports are "
            "upper case (def GET(req, res)); rename a helper that is not one to _get",
        ),
        (
            GET + "def Post(req, res):\n    return {}\n",
            "api/item.py: Post() is not a method export: did you mean POST? Method exports are "
            "upper case (def POST(req, res)); rename a helper that is not one to _Post",
        ),
        (
            "def DELET(req, res):\n    return None\n",
            "api/item.py: no handler (it defines DELET() (did you mean DELETE?)); "
            "define GET, POST, ... or handler(req, res)",
        ),
        (
            "def handle(req, res):\n    return None\n",
            "api/item.py: no handler (it defines handle() (did you mean handler?)); "
            "define GET, POST, ... or handler(req, res)",
        ),
        (
            "import json\nfrom pathlib import Path\n\nLIMIT = 3\n\n"
            "def fetch(key):\n    return key\n\nclass Item:\n    pass\n",
            "api/item.py: no handler (it defines fetch(), Item, LIMIT); "
            "define GET, POST, ... or handler(req, res)",
        ),
    ],
    ids=["lowercase", "capitalised", "misspelt", "handler-misspelt", "lists-definitions"],
)
def test_misnamed_exports(make_site, source: str, message: str) -> None:
    site = make_site({"pages/api/item.py": source})
    assert _load_all_message(site) == f"broken site:\n  {message}\n"


def test_misnamed_exports_in_the_routes_command(make_site) -> None:
    site = make_site(
        {"pages/a.py": "def Put(req, res):\n    return None\n", "pages/b.py": "X = 1\n"}
    )
    listed = run_command("routes", str(site))
    assert listed.returncode == 1
    assert listed.stderr == (
        "microroutes: broken site:\n"
        "  a.py: Put() is not a method export: did you mean PUT? Method exports are upper case "
        "(def PUT(req, res)); rename a helper that is not one to _Put\n"
        "  b.py: no handler (it defines X); define GET, POST, ... or handler(req, res)\n"
    )


def test_helper_named_like_a_method_beside_its_export_is_allowed(make_site) -> None:
    site = make_site({"pages/item.py": "def get(key):\n    return key\n\n" + GET})
    app = App(site)
    app.load_all()
    answer = Client(app).get("/item")
    assert answer.status_code == 200
    assert answer.json == {}
    assert Client(app).post("/item").headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    ("files", "advice"),
    [
        (["a.py", "a/index.py"], "delete one, or rename a.py so it answers another path"),
        (
            ["(g1)/x.py", "(g2)/x.py"],
            "a (group) folder is left out of the URL, so delete one, or rename",
        ),
        (["[id].py", "[slug]/x.py"], "rename [slug] to [id] in [slug]/x.py"),
        (
            ["sub.py", "sub/[[...all]].py"],
            "rename sub/[[...all]].py to sub/[...all].py (a required catch-all) to keep sub.py",
        ),
        (["[...a].py", "[[...b]].py"], "keep one: delete the other ([[...b]].py also answers"),
        (["[id]/[id].py"], "rename one of them so each parameter has its own name"),
        (["[...a]/b.py"], "make it the file name ([...a].py) or drop what follows it"),
    ],
)
def test_conflicts_say_which_file_to_rename_and_how(make_site, files, advice) -> None:
    site = make_site({f"pages/{name}": GET for name in files})
    with pytest.raises(RouteConflictError) as caught:
        App(site)
    assert advice in str(caught.value)
    assert set(caught.value.files) <= set(files)


def test_conflict_advice_in_the_serve_command(make_site) -> None:
    site = make_site({"pages/a.py": GET, "pages/a/index.py": GET})
    served = run_command("serve", str(site), "--port", "0")
    assert served.returncode == 1
    assert served.stderr == (
        "microroutes: a/index.py and a.py both answer /a; "
        "delete one, or rename a.py so it answers another path\n"
    )
