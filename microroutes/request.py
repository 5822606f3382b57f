"""The request: a thin view over the WSGI ``environ`` that parses on first access.

Nothing is parsed until asked for: a handler that only reads ``req.params``
pays for no header, query, cookie or body parsing.
"""

from __future__ import annotations

import codecs
import logging
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders, FileStorage, MultiDict
from werkzeug.exceptions import HTTPException as _WerkzeugHTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.sansio.http import parse_cookie
from werkzeug.wsgi import get_current_url

from .bodies import JSON_MEDIA_TYPES, decode_json, is_json, media_type, refuse_media_type
from .bodylimit import DEFAULT_MAX_BODY_SIZE, check_body_size
from .errors import BadRequest, ContentTooLarge, UnsupportedMediaType
from .negotiation import preferred
from .request_ids import DEFAULT_MAX_REQUEST_ID_LENGTH, assign_request_id, request_id
from .state import RequestState

if TYPE_CHECKING:
    from .app import App
    from .routing import Params

__all__ = ["Request"]

#: Most query parameters parsed from one query string; more is a 400.
MAX_QUERY_FIELDS = 1000
#: Most parts in one multipart or urlencoded body.
MAX_FORM_PARTS = 1000
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_UNSET: Any = object()
#: Text encodings a body may declare, by their ``codecs`` name: all decode in
#: linear time and never fail on lookup (``punycode`` is quadratic, ``idna``
#: and ``undefined`` raise, so anything off this list is refused).
TEXT_CHARSETS = frozenset(
    {
        "ascii",
        "utf-8",
        "utf-8-sig",
        *(f"utf-{bits}{order}" for bits in (16, 32) for order in ("", "-le", "-be")),
        *(f"iso8859-{part}" for part in (*range(1, 12), *range(13, 17))),
        *(f"cp{page}" for page in range(1250, 1259)),
    }
)
logger = logging.getLogger("microroutes")


def parse_content_length(environ: dict[str, Any]) -> int | None:
    """``Content-Length`` as an int, ``None`` when absent; a malformed value is a 400."""
    value = environ.get("CONTENT_LENGTH")
    if not value:
        return None
    if not value.isdigit() or not value.isascii() or len(value) > 18:
        raise BadRequest(f"invalid Content-Length header: {value[:40]!r}")
    return int(value)


def _text_codec(charset: str | None) -> str:
    """The ``codecs`` name of a declared charset (UTF-8 if none); 415 unless allowed."""
    if charset is None:
        return "utf-8"
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = ""
    if name not in TEXT_CHARSETS:
        raise UnsupportedMediaType(
            f"unsupported charset {charset[:40]!r}: send UTF-8 text "
            "(UTF-16/32, ASCII, ISO-8859-* and Windows-125x are also accepted)"
        )
    return name


def latin1_to_text(value: str) -> str:
    """A WSGI header string (bytes as latin-1) decoded as UTF-8, bad bytes replaced."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def _parse_urlencoded(text: str, limit: int, what: str) -> MultiDict[str, str]:
    """``a=1&b=2`` into a multi-dict; more than ``limit`` fields is a 400."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="replace", max_num_fields=limit)
    except ValueError:
        raise BadRequest(f"too many {what} (at most {limit})") from None
    return MultiDict(pairs)


class Request:
    """One HTTP request, handed to every handler as ``req``."""

    __slots__ = (
        "_body",
        "_cookies",
        "_data",
        "_files",
        "_form",
        "_headers",
        "_json",
        "_length",
        "_query",
        "_state",
        "app",
        "environ",
        "max_body_size",
        "params",
        "path",
    )

    def __init__(
        self,
        environ: dict[str, Any],
        path: str,
        params: Params,
        app: App,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        content_length: Any = _UNSET,
    ) -> None:
        # content_length: the Content-Length the app has parsed already (None: absent).
        #: The WSGI environ this request wraps.
        self.environ = environ
        #: The decoded URL path, e.g. ``/api/post/abc``.
        self.path = path
        #: Path parameters: ``str`` per ``[name]``, ``list[str]`` per catch-all.
        self.params = params
        #: The :class:`~microroutes.App` serving this request.
        self.app = app
        #: Largest body accepted, in bytes (``None``: no limit).
        self.max_body_size = max_body_size
        self._query: MultiDict[str, str] | None = None
        self._headers: EnvironHeaders | None = None
        self._cookies: MultiDict[str, str] | None = None
        self._data: bytes | None = None
        self._form: MultiDict[str, str] | None = None
        self._files: MultiDict[str, FileStorage] | None = None
        self._json: Any = _UNSET
        self._body: Any = _UNSET
        self._state: RequestState | None = None
        self._length: Any = content_length

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path!r}>"

    @property
    def state(self) -> RequestState:
        """A namespace for this request only (``req.state.user = ...``), made on first use."""
        state = self._state
        if state is None:  # made on first use: requests that never touch it make none
            state = self._state = RequestState()
        return state

    @property
    def method(self) -> str:
        """The request method exactly as the client sent it (``GET``, ``POST``, ...).

        Methods are case-sensitive (RFC 9110, section 9.1): a ``get`` request is
        not a ``GET`` one, and no handler receives it (the app answers 405).
        """
        method: str = self.environ["REQUEST_METHOD"]
        return method

    @property
    def id(self) -> str:
        """This request's id: the client's ``X-Request-ID`` when sane, else a new one.

        The same id is sent back as ``X-Request-ID``, written in the access log
        and on error log lines, and given as ``"request_id"`` in JSON errors.
        """
        return request_id(self.environ) or assign_request_id(
            self.environ, DEFAULT_MAX_REQUEST_ID_LENGTH
        )

    def prefers(self, *types: str) -> str | None:
        """Which of ``types`` the client's ``Accept`` header prefers, ``None`` if none.

        ``req.prefers("text/html", "application/json")``: quality values and
        specificity decide; on a tie the type given first wins, and without an
        ``Accept`` header that is the first type.
        """
        return preferred(self.environ.get("HTTP_ACCEPT"), types)

    @property
    def url(self) -> str:
        """The full URL the client asked for, query string included."""
        return get_current_url(self.environ)

    @property
    def query_string(self) -> str:
        """The raw query string, without the ``?``."""
        return str(self.environ.get("QUERY_STRING", ""))

    @property
    def query(self) -> MultiDict[str, str]:
        """Query-string parameters only: ``query["x"]`` first value, ``getlist("x")`` all."""
        if self._query is None:
            text = latin1_to_text(self.query_string)
            self._query = _parse_urlencoded(text, MAX_QUERY_FIELDS, "query parameters")
        return self._query

    @property
    def headers(self) -> EnvironHeaders:
        """Request headers; names are case-insensitive."""
        if self._headers is None:
            self._headers = EnvironHeaders(self.environ)
        return self._headers

    @property
    def cookies(self) -> MultiDict[str, str]:
        """Cookies sent by the client."""
        if self._cookies is None:
            self._cookies = parse_cookie(latin1_to_text(self.environ.get("HTTP_COOKIE", "")))
        return self._cookies

    @property
    def content_type(self) -> str:
        """The body's media type, lower case, without parameters (``""`` when absent)."""
        return media_type(self.environ.get("CONTENT_TYPE"))

    @property
    def content_length(self) -> int | None:
        """The declared body length, or ``None``."""
        length = self._length
        if length is _UNSET:
            length = self._length = parse_content_length(self.environ)
        value: int | None = length
        return value

    @property
    def data(self) -> bytes:
        """The raw body bytes, read once and capped at :attr:`max_body_size` (else 413)."""
        if self._data is None:
            self._data = self._read_body()
        return self._data

    @property
    def text(self) -> str:
        """The body decoded with its declared charset (UTF-8 by default).

        Only the charsets in :data:`TEXT_CHARSETS` (UTF-8/16/32, ASCII, the
        ISO-8859 and Windows-125x families) are decoded; another is a 415,
        and bytes that do not decode are a 400.
        """
        charset = parse_options_header(self.environ.get("CONTENT_TYPE"))[1].get("charset")
        codec = _text_codec(charset)
        try:
            return self.data.decode(codec)
        except UnicodeDecodeError as error:
            raise BadRequest(f"the body is not valid {charset or 'utf-8'} text") from error

    @property
    def json(self) -> Any:
        """The body parsed as JSON (``None`` when empty); anything but strict JSON is a 400.

        Objects, arrays, strings, numbers, booleans and null give ``dict``,
        ``list``, ``str``, ``int``/``float``, ``bool`` and ``None``. Refused:
        malformed or non-UTF-8 text, ``NaN``/``Infinity``, numbers out of
        range (``1e999``, integers of over 4,300 digits), strings with a lone
        surrogate (``"\\ud800"``, which has no UTF-8 form) and nesting too
        deep to parse.
        """
        if self._json is _UNSET:
            data = self.data
            if not data:
                self._json = None
            else:
                self._json = decode_json(data)
        return self._json

    @property
    def form(self) -> MultiDict[str, str]:
        """Fields of a urlencoded or multipart body (empty for other bodies)."""
        if self._form is None:
            self._form, self._files = self._parse_form()
        return self._form

    @property
    def files(self) -> MultiDict[str, FileStorage]:
        """Uploaded files of a multipart body, as werkzeug ``FileStorage`` objects."""
        if self._files is None:
            self._form, self._files = self._parse_form()
        return self._files

    @property
    def body(self) -> Any:
        """The body parsed by its ``Content-Type``.

        JSON (``application/json`` or ``+json``) gives Python objects; urlencoded
        and multipart give :attr:`form`; ``text/*`` gives ``str``; anything else
        gives ``bytes``. An empty body gives ``None``.
        """
        if self._body is _UNSET:
            mimetype = self.content_type
            if mimetype in _FORM_TYPES:
                self._body = self.form
            elif not self.data:
                self._body = None
            elif is_json(mimetype):
                self._body = self.json
            elif mimetype.startswith("text/"):
                self._body = self.text
            else:
                self._body = self.data
        return self._body

    def expect_json(self) -> Any:
        """The JSON body, or 415 unless the request declares a JSON content type."""
        if not is_json(self.content_type):
            refuse_media_type(JSON_MEDIA_TYPES)
        return self.json

    def _read_body(self) -> bytes:
        limit = self.max_body_size
        length = self.content_length
        if length is None and not self.environ.get("wsgi.input_terminated"):
            return b""  # no length and no end marker: reading could block
        # Never read more than one byte past the limit: that is enough to tell.
        wanted = -1 if length is None else length
        if limit is not None and not 0 <= wanted <= limit:
            wanted = limit + 1
        data = self._read_input(wanted) if wanted else b""
        if length is None or (limit is not None and length > limit):
            check_body_size(len(data), limit)  # else no more than the length was read
        if length is not None and len(data) < length:
            raise BadRequest("the body is shorter than its Content-Length")
        return data

    def _read_input(self, size: int) -> bytes:
        """Read from ``wsgi.input``; a server failing to is the client's fault.

        A malformed chunked body or a client gone mid-body makes each server
        raise its own kind of error: a 400, logged as a client error.
        """
        try:
            return bytes(self.environ["wsgi.input"].read(size))
        except Exception as error:  # each server raises its own kind
            logger.warning(
                "client error: could not read the body of %s %s (request id %s): %s: %s",
                self.environ.get("REQUEST_METHOD"),
                self.path,
                self.id,
                type(error).__name__,
                error,
            )
            raise BadRequest("the request body could not be read: malformed or cut short") from None

    def close(self) -> None:
        """Close every uploaded file; the app calls this once the handler has returned."""
        if self._files:
            for _, upload in self._files.items(multi=True):
                upload.close()

    def _parse_form(self) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        mimetype, options = parse_options_header(self.environ.get("CONTENT_TYPE"))
        mimetype = mimetype.lower()
        if mimetype == "application/x-www-form-urlencoded":
            text = self.data.decode("utf-8", "replace")
            return _parse_urlencoded(text, MAX_FORM_PARTS, "form fields"), MultiDict()
        if mimetype != "multipart/form-data":
            return MultiDict(), MultiDict()
        data = self.data
        parser = FormDataParser(
            max_form_memory_size=self.max_body_size,
            max_content_length=self.max_body_size,
            silent=False,
            max_form_parts=MAX_FORM_PARTS,
        )
        try:
            _, form, files = parser.parse(BytesIO(data), mimetype, len(data), options)
        except _WerkzeugHTTPException as error:
            if error.code == 413:
                raise ContentTooLarge("the form is over the size or part limit") from None
            raise BadRequest(f"malformed form body: {error.description}") from None
        except ValueError as error:
            raise BadRequest(f"malformed form body: {error}") from None
        return form, files
