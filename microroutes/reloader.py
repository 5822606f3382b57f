"""Noticing edits to a site in development, cheaply.

Each poll stats the folders under ``pages/`` and the files of the modules the
site has imported, and nothing else: no re-scan and no import happens unless
something changed. A folder's listing is re-read only when its mtime moved,
so Python writing ``__pycache__`` does not count as a change.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .loader import SitePackage

__all__ = ["ChangeWatcher"]

_IGNORED_DIRS = frozenset({"__pycache__"})
_FileKey = tuple[int, int, int]
#: A module first seen with an mtime this close to (or after) the previous poll may
#: have been edited after it was imported; file mtimes lag the clock by a tick.
_FRESH_NS = 100_000_000


def _file_key(path: Path | str) -> _FileKey | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def _listing(folder: str) -> frozenset[str] | None:
    try:
        return frozenset(n for n in os.listdir(folder) if n not in _IGNORED_DIRS)
    except OSError:
        return None


class ChangeWatcher:
    """Tells whether a site's files changed since the last poll."""

    def __init__(self, pages_dir: Path, package: SitePackage) -> None:
        self._pages_dir = pages_dir
        self._package = package
        self._folders: dict[str, tuple[int, frozenset[str] | None]] = {}
        self._files: dict[Path, _FileKey | None] = {}
        self._last_poll = time.time_ns()
        self._snapshot_folders()

    def _snapshot_folders(self) -> None:
        self._folders = {}
        for folder, dirs, _ in os.walk(self._pages_dir):
            dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS and not d.startswith(".")]
            key = _file_key(folder)
            self._folders[folder] = (key[0] if key else -1, _listing(folder))

    def _folders_changed(self) -> bool:
        for folder, (mtime, listing) in self._folders.items():
            key = _file_key(folder)
            if key is None:
                return True
            if key[0] != mtime:
                current = _listing(folder)
                if current != listing:
                    return True
                self._folders[folder] = (key[0], current)
        return False

    def _files_changed(self) -> bool:
        now = time.time_ns()
        changed = False
        seen: dict[Path, _FileKey | None] = {}
        for _, path in self._package.loaded_files():
            key = seen[path] = _file_key(path)
            if path in self._files:
                changed = changed or self._files[path] != key
            elif key is not None and self._last_poll - _FRESH_NS < key[0] <= now:
                changed = True  # imported since the last poll, and maybe edited since
        self._files = seen
        self._last_poll = now
        return changed

    def poll(self) -> bool:
        """True when a file was added, removed, renamed or edited since the last poll."""
        changed = self._folders_changed()
        changed = self._files_changed() or changed
        if changed:
            self._snapshot_folders()
            self._files = {}
        return changed
