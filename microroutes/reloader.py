"""Development reloads: noticing edits cheaply, and swapping in the edited site safely.

Each poll stats the folders under ``pages/`` and the files of the modules the
site has imported, and nothing else: no re-scan and no import happens unless
something changed. A folder's listing is re-read only when its mtime moved,
so Python writing ``__pycache__`` does not count as a change.

A reload never deletes a module another thread may be importing: the edited
site is imported into a fresh package (:class:`Versions`), requests already
running finish on the version they started with, and an old version's modules
leave ``sys.modules`` only once its last request is done.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from .imports import FileStamp, file_stamp
from .loader import SitePackage
from .routing import is_private_name

__all__ = ["ChangeWatcher", "Changes", "SiteVersion", "Versions"]

T = TypeVar("T")

_IGNORED_DIRS = frozenset({"__pycache__"})


def _listing(folder: str) -> frozenset[str] | None:
    try:
        return frozenset(n for n in os.listdir(folder) if n not in _IGNORED_DIRS)
    except OSError:
        return None


def _python_files(pages_dir: Path) -> frozenset[str]:
    """Every ``.py`` file under ``pages_dir``, relative to it."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(pages_dir):
        dirs[:] = [d for d in dirs if not is_private_name(d)]
        base = Path(folder).relative_to(pages_dir)
        found.update((base / name).as_posix() for name in files if name.endswith(".py"))
    return frozenset(found)


@dataclass(frozen=True)
class Changes:
    """The ``.py`` files added, removed and edited since the last poll, relative to ``pages/``.

    Edited files are among the imported ones; a module beside ``pages/`` is
    named ``../catalog.py``.
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.edited)

    def describe(self) -> str:
        """``added a.py; edited _db.py``: one clause per kind of change."""
        parts = [
            f"{kind} {', '.join(files)}"
            for kind, files in (
                ("added", self.added),
                ("removed", self.removed),
                ("edited", self.edited),
            )
            if files
        ]
        return "; ".join(parts)


class ChangeWatcher:
    """Tells which of a site's files changed since the last poll.

    :param imported: the imported module files with their stamps at import
        time, or as they are now when that is not known (edits made between an
        import and the next poll still count when it is).
    """

    def __init__(
        self, pages_dir: Path, imported: Callable[[], Mapping[Path, FileStamp | None]]
    ) -> None:
        self._pages_dir = pages_dir
        self._imported = imported
        self._folders: dict[str, tuple[int, frozenset[str] | None]] = {}
        self._tree = _python_files(pages_dir)
        #: The stamp each file had when last looked at. Every file under ``pages/``
        #: is looked at before a (re)import, so a file edited while it is being
        #: imported still differs from what is known of it.
        self._files: dict[Path, FileStamp | None] = self._tree_stamps()
        self._snapshot_folders()

    def _tree_stamps(self) -> dict[Path, FileStamp | None]:
        return {self._pages_dir / name: file_stamp(self._pages_dir / name) for name in self._tree}

    def _snapshot_folders(self) -> None:
        # pages/ itself is always watched, so it is noticed coming back after a move.
        self._folders = {str(self._pages_dir): (-1, None)}
        for folder, dirs, _ in os.walk(self._pages_dir):
            # Private folders hold no routes or middleware; edits to the helpers in them
            # are noticed through the stamps of the modules the site imported.
            dirs[:] = [d for d in dirs if not is_private_name(d)]
            key = file_stamp(folder)
            self._folders[folder] = (key[0] if key else -1, _listing(folder))

    def _folders_changed(self) -> bool:
        for folder, (mtime, listing) in self._folders.items():
            key = file_stamp(folder)
            now = key[0] if key else -1
            if now != mtime:
                current = _listing(folder)
                if current != listing:
                    return True
                self._folders[folder] = (now, current)
        return False

    def _edited_files(self) -> list[Path]:
        edited: list[Path] = []
        for path, imported_stamp in self._imported().items():
            stamp = file_stamp(path)
            if self._files.get(path, imported_stamp) != stamp:
                edited.append(path)
            self._files[path] = stamp
        return edited

    def _name(self, path: Path) -> str:
        return Path(os.path.relpath(path, self._pages_dir)).as_posix()

    def poll(self) -> Changes:
        """What was added, removed or edited since the last poll (falsy: nothing)."""
        added: frozenset[str] = frozenset()
        removed: frozenset[str] = frozenset()
        if self._folders_changed():
            tree = _python_files(self._pages_dir)
            added, removed = tree - self._tree, self._tree - tree
            self._tree = tree
            self._snapshot_folders()
        edited = {self._name(path) for path in self._edited_files()} - removed
        changes = Changes(tuple(sorted(added)), tuple(sorted(removed)), tuple(sorted(edited)))
        if changes:  # the site is imported again next: know what it will read, at the latest
            self._files.update(self._tree_stamps())
        return changes


@dataclass
class SiteVersion(Generic[T]):
    """One import of the site: its package and what the app built from it (the router)."""

    package: SitePackage
    value: T
    #: Requests using this version right now.
    users: int = 0
    #: A newer version replaced this one.
    retired: bool = False


class Versions(Generic[T]):
    """The current version of a site, handed out to requests and replaced on reload.

    The first version is never purged: it holds ``pages/_app.py``, whose
    hooks live as long as the app.
    """

    def __init__(self, first: SiteVersion[T]) -> None:
        self._first = first
        self._current = first
        self._lock = threading.Lock()

    @property
    def current(self) -> SiteVersion[T]:
        """The version new requests get."""
        return self._current

    @contextmanager
    def lease(self) -> Iterator[SiteVersion[T]]:
        """The current version, kept importable until the block ends."""
        with self._lock:
            version = self._current
            version.users += 1
        try:
            yield version
        finally:
            with self._lock:
                version.users -= 1
                self._purge_if_unused(version)

    def replace(self, version: SiteVersion[T]) -> None:
        """Make ``version`` current; the old one is purged once its requests finish."""
        with self._lock:
            old, self._current = self._current, version
            old.retired = True
            self._purge_if_unused(old)

    def _purge_if_unused(self, version: SiteVersion[T]) -> None:
        if version.retired and version.users == 0 and version is not self._first:
            version.package.purge()
