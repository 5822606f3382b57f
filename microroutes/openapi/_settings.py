"""What a site says about its document, and which routes go in it.

``pages/_app.py`` gives the document's ``info`` once, for the ``microroutes
openapi`` command and the served document alike::

    OPENAPI = {"title": "The shop", "version": "2.1.0"}

A route file leaves the document with ``OPENAPI = False`` (an HTML page, a
sitemap). A prefix such as ``/api`` keeps only the paths under it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import SiteError

if TYPE_CHECKING:
    from ..app import App
    from ..table import RouteInfo

__all__ = [
    "DEFAULT_VERSION",
    "INFO_FIELDS",
    "OPENAPI_SETTING",
    "document_info",
    "hidden",
    "in_document",
    "normalize_prefix",
    "under_prefix",
]

#: In ``pages/_app.py``, the document's ``info``; in a route file, ``False`` to leave it out.
OPENAPI_SETTING = "OPENAPI"
#: The ``info`` fields ``pages/_app.py``'s ``OPENAPI`` may give.
INFO_FIELDS = ("title", "version", "description")
#: ``info.version`` when none is given.
DEFAULT_VERSION = "1.0.0"

F = TypeVar("F", bound=Callable[..., object])
#: Handlers that are never part of the document (see :func:`hidden`).
_hidden: weakref.WeakSet[Callable[..., object]] = weakref.WeakSet()


def document_info(app: App, *, title: str | None, version: str | None) -> dict[str, str]:
    """The document's ``info``: the arguments, else ``pages/_app.py``'s ``OPENAPI``, else defaults.

    :raises SiteError: ``OPENAPI`` in ``pages/_app.py`` is not a mapping of info fields to text.
    """
    declared = _site_setting(app.hooks_module())
    info = {"title": app.site_dir.name, "version": DEFAULT_VERSION, **declared}
    if title is not None:
        info["title"] = title
    if version is not None:
        info["version"] = version
    return {field: info[field] for field in INFO_FIELDS if field in info}


def _site_setting(module: ModuleType | None) -> dict[str, str]:
    declared: object = getattr(module, OPENAPI_SETTING, None)
    if declared is None:
        return {}
    fields = ", ".join(INFO_FIELDS)
    problem = f"_app.py: {OPENAPI_SETTING} must map some of {fields} to text, got {declared!r}"
    if not isinstance(declared, Mapping):
        raise SiteError(problem)
    for key, value in declared.items():
        if key not in INFO_FIELDS or not isinstance(value, str):
            raise SiteError(problem)
    return dict(declared)


def hidden(function: F) -> F:
    """Mark a handler as not part of any API (the docs page): routes answered by it are left out."""
    _hidden.add(function)
    return function


def in_document(route: RouteInfo) -> bool:
    """Whether the route goes in the document: its ``OPENAPI``, else unless its handlers are hidden.

    :raises SiteError: the route file's ``OPENAPI`` is not a bool.
    """
    setting: Any = getattr(route.module, OPENAPI_SETTING, None)
    if setting is None:
        functions = [signature.function for signature in route.signatures.values()]
        return not functions or not all(function in _hidden for function in functions)
    if not isinstance(setting, bool):
        raise SiteError(
            f"{route.file}: {OPENAPI_SETTING} must be True or False "
            f"(False leaves the route out of the OpenAPI document), got {setting!r}"
        )
    return setting


def normalize_prefix(prefix: str | None) -> str:
    """``prefix`` as a path without a trailing slash (``""`` for the whole site).

    :raises ValueError: ``prefix`` does not start with ``/``.
    """
    if prefix is None:
        return ""
    if not prefix.startswith("/"):
        raise ValueError(f"an OpenAPI prefix is a path starting with '/', got {prefix!r}")
    return prefix.rstrip("/")


def under_prefix(path: str, prefix: str) -> bool:
    """Whether the OpenAPI ``path`` is ``prefix`` or below it (``/api`` is not ``/apis``)."""
    return not prefix or path == prefix or path.startswith(prefix + "/")
