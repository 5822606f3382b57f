"""Problems with input as ``{"loc": [...], "msg": ...}`` entries: every one, not the first.

msgspec stops at the first problem and names where it is (``- at `$.a[3].b```).
:func:`every_problem` carries on from there without re-checking what msgspec
already accepted: it follows that path down the input, records the problem,
and queues what comes after it at each level (the rest of a list in chunks,
the later fields of an object) to be converted whole, in C, by msgspec. Each
part of the input is thus converted about once whatever its depth, the queue
is an explicit stack (no recursion), and the search stops at
:attr:`ProblemLimits.max_problems`. The path is read no deeper than
:attr:`ProblemLimits.max_depth`, and a run of list items refused for their
kind (strings where numbers go) is listed after one call into msgspec.
"""

from __future__ import annotations

import re
import typing
from typing import Any, Literal

import msgspec

from ._limits import DEFAULT_PROBLEM_LIMITS, ProblemLimits
from ._shapes import UNION_TYPE, ObjectLayout, object_layout

__all__ = ["Invalid", "Loc", "Problem", "every_problem", "problem_from", "text_problems"]

#: One problem with the input: ``{"loc": ["body", "tags", 2], "msg": "Expected `int`, ..."}``.
Problem = dict[str, Any]
#: Where a value sits: ``("body", "tags", 2)``.
Loc = tuple[str | int, ...]
#: One step of msgspec's path: a field name, a list index, or ``None`` for a dict key.
_Step = str | int | None

_PATH_SUFFIX = re.compile(r" - at `\$(.*)`$")
_KEY_SUFFIX = re.compile(r" - at `key` in `\$(.*)`$")
_MISSING_FIELD = re.compile(r"Object missing required field `(.*)`")
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(.*)`")
_NESTED_TOO_DEEPLY = "nested too deeply"
_GOT_STR = ", got `str`"
_EXPECTED = "Expected `"
_AT = " - at `"
_INT_GOT_FLOAT = "Expected `int`, got `float`"
#: Items of a long list or dict converted in one call.
_CHUNK = 512
_FIRST_CHUNK = 8

# Work items on the stack: a tuple whose first entry says what to do.
_VALUE = 0  # (_VALUE, value, type, loc): convert the value whole
_TAIL = 1  # (_TAIL, list, item type, start, loc): the list's items from start on
_ENTRIES = 2  # (_ENTRIES, items, dict type, start, loc): a dict's (key, value) pairs
_PROBLEM = 3  # (_PROBLEM, problem): a problem found while queueing
#: What :func:`_step_into` says of a dict key msgspec does not name: its entries were queued.
_REDISCOVER: Literal["rediscover"] = "rediscover"
#: One step down: ``(child, its type, its key)``.
_Child = tuple[object, Any, str | int]


class Invalid(Exception):
    """The input does not fit the annotation; ``problems`` lists where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        #: One entry per problem found.
        self.problems = problems


def every_problem(
    raw: object,
    annotation: Any,
    error: msgspec.ValidationError,
    loc: Loc,
    *,
    strict: bool,
    limits: ProblemLimits = DEFAULT_PROBLEM_LIMITS,
    integral_floats: list[int] | None = None,
) -> list[Problem]:
    """One problem per failing field or item, ``error`` (msgspec's first) included.

    ``raw`` is the input as plain Python data, ``error`` what converting it
    into ``annotation`` raised. At most ``limits.max_problems`` are listed.
    With an ``integral_floats`` list, an integral float where an ``int`` goes
    (``2046.0``) is not a problem: it is counted in the list's first item.
    """
    collector = _Collector(limits, strict, len(loc), integral_floats)
    collector.follow(raw, annotation, loc, str(error))
    return collector.run()


def text_problems(problems: list[Problem]) -> list[Problem]:
    """Problems with text values (a query, a path, a form), without msgspec's ``got `str```.

    Every such value is text, so saying so tells nothing: ``?limit=2.5`` gives
    ``Expected `int```.
    """
    for problem in problems:
        message = problem["msg"]
        if isinstance(message, str) and _GOT_STR in message:
            problem["msg"] = message.replace(_GOT_STR, "")
    return problems


def problem_from(error: Exception, loc: Loc) -> Problem:
    """msgspec's ``"Expected `int`, got `str` - at `$.tags[2]`"`` as a loc and a message."""
    message, steps = _split(str(error))
    missing = _MISSING_FIELD.fullmatch(message)
    named = [*loc, *("[...]" if step is None else step for step in steps)]
    if missing is not None:  # name the field itself, as the per-field check does
        named.append(missing.group(1))
    return {"loc": named, "msg": message}


def _split(message: str, max_steps: int | None = None) -> tuple[str, list[_Step]]:
    """msgspec's message without its path, and the path's steps (the first ``max_steps``)."""
    if _AT not in message:  # a value converted on its own: no path
        return message, []
    found = _PATH_SUFFIX.search(message)
    suffix = ""
    if found is None:
        found = _KEY_SUFFIX.search(message)
        suffix = " (in a key)"
    if found is None:
        return message, []
    return message[: found.start()] + suffix, _path_steps(found.group(1), max_steps)


def _path_steps(path: str, max_steps: int | None) -> list[_Step]:
    """The steps of msgspec's ``.name[3][...]``: its first ``max_steps``, all for ``None``.

    Every step is made to start with a dot, so one split with a limit cuts off
    the first steps of a path thousands of steps long, and the same few
    strings (a field's name, ``[0]``) are converted once and then looked up.
    """
    limit = -1 if max_steps is None else max_steps + 1
    tokens = path.replace("[...]", _ANY_KEY).replace("[", ".[").split(".", limit)
    # tokens[0] is the text before the first step: empty.
    return list(map(_STEP_OF_TOKEN.__getitem__, tokens[1:limit] if limit > 0 else tokens[1:]))


class _StepsOfTokens(dict[str, _Step]):
    """``".name"`` split off as ``"name"`` is the step ``"name"``; ``"[3]"`` is ``3``."""

    def __missing__(self, token: str) -> _Step:
        if token[:1] != "[":
            step: _Step = token
        elif token == _ANY_KEY:
            step = None
        else:
            inner = token[1:-1]
            step = int(inner) if inner.isdecimal() else inner
        if len(self) < _MAX_TOKENS:  # indexes are the client's: the table stays bounded
            self[token] = step
        return step


#: msgspec's ``[...]`` (a dict's value) while a path is split at its dots.
_ANY_KEY = "[*]"
_MAX_TOKENS = 4096
_STEP_OF_TOKEN = _StepsOfTokens()


#: JSON kinds by the type the untyped decoder gives them, as msgspec names them.
_KINDS: dict[type, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    type(None): "null",
    list: "array",
    dict: "object",
}


class _Collector:
    """Problems found so far and the parts of the input still to check."""

    __slots__ = (
        "_base",
        "_integral",
        "_limits",
        "_max_problems",
        "_mismatches",
        "_stack",
        "_strict",
        "found",
    )

    def __init__(
        self, limits: ProblemLimits, strict: bool, base: int, integral: list[int] | None
    ) -> None:
        self._limits = limits
        self._strict = strict
        self._base = base
        self._integral = integral
        self._max_problems = limits.max_problems
        self._stack: list[tuple[Any, ...]] = []
        # msgspec's "Expected `T`, got `K`" for an item of kind K where T goes, by (id(T), K).
        self._mismatches: dict[tuple[int, type], str] = {}
        self.found: list[Problem] = []

    def run(self) -> list[Problem]:
        stack = self._stack
        while stack and not self._full():
            item = stack.pop()
            kind = item[0]
            if kind == _VALUE:
                self._value(item[1], item[2], item[3])
            elif kind == _TAIL:
                self._tail(item[1], item[2], item[3], item[4])
            elif kind == _ENTRIES:
                self._entries(item[1], item[2], item[3], item[4])
            else:
                self.found.append(item[1])
        return self.found[: self._limits.max_problems]

    def _full(self) -> bool:
        """True once as many problems as listed are found (integral floats count too)."""
        counted = self._integral[0] if self._integral is not None else 0
        return len(self.found) + counted >= self._max_problems

    def _convert(self, value: object, annotation: Any, loc: Loc) -> str | None:
        """msgspec's message for the first problem with ``value``, or ``None`` when it fits.

        The message, not the error: an error kept in a local holds its traceback, whose
        frames hold that local, a reference cycle per problem.
        """
        try:
            msgspec.convert(value, annotation, strict=self._strict)
        except msgspec.ValidationError as error:
            return str(error)
        except RecursionError:
            self.found.append({"loc": list(loc), "msg": _NESTED_TOO_DEEPLY})
        return None

    def _value(self, value: object, annotation: Any, loc: Loc) -> None:
        error = self._convert(value, annotation, loc)
        if error is not None:
            self.follow(value, annotation, loc, error)

    def _tail(self, items: list[Any], item_type: Any, start: int, loc: Loc) -> None:
        """The list's items from ``start`` on (just after a problem, or msgspec's first).

        The item after a problem is checked on its own, as problems come in runs; an
        item refused for its kind alone (a string where a number goes) is refused as
        every item of that kind is, so a run of them costs one call into msgspec.
        """
        end = len(items)
        mismatches = self._mismatches
        type_id = id(item_type)
        while start < end and not self._full():
            item = items[start]
            kind = (type_id, type(item))
            message = mismatches.get(kind)
            if message is None:
                message = self._convert(item, item_type, (*loc, start))
                if message is None:
                    start = self._next_failing(items, item_type, start + 1, loc)
                    continue
                if not self._is_mismatch(message, item):
                    # Its problem is inside it, or depends on its value: followed down.
                    self._stack.append((_TAIL, items, item_type, start + 1, loc))
                    self.follow(item, item_type, (*loc, start), message)
                    return
                mismatches[kind] = message
            if message == _INT_GOT_FLOAT and self._integral is not None:
                self._record(item, [*loc, start], message)  # an integral one is no problem
                start += 1
            else:
                start = self._record_run(items, start, loc, message)

    def _record_run(self, items: list[Any], start: int, loc: Loc, message: str) -> int:
        """``message`` for the item at ``start`` and the items of its kind right after it.

        Returns where the run ends (it stops at the problems still to list).
        """
        kind = type(items[start])
        counted = self._integral[0] if self._integral is not None else 0
        end = min(len(items), start + self._max_problems - len(self.found) - counted)
        stop = start + 1
        while stop < end and type(items[stop]) is kind:
            stop += 1
        where = list(loc)
        self.found += [{"loc": [*where, index], "msg": message} for index in range(start, stop)]
        return stop

    def _next_failing(self, items: list[Any], item_type: Any, start: int, loc: Loc) -> int:
        """Where the first item from ``start`` on that does not fit is (``len(items)``: none).

        The items go to msgspec a chunk at a time, small chunks first: right after a
        problem another one is likely.
        """
        chunk_type = list[item_type]
        size = _FIRST_CHUNK
        while start < len(items):
            error = self._convert(items[start : start + size], chunk_type, loc)
            if error is None:
                start += size
                size = min(size * 4, _CHUNK)
                continue
            message, steps = _split(error, 1)
            if steps and isinstance(steps[0], int):
                return start + steps[0]
            self.found.append({"loc": list(loc), "msg": message})  # not about one item
            break
        return len(items)

    def _is_mismatch(self, message: str, item: object) -> bool:
        """True when msgspec refused ``item`` for its kind alone, whatever its value.

        msgspec says "Expected `T`, got `K`" (no path) only where ``T`` takes no value
        of kind ``K``; converting leniently, some text of kind ``str`` is read as a number.
        """
        kind = _KINDS.get(type(item))
        return (
            self._strict
            and kind is not None
            and message.startswith(_EXPECTED)
            and message.endswith(f", got `{kind}`")
            and _AT not in message
        )

    def _entries(self, items: list[tuple[Any, Any]], dict_type: Any, start: int, loc: Loc) -> None:
        """A dict's entries from ``start`` on: a chunk at once, then one by one if it fails."""
        while start < len(items):
            chunk = items[start : start + _CHUNK]
            if self._convert(dict(chunk), dict_type, loc) is None:
                start += _CHUNK
                continue
            self._stack.append((_ENTRIES, items, dict_type, start + _CHUNK, loc))
            # msgspec does not say which key: each entry of the chunk on its own.
            for key, value in reversed(chunk):
                self._stack.append((_VALUE, {key: value}, dict_type, loc))
            return

    def follow(self, value: object, annotation: Any, loc: Loc, error: str) -> None:
        """Record msgspec's ``error`` message about ``value``, and queue what it did not check."""
        # Steps past the depth limit are not followed: one more says the problem is deeper.
        room = self._limits.max_depth - (len(loc) - self._base)
        message, steps = _split(error, max(room, 0) + 1)
        self._follow_steps(value, annotation, loc, steps, message)

    def _follow_steps(
        self, node: object, annotation: Any, loc: Loc, steps: list[_Step], message: str
    ) -> None:
        groups: list[list[tuple[Any, ...]]] = []
        room = max(self._limits.max_depth - (len(loc) - self._base), 0)
        deep = len(steps) > room  # the problem is further down than listed
        path = list(loc)  # grows step by step; copied only where something is queued
        known = True
        for step in steps[:room] if deep else steps:
            if known:
                kind, detail = _shape(annotation)
                if kind == _OPTIONAL and node is not None:
                    kind, detail = _shape(detail)
                # An object's field and a list's item, the common steps, are taken here.
                if (
                    kind == _OBJECT
                    and isinstance(node, dict)
                    and type(step) is str
                    and step in node
                ):
                    field = detail.fields.get(step)
                    if field is not None:
                        if step != next(reversed(node)) or not node.keys() >= detail.required:
                            # Its fields after this one, or its missing ones, are still to check.
                            _queue_fields(node, detail, path, step, groups)
                        node, annotation = node[step], field[0]
                        path.append(step)
                        continue
                elif kind == _SEQUENCE and isinstance(node, list) and type(step) is int:
                    if 0 <= step < len(node):
                        if step + 1 < len(node):  # the last item has no tail to check
                            groups.append([(_TAIL, node, detail, step + 1, tuple(path))])
                        node, annotation = node[step], detail
                        path.append(step)
                        continue
                else:
                    child = _step_into(node, kind, detail, step, path, groups)
                    if child is _REDISCOVER:
                        self._push(groups)
                        return
                    if isinstance(child, tuple):
                        node, annotation, key = child
                        path.append(key)
                        continue
                known = False
            path.append("[...]" if step is None else step)
        if known and not deep and isinstance(node, dict) and _is_field_problem(message):
            kind, layout = _shape(annotation)
            if kind == _OBJECT:
                _queue_fields(node, layout, path, None, groups)
                self._push(groups)
                return
        self._record(node, path, message, deep)
        self._push(groups)

    def _record(self, node: object, loc: list[str | int], message: str, deep: bool = False) -> None:
        """The problem ``message`` about ``node`` at ``loc`` (kept, not copied), unless it
        is an integral float."""
        if self._integral is not None and message == _INT_GOT_FLOAT and _is_integral(node, deep):
            self._integral[0] += 1
            return
        if deep:
            message = f"{message} (deeper than {self._limits.max_depth} levels)"
        self.found.append({"loc": loc, "msg": message})

    def _push(self, groups: list[list[tuple[Any, ...]]]) -> None:
        # The innermost group comes next in the input: it goes on top of the stack.
        for group in groups:
            self._stack.extend(reversed(group))


def _is_field_problem(message: str) -> bool:
    """A missing or unknown field: the object's other fields are still to check."""
    return (
        _MISSING_FIELD.fullmatch(message) is not None
        or _UNKNOWN_FIELD.fullmatch(message) is not None
    )


def _is_integral(node: object, deep: bool) -> bool:
    """``node`` is a float with an integer value (``2046.0``), within the depth limit."""
    return not deep and isinstance(node, float) and node.is_integer()


def _step_into(
    node: object,
    kind: int,
    detail: Any,
    step: _Step,
    path: list[str | int],
    groups: list[list[tuple[Any, ...]]],
) -> _Child | Literal["rediscover"] | None:
    """``(child, its type, its key)`` one step down a tuple or a dict (``kind`` and
    ``detail`` from :func:`_shape`); later siblings are added to ``groups``.

    ``None`` when the type cannot be followed (a union of several types...);
    :data:`_REDISCOVER` when the step is a dict key msgspec did not name.
    """
    if kind == _TUPLE:
        if not isinstance(node, list) or type(step) is not int:
            return None
        if not 0 <= step < min(len(node), len(detail)):
            return None
        groups.append(
            [(_VALUE, node[i], detail[i], (*path, i)) for i in range(step + 1, len(node))]
        )
        return node[step], detail[step], step
    if kind != _DICT or not isinstance(node, dict) or step is not None:
        return None
    if len(node) == 1:
        key, value = next(iter(node.items()))
        return value, detail[1], key
    groups.append([(_ENTRIES, list(node.items()), detail[0], 0, tuple(path))])
    return _REDISCOVER


def _queue_fields(
    node: dict[Any, Any],
    layout: _Object,
    loc: Loc | list[str | int],
    after: str | None,
    groups: list[list[tuple[Any, ...]]],
) -> None:
    """Queue an object's fields after ``after`` (all: ``None``), then its missing ones."""
    fields = layout.fields
    group: list[tuple[Any, ...]] = []
    started = after is None
    for key, value in node.items():
        if not started:
            started = key == after
            continue
        if key in fields:
            group.append((_VALUE, value, fields[key][0], (*loc, key)))
        elif layout.forbid_unknown:
            problem = {"loc": list(loc), "msg": f"Object contains unknown field `{key}`"}
            group.append((_PROBLEM, problem))
    if not node.keys() >= layout.required:
        for key in layout.required_in_order:
            if key not in node:
                problem = {"loc": [*loc, key], "msg": f"Object missing required field `{key}`"}
                group.append((_PROBLEM, problem))
    if group:
        groups.append(group)


class _Object:
    """What an object type expects, for following a path through it."""

    __slots__ = ("fields", "forbid_unknown", "required", "required_in_order")

    def __init__(self, layout: ObjectLayout) -> None:
        #: ``(type, required)`` per key.
        self.fields, self.forbid_unknown = layout
        self.required_in_order = [key for key, (_, required) in self.fields.items() if required]
        self.required = frozenset(self.required_in_order)


# What a type is, for following a path down: (kind, detail), cached per type.
_OTHER = 0  # not followed
_OPTIONAL = 1  # T | None: detail is T
_SEQUENCE = 2  # list, set, frozenset, tuple[T, ...]: detail is the item type
_TUPLE = 3  # tuple[A, B]: detail is (A, B)
_DICT = 4  # dict[K, V]: detail is (the dict type, V)
_OBJECT = 5  # Struct, dataclass, TypedDict: detail is an _Object
_shapes: dict[Any, tuple[int, Any]] = {}
_MAX_SHAPES = 4096


def _shape(annotation: Any) -> tuple[int, Any]:
    try:
        return _shapes[annotation]
    except KeyError:
        pass
    except TypeError:  # unhashable: worked out each time
        return _work_out_shape(annotation)
    if len(_shapes) > _MAX_SHAPES:  # classes re-created by reloads: start over
        _shapes.clear()
    shape = _shapes[annotation] = _work_out_shape(annotation)
    return shape


def _work_out_shape(annotation: Any) -> tuple[int, Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _shape(args[0])
    if origin in (typing.Union, UNION_TYPE):
        members = [arg for arg in args if arg is not type(None)]
        return (_OPTIONAL, members[0]) if len(members) == 1 else (_OTHER, None)
    if args and (origin in (list, set, frozenset) or _is_var_tuple(origin, args)):
        return _SEQUENCE, args[0]
    if origin is tuple and args:
        return _TUPLE, args
    if origin is dict and len(args) == 2:
        return _DICT, (annotation, args[1])
    layout = object_layout(annotation)
    return (_OTHER, None) if layout is None else (_OBJECT, _Object(layout))


def _is_var_tuple(origin: object, args: tuple[Any, ...]) -> bool:
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis
