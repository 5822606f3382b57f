"""One part of a site's sitemap: site_urls(app, start, stop) and count_site_urls(app).

A ``sitemap(app, start, stop)`` is asked for its share of the range only;
``sitemap_count(app)`` lets a source before the range be skipped unread; a
plain ``sitemap(app)`` is read from its start and sliced. Whatever the mix,
a range gives exactly that slice of the whole list.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from microroutes import App
from microroutes.sitemap import count_site_urls, site_urls

PAGE = "def GET(req, res):\n    return 'page'\n"
#: Records each call in ``app.state.calls`` as (source, start, stop).
RANGED = """\
def GET(req, res):
    return 'page'

def sitemap(app, start=0, stop=None):
    app.state.calls.append(({name!r}, start, stop))
    end = {size} if stop is None else min(stop, {size})
    for n in range(start, end):
        yield f'/{name}/{{n}}'
"""
COUNT = """
def sitemap_count(app):
    app.state.calls.append(({name!r}, 'count'))
    return {size}
"""
PLAIN = """\
def GET(req, res):
    return 'page'

def sitemap(app):
    app.state.calls.append(({name!r}, 'all'))
    for n in range({size}):
        yield f'/{name}/{{n}}'
"""


@pytest.fixture
def app(make_site) -> App:
    site: Path = make_site(
        {
            "pages/index.py": PAGE,
            "pages/about.py": PAGE,
            # counted and ranged, then plain (no count), then ranged without a count
            "pages/a/[x].py": RANGED.format(name="a", size=10) + COUNT.format(name="a", size=10),
            "pages/b/[x].py": PLAIN.format(name="b", size=7),
            "pages/c/[x].py": RANGED.format(name="c", size=5),
        }
    )
    built = App(site)
    built.state.calls = []
    return built


def test_every_range_is_the_same_slice_of_the_whole_list(app: App) -> None:
    whole = list(site_urls(app))
    assert whole[:3] == [{"loc": "/"}, {"loc": "/about"}, "/a/0"]
    assert len(whole) == 2 + 10 + 7 + 5 == count_site_urls(app)
    for start in range(len(whole) + 2):
        for stop in [None, *range(start, len(whole) + 3)]:
            assert list(site_urls(app, start, stop)) == whole[start:stop], (start, stop)


def test_parts_of_a_fixed_size_add_up_to_the_whole(app: App) -> None:
    whole = list(site_urls(app))
    for size in (1, 3, 5, 24):
        parts = [list(site_urls(app, n, n + size)) for n in range(0, len(whole), size)]
        assert [entry for part in parts for entry in part] == whole
        assert all(1 <= len(part) <= size for part in parts)


def test_a_ranged_source_is_asked_for_its_share_only(app: App) -> None:
    app.state.calls.clear()
    assert list(site_urls(app, 5, 9)) == [f"/a/{n}" for n in range(3, 7)]
    assert app.state.calls == [("a", "count"), ("a", 3, 7)]


def test_a_counted_source_before_the_range_is_not_read(app: App) -> None:
    app.state.calls.clear()
    assert list(site_urls(app, 12, 14)) == ["/b/0", "/b/1"]
    assert ("a", 0, None) not in app.state.calls
    assert [call for call in app.state.calls if call[0] == "a"] == [("a", "count")]
    # a plain source is read from its start (and no further than the range needs)
    assert ("b", "all") in app.state.calls
    assert not [call for call in app.state.calls if call[0] == "c"]


def test_a_range_past_a_plain_source_reaches_the_next_one(app: App) -> None:
    app.state.calls.clear()
    assert list(site_urls(app, 20, None)) == ["/c/1", "/c/2", "/c/3", "/c/4"]
    assert ("c", 1, None) in app.state.calls


def test_a_plain_source_is_sliced(make_site) -> None:
    app = App(make_site({"pages/b/[x].py": PLAIN.format(name="b", size=7)}))
    app.state.calls = []
    assert list(site_urls(app, 2, 4)) == ["/b/2", "/b/3"]
    assert list(islice(site_urls(app), 3)) == ["/b/0", "/b/1", "/b/2"]
    assert count_site_urls(app) == 7


@pytest.mark.parametrize(
    ("start", "stop"), [(-1, None), (3, 2), (True, None), (0, 1.5), ("0", None)]
)
def test_a_malformed_range_is_a_value_error(app: App, start: object, stop: object) -> None:
    with pytest.raises(ValueError, match=r"start|stop"):
        site_urls(app, start, stop)  # type: ignore[arg-type]


@pytest.mark.parametrize("answer", ["-1", "'3'", "None", "True"])
def test_a_count_that_is_not_a_count_names_the_file(make_site, answer: str) -> None:
    source = RANGED.format(name="a", size=3) + f"\ndef sitemap_count(app):\n    return {answer}\n"
    app = App(make_site({"pages/a/[x].py": source}))
    app.state.calls = []
    with pytest.raises(TypeError, match=r"a/\[x\]\.py: sitemap_count"):
        count_site_urls(app)
