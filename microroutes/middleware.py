"""Directory middleware: ``_middleware.py`` in a folder wraps every route below it.

A middleware file defines ``middleware(req, res, call_next)``. ``call_next()``
runs the rest of the chain and returns its :class:`~microroutes.Response`:
an :class:`~microroutes.HTTPError` raised further in comes back as its error
response, so headers a middleware adds reach 404s and 401s too. Any other
exception (a database error, a bug) propagates out of ``call_next()`` as
itself, so a middleware can catch and translate it (``except IntegrityError:
raise Conflict(...)``); what no middleware handles becomes the answer
``pages/_app.py``'s ``exceptions`` map gives, or a logged 500. The middleware
returns the response, changed or not, or answers itself without calling
``call_next`` (an auth check answering 401), or raises an
:class:`~microroutes.HTTPError`. A method the route does not answer gets its
405 before any middleware runs.

Order: the outermost folder runs first. For ``pages/api/post/[uid].py`` it is
``pages/_middleware.py``, then ``pages/api/_middleware.py``, then
``pages/api/post/_middleware.py``, then the handler; responses travel back
out in the reverse order. ``(group)`` folders count, so a group can share a
middleware without changing URLs.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from .asyncio_bridge import bridge_middleware
from .errors import Halt, SiteError
from .response import Response, to_response
from .routing import is_private_name

if TYPE_CHECKING:
    from .request import Request

__all__ = ["MIDDLEWARE_FILE", "CallNext", "Middleware", "build_middleware", "find_middleware"]

#: The file name that holds a folder's middleware.
MIDDLEWARE_FILE = "_middleware.py"
#: Runs the rest of the chain and returns its response.
CallNext = Callable[[], Response]
#: ``middleware(req, res, call_next)``.
Middleware = Callable[["Request", Response, CallNext], object]


def find_middleware(pages_dir: Path) -> dict[str, str]:
    """Middleware files by folder: ``{"": "_middleware.py", "api": "api/_middleware.py"}``."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(pages_dir):
        dirs[:] = sorted(d for d in dirs if not is_private_name(d))
        if MIDDLEWARE_FILE in files:
            relative = Path(folder).relative_to(pages_dir).as_posix()
            relative = "" if relative == "." else relative
            found[relative] = f"{relative}/{MIDDLEWARE_FILE}" if relative else MIDDLEWARE_FILE
    return found


def chain_for(file: str, middleware_files: dict[str, str]) -> list[str]:
    """The middleware files wrapping route ``file``, outermost first."""
    folders = file.split("/")[:-1]
    chain = []
    for depth in range(len(folders) + 1):
        found = middleware_files.get("/".join(folders[:depth]))
        if found is not None:
            chain.append(found)
    return chain


def build_middleware(module: ModuleType, file: str) -> Middleware:
    """The ``middleware`` function of a ``_middleware.py`` module, checked."""
    function = getattr(module, "middleware", None)
    if function is None or not callable(function):
        raise SiteError(f"{file}: define middleware(req, res, call_next)")
    try:
        inspect.signature(function).bind(None, None, None)
    except TypeError:
        raise SiteError(f"{file}: middleware must accept (req, res, call_next)") from None
    except ValueError:
        pass  # no signature to check (some C callables)
    middleware: Middleware = bridge_middleware(function, f"{file}: middleware")
    return middleware


def run_chain(
    chain: Sequence[tuple[str, Middleware]],
    req: Request,
    res: Response,
    innermost: CallNext,
    respond: Callable[[BaseException], Response],
) -> Response:
    """Run ``chain`` (``(file, middleware)`` pairs) around ``innermost``.

    ``respond`` is the app's one way from an exception to a response: each
    ``call_next()`` hands it the HTTP errors the rest of the chain raised, and
    lets every other exception through.
    """

    def call(index: int) -> Response:
        if index == len(chain):
            return innermost()
        file, middleware = chain[index]

        def call_next() -> Response:
            try:
                return call(index + 1)
            except (Halt, WerkzeugHTTPException) as error:  # answers, not failures
                return respond(error)

        return to_response(middleware(req, res, call_next), res, file)

    return call(0)
