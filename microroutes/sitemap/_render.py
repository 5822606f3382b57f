"""One entry in, one checked ``<url>...</url>`` line out.

:class:`UrlRenderer` is the writer's hot path. The common entry (a loc on
the site, a ``date``, a changefreq, a float priority) goes through a few
type checks, a regular-expression scan of its loc (one scan for a batch of
entries) and dictionary look-ups of ready-made elements; anything else
takes the general path through the normalisers in ``_values`` and
``_extensions``, which :func:`normalise_url` uses too, so that both always
agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone, tzinfo
from itertools import islice
from operator import attrgetter
from typing import Any

from ._errors import SitemapError
from ._extensions import normalise_alternates, normalise_images, normalise_news, normalise_videos
from ._model import URL_FIELDS, Image, News, Url, Video
from ._values import (
    CHANGEFREQS,
    MAX_LOC_LENGTH,
    MIN_LOC_LENGTH,
    LocResolver,
    fixed_offset_ok,
    format_decimal,
    normalise_changefreq,
    normalise_lastmod,
    normalise_priority,
)
from ._xml import EXTENSION_NAMESPACES, escape

__all__ = [
    "BATCH",
    "DATE_KEY",
    "Reject",
    "UrlRenderer",
    "coerce_entry",
    "entry_loc",
    "extension_prefixes",
    "normalise_url",
    "normalise_with",
]

#: Characters that need no percent-encoding in a loc, and no XML escaping but
#: ``&`` (so not ``%``, ``'``, ``#``, spaces or non-ASCII, which take the
#: general path).
_PLAIN = r"[A-Za-z0-9\-._~:/?@!$&()*+,;=]"
_CHANGEFREQ_XML = {value: f"<changefreq>{value}</changefreq>" for value in CHANGEFREQS}
_CACHE_LIMIT = 4096
#: :meth:`UrlRenderer.fill` reads entries this many at a time, so that one scan
#: checks all their locs: a regular-expression call costs more than its scan.
BATCH = 256
_loc_of = attrgetter("loc")
#: ``"00"`` to ``"59"``: hours, minutes and seconds as ``datetime.isoformat`` writes them.
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))
#: The key :meth:`UrlRenderer.fill` tracks the newest ``date`` lastmod under
#: (datetimes go under their ``tzinfo``, ``None`` for naive ones).
DATE_KEY = date

#: ``on_reject(reason, number, entry)``: what :meth:`UrlRenderer.fill` calls for an invalid entry.
Reject = Callable[[str, int, object], None]


def coerce_entry(entry: object) -> Url:
    """``entry`` (a :class:`Url`, a loc, or a mapping of Url's fields) as a :class:`Url`."""
    if isinstance(entry, Url):
        return entry
    if isinstance(entry, str):
        return Url(entry)
    if isinstance(entry, Mapping):
        unknown = sorted(str(key) for key in entry if key not in URL_FIELDS)
        if unknown:
            raise SitemapError(f"unknown field(s) {', '.join(unknown)}")
        if "loc" not in entry:
            raise SitemapError("loc is required")
        return Url(**entry)
    raise SitemapError(f"an entry must be a Url, a loc or a mapping, not {type(entry).__name__}")


def entry_loc(entry: object) -> object:
    """The loc of ``entry`` as given, for error messages (``None`` when it has none)."""
    if isinstance(entry, Url):
        return entry.loc
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        return entry.get("loc")
    return None


def extension_prefixes(entry: object) -> set[str]:
    """The extension namespaces (``image``, ``video``, ``news``, ``xhtml``) ``entry`` uses."""
    used: tuple[object, ...]
    if isinstance(entry, Url):
        used = (entry.images, entry.videos, entry.news is not None, entry.alternates)
    elif isinstance(entry, Mapping):
        used = (
            entry.get("images"),
            entry.get("videos"),
            entry.get("news"),
            entry.get("alternates"),
        )
    else:
        return set()
    return {prefix for prefix, present in zip(EXTENSION_NAMESPACES, used, strict=True) if present}


def normalise_url(entry: object, hostname: str | None = None) -> Url:
    """``entry`` as the writer writes it and :func:`parse_sitemap` reads it back.

    The loc becomes absolute and percent-encoded, ``lastmod`` a ``date`` or an
    aware ``datetime``, ``changefreq`` lower case, ``priority`` a float, and
    so on for images, videos, news and alternates. Raises :class:`SitemapError`
    for the values the writer rejects.
    """
    return normalise_with(coerce_entry(entry), LocResolver(hostname))


def normalise_with(url: Url, resolver: LocResolver) -> Url:
    """``url`` normalised, its locs resolved by ``resolver``."""
    return Url(
        loc=resolver.resolve(url.loc),
        lastmod=None if url.lastmod is None else normalise_lastmod(url.lastmod),
        changefreq=None if url.changefreq is None else normalise_changefreq(url.changefreq),
        priority=None if url.priority is None else normalise_priority(url.priority),
        images=normalise_images(url.images, resolver),
        videos=normalise_videos(url.videos, resolver),
        news=None if url.news is None else normalise_news(url.news),
        alternates=normalise_alternates(url.alternates, resolver),
    )


def _never(_: str) -> None:
    return None


def _element(prefix: str, name: str, value: str | None) -> str:
    return "" if value is None else f"<{prefix}:{name}>{escape(value)}</{prefix}:{name}>"


def _flag_element(prefix: str, name: str, value: bool | None) -> str:
    return "" if value is None else _element(prefix, name, "yes" if value else "no")


def _when(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


class UrlRenderer:
    """Checks entries and renders each as one ``<url>`` line.

    ``declared`` names the extension prefixes the document element declares;
    an entry using another one declares it on its own element. After each
    call, :attr:`lastmod` is the entry's ``lastmod`` as written (or ``None``):
    a ``date``, or a ``datetime`` with a fixed offset or naive (meaning UTC),
    maybe with the fraction of a second that is not written.

    :meth:`fill` is the hot loop the writers run: it renders the common
    entry inline and hands the rest to :meth:`render`.
    """

    #: The entries :meth:`fill` renders inline (a subclass may turn that off with ``None``).
    _fast_type: type | None = Url

    def __init__(self, hostname: str | None, declared: Collection[str]) -> None:
        self.resolver = LocResolver(hostname)
        self._site = ""  # "https://example.com", once the site is known
        #: Whether a loc is plain and fits the length limit once on the site: a
        #: root-relative one (``/posts/1``, but not ``//host/...``) or an absolute one.
        self._plain_relative: Callable[[str], object] = _never
        self._plain_absolute: Callable[[str], object] = _never
        #: The same for a batch of locs joined by newlines: whether all of them are.
        self._all_plain_relative: Callable[[str], object] = _never
        self._all_plain_absolute: Callable[[str], object] = _never
        self._update_site()
        #: ``""`` for a prefix the document declares, else the declaration to repeat locally.
        self._xmlns = {
            prefix: "" if prefix in declared else f' xmlns:{prefix}="{namespace}"'
            for prefix, namespace in EXTENSION_NAMESPACES.items()
        }
        self._lastmod_cache: dict[date, str] = {}
        self._priority_cache: dict[float, str] = {}
        #: Fixed-offset zones already found to fit the schema.
        self._zones: set[timezone] = set()
        #: ``<lastmod>YYYY-MM-DDT`` per day, for datetimes.
        self._day_prefixes: dict[date, str] = {}
        #: The offset and end tag written after a datetime, per zone found to fit
        #: the schema (``None``: naive, written as UTC).
        self._suffixes: dict[tzinfo | None, str] = {None: "+00:00</lastmod>"}
        #: The ``lastmod`` of the entry rendered last, as written.
        self.lastmod: date | None = None
        #: After :meth:`fill`: whether ``entries`` ran out, and the entry that did not
        #: fit as ``(entry, line, size, lastmod, newest_key)``, if one did not.
        self.exhausted = False
        self.overflow: tuple[object, str, int, date | None, object] | None = None
        #: Entries read from ``entries`` but not rendered yet, which the next fill takes first.
        self._pending: list[Any] = []

    def _update_site(self) -> None:
        origin = self.resolver.origin
        if origin is not None and len(origin.prefix) + 1 >= MIN_LOC_LENGTH:
            self._site = origin.prefix
            room = MAX_LOC_LENGTH - len(origin.prefix)  # for the path, query and fragment
            if room >= 1:
                path = f"/{_PLAIN}{{0,{room - 1}}}"
                relative = f"(?!//){path}"
                absolute = f"{re.escape(origin.prefix)}{path}"
                self._plain_relative = re.compile(relative).fullmatch
                self._plain_absolute = re.compile(absolute).fullmatch
                # _PLAIN has no newline, so each line of the batch is matched whole.
                self._all_plain_relative = re.compile(f"{relative}(?:\n{relative})*").fullmatch
                self._all_plain_absolute = re.compile(f"{absolute}(?:\n{absolute})*").fullmatch

    def _batch_prefix(self, batch: list[Any]) -> str | None:
        """What every loc of ``batch`` is written after, if each is plain: the site or ``""``.

        ``None`` when one of them is not plain, or not a string, or when the
        locs are both relative and absolute: then each is checked on its own.
        """
        try:
            locs = "\n".join(map(_loc_of, batch))
        except Exception:  # an entry without a string loc, which fill checks on its own
            return None
        if locs.count("\n") != len(batch) - 1:  # a loc holds a newline: one line is not one loc
            return None
        if self._all_plain_relative(locs):
            return self._site
        if self._all_plain_absolute(locs):
            return ""
        return None

    def render(self, entry: object) -> str:
        """The ``<url>`` line for ``entry``; raises :class:`SitemapError` if it is invalid."""
        url: Url | None
        if entry.__class__ is Url:
            url = entry
        elif entry.__class__ is str:
            url = None
        else:
            url = coerce_entry(entry)
        if url is None:
            loc: Any = entry
            lastmod: Any = None
            changefreq: Any = None
            priority: Any = None
        else:
            loc, lastmod, changefreq, priority = url.loc, url.lastmod, url.changefreq, url.priority

        site = self._site  # written before loc: "" when loc is already absolute
        if loc.__class__ is str and self._plain_relative(loc):
            if "&" in loc:
                loc = loc.replace("&", "&amp;")
        elif loc.__class__ is str and self._plain_absolute(loc):
            site = ""
            if "&" in loc:
                loc = loc.replace("&", "&amp;")
        else:
            site = ""
            loc = escape(self._resolve(loc))  # the general path, which checks and encodes

        kind = lastmod.__class__
        if lastmod is None:
            lastmod_xml = ""
        elif kind is date:
            lastmod_xml = self._lastmod_cache.get(lastmod) or self._lastmod_xml(lastmod)[0]
        elif kind is datetime:
            zone = lastmod.tzinfo
            if zone is None:  # naive: UTC
                lastmod_xml = f"<lastmod>{lastmod.isoformat('T', 'seconds')}+00:00</lastmod>"
            elif zone in self._zones:
                lastmod_xml = f"<lastmod>{lastmod.isoformat('T', 'seconds')}</lastmod>"
            else:
                lastmod_xml, lastmod = self._lastmod_xml(lastmod)
        else:
            lastmod_xml, lastmod = self._lastmod_xml(lastmod)
        self.lastmod = lastmod

        changefreq_xml: str | None = ""
        if changefreq is not None:
            changefreq_xml = (
                _CHANGEFREQ_XML.get(changefreq) if changefreq.__class__ is str else None
            )
            if changefreq_xml is None:
                changefreq_xml = _CHANGEFREQ_XML[normalise_changefreq(changefreq)]

        priority_xml: str | None = ""
        if priority is not None:
            kind = priority.__class__
            priority_xml = (
                self._priority_cache.get(priority) if kind is float or kind is int else None
            )
            if priority_xml is None:
                priority_xml = self._priority_xml(priority)

        extensions = ""
        if url is not None and (url.images or url.videos or url.news is not None or url.alternates):
            extensions = self._extensions_xml(url)
        return (
            f"<url><loc>{site}{loc}</loc>{lastmod_xml}{changefreq_xml}{priority_xml}"
            f"{extensions}</url>\n"
        )

    def fill(
        self,
        entries: Iterator[Any],
        out: list[str],
        limits: tuple[int, int, int],
        on_reject: Reject,
        number: int,
        newest: dict[object, date] | None = None,
    ) -> tuple[int, int, int]:
        """Render entries from ``entries`` as lines appended to ``out``.

        ``limits`` is ``(max_lines, max_bytes, stop_bytes)``: stop once the
        lines added take ``stop_bytes`` (UTF-8), when ``entries`` runs out
        (:attr:`exhausted`), or at the first line that would take them past
        ``max_lines`` or ``max_bytes``, which is left in :attr:`overflow`.
        An invalid entry goes to ``on_reject(reason, number, entry)``;
        ``number`` counts the entries read before. With ``newest``, each
        line's lastmod is kept there if it is the newest under its key: the
        ``tzinfo`` of a datetime (``None`` for a naive one), else ``DATE_KEY``.
        Returns the lines added, their size, and the number of the next entry.

        The common entry (a :class:`Url` with a plain loc on the site, a
        ``date`` or a ``datetime`` in a fixed zone or naive, a changefreq and
        a priority seen before) is rendered here, without a call per entry;
        every other one goes through :meth:`render`, which checks it in full
        and primes the caches the next one uses. Entries are read
        :data:`BATCH` at a time; those read but not rendered when it returns
        come first in the next call.
        """
        max_lines, max_bytes, stop_bytes = limits
        append = out.append
        render = self.render
        fast_type: Any = self._fast_type
        site, plain_relative = self._site, self._plain_relative
        plain_absolute = self._plain_absolute
        days, day_prefixes, suffixes = self._lastmod_cache, self._day_prefixes, self._suffixes
        changefreqs, priorities, two = _CHANGEFREQ_XML, self._priority_cache, _TWO_DIGITS
        count = used = 0
        self.overflow = None
        self.exhausted = False
        key: Any = None
        batch, self._pending = self._pending, []
        while True:
            if not batch:
                batch = list(islice(entries, BATCH))
                if not batch:
                    break
            # Entries read before this batch: with number + count, where fill stopped in it.
            start = number + count
            batch_prefix = None if fast_type is None else self._batch_prefix(batch)
            for entry in batch:
                line: str | None = None
                if entry.__class__ is fast_type and not (
                    entry.images or entry.videos or entry.news is not None or entry.alternates
                ):
                    loc, lastmod, changefreq, priority = (
                        entry.loc,
                        entry.lastmod,
                        entry.changefreq,
                        entry.priority,
                    )
                    prefix: str | None = None
                    if loc.__class__ is str:
                        if batch_prefix is not None:
                            prefix = batch_prefix
                        elif plain_relative(loc):
                            prefix = site
                        elif plain_absolute(loc):
                            prefix = ""
                    changefreq_xml = (
                        changefreqs.get(changefreq)
                        if changefreq.__class__ is str
                        else ""
                        if changefreq is None
                        else None
                    )
                    kind = priority.__class__
                    priority_xml = (
                        priorities.get(priority)
                        if kind is float or kind is int
                        else ""
                        if priority is None
                        else None
                    )
                    if (
                        prefix is not None
                        and changefreq_xml is not None
                        and priority_xml is not None
                    ):
                        if "&" in loc:
                            loc = loc.replace("&", "&amp;")
                        kind = lastmod.__class__
                        if kind is datetime:
                            key = lastmod.tzinfo
                            suffix = suffixes.get(key)
                            if suffix is not None:
                                day = day_prefixes.get(lastmod.date()) or self._day_prefix(lastmod)
                                line = (
                                    f"<url><loc>{prefix}{loc}</loc>{day}{two[lastmod.hour]}:"
                                    f"{two[lastmod.minute]}:{two[lastmod.second]}{suffix}"
                                    f"{changefreq_xml}{priority_xml}</url>\n"
                                )
                        elif kind is date or lastmod is None:
                            key = DATE_KEY
                            lastmod_xml = "" if lastmod is None else days.get(lastmod)
                            if lastmod_xml is not None:
                                line = (
                                    f"<url><loc>{prefix}{loc}</loc>{lastmod_xml}"
                                    f"{changefreq_xml}{priority_xml}</url>\n"
                                )
                if line is None:
                    try:
                        line = render(entry)
                    except SitemapError as exc:
                        on_reject(str(exc), number + count, entry)
                        number += 1  # counts the rejected entries; the lines are added at the end
                        continue
                    site, plain_relative = self._site, self._plain_relative
                    plain_absolute = self._plain_absolute
                    lastmod = self.lastmod
                    key = lastmod.tzinfo if isinstance(lastmod, datetime) else DATE_KEY
                    size = len(line) if line.isascii() else len(line.encode())
                else:
                    size = len(line)  # plain locs and the markup are ASCII
                if count == max_lines or used + size > max_bytes:
                    self.overflow = (entry, line, size, lastmod, key)
                    self._pending = batch[number + count - start + 1 :]
                    return count, used, number + count
                append(line)
                count += 1
                used += size
                if newest is not None and lastmod is not None:
                    latest = newest.get(key)
                    if latest is None or lastmod > latest:
                        newest[key] = lastmod
                if used >= stop_bytes:
                    self._pending = batch[number + count - start :]
                    return count, used, number + count
            batch = []
        self.exhausted = True
        return count, used, number + count

    def _day_prefix(self, moment: datetime) -> str:
        """``<lastmod>YYYY-MM-DDT`` for ``moment``'s day, remembered for the next ones."""
        day = moment.date()
        if len(self._day_prefixes) >= _CACHE_LIMIT:
            self._day_prefixes.clear()
        text = self._day_prefixes[day] = f"<lastmod>{day.isoformat()}T"
        return text

    def _resolve(self, loc: object) -> str:
        uri = self.resolver.resolve(loc)
        if not self._site:
            self._update_site()
        return uri

    def _lastmod_xml(self, value: object) -> tuple[str, date]:
        """``<lastmod>`` for ``value`` and the value normalised; remembers good zones."""
        zone = value.tzinfo if isinstance(value, datetime) else None
        if isinstance(zone, timezone) and zone.__class__ is timezone and fixed_offset_ok(zone):
            self._zones.add(zone)
            offset = datetime(2000, 1, 1, tzinfo=zone).isoformat()[19:]  # "+02:00"
            self._suffixes[zone] = f"{offset}</lastmod>"
        normalised = normalise_lastmod(value)
        text = f"<lastmod>{normalised.isoformat()}</lastmod>"
        if value.__class__ is date:
            if len(self._lastmod_cache) >= _CACHE_LIMIT:
                self._lastmod_cache.clear()
            self._lastmod_cache[normalised] = text
        return text, normalised

    def _priority_xml(self, value: object) -> str:
        text = f"<priority>{format_decimal(normalise_priority(value))}</priority>"
        if value.__class__ is float or value.__class__ is int:
            if len(self._priority_cache) >= _CACHE_LIMIT:
                self._priority_cache.clear()
            self._priority_cache[value] = text
        return text

    def _extensions_xml(self, url: Url) -> str:
        resolver = self.resolver
        parts = [self._image_xml(image) for image in normalise_images(url.images, resolver)]
        parts.extend(self._video_xml(video) for video in normalise_videos(url.videos, resolver))
        if url.news is not None:
            parts.append(self._news_xml(normalise_news(url.news)))
        xmlns = self._xmlns["xhtml"]
        for hreflang, href in normalise_alternates(url.alternates, resolver):
            parts.append(
                f'<xhtml:link{xmlns} rel="alternate" hreflang="{hreflang}" href="{escape(href)}"/>'
            )
        return "".join(parts)

    def _start(self, prefix: str, name: str) -> str:
        return f"<{prefix}:{name}{self._xmlns[prefix]}>"

    def _image_xml(self, image: Image) -> str:
        return (
            f"{self._start('image', 'image')}{_element('image', 'loc', image.loc)}"
            f"{_element('image', 'caption', image.caption)}"
            f"{_element('image', 'title', image.title)}</image:image>"
        )

    def _video_xml(self, video: Video) -> str:
        def element(name: str, value: str | None) -> str:
            return _element("video", name, value)

        def listing(name: str, codes: Sequence[str], relationship: str) -> str:
            if not codes:
                return ""
            return f'<video:{name} relationship="{relationship}">{" ".join(codes)}</video:{name}>'

        uploader = ""
        if video.uploader is not None:
            info = "" if video.uploader_info is None else f' info="{escape(video.uploader_info)}"'
            uploader = f"<video:uploader{info}>{escape(video.uploader)}</video:uploader>"
        rating = None if video.rating is None else format_decimal(video.rating)
        return "".join(
            (
                self._start("video", "video"),
                element("thumbnail_loc", video.thumbnail_loc),
                element("title", video.title),
                element("description", video.description),
                element("content_loc", video.content_loc),
                element("player_loc", video.player_loc),
                element("duration", None if video.duration is None else str(video.duration)),
                element("expiration_date", _when(video.expiration_date)),
                element("rating", rating),
                element("view_count", None if video.view_count is None else str(video.view_count)),
                element("publication_date", _when(video.publication_date)),
                "".join(element("tag", tag) for tag in video.tags),
                _flag_element("video", "family_friendly", video.family_friendly),
                listing("restriction", video.restriction, video.restriction_relationship),
                _flag_element("video", "requires_subscription", video.requires_subscription),
                uploader,
                listing("platform", video.platform, video.platform_relationship),
                _flag_element("video", "live", video.live),
                "</video:video>",
            )
        )

    def _news_xml(self, news: News) -> str:
        return (
            f"{self._start('news', 'news')}<news:publication>"
            f"{_element('news', 'name', news.publication_name)}"
            f"{_element('news', 'language', news.publication_language)}</news:publication>"
            f"{_element('news', 'publication_date', _when(news.publication_date))}"
            f"{_element('news', 'title', news.title)}</news:news>"
        )
