"""The filesystem router: ``pages/`` files to URL patterns, and URL paths to routes.

Rules (Next.js API-route semantics):

* ``index.py`` answers its folder's path; ``a.py`` answers ``/a``; the ``.py``
  suffix is removed, so ``sitemap.xml.py`` answers ``/sitemap.xml``.
* ``[name]`` matches one non-empty segment, ``[...name]`` one or more,
  ``[[...name]]`` zero or more; catch-alls come last.
* Precedence at every level is static > ``[name]`` > ``[...name]`` >
  ``[[...name]]``, with backtracking when a more specific branch fails deeper.
* Names starting with ``_`` or ``.`` are private; ``(group)`` folders are left
  out of the URL.

Lookup is a dict for all-static paths, then a segment trie with a dict of
static children at each level, so its cost grows with the path's depth and
not with the number of routes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Generic, NoReturn, TypeVar

from .errors import RouteConflictError

__all__ = [
    "Route",
    "RouteKind",
    "Router",
    "Segment",
    "SegmentKind",
    "is_private_name",
    "parse_segment",
    "scan_pages",
]

T = TypeVar("T")

#: Path parameters: a string per ``[name]``, a list of strings per catch-all.
Params = dict[str, "str | list[str]"]


class SegmentKind(Enum):
    """What a URL segment of a route pattern matches, in order of precedence."""

    STATIC = 0
    DYNAMIC = 1
    CATCH_ALL = 2
    OPTIONAL_CATCH_ALL = 3


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a route pattern: literal text, or a parameter name."""

    kind: SegmentKind
    #: The literal text for static segments, the parameter name otherwise.
    value: str

    def __str__(self) -> str:
        return _SEGMENT_FORMATS[self.kind].format(self.value)


class RouteKind(Enum):
    """What a route pattern matches, named by its least specific segment."""

    STATIC = "static"
    DYNAMIC = "dynamic"
    CATCH_ALL = "catch-all"
    OPTIONAL_CATCH_ALL = "optional catch-all"

    def __str__(self) -> str:
        return self.value


_ROUTE_KINDS = {
    SegmentKind.STATIC: RouteKind.STATIC,
    SegmentKind.DYNAMIC: RouteKind.DYNAMIC,
    SegmentKind.CATCH_ALL: RouteKind.CATCH_ALL,
    SegmentKind.OPTIONAL_CATCH_ALL: RouteKind.OPTIONAL_CATCH_ALL,
}

_SEGMENT_FORMATS = {
    SegmentKind.STATIC: "{}",
    SegmentKind.DYNAMIC: "[{}]",
    SegmentKind.CATCH_ALL: "[...{}]",
    SegmentKind.OPTIONAL_CATCH_ALL: "[[...{}]]",
}
_PARAM_NAME = r"([A-Za-z0-9_\-]+)"
_SEGMENT_PATTERNS = (
    (SegmentKind.OPTIONAL_CATCH_ALL, re.compile(rf"\[\[\.\.\.{_PARAM_NAME}\]\]")),
    (SegmentKind.CATCH_ALL, re.compile(rf"\[\.\.\.{_PARAM_NAME}\]")),
    (SegmentKind.DYNAMIC, re.compile(rf"\[{_PARAM_NAME}\]")),
)


def parse_segment(name: str, file: str) -> Segment:
    """Parse one file or folder name (without ``.py``) into a :class:`Segment`.

    Raises :class:`RouteConflictError` naming ``file`` for malformed brackets
    such as ``[..id]``, ``[[id]]`` or ``[...id]]``.
    """
    if "[" not in name and "]" not in name:
        return Segment(SegmentKind.STATIC, name)
    for kind, pattern in _SEGMENT_PATTERNS:
        found = pattern.fullmatch(name)
        if found:
            return Segment(kind, found.group(1))
    raise RouteConflictError(
        f"{file}: malformed segment {name!r}; use [name], [...name] or [[...name]] "
        "with a name of letters, digits, '_' or '-'",
        [file],
    )


@dataclass(frozen=True, slots=True)
class Route:
    """A route file and the URL pattern it answers."""

    #: The segments of the URL pattern.
    segments: tuple[Segment, ...]
    #: The file's path relative to ``pages/``, with ``/`` separators.
    file: str
    #: The file's absolute path.
    path: Path = field(compare=False)

    @property
    def pattern(self) -> str:
        """The URL pattern, e.g. ``/api/post/[uid]``."""
        return "/" + "/".join(str(s) for s in self.segments)

    @property
    def kind(self) -> RouteKind:
        """The kind of the pattern's least specific segment (static for ``/``)."""
        least = max((s.kind.value for s in self.segments), default=0)
        return _ROUTE_KINDS[SegmentKind(least)]

    @property
    def params(self) -> tuple[str, ...]:
        """The names of the pattern's path parameters, in order."""
        return tuple(s.value for s in self.segments if s.kind is not SegmentKind.STATIC)


def is_private_name(name: str) -> bool:
    """Whether a file or folder name under ``pages/`` is private: never routed.

    Names starting with ``_`` (helpers, ``_middleware.py``, ``_app.py``) or ``.``
    (hidden files) are private, and so is everything inside a private folder.
    """
    return name.startswith(("_", "."))


def _is_group(name: str) -> bool:
    return len(name) > 2 and name.startswith("(") and name.endswith(")")


def scan_pages(pages_dir: Path) -> list[Route]:
    """Every route file under ``pages_dir``, in a stable order.

    Raises :class:`RouteConflictError` naming the file for a malformed name, a
    name with a character a URL path cannot carry as it is (``{``, ``?``,
    ``#``, ``%``, a space, a control character...), a catch-all that is not
    last, or a parameter name used twice in one path.
    """
    routes: list[Route] = []
    _scan_folder(pages_dir, pages_dir, (), routes)
    return routes


def _scan_folder(
    pages_dir: Path, folder: Path, prefix: tuple[Segment, ...], routes: list[Route]
) -> None:
    with os.scandir(folder) as entries:
        listing = sorted((entry.name, entry.is_dir()) for entry in entries)
    for name, is_dir in listing:
        if is_private_name(name):
            continue
        rel = (folder / name).relative_to(pages_dir).as_posix()
        if is_dir:
            segments = prefix if _is_group(name) else (*prefix, parse_segment(name, rel))
            _scan_folder(pages_dir, folder / name, segments, routes)
        elif name.endswith(".py"):
            stem = name[: -len(".py")]
            if _is_group(stem):
                raise RouteConflictError(
                    f"{rel}: (group) names are for folders, not route files; "
                    "rename the file, or make it a folder holding an index.py",
                    [rel],
                )
            segments = prefix if stem == "index" else (*prefix, parse_segment(stem, rel))
            _check_segments(segments, rel)
            routes.append(Route(segments, rel, folder / name))


def _check_segments(segments: tuple[Segment, ...], file: str) -> None:
    seen: set[str] = set()
    for position, segment in enumerate(segments):
        if segment.kind is SegmentKind.STATIC:
            _check_literal(segment.value, file)
            continue
        if segment.value in seen:
            raise RouteConflictError(
                f"{file}: the parameter name {segment.value!r} is used twice in one path; "
                "rename one of them so each parameter has its own name",
                [file],
            )
        seen.add(segment.value)
        is_catch_all = segment.kind in (SegmentKind.CATCH_ALL, SegmentKind.OPTIONAL_CATCH_ALL)
        if is_catch_all and position != len(segments) - 1:
            raise RouteConflictError(
                f"{file}: the catch-all {segment} must be the last segment; "
                f"make it the file name ({segment}.py) or drop what follows it",
                [file],
            )


#: What a static segment may hold as it is: RFC 3986's ``pchar`` but ``%``
#: (the name is never percent-decoded, so ``%41`` would not mean ``A``).
_LITERAL = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@]*")
_ALLOWED_PUNCTUATION = "- . _ ~ ! $ & ' ( ) * + , ; = : @"


def _not_literal(name: str) -> list[str]:
    """The characters of ``name`` a URL path cannot carry as they are, in order of appearance.

    ASCII is held to RFC 3986's ``pchar``; other characters may be letters,
    marks, numbers, symbols or punctuation, which match once the path is
    UTF-8 decoded, but not controls, format characters or spaces.
    """
    if _LITERAL.fullmatch(name):
        return []
    found: dict[str, None] = {}
    for character in name:
        if character.isascii():
            bad = _LITERAL.fullmatch(character) is None
        else:
            bad = unicodedata.category(character)[0] in "CZ"
        if bad:
            found[character] = None
    return list(found)


def _check_literal(name: str, file: str) -> None:
    """Refuse a static segment with a character a URL path cannot carry as it is."""
    bad = _not_literal(name)
    if bad:
        shown = " ".join(ascii(character) for character in bad)
        raise RouteConflictError(
            f"{file}: the name {name!r} holds {shown}, which a URL path cannot carry as it is; "
            "rename it: letters, digits, non-ASCII letters and symbols, and "
            f"{_ALLOWED_PUNCTUATION} are allowed",
            [file],
        )


@dataclass(slots=True)
class _Leaf(Generic[T]):
    route: Route
    target: T


@dataclass(slots=True)
class _Param(Generic[T]):
    """The ``[name]`` child of a trie node: its name, the file that introduced it, its node."""

    name: str
    file: str
    node: _Node[T]


@dataclass(slots=True)
class _CatchAll(Generic[T]):
    """A ``[...name]`` or ``[[...name]]`` child of a trie node: it always ends a route."""

    name: str
    leaf: _Leaf[T]


@dataclass(slots=True)
class _Node(Generic[T]):
    static: dict[str, _Node[T]] = field(default_factory=dict)
    dynamic: _Param[T] | None = None
    catch_all: _CatchAll[T] | None = None
    optional: _CatchAll[T] | None = None
    #: The route whose pattern ends exactly at this node.
    leaf: _Leaf[T] | None = None


class Router(Generic[T]):
    """Maps URL paths to targets (whatever the caller stores with each route).

    Conflicting routes raise :class:`RouteConflictError` when added, naming
    every file involved.
    """

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self._static: dict[str, _Leaf[T]] = {}
        self._leaves: list[_Leaf[T]] = []

    def __iter__(self) -> Iterator[tuple[Route, T]]:
        """Each route with its target, sorted by pattern."""
        for leaf in sorted(self._leaves, key=lambda leaf: leaf.route.pattern):
            yield leaf.route, leaf.target

    def __len__(self) -> int:
        return len(self._leaves)

    def add(self, route: Route, target: T) -> None:
        """Add ``route``; raise :class:`RouteConflictError` if it clashes."""
        leaf = _Leaf(route, target)
        node = self._root
        for segment in route.segments:
            if segment.kind is SegmentKind.STATIC:
                node = node.static.setdefault(segment.value, _Node())
            elif segment.kind is SegmentKind.DYNAMIC:
                param = node.dynamic
                if param is None:
                    param = node.dynamic = _Param(segment.value, route.file, _Node())
                else:
                    self._same_name(param.name, param.file, segment, route)
                node = param.node
            else:
                self._add_catch_all(node, segment, leaf)
                break
        else:
            self._set_leaf(node, leaf)
        self._leaves.append(leaf)
        if route.kind is RouteKind.STATIC:
            self._static[route.pattern] = leaf

    @staticmethod
    def _same_name(name: str, file: str, segment: Segment, route: Route) -> None:
        if name != segment.value:
            raise RouteConflictError(
                f"different slug names at one level: [{name}] in {file} "
                f"and [{segment.value}] in {route.file}; one level takes one name: "
                f"rename [{segment.value}] to [{name}] in {route.file}",
                [file, route.file],
            )

    def _add_catch_all(self, node: _Node[T], segment: Segment, leaf: _Leaf[T]) -> None:
        route = leaf.route
        required = segment.kind is SegmentKind.CATCH_ALL
        other = node.optional if required else node.catch_all
        if other is not None:
            optional = route.file if not required else other.leaf.route.file
            raise RouteConflictError(
                "a required and an optional catch-all at one level: "
                f"{other.leaf.route.file} and {route.file}; keep one: delete the other "
                f"({optional} also answers the bare path, so it can serve both)",
                [other.leaf.route.file, route.file],
            )
        if not required and node.leaf is not None:
            self._beside_optional(node.leaf.route, route)
        existing = node.catch_all if required else node.optional
        if existing is not None:
            self._same_name(existing.name, existing.leaf.route.file, segment, route)
            self._duplicate(existing.leaf.route, route)
        if required:
            node.catch_all = _CatchAll(segment.value, leaf)
        else:
            node.optional = _CatchAll(segment.value, leaf)

    def _set_leaf(self, node: _Node[T], leaf: _Leaf[T]) -> None:
        if node.leaf is not None:
            self._duplicate(node.leaf.route, leaf.route)
        if node.optional is not None:
            self._beside_optional(leaf.route, node.optional.leaf.route)
        node.leaf = leaf

    @staticmethod
    def _duplicate(first: Route, second: Route) -> NoReturn:
        how = (
            "a (group) folder is left out of the URL, so "
            if "(" in first.file or "(" in second.file
            else ""
        )
        raise RouteConflictError(
            f"{first.file} and {second.file} both answer {second.pattern}; {how}"
            f"delete one, or rename {second.file} so it answers another path",
            [first.file, second.file],
        )

    @staticmethod
    def _beside_optional(route: Route, optional: Route) -> NoReturn:
        required = optional.file.replace("[[...", "[...").replace("]]", "]")
        raise RouteConflictError(
            f"{route.file} ({route.pattern}) has the same specificity as the optional "
            f"catch-all {optional.file} ({optional.pattern}), which also answers "
            f"{route.pattern}; rename {optional.file} to {required} (a required catch-all) "
            f"to keep {route.file}, or delete one",
            [route.file, optional.file],
        )

    def match(self, path: str) -> tuple[T, Params] | None:
        """The target and path params for ``path`` (decoded, starting with ``/``)."""
        leaf = self._static.get(path)
        if leaf is not None:
            return leaf.target, {}
        parts = path[1:].split("/") if path != "/" else []
        params: Params = {}
        # Most paths match on the first way down, a static child before a [param] at
        # each step: this loop, with nothing to remember. A dead end falls back to the
        # depth-first search, which keeps a trail to back up along.
        node = self._root
        for part in parts:
            child = node.static.get(part)
            if child is None:
                dynamic = node.dynamic
                if dynamic is None or not part:
                    break
                params[dynamic.name] = part
                child = dynamic.node
            node = child
        else:
            leaf = node.leaf
            if leaf is not None:
                return leaf.target, params
        params = {}
        found = _match(self._root, parts, params)
        if found is None:
            return None
        return found.target, params


def _match(root: _Node[T], parts: list[str], params: Params) -> _Leaf[T] | None:
    """Depth-first match of ``parts`` below ``root``, most specific first, without recursion.

    At each node the static child is tried first, then the ``[name]`` child, then
    the catch-alls; ``trail`` keeps each node passed with the option to try
    there next, so a dead end resumes at the nearest node with an option left.
    """
    last = len(parts)
    trail: list[tuple[_Node[T], int, int]] = []
    node, index, option = root, 0, _STATIC
    while True:
        if index == last:
            if node.leaf is not None:
                return _bind(node.leaf, trail, parts, params)
            if node.optional is not None:
                params[node.optional.name] = []
                return _bind(node.optional.leaf, trail, parts, params)
        elif part := parts[index]:
            if option == _STATIC:
                child = node.static.get(part)
                if child is not None:
                    trail.append((node, index, _DYNAMIC))
                    node, index = child, index + 1
                    continue
                option = _DYNAMIC
            if option == _DYNAMIC and node.dynamic is not None:
                trail.append((node, index, _CATCH_ALL))
                node, index, option = node.dynamic.node, index + 1, _STATIC
                continue
            slot = node.catch_all or node.optional
            if slot is not None:
                rest = parts[index:]
                if "" not in rest:
                    params[slot.name] = rest
                    return _bind(slot.leaf, trail, parts, params)
        if not trail:
            return None
        node, index, option = trail.pop()


#: What :func:`_match` tries next at a node: its static child, its ``[name]`` child, catch-alls.
_STATIC, _DYNAMIC, _CATCH_ALL = 0, 1, 2


def _bind(
    leaf: _Leaf[T], trail: list[tuple[_Node[T], int, int]], parts: list[str], params: Params
) -> _Leaf[T]:
    """``leaf``, with the ``[name]`` params of the nodes the match went through."""
    for node, index, option in trail:
        if option == _CATCH_ALL and node.dynamic is not None:  # it went on by the [name] child
            params[node.dynamic.name] = parts[index]
    return leaf
