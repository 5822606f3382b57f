"""Noticing edits to a site in development, cheaply.

Each poll stats the folders under ``pages/`` and the files of the modules the
site has imported, and nothing else: no re-scan and no import happens unless
something changed. A folder's listing is re-read only when its mtime moved,
so Python writing ``__pycache__`` does not count as a change.
"""

from __future__ import annotations

import os
from pathlib import Path

from .loader import FileStamp, SitePackage, file_stamp
from .routing import is_private_name

__all__ = ["ChangeWatcher"]

_IGNORED_DIRS = frozenset({"__pycache__"})


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
        self._files: dict[Path, FileStamp | None] = {}
        self._snapshot_folders()

    def _snapshot_folders(self) -> None:
        self._folders = {}
        for folder, dirs, _ in os.walk(self._pages_dir):
            # Private folders hold no routes or middleware; edits to the helpers in them
            # are noticed through the stamps of the modules the site imported.
            dirs[:] = [d for d in dirs if not is_private_name(d)]
            key = file_stamp(folder)
            self._folders[folder] = (key[0] if key else -1, _listing(folder))

    def _folders_changed(self) -> bool:
        for folder, (mtime, listing) in self._folders.items():
            key = file_stamp(folder)
            if key is None:
                return True
            if key[0] != mtime:
                current = _listing(folder)
                if current != listing:
                    return True
                self._folders[folder] = (key[0], current)
        return False

    def _files_changed(self) -> bool:
        changed = False
        seen: dict[Path, FileStamp | None] = {}
        imported = self._package.import_stamps
        for _, path in self._package.loaded_files():
            stamp = seen[path] = file_stamp(path)
            known = self._files[path] if path in self._files else imported.get(path, stamp)
            changed = changed or known != stamp
        self._files = seen
        return changed

    def poll(self) -> bool:
        """True when a file was added, removed, renamed or edited since the last poll."""
        changed = self._folders_changed()
        changed = self._files_changed() or changed
        if changed:
            self._snapshot_folders()
            self._files = {}
        return changed
