"""Request bodies: which media types are JSON, and decoding JSON, for ``req.json`` and typed bodies.

Both paths ask this module, so a body gets the same answer whether a handler
reads ``req.json`` or declares ``body: T``:

* JSON is ``application/json`` and any ``application/`` type with the
  ``+json`` structured syntax suffix (RFC 6839), such as
  ``application/problem+json``; the document names them
  ``application/*+json``. Other top-level types are not JSON, suffix or
  not (``text/vnd.x+json`` is text);
* a UTF-8 byte order mark before the JSON text is skipped;
* malformed JSON, ``NaN``/``Infinity``, numbers out of range (``1e999``,
  integers of over 4,300 digits), lone surrogates and nesting too deep to
  decode are a 400 ``malformed JSON body: <what is wrong>``;
* a body of another media type where JSON is required is a 415
  ``the body must be sent as <the accepted types>``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import msgspec
from werkzeug.http import parse_options_header

from .errors import BadRequest, UnsupportedMediaType

__all__ = [
    "JSON_MEDIA_TYPE",
    "JSON_MEDIA_TYPES",
    "decode_json",
    "is_json",
    "media_type",
    "refuse_json",
    "refuse_media_type",
    "without_bom",
]

#: The JSON media type.
JSON_MEDIA_TYPE = "application/json"
#: How the JSON types are named in messages and documents.
JSON_MEDIA_TYPES = (JSON_MEDIA_TYPE, "application/*+json")
_BOM = codecs.BOM_UTF8
_decode_any = msgspec.json.Decoder().decode
_NUMBER_OUT_OF_RANGE = "Number out of range"
_INTEGER_OUT_OF_RANGE = "Integer value out of range"
_MALFORMED = "JSON is malformed: "  # msgspec's prefix, which the 400's own message says


def media_type(content_type: str | None) -> str:
    """A ``Content-Type`` header's media type, lower case, without parameters."""
    if not content_type:
        return ""
    if content_type == JSON_MEDIA_TYPE:  # the common case, without parsing
        return content_type
    return parse_options_header(content_type)[0].lower()


def is_json(mimetype: str) -> bool:
    """True for ``application/json`` and ``application/*+json`` (from :func:`media_type`)."""
    return mimetype == JSON_MEDIA_TYPE or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 byte order mark."""
    return data[len(_BOM) :] if data.startswith(_BOM) else data


def decode_json(data: bytes, decode: Callable[[bytes], Any] = _decode_any) -> Any:
    """``data`` decoded by ``decode`` (by default into plain Python objects).

    :raises BadRequest: the text is not strict JSON, or is nested too deeply.
    :raises msgspec.ValidationError: from a typed ``decode``, for JSON that does not fit
        (or may not be JSON here: decode it untyped to know).
    """
    try:
        return decode(without_bom(data))
    except msgspec.ValidationError as error:
        if decode is _decode_any:  # untyped, this is a number out of range: not JSON here
            refuse_json(error)
        raise
    except (msgspec.DecodeError, RecursionError) as error:
        refuse_json(error)


def refuse_json(error: Exception) -> NoReturn:
    """The 400 for a body the JSON decoder refused with ``error``."""
    raise BadRequest(f"malformed JSON body: {_problem(error)}") from None


def refuse_media_type(accepted: Iterable[str]) -> NoReturn:
    """The 415 for a body not sent as one of the ``accepted`` media types."""
    raise UnsupportedMediaType(f"the body must be sent as {', '.join(accepted)}")


def _problem(error: Exception) -> str:
    """What is wrong with a JSON body, from the decoder's error."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    message = str(error)
    if message.startswith(_NUMBER_OUT_OF_RANGE):
        return "a number is out of range (NaN and Infinity are not JSON either)"
    if message.startswith(_INTEGER_OUT_OF_RANGE):
        return "an integer has too many digits"
    if message == "Input data was truncated":
        # msgspec says this for a lone surrogate escape too.
        return "the JSON text ends early, or a string holds a lone surrogate such as \\ud800"
    if "surrogate" in message:
        return f"{message}: a string holds a lone surrogate escape such as \\ud800"
    return message.removeprefix(_MALFORMED)
