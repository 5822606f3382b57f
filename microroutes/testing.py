"""A test client that runs every request through ``wsgiref.validate``.

``Client(app).get("/api/post/1").json`` answers like a real server would,
and fails loudly if the app breaks the WSGI spec (PEP 3333) on the way.
"""

from __future__ import annotations

from typing import Any
from wsgiref.validate import validator

from werkzeug.test import Client as _WerkzeugClient
from werkzeug.test import TestResponse

__all__ = ["Client", "TestResponse"]


class Client(_WerkzeugClient):
    """werkzeug's test client, with the app wrapped in ``wsgiref.validate``.

    Responses are read in full (``buffered``) so the body's ``close()`` is
    always called, as a server would.
    """

    def __init__(self, app: Any, *, validate: bool = True, **kwargs: Any) -> None:
        super().__init__(validator(app) if validate else app, **kwargs)

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        """Send a request (see werkzeug's ``Client.open``)."""
        return super().open(*args, buffered=buffered, **kwargs)
