"""Serving a site's ``public/`` folder: files only, never a listing, never outside it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from werkzeug.security import safe_join
from werkzeug.utils import send_file

from .http import StartResponse

__all__ = ["PublicFiles"]


class PublicFiles:
    """Files under one folder, answered by URL path (``/robots.txt`` -> ``public/robots.txt``).

    Hidden names (starting with ``.``) and anything outside the folder are
    never served; directories are not listed. Responses carry ``ETag`` and
    ``Last-Modified`` and answer conditional and range requests.
    """

    def __init__(self, folder: Path, max_age: int | None = 3600) -> None:
        #: The folder served.
        self.folder = folder.resolve()
        #: ``Cache-Control: max-age`` for served files, in seconds.
        self.max_age = max_age

    def find(self, path: str) -> Path | None:
        """The file that answers the decoded URL ``path``, or ``None``."""
        relative = path.lstrip("/")
        if not relative or "\\" in relative or "\x00" in relative:
            return None
        if any(part.startswith(".") for part in relative.split("/")):
            return None
        joined = safe_join(str(self.folder), relative)
        if joined is None:
            return None
        candidate = Path(joined)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        # A symlink inside public/ must not lead outside it.
        if not resolved.is_file() or not resolved.is_relative_to(self.folder):
            return None
        return resolved if os.access(resolved, os.R_OK) else None

    def serve(
        self, file: Path, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer the request with ``file``, through werkzeug's ``send_file``."""
        response = send_file(file, environ, conditional=True, etag=True, max_age=self.max_age)
        result: Iterable[bytes] = response(environ, start_response)
        return result
