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
import traceback
import warnings
from collections.abc import Callable
from itertools import count
from pathlib import Path
from types import ModuleType
from typing import Generic, TypeVar

from .errors import SiteError
from .imports import SITE_PACKAGE_PREFIX, FileStamp, ImportLog, forget, record_package
from .routefile import LoadedRoute
from .routing import Route

__all__ = [
    "Endpoint",
    "HelperError",
    "LazyModule",
    "SitePackage",
    "add_site_to_path",
    "describe_syntax_error",
]

T = TypeVar("T")

#: Numbers the packages that reloads import a site into, process-wide.
_generations = count(1)


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
    """The synthetic package that the modules of one ``pages/`` folder live in.

    In development each reload imports the site afresh into a new package
    (:meth:`successor`), so a request still running on the old modules never
    sees them vanish from ``sys.modules`` half-way through an import.
    """

    def __init__(
        self, pages_dir: Path, *, record_imports: bool = False, _base: str | None = None
    ) -> None:
        self.pages_dir = pages_dir
        #: The modules imported into the package with their files' stamps at import
        #: (only when recording: the development reloader reads them).
        self._imports: ImportLog | None = ImportLog() if record_imports else None
        if _base is None:
            add_site_to_path(pages_dir.parent)
            digest = hashlib.sha1(os.fsencode(pages_dir), usedforsecurity=False).hexdigest()
            self._base = f"{SITE_PACKAGE_PREFIX}{digest[:12]}"
            #: The package's module name.
            self.name = self._base
        else:
            self._base = _base
            self.name = f"{_base}_r{next(_generations)}"
        if self.name not in sys.modules:
            package = ModuleType(self.name)
            package.__path__ = [str(pages_dir)]
            package.__package__ = self.name
            sys.modules[self.name] = package
        if self._imports is not None:
            record_package(self.name, self._imports)

    def successor(self) -> SitePackage:
        """A new, empty package for the same folder, to import an edited site into."""
        recording = self._imports is not None
        return SitePackage(self.pages_dir, record_imports=recording, _base=self._base)

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
        if self._imports is not None:
            self._imports.record(name, spec.origin)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except SystemExit as error:
            sys.modules.pop(name, None)
            raise SiteError(f"{file}: SystemExit({error.code!r}) raised at import") from error
        except Exception as error:
            sys.modules.pop(name, None)
            raise self._import_failure(file, error) from error
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def _import_failure(self, file: str, error: Exception) -> SiteError:
        """A :class:`SiteError` blaming the site file the error came from.

        A syntax error is shown where it is; any other error is blamed on the
        innermost site file in its traceback: a private helper the route
        imported (:class:`HelperError`), or the route file itself.
        """
        if isinstance(error, SyntaxError):
            culprit: str | None = _relative(error.filename or file, self.pages_dir)
            description = describe_syntax_error(error, self.pages_dir)
        else:
            culprit = _innermost_site_file(error, self.pages_dir)
            description = f"{culprit or file}: {type(error).__name__}: {error}"
        if culprit is None or culprit == file:
            return SiteError(description)
        return HelperError(culprit, file, description)

    def imported_files(self) -> dict[Path, FileStamp | None]:
        """Each module file imported into this package, with its stamp at import.

        Empty unless the package records its imports (``record_imports=True``).
        """
        return self._imports.files() if self._imports is not None else {}

    def purge(self) -> None:
        """Remove this package and the modules imported into it from ``sys.modules``.

        Only call it once no thread can be importing into the package any more.
        """
        names = self._imports.names() if self._imports is not None else []
        for name in (*names, self.name):
            sys.modules.pop(name, None)
        forget(self.name)


class HelperError(SiteError):
    """A module the route imported (``pages/_db.py``) failed while the route was imported."""

    def __init__(self, helper: str, route: str, description: str) -> None:
        super().__init__(f"{description}\n    imported by {route}")
        #: The failing module, relative to ``pages/`` (or its full path outside ``pages/``).
        self.helper = helper
        #: The route or middleware file whose import ran the helper.
        self.route = route
        #: What went wrong, starting with the helper's name.
        self.description = description


def describe_syntax_error(error: SyntaxError, pages_dir: Path) -> str:
    """``path:line:col: message``, the offending line and a caret under the column."""
    where = _relative(error.filename or "?", pages_dir)
    line = error.lineno or 0
    column = error.offset or 0
    text = f"{where}:{line}:{column}: {type(error).__name__}: {error.msg}"
    source = (error.text or "").rstrip("\n")
    if source.strip():
        stripped = source.lstrip()
        indent = len(source) - len(stripped)
        caret = " " * max(column - 1 - indent, 0) + "^"
        text += f"\n    {stripped}\n    {caret}"
    return text


def _relative(filename: str, pages_dir: Path) -> str:
    try:
        return Path(filename).relative_to(pages_dir).as_posix()
    except ValueError:
        return filename


def _innermost_site_file(error: BaseException, pages_dir: Path) -> str | None:
    """The last file under ``pages_dir`` in the error's traceback, relative to it."""
    found: str | None = None
    for frame in traceback.extract_tb(error.__traceback__):
        relative = _relative(frame.filename, pages_dir)
        if relative != frame.filename:
            found = relative
    return found


class LazyModule(Generic[T]):
    """A file imported on first use, and what ``build`` makes of the module.

    ``get()`` imports once even under concurrent requests.
    """

    __slots__ = ("_build", "_lock", "_package", "file", "module", "value")

    def __init__(
        self, file: str, package: SitePackage, build: Callable[[ModuleType, str], T]
    ) -> None:
        #: The file, relative to ``pages/``.
        self.file = file
        #: What ``build`` made of the imported module, or ``None`` before import.
        self.value: T | None = None
        #: The imported module, or ``None`` before import.
        self.module: ModuleType | None = None
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
                module = self._package.import_file(self.file)
                self.value = self._build(module, self.file)
                self.module = module
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
