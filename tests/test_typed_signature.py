"""Reading a handler's annotations at import: HandlerSignature and RouteInfo.signatures."""

from __future__ import annotations

import functools

import pytest

from microroutes import App, SiteError
from microroutes.methods import check_handler
from microroutes.typed import HandlerSignature, bind_handler, read_signature

ITEM_ROUTE = """\
    from __future__ import annotations

    import dataclasses

    from microroutes import handles


    @dataclasses.dataclass
    class Item:
        name: str
        price: float


    @dataclasses.dataclass
    class Paging:
        limit: int = 10


    def GET(req, res, id: int, query: Paging) -> Item:
        "One item."
        return Item("x", 1.0)


    def PUT(req, res, id: int, body: Item | None = None) -> Item:
        return body


    def DELETE(req, res):
        return None


    @handles("POST")
    def handler(req, res, body: Item, id: str) -> list[Item]:
        return [body]
"""


@pytest.fixture(scope="module")
def site_routes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from conftest import write_files

    site = write_files(
        tmp_path_factory.mktemp("signatures"),
        {
            "pages/items/[id].py": ITEM_ROUTE,
            "pages/plain.py": "def GET(req, res):\n    return {}\n",
        },
    )
    return {info.pattern: info for info in App(site).routes()}


def test_signatures_have_the_keys_of_handlers(site_routes) -> None:
    for info in site_routes.values():
        assert set(info.signatures) == set(info.handlers)
        assert all(isinstance(s, HandlerSignature) for s in info.signatures.values())


def test_typed_get_declares_params_query_and_returns(site_routes) -> None:
    info = site_routes["/items/[id]"]
    get = info.signatures["GET"]
    module = info.module
    assert get.function is module.GET
    assert dict(get.params) == {"id": int}
    assert get.query is module.Paging
    assert get.body is None
    assert get.returns is module.Item
    assert get.media_types == ()
    assert info.handlers["GET"].__wrapped__ is module.GET
    assert info.handlers["GET"].__doc__ == "One item."


def test_optional_body_is_not_required(site_routes) -> None:
    info = site_routes["/items/[id]"]
    put = info.signatures["PUT"]
    assert put.body == (info.module.Item | None)
    assert put.body_required is False
    assert put.media_types[0] == "application/json"


def test_handler_fallback_signature_and_str_param_stays_plain(site_routes) -> None:
    info = site_routes["/items/[id]"]
    post = info.signatures["POST"]
    assert post.function is info.module.handler
    assert post.body is info.module.Item
    assert post.body_required is True
    assert post.params == {}  # `id: str` keeps today's plain string
    assert post.returns == list[info.module.Item]
    assert post.media_types == ("application/json", "application/*+json")  # no Form: JSON only


def test_plain_handler_is_returned_unchanged(site_routes) -> None:
    info = site_routes["/plain"]
    assert info.handlers["GET"] is info.module.GET
    signature = info.signatures["GET"]
    assert signature == HandlerSignature(function=info.module.GET)
    assert signature.is_plain


def test_delete_without_annotations_is_plain(site_routes) -> None:
    info = site_routes["/items/[id]"]
    assert info.handlers["DELETE"] is info.module.DELETE
    assert info.signatures["DELETE"].returns is None


def test_unknown_parameter_names_file_and_parameter() -> None:
    def GET(req, res, uid: int) -> None: ...

    with pytest.raises(SiteError, match=r"items/\[id\]\.py: GET: unknown parameter 'uid'"):
        bind_handler(GET, "items/[id].py: GET", ("id",))


def test_route_file_with_unknown_parameter_fails_at_load(make_site) -> None:
    site = make_site({"pages/a/[slug].py": "def GET(req, res, slug, page: int):\n    return {}\n"})
    with pytest.raises(SiteError, match=r"a/\[slug\]\.py: GET: unknown parameter 'page'"):
        App(site).routes()


def test_callable_without_signature_is_refused() -> None:
    # Before, check_handler accepted any callable whose signature could not be read.
    with pytest.raises(SiteError, match=r"x\.py: GET.*no signature"):
        check_handler(max, "x.py: GET")


def test_positional_only_extra_parameter_is_refused() -> None:
    def GET(req, res, id, /): ...

    with pytest.raises(SiteError, match="'id' must be passable by name"):
        read_signature(GET, "p/[id].py: GET", ("id",))


def test_unresolvable_annotation_names_the_file() -> None:
    def GET(req, res, body: NoSuchType): ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(SiteError, match=r"b\.py: POST: cannot read its annotations"):
        read_signature(GET, "b.py: POST")


class Opaque:
    """A class no decoding engine knows."""


def test_unsupported_type_names_file_and_parameter() -> None:
    def POST(req, res, body: Opaque): ...

    with pytest.raises(SiteError, match=r"b\.py: POST: parameter 'body'"):
        bind_handler(POST, "b.py: POST")


def test_query_must_be_an_object_type() -> None:
    def GET(req, res, query: int): ...

    with pytest.raises(SiteError, match=r"b\.py: GET: parameter 'query'.*query type"):
        bind_handler(GET, "b.py: GET")


def test_wrapper_keeps_declared_methods_and_wrapped_original() -> None:
    from microroutes import handles

    @handles("POST")
    def handler(req, res, body: dict[str, int]):
        return body

    wrapper, signature = bind_handler(handler, "h.py: handler")
    assert wrapper is not handler
    assert wrapper.__wrapped__ is handler  # type: ignore[attr-defined]
    assert wrapper.__microroutes_methods__ == ("POST", "OPTIONS")  # type: ignore[attr-defined]
    assert signature.function is handler


def test_async_handler_result_passes_through_untouched() -> None:
    import asyncio
    import inspect

    async def GET(req, res, id: int):
        return {"id": id}

    wrapper, _ = bind_handler(GET, "a/[id].py: GET", ("id",))

    class FakeRequest:
        params = {"id": "7"}  # noqa: RUF012
        path = "/a/7"

    result = wrapper(FakeRequest(), None)  # type: ignore[arg-type]
    assert inspect.iscoroutine(result)
    assert inspect.iscoroutinefunction(inspect.unwrap(wrapper))
    assert asyncio.run(result) == {"id": 7}


def test_decorated_function_keeps_the_inner_signature() -> None:
    def logged(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)

        return wrapper

    @logged
    def GET(req, res, id: int) -> dict[str, int]:
        return {"id": id}

    signature = read_signature(GET, "a/[id].py: GET", ("id",))
    assert dict(signature.params) == {"id": int}
    assert signature.returns == dict[str, int]
