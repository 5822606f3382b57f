"""The values a sitemap is made of: :class:`Url` and its image, video and news parts.

These classes only hold data. They accept the loose shapes callers have at
hand (lists, mappings, strings) and store one canonical shape (tuples of
:class:`Image`, pairs for alternates) so that two equal entries compare
equal. Checking the values against the protocol happens when they are
written (see ``_values``), where an error can name the entry.

They are frozen ``msgspec.Struct`` types: equal by value, hashable, changed
with ``msgspec.structs.replace``. A generator of a million entries builds
a million of them, and a Struct is built in C, several times faster than a
frozen dataclass, whose every field goes through a Python-level setter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

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

_T = TypeVar("_T")


#: Sets a field of a frozen Struct, which its ``__post_init__`` may do to store a canonical shape.
_force_set = msgspec.structs.force_setattr


class Image(msgspec.Struct, frozen=True):
    """One ``<image:image>``: the image's ``loc`` and an optional ``title`` and ``caption``."""

    loc: str
    title: str | None = None
    caption: str | None = None


class News(msgspec.Struct, frozen=True):
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


class Video(msgspec.Struct, frozen=True):
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
                _force_set(self, name, _as_tuple(value))


#: What ``images=`` accepts per image: an :class:`Image`, a loc, or a mapping.
ImageLike = Image | str | Mapping[str, Any]


def _from_mapping(cls: type[_T], what: str, value: Mapping[str, Any]) -> _T:
    """``cls(**value)``, refusing unknown and missing fields with a clear message."""
    known = msgspec.structs.fields(cls)  # type: ignore[arg-type]
    unknown = sorted(str(key) for key in value if key not in {f.name for f in known})
    if unknown:
        raise SitemapError(f"{what} has unknown field(s) {', '.join(unknown)}")
    missing = [f.name for f in known if f.required and f.name not in value]
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


class Url(msgspec.Struct, frozen=True):
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
    lastmod: Lastmod | None = None
    changefreq: str | None = None
    priority: float | None = None
    images: tuple[Image, ...] = ()
    videos: tuple[Video, ...] = ()
    news: News | None = None
    alternates: tuple[tuple[str, str], ...] = ()

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ stores the canonical shapes

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
        ) -> None: ...

    def __post_init__(self) -> None:
        # Most entries have no extensions and keep the defaults: nothing to store.
        if not (
            self.images is _EMPTY
            and self.videos is _EMPTY
            and self.news is None
            and self.alternates is _EMPTY
        ):
            _force_set(self, "images", coerce_images(self.images) if self.images else ())
            _force_set(self, "videos", coerce_videos(self.videos) if self.videos else ())
            _force_set(self, "news", None if self.news is None else coerce_news(self.news))
            alternates = coerce_alternates(self.alternates) if self.alternates else ()
            _force_set(self, "alternates", alternates)


#: The default of Url's tuple fields (the one empty tuple, so ``is`` tells a default).
_EMPTY: tuple[()] = ()

#: The names a mapping entry may use: :class:`Url`'s fields.
URL_FIELDS = frozenset(Url.__struct_fields__)

#: What the writers accept per entry: a :class:`Url`, a loc, or a mapping of Url's fields.
UrlLike = Url | str | Mapping[str, Any]


class IndexEntry(msgspec.Struct, frozen=True):
    """One ``<sitemap>`` of a sitemap index: where a sitemap is and when it changed."""

    loc: str
    lastmod: Lastmod | None = None
