"""The app's side of a request before the handler: path text, redirects, body limits."""

from __future__ import annotations

import json

from conftest import ECHO_ROUTE, environ_for, wsgi_call

from microroutes import App


def test_a_path_already_beyond_latin1_is_kept_as_text(make_site) -> None:
    # Some servers hand PATH_INFO over as decoded text rather than latin-1 bytes.
    app = App(make_site({"pages/users/[id].py": ECHO_ROUTE}))
    environ = environ_for("/")
    environ["PATH_INFO"] = "/users/\u20ac\u4e2d"
    status, _, body = wsgi_call(app, environ, validate=False)
    assert status.startswith("200 ")
    assert json.loads(body)["params"] == {"id": "\u20ac\u4e2d"}


def test_a_slash_redirect_under_a_double_slash_mount_stays_on_the_site(make_site) -> None:
    app = App(make_site({"pages/x.py": ECHO_ROUTE}))
    environ = environ_for("/")
    environ["SCRIPT_NAME"] = "//evil.example"
    environ["PATH_INFO"] = "/x/"
    status, headers, _ = wsgi_call(app, environ, validate=False)
    assert status.startswith("308 ")
    assert headers["Location"] == "/evil.example/x"


def test_largest_body_size_is_none_when_a_route_has_no_limit(make_site) -> None:
    # The app's own limit counts too: it applies to every route without one.
    limited = make_site({"pages/a.py": "MAX_BODY_SIZE = 3 << 20\n" + ECHO_ROUTE})
    assert App(limited).largest_body_size() == 3 << 20
    assert App(limited, max_body_size=5 << 20).largest_body_size() == 5 << 20
    unlimited = make_site(
        {"pages/a.py": ECHO_ROUTE, "pages/b.py": "MAX_BODY_SIZE = None\n" + ECHO_ROUTE}
    )
    assert App(unlimited).largest_body_size() is None


def test_repr_names_the_site_and_counts_routes(make_site) -> None:
    site = make_site({"pages/a.py": ECHO_ROUTE, "pages/b/[id].py": ECHO_ROUTE})
    assert repr(App(site)) == f"<App {str(site.resolve())!r} routes=2>"
