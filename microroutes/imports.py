"""Which module files a site imported, and each file's stamp at import time.

The development reloader needs to know the files behind a site's modules. Walking
``sys.modules`` after every import to find them costs time that grows with the
square of the number of modules, and iterating it while another thread imports
raises ``RuntimeError``. Instead, a finder placed first on ``sys.meta_path``
notes each module as it is imported, for the sites that asked (development
only): nothing is recorded, and nothing is paid, when reloading is off.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = [
    "SITE_PACKAGE_PREFIX",
    "FileStamp",
    "ImportLog",
    "file_stamp",
    "folder_log",
    "forget",
    "record_package",
]

#: How the names of the synthetic packages that hold a site's ``pages/`` start.
SITE_PACKAGE_PREFIX = "_microroutes_site_"

#: What tells one version of a file from another: (mtime in ns, size, inode).
FileStamp = tuple[int, int, int]


def file_stamp(path: Path | str) -> FileStamp | None:
    """The file's :data:`FileStamp`, or ``None`` if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class ImportLog:
    """The modules imported into one site package or from one site folder."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: list[str] = []
        self._files: dict[Path, FileStamp | None] = {}

    def record(self, name: str, file: str | None) -> None:
        """Note the module ``name`` and, the first time it is seen, its file's stamp."""
        with self._lock:
            self._names.append(name)
            if file:
                path = Path(file)
                if path not in self._files:
                    self._files[path] = file_stamp(path)

    def files(self) -> dict[Path, FileStamp | None]:
        """Each recorded file with its stamp when first imported."""
        with self._lock:
            return dict(self._files)

    def names(self) -> list[str]:
        """Each recorded module name, in import order."""
        with self._lock:
            return list(self._names)


#: Logs by the top-level module name whose imports they record (a site package's name).
_by_package: dict[str, ImportLog] = {}
#: Logs by the folder (with a trailing separator) whose module files they record.
_by_folder: dict[str, ImportLog] = {}
_install_lock = threading.Lock()


class _Recorder(MetaPathFinder):
    """Finds a module with the finders after it, and tells the log that wants it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        log = _by_package.get(fullname.partition(".")[0])
        if log is None and not _by_folder:
            return None  # the other finders take it as if this one were not here
        spec = _find_after_self(self, fullname, path, target)
        if spec is None:
            return None
        origin = spec.origin if spec.has_location else None
        if log is None and origin and not fullname.startswith(SITE_PACKAGE_PREFIX):
            # tuple() copies in one step: another thread may add a folder meanwhile.
            folders = tuple(_by_folder.items())
            log = next((found for folder, found in folders if origin.startswith(folder)), None)
        if log is not None:
            log.record(fullname, origin)
        return spec


def _find_after_self(
    recorder: _Recorder, fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is recorder:
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec: ModuleSpec | None = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


_recorder = _Recorder()


def record_package(package: str, log: ImportLog) -> None:
    """Record into ``log`` the imports of the modules of ``package``."""
    with _install_lock:
        _by_package[package] = log
        _install()


def folder_log(folder: Path) -> ImportLog:
    """The log of the modules imported from files under ``folder``, from now on.

    Modules already imported from there when it is first asked for are in it too.
    """
    key = str(folder).rstrip(os.sep) + os.sep
    with _install_lock:
        log = _by_folder.get(key)
        if log is None:
            log = _by_folder[key] = ImportLog()
            # Once per folder and process; list() copies the dict in one step.
            for name, module in list(sys.modules.items()):
                file = getattr(module, "__file__", None)
                if file and file.startswith(key) and not name.startswith(SITE_PACKAGE_PREFIX):
                    log.record(name, file)
            _install()
        return log


def _install() -> None:
    if _recorder not in sys.meta_path:
        sys.meta_path.insert(0, _recorder)


def forget(package: str) -> None:
    """Stop recording the imports of ``package`` (after it was purged)."""
    with _install_lock:
        _by_package.pop(package, None)
