"""Reading sitemaps back, streaming and safely.

The parser is expat driven directly: it refuses any DOCTYPE (and so every
entity declaration, internal or external: no "billion laughs", no file or
network access), keeps only the ``<url>`` (or ``<sitemap>``) being read,
within bounds on its elements and text, and inflates gzip input in bounded
steps, so memory stays bounded whatever the input.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, BinaryIO, TypeVar
from xml.parsers import expat

from ._errors import SitemapError, SitemapWarning
from ._model import Image, IndexEntry, News, Url, Video
from ._render import normalise_with
from ._source import source_chunks
from ._values import LocResolver, normalise_lastmod
from ._writer import MAX_BYTES, OnError, check_on_error
from ._xml import EXTENSION_NAMESPACES, SITEMAP_NAMESPACE

__all__ = [
    "MAX_ENTRY_ELEMENTS",
    "MAX_ENTRY_TEXT",
    "MAX_TOKEN",
    "parse_sitemap",
    "parse_sitemap_index",
]

#: The most elements one ``<url>`` or ``<sitemap>`` may hold (1,000 images of
#: four elements each, and videos, fit well within it).
MAX_ENTRY_ELEMENTS = 20_000
#: The most characters of text and attribute values one entry may hold.
MAX_ENTRY_TEXT = 4 * 1024 * 1024
#: The most bytes the parser reads without an element, text or comment
#: completing (expat holds an unfinished tag or comment in memory).
MAX_TOKEN = 8 * 1024 * 1024

_T = TypeVar("_T")
_IMAGE = EXTENSION_NAMESPACES["image"] + " "
_VIDEO = EXTENSION_NAMESPACES["video"] + " "
_NEWS = EXTENSION_NAMESPACES["news"] + " "
_XHTML_LINK = EXTENSION_NAMESPACES["xhtml"] + " link"
_READERS = {"urlset": "parse_sitemap", "sitemapindex": "parse_sitemap_index"}


class _Node:
    """One element of the entry being read: tag, attributes, text and children."""

    __slots__ = ("attributes", "children", "tag", "text")

    def __init__(self, tag: str, attributes: dict[str, str]) -> None:
        self.tag = tag
        self.attributes = attributes
        self.text: list[str] = []
        self.children: list[_Node] = []

    def value(self) -> str:
        return "".join(self.text)

    def child_values(self, prefix: str) -> dict[str, str]:
        """``{local name: text}`` of the children in namespace ``prefix`` (the last one wins)."""
        size = len(prefix)
        return {c.tag[size:]: c.value() for c in self.children if c.tag.startswith(prefix)}

    def find(self, tag: str) -> _Node | None:
        return next((child for child in self.children if child.tag == tag), None)


def _core(tag: str) -> str | None:
    """The local name of a sitemap element (namespaced or not), else ``None``."""
    namespace, _, local = tag.rpartition(" ")
    return local if namespace in ("", SITEMAP_NAMESPACE) else None


class _Collector:
    """expat handlers that gather each ``entry`` element below the ``root`` one."""

    def __init__(self, root: str, entry: str) -> None:
        self._root = root
        self._entry = entry
        self._seen_root = False
        self._stack: list[_Node] = []
        self._skipping = 0  # depth inside an element that is not an entry
        self._elements = 0  # elements in the entry being read
        self._text = 0  # characters of text and attributes in it
        #: How many entries have started so far.
        self.started = 0
        #: Entries read completely and not handed over yet.
        self.entries: list[_Node] = []

    def _count(self, elements: int, text: int) -> None:
        """Add to the size of the entry being read, refusing one over the bounds."""
        self._elements += elements
        self._text += text
        if self._elements > MAX_ENTRY_ELEMENTS or self._text > MAX_ENTRY_TEXT:
            what = (
                f"{MAX_ENTRY_ELEMENTS:,} elements"
                if self._elements > MAX_ENTRY_ELEMENTS
                else f"{MAX_ENTRY_TEXT:,} characters of text"
            )
            raise SitemapError(
                f"entry {self.started - 1} holds over {what}, the most one entry may hold"
            )

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if not self._seen_root:
            self._seen_root = True
            found = _core(tag)
            if found != self._root:
                reader = _READERS.get(found or "")
                hint = f"; read it with {reader}" if reader else ""
                raise SitemapError(f"the document element is <{tag}>, not <{self._root}>{hint}")
            return
        if self._skipping or (not self._stack and _core(tag) != self._entry):
            self._skipping += 1
            return
        if not self._stack:
            self._elements = self._text = 0
            self.started += 1
        self._count(1, sum(len(name) + len(value) for name, value in attributes.items()))
        node = _Node(tag, attributes)
        if self._stack:
            self._stack[-1].children.append(node)
        self._stack.append(node)

    def end(self, tag: str) -> None:
        if self._skipping:
            self._skipping -= 1
        elif self._stack:
            node = self._stack.pop()
            if not self._stack:
                self.entries.append(node)

    def text(self, data: str) -> None:
        if self._stack and not self._skipping:
            self._count(0, len(data))
            self._stack[-1].text.append(data)


def _refuse(*_: object) -> None:
    raise SitemapError("DOCTYPE and entity declarations are not allowed in a sitemap")


def _refuse_external(*_: object) -> int:
    raise SitemapError("external entities are not allowed in a sitemap")


def _parse(
    source: BinaryIO | bytes,
    names: tuple[str, str],
    convert: Callable[[_Node], _T],
    on_error: OnError,
    max_inflated: int | None,
) -> Iterator[_T]:
    """Each entry (``names`` is the root's and the entry's name) converted, or ``on_error``."""
    check_on_error(on_error)
    if max_inflated is not None and (
        isinstance(max_inflated, bool) or not isinstance(max_inflated, int) or max_inflated < 1
    ):
        raise ValueError(f"max_inflated must be a positive int or None, not {max_inflated!r}")
    collector = _Collector(*names)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.text
    return _entries(_fed(parser, source, max_inflated), collector, convert, on_error)


def _fed(parser: Any, source: BinaryIO | bytes, max_inflated: int | None) -> Iterator[None]:
    """Feed ``source`` to ``parser``, pausing after each piece; errors become SitemapError."""
    fed = 0
    pieces = ((chunk, False) for chunk in source_chunks(source, max_inflated))
    for chunk, final in chain(pieces, [(b"", True)]):
        try:
            parser.Parse(chunk, final)
        except SitemapError:
            raise
        except expat.ExpatError as exc:
            raise SitemapError(f"not well-formed XML: {exc}") from None
        except (LookupError, ValueError) as exc:  # an encoding expat cannot read
            raise SitemapError(f"the document's encoding is not supported ({exc})") from None
        fed += len(chunk)
        # expat keeps an unfinished tag, attribute or comment in memory: bound it.
        if fed - max(parser.CurrentByteIndex, 0) > MAX_TOKEN:
            raise SitemapError(f"a single tag, text or comment runs over {MAX_TOKEN:,} bytes")
        yield None


def _entries(
    feeding: Iterator[None],
    collector: _Collector,
    convert: Callable[[_Node], _T],
    on_error: OnError,
) -> Iterator[_T]:
    index = 0
    for _ in feeding:
        for node in collector.entries:
            try:
                yield convert(node)
            except SitemapError as exc:
                loc = next(
                    (c.value().strip() for c in node.children if _core(c.tag) == "loc"), None
                )
                error = SitemapError.for_entry(str(exc), index, loc)
                if on_error == "raise":
                    raise error from None
                if on_error == "warn":
                    warnings.warn(str(error), SitemapWarning, stacklevel=2)
            index += 1
        collector.entries.clear()


def _video(node: _Node) -> Video:
    """A :class:`Video` from the element's text; values are checked when normalised."""
    fields: dict[str, Any] = node.child_values(_VIDEO)
    for required in ("thumbnail_loc", "title", "description"):
        if required not in fields:
            raise SitemapError(f"video: {required} is required")
    fields.pop("tag", None)
    fields["tags"] = tuple(child.value() for child in node.children if child.tag == _VIDEO + "tag")
    for listing in ("restriction", "platform"):
        element = node.find(_VIDEO + listing)
        fields[listing] = () if element is None else (element.value(),)
        fields[f"{listing}_relationship"] = _attribute(element, "relationship")
    uploader = node.find(_VIDEO + "uploader")
    if uploader is not None:
        fields["uploader_info"] = uploader.attributes.get("info")
    known = Video.__struct_fields__
    return Video(**{name: value for name, value in fields.items() if name in known})


def _attribute(node: _Node | None, name: str) -> str:
    return "allow" if node is None else node.attributes.get(name, "allow")


def _news(node: _Node) -> News:
    fields: dict[str, Any] = node.child_values(_NEWS)
    publication = node.find(_NEWS + "publication")
    names: dict[str, Any] = {} if publication is None else publication.child_values(_NEWS)
    values: dict[str, Any] = {
        "publication_name": names.get("name"),
        "publication_language": names.get("language"),
        "publication_date": fields.get("publication_date"),
        "title": fields.get("title"),
    }
    return News(**values)  # the values are checked when normalised


def _url_from(node: _Node, resolver: LocResolver) -> Url:
    core: dict[str | None, Any] = {_core(c.tag): c.value().strip() for c in node.children}
    if "loc" not in core:
        raise SitemapError("<url> has no <loc>")
    images = []
    for child in node.children:
        if child.tag == _IMAGE + "image":
            fields = child.child_values(_IMAGE)
            if "loc" not in fields:
                raise SitemapError("<image:image> has no <image:loc>")
            images.append(Image(fields["loc"], fields.get("title"), fields.get("caption")))
    news = [child for child in node.children if child.tag == _NEWS + "news"]
    url = Url(
        loc=core["loc"],
        lastmod=core.get("lastmod"),
        changefreq=core.get("changefreq"),
        priority=core.get("priority"),
        images=images,
        videos=[_video(child) for child in node.children if child.tag == _VIDEO + "video"],
        news=_news(news[0]) if news else None,
        alternates=[
            (child.attributes["hreflang"], child.attributes.get("href", ""))
            for child in node.children
            if child.tag == _XHTML_LINK
            and child.attributes.get("rel") == "alternate"
            and "hreflang" in child.attributes  # others (android-app://...) are not hreflang
        ],
    )
    return normalise_with(url, resolver)


def parse_sitemap(
    source: BinaryIO | bytes, on_error: OnError = "raise", *, max_inflated: int | None = MAX_BYTES
) -> Iterator[Url]:
    """Yield the entries of a ``<urlset>`` (a binary file or bytes; gzip is detected).

    Each :class:`Url` comes normalised as :func:`normalise_url` would make
    it, so ``list(parse_sitemap(...))`` of a written sitemap equals the
    normalised input. Text (titles, captions, descriptions) is kept as
    written; locs, dates and numbers are stripped of surrounding spaces.
    Unknown elements, and ``xhtml:link`` elements that are not hreflang
    alternates, are skipped. The first absolute loc chooses the site.

    An entry the writer would refuse (a bad value, a loc on another site)
    raises :class:`SitemapError` naming it (``on_error="raise"``), or is left
    out with a :class:`SitemapWarning` (``"warn"``) or silently (``"skip"``).
    Whatever ``on_error`` says, the document itself must be safe and sound:
    a DOCTYPE, an entity, malformed XML, an unsupported encoding, damaged
    gzip, a ``<sitemapindex>`` (see :func:`parse_sitemap_index`), or an entry
    over :data:`MAX_ENTRY_ELEMENTS` elements or :data:`MAX_ENTRY_TEXT`
    characters raises :class:`SitemapError`, so memory stays bounded.

    Gzip input may inflate to at most ``max_inflated`` bytes, by default
    :data:`MAX_BYTES` (52,428,800: the protocol's 50 MiB for one uncompressed
    sitemap); a document inflating to more raises :class:`SitemapError` as
    soon as the limit is passed, so a small file cannot keep the parser busy
    with gigabytes. ``None`` lifts the limit. Plain input is not limited.
    """
    resolver = LocResolver(None)
    return _parse(
        source, ("urlset", "url"), lambda node: _url_from(node, resolver), on_error, max_inflated
    )


def _index_entry_from(node: _Node, resolver: LocResolver) -> IndexEntry:
    core = {_core(child.tag): child.value().strip() for child in node.children}
    if "loc" not in core:
        raise SitemapError("<sitemap> has no <loc>")
    lastmod = core.get("lastmod")
    return IndexEntry(
        resolver.resolve(core["loc"], same_site=False),
        None if lastmod is None else normalise_lastmod(lastmod),
    )


def parse_sitemap_index(
    source: BinaryIO | bytes, on_error: OnError = "raise", *, max_inflated: int | None = MAX_BYTES
) -> Iterator[IndexEntry]:
    """Yield the :class:`IndexEntry` values of a ``<sitemapindex>``, like :func:`parse_sitemap`."""
    resolver = LocResolver(None)
    return _parse(
        source,
        ("sitemapindex", "sitemap"),
        lambda node: _index_entry_from(node, resolver),
        on_error,
        max_inflated,
    )
