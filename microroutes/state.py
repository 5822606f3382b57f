"""Per-request state: a namespace middleware and providers fill for the handler.

``req.state`` is made on first use, so a request that never touches it pays
nothing. Attributes are whatever the site puts there (``req.state.user = ...``
in a middleware, read by the handler or an error page); reading one that was
never set is an ``AttributeError`` naming it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

__all__ = ["RequestState"]


class RequestState(SimpleNamespace):
    """The namespace behind ``req.state``: fresh for every request, empty at first."""

    def __getattr__(self, name: str) -> Any:
        # Only called for a missing attribute: say where it was looked up.
        raise AttributeError(f"req.state has no {name!r}: nothing set it for this request")
