"""The site's document, built once per app and route table, for the handlers serving it."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import App

__all__ = ["DocumentCache"]


class DocumentCache:
    """What ``build(app)`` gives, kept per app until a development reload changes its routes."""

    def __init__(self, build: Callable[[App], dict[str, Any]]) -> None:
        self._build = build
        self._cache: weakref.WeakKeyDictionary[App, tuple[object, dict[str, Any]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, app: App) -> dict[str, Any]:
        """The document of ``app``, built on first use."""
        with self._lock:
            cached = self._cache.get(app)
            if cached is None or cached[0] is not app.router:
                cached = (app.router, self._build(app))
                self._cache[app] = cached
        return cached[1]
