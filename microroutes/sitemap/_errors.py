"""The error and warning raised for sitemap input that breaks the protocol."""

from __future__ import annotations

__all__ = ["SitemapError", "SitemapWarning"]


class SitemapError(ValueError):
    """Input that would make a sitemap invalid, or a document that is not a safe sitemap.

    When the problem belongs to one entry, :attr:`index` is its position in the
    input (counting from 0) and :attr:`loc` its loc as given, and the message
    starts with both: ``entry 3 ('/a'): priority 1.5 is outside 0.0-1.0``.
    """

    def __init__(self, message: str, *, index: int | None = None, loc: object = None) -> None:
        super().__init__(message)
        #: Position of the offending entry in the input, when there is one.
        self.index = index
        #: The offending entry's loc as given, when there is one.
        self.loc = loc

    @classmethod
    def for_entry(cls, reason: str, index: int, loc: object) -> SitemapError:
        """An error whose message names entry ``index`` by its position and ``loc``."""
        return cls(f"entry {index} ({loc!r}): {reason}", index=index, loc=loc)


class SitemapWarning(UserWarning):
    """Emitted for each entry left out with ``on_error="warn"``."""
