"""Short, readable names for annotations, for tables and messages."""

from __future__ import annotations

import typing
from typing import Any

from ._shapes import UNION_TYPE

__all__ = ["type_label"]


def type_label(annotation: Any) -> str:
    """``list[Item]``, ``Item | None``, ``Literal['a', 'b']``: no module paths, no ``Annotated``."""
    if annotation is None or annotation is type(None):
        return "None"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_label(args[0])
    if origin in (typing.Union, UNION_TYPE):
        return " | ".join(type_label(arg) for arg in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_label(arg) for arg in args)}]" if args else name
    if annotation is Ellipsis:
        return "..."
    name = getattr(annotation, "__name__", None)
    return name if isinstance(name, str) else str(annotation).replace("typing.", "")
