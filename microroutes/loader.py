"""Importing a site's modules: lazily, once, thread-safely, and again after an edit.

Each site's ``pages/`` folder becomes a synthetic package (``_microroutes_site_<id>``)
so route files can use relative imports of private helpers
(``from .._db import connect`` in ``pages/api/post/[uid].py``) and two sites
in one process never share those module names.

The site folder itself goes first on ``sys.path`` (as ``python site/app.py`` or
``flask run`` would put the app's folder), so ``site/mylib.py`` is ``import mylib``.
Those names are process-wide, like any absolute import: when two sites in one
process define the same top-level module, or a site's module has the name of one
already imported (``json.py``), the first one imported serves everyone, and a
:class:`RuntimeWarning` says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Generic, TypeVar

from .errors import SiteError
from .routefile import LoadedRoute
from .routing import Route

__all__ = ["Endpoint", "LazyModule", "SitePackage", "add_site_to_path"]

T = TypeVar("T")


#: What tells one version of a file from another: (mtime in ns, size, inode).
FileStamp = tuple[int, int, int]


def file_stamp(path: Path | str) -> FileStamp | None:
    """The file's :data:`FileStamp`, or ``None`` if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


#: Each top-level module name a site folder defines, and the first site that defined it.
_site_module_owners: dict[str, Path] = {}
_sys_path_lock = threading.Lock()


def _top_level_modules(site_dir: Path) -> list[str]:
    """The names ``site_dir`` makes importable: ``mylib.py`` and ``mypkg/__init__.py``."""
    names = []
    for entry in sorted(site_dir.iterdir()):
        if entry.suffix == ".py" and entry.stem.isidentifier():
            names.append(entry.stem)
        elif entry.name.isidentifier() and (entry / "__init__.py").is_file():
            names.append(entry.name)
    return names


def add_site_to_path(site_dir: Path) -> None:
    """Put ``site_dir`` first on ``sys.path`` (once), so route files import its modules.

    Warns (:class:`RuntimeWarning`) when another site folder in this process
    defines one of its top-level module names, or a module of that name is
    already imported from elsewhere.
    """
    folder = str(site_dir)
    with _sys_path_lock:
        if folder not in sys.path:
            sys.path.insert(0, folder)
        for name in _top_level_modules(site_dir):
            owner = _site_module_owners.setdefault(name, site_dir)
            loaded = getattr(sys.modules.get(name), "__file__", None)
            if owner != site_dir:
                clash = f"is also defined by the site {owner}"
            elif loaded is not None and not Path(loaded).is_relative_to(site_dir):
                clash = f"is already imported from {loaded}"
            else:
                continue
            warnings.warn(
                f"{site_dir}: the module {name!r} {clash}; 'import {name}' gives whichever "
                "was imported first in this process, so give this one another name",
                RuntimeWarning,
                stacklevel=4,
            )


def _escape_dots(name: str) -> str:
    return name.replace("%", "%25").replace(".", "%2E")


class SitePackage:
    """The synthetic package that the modules of one ``pages/`` folder live in."""

    def __init__(self, pages_dir: Path) -> None:
        self.pages_dir = pages_dir
        add_site_to_path(pages_dir.parent)
        #: The stamp of each module file as it was when imported through :meth:`import_file`
        #: (helpers it imported included), so a later edit can be told apart.
        self.import_stamps: dict[Path, FileStamp | None] = {}
        digest = hashlib.sha1(str(pages_dir).encode(), usedforsecurity=False).hexdigest()
        #: The package's module name.
        self.name = f"_microroutes_site_{digest[:12]}"
        if self.name not in sys.modules:
            package = ModuleType(self.name)
            package.__path__ = [str(pages_dir)]
            package.__package__ = self.name
            sys.modules[self.name] = package

    def module_name(self, file: str) -> str:
        """The dotted name the file (relative to ``pages/``) is imported under.

        Dots inside a name (``sitemap.xml.py``) are written ``%2E`` so the
        module's package is still its folder and relative imports work.
        """
        parts = file.removesuffix(".py").split("/")
        return ".".join((self.name, *(_escape_dots(part) for part in parts)))

    def import_file(self, file: str) -> ModuleType:
        """Import (or re-import) a file relative to ``pages/``; errors name the file."""
        name = self.module_name(file)
        spec = importlib.util.spec_from_file_location(name, self.pages_dir / file)
        if spec is None or spec.loader is None:
            raise SiteError(f"{file}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except SystemExit as error:
            sys.modules.pop(name, None)
            raise SiteError(f"{file}: SystemExit({error.code!r}) raised at import") from error
        except BaseException:
            sys.modules.pop(name, None)
            raise
        for _, path in self.loaded_files():
            if path not in self.import_stamps:
                self.import_stamps[path] = file_stamp(path)
        return module

    def loaded_files(self) -> Iterator[tuple[str, Path]]:
        """``(module name, file)`` for each imported module of this site."""
        prefix = self.name + "."
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if name.startswith(prefix) and file:
                yield name, Path(file)

    def forget(self, keep: frozenset[str] = frozenset()) -> None:
        """Drop this site's imported modules, except the files named in ``keep``."""
        kept = {self.module_name(file) for file in keep}
        kept_paths = {self.pages_dir / file for file in keep}
        self.import_stamps = {
            path: stamp for path, stamp in self.import_stamps.items() if path in kept_paths
        }
        for name, _ in list(self.loaded_files()):
            if name not in kept:
                sys.modules.pop(name, None)
        prefix = self.name + "."
        for name in [n for n in sys.modules if n.startswith(prefix) and n not in kept]:
            del sys.modules[name]  # namespace packages (folders) have no __file__


class LazyModule(Generic[T]):
    """A file imported on first use, and what ``build`` makes of the module.

    ``get()`` imports once even under concurrent requests.
    """

    __slots__ = ("_build", "_lock", "_package", "file", "value")

    def __init__(
        self, file: str, package: SitePackage, build: Callable[[ModuleType, str], T]
    ) -> None:
        #: The file, relative to ``pages/``.
        self.file = file
        #: What ``build`` made of the imported module, or ``None`` before import.
        self.value: T | None = None
        self._package = package
        self._build = build
        self._lock = threading.Lock()

    def get(self) -> T:
        """The built value, importing the file first if needed."""
        value = self.value
        if value is not None:
            return value
        with self._lock:
            if self.value is None:
                self.value = self._build(self._package.import_file(self.file), self.file)
            return self.value


class Endpoint(Generic[T]):
    """A route, its lazily imported module, and the middleware that wraps it."""

    __slots__ = ("middleware", "module", "route")

    def __init__(
        self,
        route: Route,
        module: LazyModule[LoadedRoute],
        middleware: tuple[LazyModule[T], ...] = (),
    ) -> None:
        #: The route this endpoint serves.
        self.route = route
        #: The route module, imported on first request.
        self.module = module
        #: Middleware from the outermost folder in.
        self.middleware = middleware
