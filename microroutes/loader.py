"""Importing route modules: lazily, once, thread-safely, and again after an edit.

Each site's ``pages/`` folder becomes a synthetic package (``_microroutes_site_<id>``)
so route files can use relative imports of private helpers
(``from .._db import connect`` in ``pages/api/post/[uid].py``) and two sites
in one process never share module names.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

from .errors import SiteError
from .methods import MethodTable
from .routing import Route

__all__ = ["Endpoint", "SitePackage"]

#: Module-level setting in a route file: its body limit in bytes (``None``: no limit).
BODY_LIMIT_SETTING = "MAX_BODY_SIZE"


class SitePackage:
    """The synthetic package that route modules of one ``pages/`` folder live in."""

    def __init__(self, pages_dir: Path) -> None:
        self.pages_dir = pages_dir
        digest = hashlib.sha1(str(pages_dir).encode(), usedforsecurity=False).hexdigest()
        #: The package's module name.
        self.name = f"_microroutes_site_{digest[:12]}"
        package = sys.modules.get(self.name)
        if package is None:
            package = ModuleType(self.name)
            package.__path__ = [str(pages_dir)]
            package.__package__ = self.name
            sys.modules[self.name] = package

    def module_name(self, route: Route) -> str:
        """The dotted name a route file is imported under."""
        parts = route.file[: -len(".py")].split("/")
        return ".".join((self.name, *parts))

    def import_route(self, route: Route) -> ModuleType:
        """Import (or re-import) the route file; errors name the file."""
        name = self.module_name(route)
        spec = importlib.util.spec_from_file_location(name, route.path)
        if spec is None or spec.loader is None:
            raise SiteError(f"{route.file}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def forget(self, prefix: str = "") -> None:
        """Drop imported modules of this site (all of them, or those under ``prefix``)."""
        stem = f"{self.name}.{prefix}" if prefix else f"{self.name}."
        for name in [n for n in sys.modules if n.startswith(stem)]:
            del sys.modules[name]


class Endpoint:
    """A route and, once first requested, its imported module and method table."""

    __slots__ = ("_default_max_body_size", "_lock", "_package", "max_body_size", "route", "table")

    def __init__(self, route: Route, package: SitePackage, max_body_size: int | None) -> None:
        #: The route this endpoint serves.
        self.route = route
        #: The method table, ``None`` until the module is imported.
        self.table: MethodTable | None = None
        #: Body limit in bytes: the app's, or the module's ``MAX_BODY_SIZE`` once imported.
        self.max_body_size = max_body_size
        self._default_max_body_size = max_body_size
        self._package = package
        self._lock = threading.Lock()

    def load(self) -> MethodTable:
        """Import the route module on first use (once, even under concurrent requests)."""
        table = self.table
        if table is not None:
            return table
        with self._lock:
            if self.table is None:
                module = self._package.import_route(self.route)
                self.max_body_size = _body_limit(
                    module, self.route.file, self._default_max_body_size
                )
                self.table = MethodTable.from_module(module, self.route.file)
            return self.table

    def unload(self) -> None:
        """Forget the imported module so the next request imports the file again."""
        with self._lock:
            self.table = None
            self.max_body_size = self._default_max_body_size


def _body_limit(module: ModuleType, file: str, default: int | None) -> int | None:
    limit: object = getattr(module, BODY_LIMIT_SETTING, default)
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise SiteError(f"{file}: {BODY_LIMIT_SETTING} must be a byte count or None, got {limit!r}")
    return limit
