"""Property-based tests: random route trees, random requests, random sitemap entries.

* A random tree of route files either raises :class:`RouteConflictError` at
  ``App(...)`` exactly when a reference model says it conflicts, or routes every
  path exactly as a brute-force reference matcher does (enumerate the routes,
  keep those that match, take the most specific by comparing segment kinds
  one by one: static > ``[x]`` > ``[...x]`` > ``[[...x]]``).
* Random paths, query strings and raw URIs never escape the app and never give a 500.
* Random sitemap entries give schema-valid XML or a :class:`SitemapError`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import pytest
from conftest import ECHO_ROUTE, client_for, environ_for, write_files
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from sitemap_schemas import URLSET_SCHEMA
from werkzeug.test import run_wsgi_app

from microroutes import App, RouteConflictError
from microroutes.sitemap import SitemapError, iter_sitemap

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- a reference model of the routing rules ----------------------------------------------

STATIC, DYNAMIC, CATCH_ALL, OPTIONAL = 0, 1, 2, 3
Segment = tuple[int, str]  # (kind, static text or parameter name)
STATIC_NAMES = ["a", "b", "é"]
#: Two candidate names per kind and depth: the same depth may get different slug names
#: (a conflict), a single path never repeats one.
PARAM_NAMES = {DYNAMIC: "pq", CATCH_ALL: "rs", OPTIONAL: "ov"}


def segment_text(segment: Segment) -> str:
    kind, name = segment
    return [name, f"[{name}]", f"[...{name}]", f"[[...{name}]]"][kind]


@st.composite
def route_patterns(draw: st.DrawFn) -> tuple[Segment, ...]:
    depth = draw(st.integers(0, 3))
    segments: list[Segment] = []
    for position in range(depth):
        last = position == depth - 1
        kinds = [STATIC, DYNAMIC] + ([CATCH_ALL, OPTIONAL] if last else [])
        kind = draw(st.sampled_from(kinds))
        if kind == STATIC:
            segments.append((STATIC, draw(st.sampled_from(STATIC_NAMES))))
        else:
            letter = draw(st.sampled_from(PARAM_NAMES[kind]))
            segments.append((kind, f"{letter}{position}"))
    return tuple(segments)


@st.composite
def route_files(draw: st.DrawFn) -> dict[str, tuple[Segment, ...]]:
    """File path (relative to ``pages/``) -> the URL pattern it answers."""
    files: dict[str, tuple[Segment, ...]] = {}
    for pattern in draw(st.lists(route_patterns(), min_size=1, max_size=7)):
        parts = [segment_text(s) for s in pattern]
        if not parts:
            folders, stem = [], "index"
        elif draw(st.booleans()):
            folders, stem = parts[:-1], parts[-1]
        else:
            folders, stem = parts, "index"
        if draw(st.integers(0, 4)) == 0:  # a (group) folder, left out of the URL
            folders = list(folders)
            folders.insert(draw(st.integers(0, len(folders))), "(g)")
        files["/".join([*folders, stem + ".py"])] = pattern
    return files


def conflicts(first: tuple[Segment, ...], second: tuple[Segment, ...]) -> bool:
    """Whether two route patterns may not live in one site (DESIGN: conflicts)."""
    if first == second:
        return True  # two files answer the same URLs
    for a, b in zip(first, second, strict=False):
        if a == b:
            continue
        # Different slug names for one dynamic level.
        return a[0] == b[0] and a[0] != STATIC
    shorter, longer = sorted((first, second), key=len)
    rest = longer[len(shorter) :]
    # A route beside an optional catch-all of the same specificity.
    return len(rest) == 1 and rest[0][0] == OPTIONAL


def catch_all_clash(first: tuple[Segment, ...], second: tuple[Segment, ...]) -> bool:
    """A required and an optional catch-all at one level."""
    if not first or not second or first[:-1] != second[:-1]:
        return False
    return {first[-1][0], second[-1][0]} == {CATCH_ALL, OPTIONAL}


def has_conflict(files: dict[str, tuple[Segment, ...]]) -> bool:
    patterns = list(files.values())
    return any(
        conflicts(a, b) or catch_all_clash(a, b)
        for i, a in enumerate(patterns)
        for b in patterns[i + 1 :]
    )


def reference_match(pattern: tuple[Segment, ...], parts: list[str]) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    for index, (kind, name) in enumerate(pattern):
        if kind == STATIC:
            if index >= len(parts) or parts[index] != name:
                return None
        elif kind == DYNAMIC:
            if index >= len(parts):
                return None
            params[name] = parts[index]
        else:
            rest = parts[index:]
            if kind == CATCH_ALL and not rest:
                return None
            params[name] = rest
            return params
    return params if len(parts) == len(pattern) else None


def reference_route(
    files: dict[str, tuple[Segment, ...]], path: str
) -> tuple[str, dict[str, Any]] | None:
    """The most specific matching route: ranks compared segment by segment."""
    parts = [] if path == "/" else path[1:].split("/")
    if "" in parts:
        return None
    candidates = []
    for file, pattern in files.items():
        params = reference_match(pattern, parts)
        if params is not None:
            candidates.append((tuple(kind for kind, _ in pattern), file, params))
    if not candidates:
        return None
    _, file, params = min(candidates, key=lambda candidate: candidate[0])
    return file, params


VALUES = st.sampled_from(["a", "b", "é", "zz", "a b", "%41", "💡", "p0", "index"])


@st.composite
def paths_for(draw: st.DrawFn, files: dict[str, tuple[Segment, ...]]) -> str:
    """A path built from one of the routes (often), or from random segments."""
    if draw(st.booleans()):
        pattern = draw(st.sampled_from(sorted(files.values())))
        parts: list[str] = []
        for kind, name in pattern:
            if kind == STATIC:
                parts.append(name)
            elif kind == DYNAMIC:
                parts.append(draw(VALUES))
            else:
                low = 1 if kind == CATCH_ALL else 0
                parts.extend(draw(st.lists(VALUES, min_size=low, max_size=3)))
        if draw(st.integers(0, 5)) == 0:
            parts.append(draw(VALUES))
    else:
        parts = draw(st.lists(st.sampled_from([*STATIC_NAMES, "zz", ""]), max_size=4))
    return "/" + "/".join(parts)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="route-trees-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@SETTINGS
@given(files=route_files(), data=st.data())
def test_random_route_trees_match_the_reference(
    scratch: Path, files: dict[str, tuple[Segment, ...]], data: st.DataObject
) -> None:
    site = Path(tempfile.mkdtemp(dir=scratch))
    write_files(site, {f"pages/{file}": ECHO_ROUTE for file in files})
    if has_conflict(files):
        event("conflicting tree")
        with pytest.raises(RouteConflictError):
            App(site)
        return
    event("valid tree")
    app = App(site)
    assert len(app.router) == len(files)
    client = client_for(app)
    for n, path in enumerate(data.draw(st.lists(paths_for(files), min_size=1, max_size=8))):
        expected = reference_route(files, path)
        found = app.router.match(path)
        event("path matched" if expected else "path not matched")
        if expected is None:
            assert found is None, (path, found)
            continue
        assert found is not None, (path, expected)
        endpoint, params = found
        assert (endpoint.route.file, params) == expected, path
        if n < 2:  # and through the whole app, percent-encoded like a client would
            response = client.get(quote(path))
            assert response.status_code == 200, (path, response.data)
            assert response.json == {"file": expected[0], "params": expected[1]}


def test_the_reference_agrees_with_the_documented_examples() -> None:
    files = {
        "p2/[id]/abc.py": ((STATIC, "p2"), (DYNAMIC, "id"), (STATIC, "abc")),
        "p2/[...rest].py": ((STATIC, "p2"), (CATCH_ALL, "rest")),
        "y/[id].py": ((STATIC, "y"), (DYNAMIC, "id")),
        "y/[[...rest]].py": ((STATIC, "y"), (OPTIONAL, "rest")),
    }
    assert not has_conflict(files)
    assert reference_route(files, "/p2/5/x") == ("p2/[...rest].py", {"rest": ["5", "x"]})
    assert reference_route(files, "/p2/5/abc") == ("p2/[id]/abc.py", {"id": "5"})
    assert reference_route(files, "/y") == ("y/[[...rest]].py", {"rest": []})
    assert reference_route(files, "/y/1") == ("y/[id].py", {"id": "1"})
    assert has_conflict({"y.py": ((STATIC, "y"),), "y/[[...o]].py": files["y/[[...rest]].py"]})
    assert has_conflict(
        {
            "a/[x].py": ((STATIC, "a"), (DYNAMIC, "x")),
            "a/[y]/b.py": ((STATIC, "a"), (DYNAMIC, "y"), (STATIC, "b")),
        }
    )
    assert has_conflict(
        {
            "a/[...x].py": ((STATIC, "a"), (CATCH_ALL, "x")),
            "a/[[...o]].py": ((STATIC, "a"), (OPTIONAL, "o")),
        }
    )


# -- random requests never crash the app -------------------------------------------------

ROBUST_SITE = {
    "pages/index.py": "def GET(req, res):\n    return {'home': True}\n",
    "pages/api/item/[id].py": "def GET(req, res):\n    return {'id': req.params['id']}\n",
    "pages/api/echo.py": """\
        def handler(req, res):
            return {
                "query": list(req.query.items(multi=True)),
                "cookies": dict(req.cookies),
                "body": repr(req.body)[:100],
            }
        """,
    "pages/docs/[[...slug]].py": "def GET(req, res):\n    return {'slug': req.params['slug']}\n",
    "pages/files/[...path].py": "def GET(req, res):\n    return req.params['path']\n",
    "public/robots.txt": "User-agent: *\n",
}
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
PREFIXES = st.sampled_from(["", "api/", "api/item/", "api/echo/", "docs/", "files/", "/"])


@pytest.fixture(scope="module")
def robust_app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(write_files(tmp_path_factory.mktemp("robust") / "site", ROBUST_SITE))


def check_answer(status: str, headers: list[tuple[str, str]], body: bytes, method: str) -> int:
    code = int(status.split()[0])
    assert code < 500, body
    for name, value in headers:
        assert not set("\r\n\x00") & set(name + value)
        value.encode("latin-1")
    types = [value for name, value in headers if name == "Content-Type"]
    if code >= 400 and method != "HEAD":
        assert types == ["application/json"]
        assert json.loads(body)["error"]["status"] == code
    return code


def call(app: App, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return status, headers.to_wsgi_list(), b"".join(body)


@SETTINGS
@given(
    prefix=PREFIXES,
    raw=st.binary(max_size=60),
    query=st.binary(max_size=60),
    method=METHODS,
    with_uri=st.booleans(),
)
def test_random_bytes_in_the_path_never_give_a_500(
    robust_app: App, prefix: str, raw: bytes, query: bytes, method: str, with_uri: bool
) -> None:
    environ = environ_for("/", method=method)
    environ["PATH_INFO"] = "/" + prefix + raw.decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    if with_uri:  # what the server would have received, percent-encoded or not
        environ["REQUEST_URI"] = "/" + prefix + raw.decode("latin-1")
    check_answer(*call(robust_app, environ), method)


@SETTINGS
@given(
    prefix=PREFIXES,
    text=st.text(max_size=40),
    escapes=st.lists(
        st.sampled_from(["%", "%2", "%zz", "%41", "%2F", "%25", "%C3%A9", "%FF", "%00", "/"]),
        max_size=5,
    ),
    query=st.text(max_size=40),
    method=METHODS,
)
def test_random_text_and_escapes_never_give_a_500(
    robust_app: App, prefix: str, text: str, escapes: list[str], query: str, method: str
) -> None:
    uri = "/" + prefix + quote(text, safe="/") + "".join(escapes)
    # Decode the URI as a WSGI server would: unquote to bytes, hand over as latin-1.
    environ = environ_for("/", method=method)
    environ["PATH_INFO"] = unquote_to_bytes(uri).decode("latin-1")
    environ["REQUEST_URI"] = uri + "?" + quote(query)
    environ["QUERY_STRING"] = quote(query)
    code = check_answer(*call(robust_app, environ), method)
    if "%zz" in escapes or "%" in escapes or "%2" in escapes:
        assert code == 400


@SETTINGS
@given(text=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00/")))
def test_any_unicode_catch_all_param_round_trips(robust_app: App, text: str) -> None:
    response = client_for(robust_app).get("/files/" + quote(text, safe=""))
    if text:
        assert (response.status_code, response.json) == (200, [text])
    else:
        assert response.status_code == 308  # "/files/" -> "/files", which has no route


# -- random sitemap entries --------------------------------------------------------------

HOST = "https://example.com"

WEIRD_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"]) | st.sampled_from("<>&'\"\x00\x0b\ufffe]]>%#?"),
    max_size=20,
)
LOCS = st.one_of(
    WEIRD_TEXT.map(lambda text: "/" + text),
    WEIRD_TEXT.map(lambda text: HOST + "/" + text),
    WEIRD_TEXT.map(lambda text: "https://EXAMPLE.com:443/" + text),
    st.sampled_from(
        [
            "https://other.example/x",
            "http://example.com/plain-http",
            "javascript:alert(1)",
            "",
            " ",
            "//example.com/protocol-relative",
            "/" + "x" * 2100,
            "https://example.com/" + "é" * 700,
            "https://user:pw@example.com/x",
            "https://example.com/a#fragment",
            "/a%zz%2",
            "mailto:a@example.com",
        ]
    ),
)
LASTMODS = st.one_of(
    st.none(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.datetimes(timezones=st.just(dt.timezone(dt.timedelta(hours=-23, minutes=-59)))),
    st.sampled_from(
        ["2024-02-30", "2024-01-01T10:00:00+02:00", "2024-13-01", "yesterday", "2024-01-01Z"]
    ),
    WEIRD_TEXT,
)
PRIORITIES = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 1),
    st.sampled_from([0, 1, 0.5, True, "0.5", -0.0, 1.0000001]),
)
CHANGEFREQS = st.one_of(
    st.none(),
    st.sampled_from(["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"]),
    st.sampled_from(["Daily", "DAILY", " daily", "sometimes", ""]),
)
IMAGES = st.lists(
    st.one_of(
        LOCS,
        st.fixed_dictionaries({"loc": LOCS}, optional={"title": WEIRD_TEXT, "caption": WEIRD_TEXT}),
    ),
    max_size=3,
)
ALTERNATES = st.dictionaries(
    st.one_of(st.sampled_from(["en", "x-default", "fr-CA", "zh-Hant-TW", "de"]), WEIRD_TEXT),
    LOCS,
    max_size=3,
)
ENTRIES = st.one_of(
    LOCS,
    st.fixed_dictionaries(
        {"loc": LOCS},
        optional={
            "lastmod": LASTMODS,
            "changefreq": CHANGEFREQS,
            "priority": PRIORITIES,
            "images": IMAGES,
            "alternates": ALTERNATES,
        },
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(ENTRIES, min_size=1, max_size=5))
def test_random_sitemap_entries_are_schema_valid_or_a_sitemap_error(entries: list[Any]) -> None:
    try:
        data = b"".join(iter_sitemap(entries, hostname=HOST))
    except SitemapError as error:
        refused: str | None = str(error)
    else:
        refused = None
    if refused is not None:
        event("SitemapError")
        assert refused  # the error says what is wrong
        return
    event("written")
    document = etree.fromstring(data)
    assert URLSET_SCHEMA.validate(document), (URLSET_SCHEMA.error_log, data[:2000])
    urls = document.findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")
    assert len(urls) == len(entries)  # nothing dropped silently
