"""The response: status, headers and a body of bytes or a stream of bytes.

Every handler gets a fresh ``res``; its setters chain
(``return res.status(201).json(post)``). A handler may also return a value
and let :func:`to_response` turn it into a response.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import json as _json
import logging
import uuid
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping, Sized
from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring as _encode_basestring
from typing import Any

import msgspec
from werkzeug.http import dump_cookie
from werkzeug.urls import iri_to_uri

from .asyncio_bridge import iterate_async
from .errors import stops_the_process
from .http import StartResponse, check_header, check_status, status_line
from .request_ids import HEADER as _REQUEST_ID

__all__ = ["Response", "StreamedBody", "dump_json", "to_response"]

#: Statuses whose responses never carry a body (RFC 9110 §6.4.1).
_NO_BODY_STATUSES = frozenset({204, 304})
_TEXT = "text/plain; charset=utf-8"
_JSON = "application/json"
_NO_CHUNK: Any = object()
logger = logging.getLogger("microroutes")


def _json_default(value: object) -> object:
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    return typed_builtins(value)


# allow_nan=False: NaN and Infinity are not JSON, and many parsers refuse them.
_encode_json = _json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False
).encode
_encode_ascii_json = _json.JSONEncoder(
    separators=(",", ":"), default=_json_default, allow_nan=False
).encode
# The C encoder built once: JSONEncoder.encode builds a new one on every call.
_c_encode = (
    _c_make_encoder(None, _json_default, _encode_basestring, None, ":", ",", False, False, False)
    if _c_make_encoder is not None
    else None
)


def typed_builtins(value: object) -> object:
    """A model (a dataclass, ``msgspec.Struct`` or pydantic model instance) or an ``Enum``
    as builtins the JSON encoder takes.

    Nested values are left to the encoder. Anything else is a ``TypeError``.
    """
    if isinstance(value, enum.Enum):
        return value.value
    convert = _model_converter(type(value))
    if convert is None:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return convert(value)


#: How each model class met so far becomes builtins, made on its first use (one entry
#: per class: a plain dict, read on every model answer, is cheaper than a weak one).
_converters: dict[type, Callable[[Any], object]] = {}


def _model_converter(kind: type) -> Callable[[Any], object] | None:
    """How ``kind`` becomes builtins if it is a model class, else ``None``."""
    convert = _converters.get(kind)
    if convert is not None:
        return convert
    if issubclass(kind, msgspec.Struct):
        convert = _struct_builtins  # keeps rename and omit_defaults
    elif hasattr(kind, "__pydantic_fields__"):
        convert = _pydantic_builtins
    elif dataclasses.is_dataclass(kind):
        # Field by field, not msgspec.to_builtins: a dataclass msgspec decoded keeps its
        # default-valued fields on the class only, and to_builtins would leave them out.
        convert = _dataclass_converter(tuple(field.name for field in dataclasses.fields(kind)))
    else:
        return None
    _converters[kind] = convert
    return convert


def _struct_builtins(value: Any) -> object:
    return msgspec.to_builtins(value, enc_hook=_json_default)


def _pydantic_builtins(value: Any) -> object:
    return value.model_dump(mode="json")


def _dataclass_converter(names: tuple[str, ...]) -> Callable[[Any], object]:
    def convert(value: Any) -> object:
        return {name: getattr(value, name) for name in names}

    return convert


#: Value types msgspec writes exactly as the standard library's encoder does.
_PLAIN_VALUES = frozenset({str, int, bool, type(None)})
_encode_plain = msgspec.json.Encoder().encode


def dump_json(value: object) -> bytes:
    """Compact UTF-8 JSON; dates, times, UUIDs, decimals, sets and dataclasses included.

    :raises ValueError: ``value`` holds NaN or an infinity, which JSON cannot
        express (send ``None`` or a string instead).
    :raises TypeError: ``value`` holds something with no JSON form.
    """
    if type(value) is dict:
        # The most common answer, {"id": "abc", "price": 2.5}: msgspec writes the same
        # bytes in a fraction of the time when every key is a str and every value a
        # str, int, bool, None or a float written without an exponent (msgspec spells
        # exponents otherwise, and NaN as null).
        for key, item in value.items():
            if type(key) is not str:
                break
            if type(item) not in _PLAIN_VALUES and not (
                type(item) is float and (item == 0.0 or 1e-4 <= abs(item) < 1e16)
            ):
                break
        else:
            try:
                return _encode_plain(value)
            except UnicodeEncodeError:
                pass  # a lone surrogate: the escapes below
    try:
        text = "".join(_c_encode(value, 0)) if _c_encode is not None else _encode_json(value)
    except ValueError:  # the encoder's only ValueError: an out-of-range float
        raise ValueError(
            "JSON has no NaN or Infinity: send None or a string for that number instead"
        ) from None
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form: write every non-ASCII
        # character as a \u escape instead.
        return _encode_ascii_json(value).encode()


class Response:
    """Status, headers and body of one HTTP response."""

    __slots__ = ("_content_type", "_headers", "_status", "body")

    def __init__(
        self,
        body: bytes | str | Iterable[bytes] | None = None,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = None,
    ) -> None:
        self._status = 200
        #: The body: ``bytes``, or an iterable of ``bytes`` that is streamed.
        self.body: bytes | Iterable[bytes] = b""
        self._headers: list[tuple[str, str]] = []
        self._content_type: str | None = None
        if status != 200:
            self.status(status)
        if headers:
            items = headers.items() if isinstance(headers, Mapping) else headers
            for name, value in items:
                self.add_header(name, value)
        if content_type is not None:
            self.set_header("Content-Type", content_type)
        if body is not None:
            self.send(body)

    def __repr__(self) -> str:
        return f"<Response {self._status}>"

    @property
    def status_code(self) -> int:
        """The status code; assigning checks it is an int from 200 to 599."""
        return self._status

    @status_code.setter
    def status_code(self, code: int) -> None:
        self._status = check_status(code)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """A copy of the headers as (name, value) pairs, ``Content-Type`` included."""
        items = list(self._headers)
        if self._content_type is not None:
            items.append(("Content-Type", self._content_type))
        return items

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, if set."""
        return self._content_type

    def status(self, code: int) -> Response:
        """Set the status code (200-599); returns ``self`` to chain."""
        self._status = check_status(code)
        return self

    def get_header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``default``."""
        lower = name.lower()
        if lower == "content-type":
            return self._content_type if self._content_type is not None else default
        for key, value in self._headers:
            if key.lower() == lower:
                return value
        return default

    def set_header(self, name: str, value: str) -> Response:
        """Set header ``name``, replacing any value it had; returns ``self``."""
        check_header(name, value)
        lower = name.lower()
        if lower == "content-type":
            self._content_type = value
            return self
        self._headers = [(k, v) for k, v in self._headers if k.lower() != lower]
        self._headers.append((name, value))
        return self

    def add_header(self, name: str, value: str) -> Response:
        """Add a header line, keeping earlier ones of the same name; returns ``self``."""
        if name.lower() == "content-type":
            return self.set_header(name, value)
        check_header(name, value)
        self._headers.append((name, value))
        return self

    def remove_header(self, name: str) -> Response:
        """Remove every header named ``name``; returns ``self``."""
        lower = name.lower()
        if lower == "content-type":
            self._content_type = None
        self._headers = [(k, v) for k, v in self._headers if k.lower() != lower]
        return self

    def send(self, body: bytes | bytearray | memoryview | str | Iterable[bytes]) -> Response:
        """Set the body: ``str`` (sent as UTF-8 text), ``bytes``, or an iterable streamed.

        Sets a ``Content-Type`` unless one is set: ``text/plain; charset=utf-8``
        for ``str``, ``application/octet-stream`` otherwise.
        """
        if isinstance(body, str):
            self.body = body.encode()
            if self._content_type is None:
                self._content_type = _TEXT
            return self
        if isinstance(body, (bytes, bytearray, memoryview)):
            self.body = bytes(body)
        elif isinstance(body, Iterable) and not isinstance(body, Mapping):
            self.body = body
        else:
            raise TypeError(
                f"a body must be str, bytes or an iterable of bytes, got {type(body).__name__}"
            )
        if self._content_type is None:
            self._content_type = "application/octet-stream"
        return self

    def json(self, value: object) -> Response:
        """Send ``value`` as JSON (``application/json``); returns ``self``."""
        self.body = dump_json(value)
        self._content_type = _JSON
        return self

    def json_bytes(self, data: bytes) -> Response:
        """Send ``data``, JSON already encoded, as ``application/json``; returns ``self``."""
        self.body = data
        self._content_type = _JSON
        return self

    def html(self, text: str) -> Response:
        """Send ``text`` as ``text/html; charset=utf-8``; returns ``self``.

        A character with no UTF-8 form (a lone surrogate) is written as a
        character reference instead of failing.
        """
        self.body = text.encode("utf-8", "xmlcharrefreplace")
        self._content_type = "text/html; charset=utf-8"
        return self

    def redirect(self, url: str, status: int = 307) -> Response:
        """Redirect to ``url`` (307 keeps the method; use 303 after a POST).

        A non-ASCII ``url`` is percent-encoded (IRI to URI).
        """
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"redirect status must be 301, 302, 303, 307 or 308, got {status}")
        if not url.isascii():
            url = iri_to_uri(url)
        self.set_header("Location", url)
        self._status = status
        self.body = f"Redirecting to {url}\n".encode()
        self._content_type = _TEXT
        return self

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | _dt.timedelta | None = None,
        expires: str | _dt.datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = True,
        samesite: str | None = "Lax",
        partitioned: bool = False,
    ) -> Response:
        """Add a ``Set-Cookie`` header, written by werkzeug's ``dump_cookie``.

        Defaults are the safe ones: ``HttpOnly`` and ``SameSite=Lax``. Pass
        ``secure=True`` on HTTPS sites (required with ``samesite="None"``).
        """
        header = dump_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        return self.add_header("Set-Cookie", header)

    def delete_cookie(
        self, key: str, *, path: str | None = "/", domain: str | None = None, secure: bool = False
    ) -> Response:
        """Tell the client to drop cookie ``key`` (same ``path`` and ``domain`` as set)."""
        return self.set_cookie(
            key, "", max_age=0, expires=0, path=path, domain=domain, secure=secure
        )

    def to_wsgi(
        self, start_response: StartResponse, head: bool = False, request_id: str | None = None
    ) -> Iterable[bytes]:
        """Start the WSGI response and return the body iterable (empty for ``head``).

        ``request_id`` is sent as ``X-Request-ID`` unless the response sets that header.
        """
        status = self._status
        body = self.body
        if not self._headers and type(body) is bytes and status == 200:
            content_type = ("Content-Type", self._content_type or _TEXT)
            if request_id is None:
                start_response("200 OK", [content_type, ("Content-Length", str(len(body)))])
            else:
                start_response(
                    "200 OK",
                    [
                        content_type,
                        ("Content-Length", str(len(body))),
                        (_REQUEST_ID, request_id),
                    ],
                )
            return [] if head else [body]
        headers = self._headers[:] if self._headers else []
        if request_id is not None and self.get_header(_REQUEST_ID) is None:
            headers.append((_REQUEST_ID, request_id))
        if status in _NO_BODY_STATUSES:
            _close(body)
            start_response(status_line(status), headers)
            return []
        headers.append(("Content-Type", self._content_type or _TEXT))
        if isinstance(body, bytes):
            if self.get_header("Content-Length") is None:
                headers.append(("Content-Length", str(len(body))))
            start_response(status_line(status), headers)
            return [] if head else [body]
        start_response(status_line(status), headers)
        if head:
            _close(body)
            return []
        return body


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


class StreamedBody:
    """A streamed body whose first chunk was produced before the headers were sent.

    Pulling the first chunk early turns an error raised before the stream
    yields anything into a proper error response. Later errors are logged and
    re-raised so the server drops the connection; ``close()`` always reaches
    the handler's iterable.
    """

    __slots__ = ("_body", "_first", "_iterator", "_request_id", "_where")

    def __init__(
        self,
        body: Iterable[bytes],
        iterator: Iterator[bytes],
        first: Any,
        where: str,
        request_id: str | None = None,
    ):
        self._body = body
        self._iterator = iterator
        self._first = first
        self._where = where
        self._request_id = request_id

    @classmethod
    def start(
        cls, body: Iterable[bytes], where: str, request_id: str | None = None
    ) -> StreamedBody:
        """Pull the first chunk of ``body``, the route file ``where`` returned.

        ``request_id`` goes on the log line of an error raised later in the stream.
        """
        iterator = iter(body)
        try:
            first = next(iterator, _NO_CHUNK)
            if first is not _NO_CHUNK:
                first = _as_bytes(first, where)
        except BaseException:
            _close(body)
            raise
        return cls(body, iterator, first, where, request_id)

    def __iter__(self) -> Iterator[bytes]:
        first, self._first = self._first, _NO_CHUNK
        if first is not _NO_CHUNK:
            yield first
        iterator = self._iterator
        while True:
            try:
                chunk = next(iterator, _NO_CHUNK)
                if chunk is _NO_CHUNK:
                    return
                chunk = _as_bytes(chunk, self._where)
            except Exception:
                logger.exception(
                    "error while streaming the body of %s (request id %s)",
                    self._where,
                    self._request_id or "-",
                )
                raise
            except BaseException as error:
                if stops_the_process(error):
                    raise
                # SystemExit, GeneratorExit or a KeyboardInterrupt outside the main
                # thread: servers only clean up after an Exception (waitress would
                # leave the connection open for good), so hand them one.
                logger.error(
                    "error while streaming the body of %s (request id %s)",
                    self._where,
                    self._request_id or "-",
                    exc_info=error,
                )
                name = type(error).__name__
                raise RuntimeError(f"{self._where}: the streamed body raised {name}") from error
            yield chunk

    def measure(self, max_chunks: int) -> int | None:
        """The stream's length in bytes if it ends within ``max_chunks`` chunks, else ``None``.

        At most ``max_chunks`` chunks are run (one more is asked for, to see the
        end), nothing is kept, and the stream is closed either way.
        """
        try:
            chunks = iter(self)
            total = 0
            for _ in range(max_chunks):
                chunk = next(chunks, None)
                if chunk is None:
                    return total
                total += len(chunk)
            return total if next(chunks, None) is None else None
        finally:
            self.close()

    def close(self) -> None:
        """Close the handler's iterable."""
        _close(self._body)


def _as_bytes(chunk: object, where: str) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"{where}: streamed chunks must be bytes or str, got {type(chunk).__name__}")


def to_response(value: object, res: Response, where: str = "a handler") -> Response:
    """Turn a handler's return value into the response to send, before anything is sent.

    ``None`` -> ``res`` as the handler left it; a :class:`Response` -> itself;
    ``dict``/``list`` -> JSON, and so are a dataclass, ``msgspec.Struct`` or
    pydantic model; ``str``/``bytes`` -> body; an iterable without a length (a
    generator, an iterator, a file) or an async iterable -> a streamed body.
    Anything else, tuples included, is a ``TypeError`` naming ``where`` (the
    route file).

    :raises ValueError: JSON holding NaN or an infinity.
    """
    if value is None:
        return res
    if isinstance(value, (dict, list)):
        try:  # res.json() written out: this is every JSON answer's path
            res.body = dump_json(value)
        except (TypeError, ValueError) as error:
            raise json_send_error(error, where) from error
        res._content_type = _JSON
        return res
    if isinstance(value, Response):
        return value
    # The cache looked up inline: every typed answer takes this path.
    convert = _converters.get(type(value)) or _model_converter(type(value))
    if convert is not None:  # a dataclass, msgspec.Struct or pydantic model: JSON, like a dict
        try:
            return res.json(convert(value))
        except (TypeError, ValueError) as error:
            raise json_send_error(error, where) from error
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return res.send(value)
    if isinstance(value, Iterable) and not isinstance(value, Sized):
        return res.send(value)
    if isinstance(value, AsyncIterable):  # streamed, one step of an event loop per chunk
        return res.send(iterate_async(value, where))
    raise TypeError(_not_a_body(value, where))


def json_send_error(error: TypeError | ValueError, where: str) -> TypeError | ValueError:
    """``error`` from encoding a handler's answer, restated naming ``where``."""
    kind = TypeError if isinstance(error, TypeError) else ValueError
    return kind(f"{where}: cannot send the returned value as JSON: {error}")


def _not_a_body(value: object, where: str) -> str:
    kind = type(value)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    if isinstance(value, tuple):
        return (
            f"{where} returned a tuple ({', '.join(type(v).__name__ for v in value)}); return "
            "only the body, and set the status and headers on res: "
            "res.status(201); res.set_header('Location', url); return body"
        )
    hint = ""
    if isinstance(value, Mapping):
        hint = " (convert it with dict(...))"
    elif isinstance(value, Sized):
        hint = " (a container is not streamed: convert it, e.g. dict(row) or list(...))"
    return (
        f"{where} returned a {name}, which is not a body{hint}; return a dict or "
        "list (JSON), str, bytes, a generator of bytes (streamed), a Response or None"
    )
