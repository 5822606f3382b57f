"""Checking and normalising the image, video, news and alternate-language parts of a URL."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence

from ._errors import SitemapError
from ._model import Image, News, Video
from ._values import LocResolver, bounded_number, clean_text, normalise_lastmod, required_text

__all__ = [
    "MAX_IMAGES",
    "normalise_alternates",
    "normalise_images",
    "normalise_news",
    "normalise_videos",
]

#: Google's limit of images per ``<url>``.
MAX_IMAGES = 1000
_MAX_TAGS = 32
_MAX_DURATION = 28_800
_LANGUAGE = re.compile(r"[a-z]{2,3}|zh-cn|zh-tw")
_HREFLANG = re.compile(r"x-default|[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PLATFORMS = ("web", "mobile", "tv")
_RELATIONSHIPS = ("allow", "deny")


def _optional_text(value: object, what: str) -> str | None:
    return None if value is None else clean_text(value, what)


def normalise_images(images: tuple[Image, ...], resolver: LocResolver) -> tuple[Image, ...]:
    """Images with absolute locs (any host) and XML-safe text; at most 1,000."""
    if len(images) > MAX_IMAGES:
        raise SitemapError(f"{len(images):,} images; the limit is {MAX_IMAGES:,} per URL")
    result = []
    for number, image in enumerate(images):
        what = f"image {number}"
        try:
            loc = resolver.resolve(image.loc, same_site=False)
        except SitemapError as exc:
            raise SitemapError(f"{what} loc: {exc}") from None
        title = _optional_text(image.title, f"{what} title")
        caption = _optional_text(image.caption, f"{what} caption")
        result.append(Image(loc, title, caption))
    return tuple(result)


def _integer(value: object, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SitemapError(f"{what} must be an integer, not {value!r}")
    if value < low or (high is not None and value > high):
        limit = f"{low}-{high:,}" if high is not None else f"at least {low}"
        raise SitemapError(f"{what} {value} is outside {limit}")
    return value


def _yes_no(value: object, what: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
        return value.strip().lower() == "yes"
    raise SitemapError(f"{what} must be True, False, 'yes' or 'no', not {value!r}")


def _relationship(value: object, what: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in _RELATIONSHIPS:
        raise SitemapError(f"{what} must be 'allow' or 'deny', not {value!r}")
    return str(text)


def _codes(
    values: Sequence[str], what: str, case: Callable[[str], str], allowed: Container[str]
) -> tuple[str, ...]:
    """Space-separated codes from ``values``, case-normalised and each in ``allowed``."""
    result = []
    for value in values:
        if not isinstance(value, str):
            raise SitemapError(f"{what} {value!r} is not a string")
        for code in value.split():
            if case(code) not in allowed:
                raise SitemapError(f"{what} {code!r} is not valid")
            result.append(case(code))
    return tuple(result)


class _CountryCodes:
    """Two upper-case letters (ISO 3166-1 alpha-2 shape)."""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and _COUNTRY.fullmatch(code) is not None


def _normalise_video(video: Video, resolver: LocResolver) -> Video:
    if video.content_loc is None and video.player_loc is None:
        raise SitemapError("content_loc or player_loc is required")

    def loc(value: str | None, name: str) -> str | None:
        if value is None:
            return None
        try:
            return resolver.resolve(value, same_site=False)
        except SitemapError as exc:
            raise SitemapError(f"{name}: {exc}") from None

    thumbnail = loc(required_text(video.thumbnail_loc, "thumbnail_loc"), "thumbnail_loc")
    if len(video.tags) > _MAX_TAGS:
        raise SitemapError(f"{len(video.tags)} tags; the limit is {_MAX_TAGS}")
    restriction = _codes(video.restriction, "restriction country", str.upper, _CountryCodes())
    platform = _codes(video.platform, "platform", str.lower, _PLATFORMS)
    if video.uploader_info is not None and video.uploader is None:
        raise SitemapError("uploader_info needs uploader")
    return Video(
        thumbnail_loc=str(thumbnail),
        title=required_text(video.title, "title", 100),
        description=required_text(video.description, "description", 2048),
        content_loc=loc(video.content_loc, "content_loc"),
        player_loc=loc(video.player_loc, "player_loc"),
        duration=None
        if video.duration is None
        else _integer(video.duration, "duration", 1, _MAX_DURATION),
        expiration_date=None
        if video.expiration_date is None
        else normalise_lastmod(video.expiration_date, "expiration_date"),
        rating=None if video.rating is None else bounded_number(video.rating, "rating", 5.0),
        view_count=None
        if video.view_count is None
        else _integer(video.view_count, "view_count", 0),
        publication_date=None
        if video.publication_date is None
        else normalise_lastmod(video.publication_date, "publication_date"),
        tags=tuple(required_text(tag, "tag") for tag in video.tags),
        family_friendly=_yes_no(video.family_friendly, "family_friendly"),
        restriction=restriction,
        restriction_relationship=_relationship(
            video.restriction_relationship, "restriction_relationship"
        )
        if restriction
        else "allow",
        requires_subscription=_yes_no(video.requires_subscription, "requires_subscription"),
        uploader=None if video.uploader is None else required_text(video.uploader, "uploader", 255),
        uploader_info=loc(video.uploader_info, "uploader_info"),
        platform=platform,
        platform_relationship=_relationship(video.platform_relationship, "platform_relationship")
        if platform
        else "allow",
        live=_yes_no(video.live, "live"),
    )


def normalise_videos(videos: tuple[Video, ...], resolver: LocResolver) -> tuple[Video, ...]:
    """Videos with their required fields present and every value checked."""
    result = []
    for number, video in enumerate(videos):
        try:
            result.append(_normalise_video(video, resolver))
        except SitemapError as exc:
            raise SitemapError(f"video {number}: {exc}") from None
    return tuple(result)


def normalise_news(news: News) -> News:
    """A news block with every field present and the language code checked."""
    try:
        language = news.publication_language
        if not isinstance(language, str) or not _LANGUAGE.fullmatch(language.strip().lower()):
            raise SitemapError(f"publication_language {language!r} is not an ISO 639 code")
        if news.publication_date is None:
            raise SitemapError("publication_date is required")
        return News(
            publication_name=required_text(news.publication_name, "publication_name"),
            publication_language=language.strip().lower(),
            publication_date=normalise_lastmod(news.publication_date, "publication_date"),
            title=required_text(news.title, "title"),
        )
    except SitemapError as exc:
        raise SitemapError(f"news: {exc}") from None


def normalise_alternates(
    alternates: tuple[tuple[str, str], ...], resolver: LocResolver
) -> tuple[tuple[str, str], ...]:
    """(hreflang, absolute href) pairs; each hreflang once."""
    result = []
    seen = set()
    for hreflang, href in alternates:
        if not isinstance(hreflang, str) or not _HREFLANG.fullmatch(hreflang):
            raise SitemapError(f"alternate hreflang {hreflang!r} is not a language tag")
        if hreflang.lower() in seen:
            raise SitemapError(f"alternate hreflang {hreflang!r} appears twice")
        seen.add(hreflang.lower())
        try:
            result.append((hreflang, resolver.resolve(href, same_site=False)))
        except SitemapError as exc:
            raise SitemapError(f"alternate {hreflang!r}: {exc}") from None
    return tuple(result)
