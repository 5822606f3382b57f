"""Reading sitemaps back, streaming and safely.

The parser is expat driven directly: it refuses any DOCTYPE (and so every
entity declaration, internal or external: no "billion laughs", no file or
network access), keeps only the ``<url>`` (or ``<sitemap>``) being read,
and inflates gzip input in bounded steps.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from itertools import chain
from typing import Any, BinaryIO, TypeVar
from xml.parsers import expat

from ._errors import SitemapError
from ._model import Image, IndexEntry, News, Url, Video
from ._render import normalise_with
from ._values import LocResolver, normalise_lastmod
from ._xml import EXTENSION_NAMESPACES, SITEMAP_NAMESPACE

__all__ = ["parse_sitemap", "parse_sitemap_index"]

_T = TypeVar("_T")
_READ_SIZE = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
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
        self.entries: list[_Node] = []

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
            self._stack[-1].text.append(data)


def _refuse(*_: object) -> None:
    raise SitemapError("DOCTYPE and entity declarations are not allowed in a sitemap")


def _refuse_external(*_: object) -> int:
    raise SitemapError("external entities are not allowed in a sitemap")


def _source_chunks(source: BinaryIO | bytes) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = BytesIO(bytes(source))
    read = source.read
    first = read(_READ_SIZE)
    chunks = chain([first], iter(lambda: read(_READ_SIZE), b""))
    return _gunzip(chunks) if first[:2] == _GZIP_MAGIC else chunks


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate gzip data (one or more members) into pieces of at most 64 KiB."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                if inflater.eof:  # another gzip member follows
                    if not data.startswith(_GZIP_MAGIC):
                        raise SitemapError("unexpected data after the gzip stream")
                    inflater = zlib.decompressobj(wbits=31)
                piece = inflater.decompress(data, _READ_SIZE)
                if piece:
                    yield piece
                data = inflater.unconsumed_tail or inflater.unused_data
        while not inflater.eof and (piece := inflater.decompress(b"", _READ_SIZE)):
            yield piece
    except zlib.error as exc:
        raise SitemapError(f"the gzip data is damaged ({exc})") from None
    if not inflater.eof:
        raise SitemapError("the gzip data is truncated")


def _parse(
    source: BinaryIO | bytes, root: str, entry: str, convert: Callable[[_Node], _T]
) -> Iterator[_T]:
    collector = _Collector(root, entry)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.text
    index = 0
    for chunk, final in chain(((chunk, False) for chunk in _source_chunks(source)), [(b"", True)]):
        try:
            parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise SitemapError(f"not well-formed XML: {exc}") from None
        for node in collector.entries:
            loc = next((c.value().strip() for c in node.children if _core(c.tag) == "loc"), None)
            try:
                yield convert(node)
            except SitemapError as exc:
                raise SitemapError.for_entry(str(exc), index, loc) from None
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
    known = Video.__dataclass_fields__
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
            (child.attributes.get("hreflang", ""), child.attributes.get("href", ""))
            for child in node.children
            if child.tag == _XHTML_LINK and child.attributes.get("rel") == "alternate"
        ],
    )
    return normalise_with(url, resolver)


def parse_sitemap(source: BinaryIO | bytes) -> Iterator[Url]:
    """Yield the entries of a ``<urlset>`` (a binary file or bytes; gzip is detected).

    Each :class:`Url` comes normalised as :func:`normalise_url` would make
    it, so ``list(parse_sitemap(...))`` of a written sitemap equals the
    normalised input. Text (titles, captions, descriptions) is kept as
    written; locs, dates and numbers are stripped of surrounding spaces.
    Unknown elements are skipped. A DOCTYPE, an entity, malformed XML, a
    ``<sitemapindex>`` (see :func:`parse_sitemap_index`) or an entry the
    writer would refuse raises :class:`SitemapError`.
    """
    resolver = LocResolver(None)
    return _parse(source, "urlset", "url", lambda node: _url_from(node, resolver))


def _index_entry_from(node: _Node, resolver: LocResolver) -> IndexEntry:
    core = {_core(child.tag): child.value().strip() for child in node.children}
    if "loc" not in core:
        raise SitemapError("<sitemap> has no <loc>")
    lastmod = core.get("lastmod")
    return IndexEntry(
        resolver.resolve(core["loc"], same_site=False),
        None if lastmod is None else normalise_lastmod(lastmod),
    )


def parse_sitemap_index(source: BinaryIO | bytes) -> Iterator[IndexEntry]:
    """Yield the :class:`IndexEntry` values of a ``<sitemapindex>``, like :func:`parse_sitemap`."""
    resolver = LocResolver(None)
    return _parse(source, "sitemapindex", "sitemap", lambda node: _index_entry_from(node, resolver))
