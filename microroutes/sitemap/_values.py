"""Checking and normalising single values: locs, dates, changefreq, priority, text.

Each function takes a value as a caller gave it and returns the one form the
writer emits (and the parser gives back), or raises :class:`SitemapError`
with a reason that the writer prefixes with the entry's position.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

import idna

from ._errors import SitemapError

__all__ = [
    "CHANGEFREQS",
    "MAX_HOST_LENGTH",
    "MAX_LOC_LENGTH",
    "MIN_LOC_LENGTH",
    "LocResolver",
    "Origin",
    "bounded_number",
    "clean_text",
    "encode_reference",
    "fixed_offset_ok",
    "format_decimal",
    "normalise_changefreq",
    "normalise_lastmod",
    "normalise_priority",
    "required_text",
]

#: The protocol's longest loc, counted after percent-encoding.
MAX_LOC_LENGTH = 2048
#: The schema's shortest loc (``http://a.bc`` plus a slash).
MIN_LOC_LENGTH = 12
#: The values ``<changefreq>`` may take.
CHANGEFREQS = ("always", "hourly", "daily", "weekly", "monthly", "yearly", "never")
_CHANGEFREQ_SET = frozenset(CHANGEFREQS)

_UTC = timezone.utc
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
#: One label of a host name (RFC 1123, lower case): letters, digits and
#: hyphens, 1 to 63 of them, neither first nor last a hyphen.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
#: The most characters a host name may have (RFC 1035, without the root's dot).
MAX_HOST_LENGTH = 253
_PORT = re.compile(r"[0-9]{1,5}")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: Characters kept as they are in a loc's path, query and fragment: RFC 3986's
#: unreserved and sub-delims, ``: @ / ?``, and ``%`` (an existing escape).
_URI_SAFE = "/?:@!$&'()*+,;=%~"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: Characters XML 1.0 does not allow anywhere in a document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_W3C_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?"
)
_MAX_OFFSET = timedelta(hours=14)
_MINUTE = timedelta(minutes=1)
#: An absolute URI already in normal form: lower-case scheme and host, no
#: port, user or fragment, a path, and only characters that need no encoding.
_PLAIN_URI = re.compile(
    r"(https?://([a-z0-9.\-]+))/(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
).fullmatch


class Origin:
    """``scheme://host[:port]`` of a site: what relative locs resolve against."""

    __slots__ = ("netloc", "prefix", "scheme")

    def __init__(self, scheme: str, netloc: str) -> None:
        self.scheme = scheme
        self.netloc = netloc
        #: ``"https://example.com"``: the text every same-site loc starts with.
        self.prefix = f"{scheme}://{netloc}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Origin) and self.prefix == other.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)

    def __repr__(self) -> str:
        return f"Origin({self.prefix!r})"

    @classmethod
    def parse(cls, hostname: str) -> Origin:
        """The origin named by ``hostname``: ``https://example.com``, or a bare host (https)."""
        if not isinstance(hostname, str) or not hostname.strip():
            raise SitemapError(f"hostname must be a non-empty string, not {hostname!r}")
        text = hostname.strip()
        if "://" not in text:
            text = f"https://{text}"
        origin, rest = _split_absolute(text)
        if rest not in ("", "/"):
            raise SitemapError(f"hostname must be scheme://host[:port], not {hostname!r}")
        return origin


def _not_a_domain(host: str, reason: str) -> SitemapError:
    shown = repr(host) if len(host) <= 80 else f"{host[:60]!r}... ({len(host)} characters)"
    return SitemapError(f"host {shown} is not a valid domain name ({reason})")


@lru_cache(maxsize=256)
def _normalise_host(host: str) -> str:
    """``host`` in lower case, IDNA-encoded, checked as a name or an IP literal.

    Raises :class:`SitemapError` naming the host for anything else: an empty
    label (``a..b``, a leading dot), a label over 63 characters or a name
    over :data:`MAX_HOST_LENGTH`, a character other than letters, digits and
    hyphens, a hyphen at either end of a label, an ``xn--`` label that is
    not valid IDNA, a dotted number that is not an IPv4 address.
    """
    if host.startswith("[") and host.endswith("]"):  # an IPv6 literal
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise SitemapError(f"host {host!r} is not a valid IPv6 address") from None
        return host.lower()
    if not host:
        raise SitemapError("host is empty")
    if not host.isascii():
        # IDNA 2008 with UTS 46 mapping, as browsers do: faß.de is xn--fa-hia.de
        # (Python's own "idna" codec is IDNA 2003, which maps it to fass.de).
        try:
            encoded = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise _not_a_domain(host, str(exc)) from None
        _check_ascii_name(host, encoded.lower())
        return encoded.lower()
    _check_ascii_name(host, host.lower())
    return host.lower()


def _check_ascii_name(host: str, name: str) -> None:
    """Hold the ASCII form ``name`` of ``host`` to the rules IDNA holds a Unicode name to."""
    bare = name[:-1] if name.endswith(".") else name  # a trailing dot names the root
    if len(bare) > MAX_HOST_LENGTH:
        raise _not_a_domain(host, f"{len(bare)} characters; the limit is {MAX_HOST_LENGTH}")
    labels = bare.split(".")
    for label in labels:
        if _LABEL.fullmatch(label) is None:
            if not label:
                reason = "an empty label"
            elif len(label) > 63:
                reason = f"the label {label[:20]!r}... is {len(label)} characters; the limit is 63"
            else:
                reason = f"the label {label!r} is not letters, digits and inner hyphens"
            raise _not_a_domain(host, reason)
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError) as exc:
                raise _not_a_domain(host, f"the label {label!r} is not valid IDNA: {exc}") from None
    if labels[-1].isdigit():  # no top-level domain is all digits: an IPv4 address
        try:
            ipaddress.IPv4Address(bare)
        except ValueError:
            raise SitemapError(f"host {host!r} is not a valid IPv4 address") from None


def _split_absolute(text: str) -> tuple[Origin, str]:
    """Split an absolute URL into its normalised origin and the rest (path, query, fragment)."""
    match = _SCHEME.match(text)
    if match is None:
        raise SitemapError(f"{text!r} is not an absolute URL")
    scheme = match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise SitemapError(f"loc must be an http or https URL, not {scheme}:")
    after = text[match.end() :]
    if not after.startswith("//"):
        raise SitemapError(f"{text!r} has no host")
    authority_end = len(after)
    for delimiter in "/?#":
        position = after.find(delimiter, 2)
        if position != -1 and position < authority_end:
            authority_end = position
    authority, rest = after[2:authority_end], after[authority_end:]
    if "@" in authority:
        raise SitemapError(f"{text!r} carries user information (user:password@); leave it out")
    host, port = authority, ""
    colon = authority.rfind(":")
    if colon != -1 and "]" not in authority[colon:]:
        host, port = authority[:colon], authority[colon + 1 :]
        if port and (_PORT.fullmatch(port) is None or not 0 < int(port) <= 65535):
            raise SitemapError(f"port {port!r} is not valid (1-65535)")
    netloc = _normalise_host(host)
    if port and int(port) != int(_DEFAULT_PORTS[scheme]):
        netloc = f"{netloc}:{int(port)}"
    return Origin(scheme, netloc), rest


def _quote_rest(rest: str) -> str:
    """Percent-encode a path, query and fragment (UTF-8), keeping existing escapes."""
    head, hash_mark, fragment = rest.partition("#")
    try:
        text = quote(head, safe=_URI_SAFE)
        if hash_mark:
            text = f"{text}#{quote(fragment, safe=_URI_SAFE)}"
    except UnicodeEncodeError:
        raise SitemapError("loc contains a lone surrogate character") from None
    return _LONE_PERCENT.sub("%25", text)


def encode_reference(value: object, what: str) -> str:
    """A URI reference (absolute or relative) percent-encoded as in a loc, not resolved."""
    if not isinstance(value, str) or not value.strip():
        raise SitemapError(f"{what} must be a non-empty string, not {value!r}")
    return _quote_rest(value.strip())


class LocResolver:
    """Turns locs as given into absolute, percent-encoded URIs on one site.

    With ``hostname``, relative locs resolve against it and absolute ones
    must be on it. Without one, the first absolute loc chooses the site.
    """

    __slots__ = ("origin",)

    def __init__(self, hostname: str | None) -> None:
        self.origin: Origin | None = None if hostname is None else Origin.parse(hostname)

    def resolve(self, loc: object, *, same_site: bool = True) -> str:
        """The absolute URI for ``loc``; ``same_site=False`` lets it be on any host."""
        plain = _PLAIN_URI(loc) if isinstance(loc, str) else None
        if plain is not None and MIN_LOC_LENGTH <= len(plain.string) <= MAX_LOC_LENGTH:
            origin = self.origin
            if origin is not None and plain.group(1) == origin.prefix:
                return plain.string  # already in the form the general path gives
            if not same_site:
                _normalise_host(plain.group(2))  # a host seen before is a cache hit
                return plain.string
        if not isinstance(loc, str):
            raise SitemapError(f"loc must be a string, not {type(loc).__name__}")
        text = loc.strip()
        if not text:
            raise SitemapError("loc is empty")
        if text.startswith("//"):
            text = f"{self.origin.scheme if self.origin else 'https'}:{text}"
        if _SCHEME.match(text) is not None:
            origin, rest = _split_absolute(text)
            if same_site:
                if self.origin is None:
                    self.origin = origin
                elif origin != self.origin:
                    raise SitemapError(f"loc is on {origin.prefix}, not on {self.origin.prefix}")
        elif self.origin is None:
            raise SitemapError("loc is relative and no hostname was given")
        else:
            origin, rest = self.origin, text
        if not rest.startswith("/"):
            rest = f"/{rest}"
        uri = origin.prefix + _quote_rest(rest)
        if len(uri) > MAX_LOC_LENGTH:
            raise SitemapError(
                f"loc is {len(uri)} characters once encoded; the limit is {MAX_LOC_LENGTH:,}"
            )
        if len(uri) < MIN_LOC_LENGTH:
            raise SitemapError(f"loc {uri!r} is shorter than the schema's {MIN_LOC_LENGTH}")
        return uri


def fixed_offset_ok(zone: timezone) -> bool:
    """Whether the schema can carry ``zone``'s offset: whole minutes, at most 14 hours."""
    offset = zone.utcoffset(None)
    return not offset % _MINUTE and abs(offset) <= _MAX_OFFSET


def _aware(value: datetime) -> datetime:
    """``value`` as it is written: a fixed offset (naive means UTC), whole seconds.

    A zone (``ZoneInfo``...) becomes its offset at that moment, as a parser
    reads it back; an offset the schema cannot carry (seconds, over 14 hours)
    becomes UTC. Fractions of a second are dropped: sitemap.js's parser, for
    one, refuses a lastmod with more than three digits of them.
    """
    offset = value.utcoffset()
    if offset is None:
        value = value.replace(tzinfo=_UTC)
    elif offset % _MINUTE or abs(offset) > _MAX_OFFSET:
        value = value.astimezone(_UTC)
    elif value.tzinfo.__class__ is not timezone:
        value = value.replace(tzinfo=timezone(offset), fold=0)
    return value.replace(microsecond=0) if value.microsecond else value


def _parse_w3c(text: str) -> date:
    match = _W3C_DATETIME.fullmatch(text.strip())
    if match is None:
        raise SitemapError(f"{text!r} is not a W3C date or datetime (YYYY-MM-DD[Thh:mm[:ss]TZD])")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        tzinfo = None
        if zone == "Z":
            tzinfo = _UTC
        elif zone is not None:
            sign = -1 if zone[0] == "-" else 1
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            tzinfo = timezone(sign * offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo
        )
    except ValueError as exc:
        raise SitemapError(f"{text!r} is not a valid date ({exc})") from None
    return _aware(value)


def normalise_lastmod(value: object, what: str = "lastmod") -> date:
    """A ``date``, or an aware ``datetime`` in whole seconds (naive ones are taken as UTC)."""
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return _parse_w3c(value)
        except SitemapError as exc:
            raise SitemapError(f"{what}: {exc}") from None
    raise SitemapError(f"{what} must be a date, datetime or W3C datetime string, not {value!r}")


def normalise_changefreq(value: object) -> str:
    """One of :data:`CHANGEFREQS` (matched without regard to case)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _CHANGEFREQ_SET:
            return text
    raise SitemapError(f"changefreq {value!r} is not one of {', '.join(CHANGEFREQS)}")


def bounded_number(value: object, what: str, high: float) -> float:
    """A float from 0.0 to ``high`` (ints, Decimals and numeric strings are accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise SitemapError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise SitemapError(f"{what} {value!r} is not a number") from None
    if not 0.0 <= number <= high:
        raise SitemapError(f"{what} {value!r} is outside 0.0-{high}")
    return number + 0.0  # turns -0.0 into 0.0


def normalise_priority(value: object) -> float:
    """A float from 0.0 to 1.0 (ints, Decimals and numeric strings are accepted)."""
    return bounded_number(value, "priority", 1.0)


def format_decimal(value: float) -> str:
    """The shortest decimal that reads back as ``value``: 0.8 -> ``0.8``, 1 -> ``1.0``."""
    text = repr(value)
    if "e" in text:  # 1e-05 is not an xs:decimal
        text = format(Decimal(text), "f")
    return text


def clean_text(value: object, what: str) -> str:
    """``value`` (a string) without the characters XML 1.0 cannot carry."""
    if not isinstance(value, str):
        raise SitemapError(f"{what} must be a string, not {value!r}")
    return _NOT_XML.sub("", value) if _NOT_XML.search(value) else value


def required_text(value: object, what: str, max_length: int | None = None) -> str:
    """Like :func:`clean_text`, but the text must not be blank nor over ``max_length``."""
    if value is None:
        raise SitemapError(f"{what} is required")
    text = clean_text(value, what)
    if not text.strip():
        raise SitemapError(f"{what} is required")
    if max_length is not None and len(text) > max_length:
        raise SitemapError(f"{what} is {len(text)} characters; the limit is {max_length:,}")
    return text
