"""Exception mapping: ``exceptions = {ExceptionType: answer}`` in ``pages/_app.py``.

An exception nobody handled (not a handler, not a middleware) is looked up
along its class hierarchy, most specific class first; the entry found says
what the client gets:

* an HTTP error class (``ServiceUnavailable``): that error, with its default message;
* an HTTP error instance (``ServiceUnavailable("try again", retry_after=5)``): a copy of it;
* a callable ``answer(req, exc)`` returning an HTTP error or a :class:`Response`
  (raising an HTTP error works too), or ``None`` to leave the exception
  unhandled (a logged 500) when it is not one the function answers.

:class:`~microroutes.HTTPError`\\ s answer as themselves and are never looked up.
An exception without an entry stays a logged 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import Halt, HTTPError, SiteError
from .response import Response

if TYPE_CHECKING:
    from .request import Request

__all__ = ["EXCEPTIONS_SETTING", "ExceptionMap"]

#: The name in ``pages/_app.py`` holding ``{ExceptionType: answer}``.
EXCEPTIONS_SETTING = "exceptions"
logger = logging.getLogger("microroutes")
_NO_ENTRY: Any = object()


class ExceptionMap:
    """A site's exception map, checked when ``pages/_app.py`` is read.

    :raises SiteError: naming ``file``, for a key that is not an exception
        class or an answer that is neither an HTTP error nor a callable.
    """

    def __init__(self, mapping: object, file: str) -> None:
        if not isinstance(mapping, Mapping):
            raise SiteError(
                f"{file}: {EXCEPTIONS_SETTING} must be a dict {{ExceptionType: answer}}, "
                f"got {mapping!r}"
            )
        self._file = file
        self._entries: dict[type, object] = {}
        for kind, answer in mapping.items():
            if not (isinstance(kind, type) and issubclass(kind, BaseException)):
                raise SiteError(
                    f"{file}: {EXCEPTIONS_SETTING} key {kind!r} is not an exception class"
                )
            if isinstance(answer, type) and issubclass(answer, HTTPError):
                try:
                    answer()
                except TypeError as error:
                    raise SiteError(
                        f"{file}: {EXCEPTIONS_SETTING}[{kind.__name__}]: {answer.__name__} cannot "
                        f"be made without arguments ({error}); give an instance"
                    ) from None
            elif not isinstance(answer, Halt) and not callable(answer):
                raise SiteError(
                    f"{file}: {EXCEPTIONS_SETTING}[{kind.__name__}] must be an HTTP error class "
                    f"or instance, or a function (req, exc); got {answer!r}"
                )
            self._entries[kind] = answer
        # The entry for each exception class met so far (its hierarchy walked once).
        self._found: dict[type, object] = {}

    def _entry(self, kind: type) -> object:
        found = self._found.get(kind, _NO_ENTRY)
        if found is _NO_ENTRY:
            entries = self._entries
            found = next((entries[c] for c in kind.__mro__ if c in entries), None)
            self._found[kind] = found
        return found

    def answer(
        self, error: BaseException, req: Callable[[], Request]
    ) -> Halt | Response | BaseException:
        """What to answer ``error`` with: an HTTP error or a response; else ``error`` itself.

        ``req`` gives the request, for an answer function. An answer function
        that fails returns its own exception (the app logs it as a 500).
        """
        answer = self._entry(type(error))
        if answer is None:
            return error
        if isinstance(answer, type) and issubclass(answer, HTTPError):
            found: object = answer()
        elif isinstance(answer, Halt):
            found = _copy(answer)
        else:
            try:
                found = answer(req(), error)  # type: ignore[operator]
            except Halt as raised:
                found = raised
            except Exception as failure:  # its own bug: a 500 naming it
                failure.__context__ = error
                return failure
            if found is None:  # not one it answers
                return error
        if isinstance(found, (Halt, Response)):
            status = found.status_code if isinstance(found, Response) else found.status
            if status >= 500:  # mapped, yet still a server-side failure worth a line
                logger.warning("answered %s for %s: %s", status, type(error).__name__, error)
            return found
        problem = TypeError(
            f"{self._file}: {EXCEPTIONS_SETTING}[{type(error).__name__}] returned "
            f"{type(found).__name__}; return an HTTP error or a Response"
        )
        problem.__context__ = error
        return problem


def _copy(error: Halt) -> Halt:
    """A copy of ``error`` with headers of its own (CORS adds to them), no constructor call."""
    kind = type(error)
    copied = kind.__new__(kind)
    copied.__dict__.update(error.__dict__)
    copied.args = error.args
    copied.headers = list(error.headers)
    return copied
