"""The values a sitemap is made of: :class:`Url` and its image, video and news parts.

These classes only hold data. They accept the loose shapes callers have at
hand (lists, mappings, strings) and store one canonical shape (tuples of
:class:`Image`, pairs for alternates) so that two equal entries compare
equal. Checking the values against the protocol happens when they are
written (see ``_values``), where an error can name the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, TypeVar

from ._errors import SitemapError

__all__ = [
    "URL_FIELDS",
    "Image",
    "ImageLike",
    "IndexEntry",
    "Lastmod",
    "News",
    "Url",
    "UrlLike",
    "Video",
    "coerce_alternates",
    "coerce_images",
    "coerce_news",
    "coerce_videos",
]

#: A last-modification time: a ``date``, a ``datetime`` or a W3C datetime string.
Lastmod = date | str

_setattr = object.__setattr__
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Image:
    """One ``<image:image>``: the image's ``loc`` and an optional ``title`` and ``caption``."""

    loc: str
    title: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class News:
    """One ``<news:news>`` block of a Google News sitemap; every field is required."""

    #: The publication's name as it appears on news.google.com.
    publication_name: str
    #: ISO 639 language code: ``en``, ``fra``, or ``zh-cn`` / ``zh-tw``.
    publication_language: str
    publication_date: Lastmod
    title: str


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """One string or an iterable of strings, as a tuple (``None`` gives ``()``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True, slots=True)
class Video:
    """One ``<video:video>``.

    ``thumbnail_loc``, ``title``, ``description`` and at least one of
    ``content_loc`` / ``player_loc`` are required. ``tags``, ``restriction``
    (ISO 3166 country codes) and ``platform`` (``web``, ``mobile``, ``tv``)
    take a string or a sequence of strings and are stored as tuples;
    ``restriction_relationship`` and ``platform_relationship`` say whether
    the list is an ``"allow"`` or a ``"deny"`` list. ``duration`` is in seconds.
    """

    thumbnail_loc: str
    title: str
    description: str
    content_loc: str | None = None
    player_loc: str | None = None
    duration: int | None = None
    expiration_date: Lastmod | None = None
    rating: float | None = None
    view_count: int | None = None
    publication_date: Lastmod | None = None
    tags: Sequence[str] = ()
    family_friendly: bool | None = None
    restriction: Sequence[str] = ()
    restriction_relationship: str = "allow"
    requires_subscription: bool | None = None
    uploader: str | None = None
    uploader_info: str | None = None
    platform: Sequence[str] = ()
    platform_relationship: str = "allow"
    live: bool | None = None

    def __post_init__(self) -> None:
        for name in ("tags", "restriction", "platform"):
            value: Any = getattr(self, name)
            if value.__class__ is not tuple:
                _setattr(self, name, _as_tuple(value))


#: What ``images=`` accepts per image: an :class:`Image`, a loc, or a mapping.
ImageLike = Image | str | Mapping[str, Any]


def _from_mapping(cls: type[_T], what: str, value: Mapping[str, Any]) -> _T:
    """``cls(**value)``, refusing unknown and missing fields with a clear message."""
    known = fields(cls)  # type: ignore[arg-type]
    unknown = sorted(str(key) for key in value if key not in {f.name for f in known})
    if unknown:
        raise SitemapError(f"{what} has unknown field(s) {', '.join(unknown)}")
    missing = [f.name for f in known if f.default is MISSING and f.name not in value]
    if missing:
        raise SitemapError(f"{what} needs {', '.join(missing)}")
    return cls(**value)


def _coerce_all(items: Iterable[object], cls: type[_T], what: str, *, locs: bool) -> tuple[_T, ...]:
    """``items`` as a tuple of ``cls`` values, from values, mappings (and locs if ``locs``)."""
    if isinstance(items, (str, Mapping, cls)):
        raise SitemapError(f"{what}s must be given as a list, not as one {what}")
    result = []
    for item in items:
        if isinstance(item, cls):
            result.append(item)
        elif locs and isinstance(item, str):
            result.append(cls(item))  # type: ignore[call-arg]
        elif isinstance(item, Mapping):
            result.append(_from_mapping(cls, what, item))
        else:
            kinds = (
                f"a {cls.__name__}, a loc or a mapping"
                if locs
                else f"a {cls.__name__} or a mapping"
            )
            raise SitemapError(f"{what} must be {kinds}, not {item!r}")
    return tuple(result)


def coerce_images(images: Iterable[ImageLike]) -> tuple[Image, ...]:
    """``images`` as a tuple of :class:`Image` (from images, locs or mappings)."""
    return _coerce_all(images, Image, "image", locs=True)


def coerce_videos(videos: Iterable[Video | Mapping[str, Any]]) -> tuple[Video, ...]:
    """``videos`` as a tuple of :class:`Video` (from videos or mappings)."""
    return _coerce_all(videos, Video, "video", locs=False)


def coerce_news(news: News | Mapping[str, Any] | None) -> News | None:
    """``news`` as a :class:`News` (from a news value or a mapping), or ``None``."""
    if news is None or isinstance(news, News):
        return news
    if isinstance(news, Mapping):
        return _from_mapping(News, "news", news)
    raise SitemapError(f"news must be a News or a mapping, not {news!r}")


def coerce_alternates(
    alternates: Mapping[str, str] | Iterable[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    """``alternates`` (hreflang -> href mapping, or pairs) as a tuple of pairs, in order."""
    items = alternates.items() if isinstance(alternates, Mapping) else alternates
    result = []
    for pair in items:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise SitemapError(f"alternates must map hreflang to href, got {pair!r}")
        result.append(pair)
    return tuple(result)


@dataclass(frozen=True, slots=True, init=False)
class Url:
    """One ``<url>`` of a sitemap.

    ``loc`` may be relative (``/posts/1``); it is resolved against the
    ``hostname`` given to the writer. ``lastmod`` is a ``date``, a
    ``datetime`` or a W3C datetime string. ``images`` takes :class:`Image`
    values, locs or mappings; ``videos`` :class:`Video` values or mappings;
    ``news`` a :class:`News` or a mapping; ``alternates`` maps hreflang
    (``"en"``, ``"x-default"``) to the alternate page's URL. They are stored
    as tuples (``alternates`` as ``(hreflang, href)`` pairs, in order).

    Values are checked when the entry is written, so that a bad one can be
    reported with its position in the input.
    """

    loc: str
    lastmod: Lastmod | None
    changefreq: str | None
    priority: float | None
    images: tuple[Image, ...]
    videos: tuple[Video, ...]
    news: News | None
    alternates: tuple[tuple[str, str], ...]

    def __init__(
        self,
        loc: str,
        lastmod: Lastmod | None = None,
        changefreq: str | None = None,
        priority: float | None = None,
        images: Iterable[ImageLike] = (),
        videos: Iterable[Video | Mapping[str, Any]] = (),
        news: News | Mapping[str, Any] | None = None,
        alternates: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> None:
        # The slots' own setters: cheaper than object.__setattr__ on a frozen class,
        # which matters when a million entries are built.
        _set_loc(self, loc)
        _set_lastmod(self, lastmod)
        _set_changefreq(self, changefreq)
        _set_priority(self, priority)
        _set_images(self, coerce_images(images) if images else ())
        _set_videos(self, coerce_videos(videos) if videos else ())
        _set_news(self, None if news is None else coerce_news(news))
        _set_alternates(self, coerce_alternates(alternates) if alternates else ())


def _slot_setter(name: str) -> Callable[[Url, Any], None]:
    """The setter of ``Url``'s slot ``name``, which a frozen dataclass leaves usable."""
    setter: Callable[[Url, Any], None] = vars(Url)[name].__set__
    return setter


_set_loc = _slot_setter("loc")
_set_lastmod = _slot_setter("lastmod")
_set_changefreq = _slot_setter("changefreq")
_set_priority = _slot_setter("priority")
_set_images = _slot_setter("images")
_set_videos = _slot_setter("videos")
_set_news = _slot_setter("news")
_set_alternates = _slot_setter("alternates")

#: The names a mapping entry may use: :class:`Url`'s fields.
URL_FIELDS = frozenset(f.name for f in fields(Url))

#: What the writers accept per entry: a :class:`Url`, a loc, or a mapping of Url's fields.
UrlLike = Url | str | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One ``<sitemap>`` of a sitemap index: where a sitemap is and when it changed."""

    loc: str
    lastmod: Lastmod | None = None
