"""A typed ``query`` read straight from ``QUERY_STRING``, with ``req.query``'s rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ..errors import BadRequest, UnprocessableContent
from ..request import MAX_QUERY_FIELDS, latin1_to_text
from ._engines import Invalid, build_engine, object_fields
from ._limits import ProblemLimits
from ._numbers import integer_spots, is_integer_text
from ._signature import QUERY

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..request import Request

__all__ = ["query_fields", "query_reader"]

_LOC = (QUERY,)
#: What text that is not an integer becomes where an integer goes: msgspec refuses it.
_REFUSED = ""


def query_reader(annotation: Any, limits: ProblemLimits) -> Callable[[Request], Any]:
    """What reads the ``query`` parameter typed ``annotation``; 422 naming each bad field."""
    fields = object_fields(annotation)
    if fields is None:
        raise TypeError(
            "the query type must be a dataclass, TypedDict, msgspec.Struct or pydantic model"
        )
    engine = build_engine(annotation, limits, allow_unknown_fields=True)  # query: not JSON
    many = frozenset(name for name, _, takes_many in fields if takes_many)
    spots = integer_spots(annotation)
    integers = spots if isinstance(spots, frozenset) else frozenset()

    def read_query(req: Request) -> Any:
        values = query_fields(req.environ, many, integers)
        try:
            return engine.from_strings(values, _LOC, integers_checked=True)
        except Invalid as error:
            raise UnprocessableContent("invalid query string", detail=error.problems) from None

    return read_query


def query_fields(
    environ: dict[str, Any], many: frozenset[str], integers: frozenset[str] = frozenset()
) -> dict[str, str | list[str]]:
    """The query string as field values: every value of the names in ``many``, the
    first value of the others.

    Read in one pass, with :attr:`Request.query`'s rules: ``+`` is a space,
    percent-escapes are UTF-8 (bad bytes replaced), a name without ``=`` has the
    empty value, and more than :data:`MAX_QUERY_FIELDS` fields is a 400. Values
    of the names in ``integers`` that are not integer text (``2.0``, ``1e3``)
    are made unconvertible, as the engines' ``from_strings`` would.
    """
    text = environ.get("QUERY_STRING")
    if not text:
        return {}
    if not text.isascii():
        text = latin1_to_text(text)
    pieces = text.split("&")
    if len(pieces) > MAX_QUERY_FIELDS:
        raise BadRequest(f"too many query parameters (at most {MAX_QUERY_FIELDS})")
    fields: dict[str, str | list[str]] = {}
    for piece in pieces:
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in piece or "+" in piece:
            name = unquote_plus(name, errors="replace")
            value = unquote_plus(value, errors="replace")
        if name in integers and not is_integer_text(value):
            value = _REFUSED
        if name in many:
            listed = fields.setdefault(name, [])
            if isinstance(listed, list):
                listed.append(value)
        elif name not in fields:
            fields[name] = value
    return fields
