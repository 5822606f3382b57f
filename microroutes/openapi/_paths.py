"""Route patterns as OpenAPI paths: ``/api/post/[uid]`` -> ``/api/post/{uid}``.

A catch-all ``[...slug]`` becomes one ``{slug}`` parameter whose value is one
or more segments joined by ``/``. An optional catch-all ``[[...slug]]`` also
matches the path without it, so it gives two paths: ``/docs`` and
``/docs/{slug}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..routing import SegmentKind, parse_segment

__all__ = ["OpenAPIPath", "openapi_paths"]

_DESCRIPTIONS = {
    SegmentKind.DYNAMIC: "One path segment.",
    SegmentKind.CATCH_ALL: "One or more path segments, separated by '/'.",
    SegmentKind.OPTIONAL_CATCH_ALL: "One or more path segments, separated by '/'.",
}


@dataclass(frozen=True, slots=True)
class OpenAPIPath:
    """One OpenAPI path of a route and the path parameters in it."""

    #: The templated path, e.g. ``/api/post/{uid}``.
    path: str
    #: Each path parameter's name and kind, in order.
    params: tuple[tuple[str, SegmentKind], ...]

    def parameters(self, schemas: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """The path's Parameter Objects; ``schemas`` gives typed parameters' schemas."""
        found: list[dict[str, Any]] = []
        for name, kind in self.params:
            schema = {"type": "string", "minLength": 1}
            if kind is SegmentKind.DYNAMIC and name in schemas:
                schema = schemas[name]  # a catch-all's typed list is still sent as one string
            found.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": _DESCRIPTIONS[kind],
                    "schema": schema,
                }
            )
        return found


def openapi_paths(pattern: str, file: str) -> list[OpenAPIPath]:
    """The OpenAPI paths a route pattern answers (two for an optional catch-all)."""
    texts: list[str] = []
    params: list[tuple[str, SegmentKind]] = []
    optional = False
    for name in pattern.strip("/").split("/") if pattern != "/" else ():
        segment = parse_segment(name, file)
        if segment.kind is SegmentKind.STATIC:
            texts.append(segment.value)
            continue
        texts.append("{" + segment.value + "}")
        params.append((segment.value, segment.kind))
        optional = segment.kind is SegmentKind.OPTIONAL_CATCH_ALL
    full = OpenAPIPath("/" + "/".join(texts), tuple(params))
    if not optional:
        return [full]
    return [OpenAPIPath("/" + "/".join(texts[:-1]), tuple(params[:-1])), full]
