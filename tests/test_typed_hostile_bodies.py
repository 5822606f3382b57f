"""Bodies built to make listing problems expensive: deep, wide, many problems, huge answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import without_request_id, write_files
from servers import Server, running

from microroutes import App, ProblemLimits
from microroutes.testing import Client

ROUTES = {
    "pages/tree.py": """\
        from __future__ import annotations

        import msgspec


        class Node(msgspec.Struct):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/ptree.py": """\
        from __future__ import annotations

        import pydantic


        class Node(pydantic.BaseModel):
            v: int
            children: list[Node] = []


        def POST(req, res, body: Node):
            return {"ok": True}
    """,
    "pages/numbers.py": """\
        def POST(req, res, body: list[int]):
            return {"n": len(body)}
    """,
    "pages/pnumbers.py": """\
        import pydantic


        def POST(req, res, body: pydantic.conlist(int)):
            return {"n": len(body)}
    """,
    "pages/few.py": """\
        from microroutes import ProblemLimits

        PROBLEM_LIMITS = ProblemLimits(max_problems=3, max_depth=4, max_detail_size=1000)


        def POST(req, res, body: list[list[list[list[list[list[int]]]]]]):
            return {"n": len(body)}
    """,
}
LIMITS = ProblemLimits()


def chain(depth: int, innermost: str = '{"v":"x"}') -> bytes:
    """A ``Node`` nested ``depth`` levels below the top one, about 21 bytes a level."""
    return ('{"v":1,"children":[' * depth + innermost + "]}" * depth).encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    return write_files(tmp_path_factory.mktemp("hostile-bodies"), ROUTES)


@pytest.fixture(scope="module")
def client(site) -> Client:
    return Client(App(site, max_body_size=4 << 20))


def post(client: Client, path: str, body: bytes):
    return client.post(path, data=body, content_type="application/json")


def detail_of(response, status: int = 422) -> list[dict[str, object]]:
    assert response.status_code == status, response.data[:500]
    detail = response.json["error"]["detail"]
    assert isinstance(detail, list)
    return detail


NESTED_TOO_DEEPLY = {"error": {"status": 400, "message": "malformed JSON body: nested too deeply"}}


def check_deep_answer(status: int, answer: bytes) -> None:
    """A body too deep to decode is a 400; one decoded that deep, a 422 listed at the depth limit.

    Which one depends on the stack the request runs on (the decoders' recursion guard).
    """
    error = json.loads(answer)
    if status == 400:
        assert without_request_id(error) == NESTED_TOO_DEEPLY
    else:
        assert status == 422, answer[:300]
        (problem,) = error["error"]["detail"]
        assert len(problem["loc"]) == LIMITS.max_depth + 1
    assert len(answer) < 4000


@pytest.mark.parametrize("path", ["/tree", "/ptree"])
def test_a_body_too_deep_to_decode_is_a_400(client: Client, path: str) -> None:
    response = post(client, path, chain(3000))
    assert response.status_code == 400
    assert without_request_id(response.json) == NESTED_TOO_DEEPLY


@pytest.mark.parametrize("path", ["/tree", "/ptree"])
def test_a_deep_body_is_a_client_error_with_a_short_answer(client: Client, path: str) -> None:
    body = chain(490)
    assert 9_000 < len(body) < 11_000
    response = post(client, path, body)
    check_deep_answer(response.status_code, response.data)


def test_a_deep_body_within_reach_is_listed_at_the_depth_limit(client: Client) -> None:
    (problem,) = detail_of(post(client, "/tree", chain(100)))
    assert problem["loc"] == ["body", *["children", 0] * (LIMITS.max_depth // 2)]
    assert problem["msg"].startswith("Expected `int`, got `str`")
    assert f"deeper than {LIMITS.max_depth} levels" in problem["msg"]


def test_problems_across_a_tree_are_each_listed(client: Client) -> None:
    leaf = {"v": "x", "children": []}
    body = {"v": 1, "children": [{"v": 2, "children": [leaf, {"v": 3}]}, leaf, {"v": 4}, leaf]}
    detail = detail_of(client.post("/tree", json=body))
    assert [problem["loc"] for problem in detail] == [
        ["body", "children", 0, "children", 0, "v"],
        ["body", "children", 1, "v"],
        ["body", "children", 3, "v"],
    ]


@pytest.mark.parametrize("path", ["/numbers", "/pnumbers"])
def test_many_problems_are_capped_and_the_answer_stays_small(client: Client, path: str) -> None:
    body = json.dumps(["x"] * 200_000).encode()
    response = post(client, path, body)
    detail = detail_of(response)
    assert len(detail) == LIMITS.max_problems
    assert [problem["loc"] for problem in detail] == [
        ["body", index] for index in range(LIMITS.max_problems)
    ]
    assert len(response.data) < LIMITS.max_detail_size + 500


@pytest.mark.parametrize("path", ["/tree", "/ptree"])
def test_a_wide_tree_full_of_problems_gives_a_bounded_answer(client: Client, path: str) -> None:
    leaves = ",".join('{"v":"x","children":[{"v":"y"}]}' for _ in range(20_000))
    body = ('{"v":1,"children":[' + leaves + "]}").encode()
    response = post(client, path, body)
    detail = detail_of(response)
    assert len(detail) == LIMITS.max_problems
    assert detail[0]["loc"] == ["body", "children", 0, "v"]
    assert len(response.data) < LIMITS.max_detail_size + 500


def test_the_last_item_wrong_in_a_long_list_is_found(client: Client) -> None:
    items: list[object] = list(range(100_000))
    items[-1] = "x"
    detail = detail_of(client.post("/numbers", json=items))
    assert detail == [{"loc": ["body", 99_999], "msg": "Expected `int`, got `str`"}]


def test_long_names_are_shortened_in_the_answer(site) -> None:
    limits = ProblemLimits(max_detail_size=1000)
    client = Client(App(site, problem_limits=limits))
    response = client.post("/tree", json={"v": 1, "children": [{"v": "x" * 10}], "k" * 5000: 1})
    detail = detail_of(response)
    assert detail[0]["loc"] == ["body"]
    assert detail[0]["msg"].startswith("Object contains unknown field `kkkk")
    assert detail[0]["msg"].endswith("...")
    assert len(detail[0]["msg"]) == 200
    assert detail[1]["loc"] == ["body", "children", 0, "v"]
    assert len(response.data) < 1000 + 500


def test_a_route_sets_its_own_limits(client: Client) -> None:
    bad = [[[[[["x", "y"]]]]]] * 10
    detail = detail_of(client.post("/few", json=bad))
    assert len(detail) == 3
    assert detail[0]["loc"] == ["body", 0, 0, 0, 0]
    assert detail[0]["msg"] == "Expected `int`, got `str` (deeper than 4 levels)"


def test_limits_are_checked() -> None:
    for bad in ({"max_problems": 0}, {"max_depth": -1}, {"max_detail_size": "big"}):
        with pytest.raises(ValueError, match="ProblemLimits"):
            ProblemLimits(**bad)  # type: ignore[arg-type]


# --- through a real server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(site) -> Iterator[Server]:
    with running("serve", str(site)) as served:
        yield served


@pytest.mark.parametrize("path", ["/tree", "/ptree"])
def test_a_deep_body_served_by_waitress_logs_no_traceback(server: Server, path: str) -> None:
    before = len("".join(server.output))
    for _ in range(3):
        status, headers, answer = server.request(
            "POST", path, chain(490), {"Content-Type": "application/json"}
        )
        check_deep_answer(status, answer)
        assert headers["Content-Type"] == "application/json"
    status, _, _ = server.request("POST", path, b'{"v": 1}', {"Content-Type": "application/json"})
    assert status == 200
    logged = "".join(server.output)[before:]
    assert "Traceback" not in logged
    assert "RecursionError" not in logged
    assert len(logged) < 2000
