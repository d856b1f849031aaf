"""Discovery documents → article links (pure code).

Google News sitemaps keep ``news:publication_date`` and ``news:title`` (Scrapy's SitemapSpider drops
them); sitemap indexes list child sitemaps; RSS 2.0, Atom and JSON Feed give links with titles and dates.
Parsing is streaming (``lxml.etree.iterparse``) with entity resolution and network access off, and never
raises: a malformed document yields what could be read before the error plus ``error`` set.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024  # a gzip bomb behind a sitemap stops here


@dataclass(frozen=True)
class Link:
    """An article URL found by discovery, with what the discovery document said about it."""

    url: str
    title: str | None = None
    published: datetime | None = None  # aware; from news:publication_date / pubDate / published
    published_raw: str | None = None
    language: str | None = None
    publication: str | None = None  # news:name
    via: str = "url"  # 'sitemap' | 'feed' | 'url'


@dataclass
class Discovered:
    kind: str  # 'sitemapindex' | 'urlset' | 'rss' | 'atom' | 'jsonfeed' | 'unknown'
    links: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of an index
    error: str | None = None


def maybe_gunzip(body: bytes, max_size: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress a gzip body (``sitemap.xml.gz``) up to ``max_size``; raises ValueError past it."""
    if body[:2] != b"\x1f\x8b":
        return body
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
        while chunk := gz.read(64 * 1024):
            out.write(chunk)
            if out.tell() > max_size:
                raise ValueError(f"decompressed size exceeds {max_size} bytes")
    return out.getvalue()


def representable(value: datetime) -> datetime | None:
    """``value`` when it can be converted to UTC, else None: ``0001-01-01T00:00+05:30`` or
    ``9999-12-31T23:00-05:00`` parse, but their UTC instant falls outside ``datetime``'s range, and any
    comparison or arithmetic on them later raises ``OverflowError``."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return value


def parse_iso_datetime(raw: str | None) -> datetime | None:
    """ISO 8601 (as sitemaps and Atom use) → aware datetime, or None (naive values are not guessed, and a
    value whose UTC instant is out of ``datetime``'s range is unusable)."""
    if not raw:
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return representable(value) if value.tzinfo is not None else None


def parse_rfc822(raw: str | None) -> datetime | None:
    """RSS ``pubDate`` → aware datetime, or None."""
    if not raw:
        return None
    from email.utils import parsedate_to_datetime

    try:
        value = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_iso_datetime(raw)
    return representable(value) if value.tzinfo is not None else None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _descendant(el: etree._Element, name: str) -> etree._Element | None:
    for c in el.iter():
        if _local(c.tag) == name:
            return c
    return None


def parse_discovery(body: bytes) -> Discovered:
    """Recognise and parse a sitemap, sitemap index, RSS, Atom or JSON Feed document."""
    try:
        body = maybe_gunzip(body)
    except (OSError, EOFError, ValueError) as exc:
        return Discovered(kind="unknown", error=f"gzip: {exc}")
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        return _parse_json_feed(stripped)
    result = Discovered(kind="unknown")
    try:
        for el in _iter_elements(body, result):
            _consume(el, result)
    except etree.XMLSyntaxError as exc:
        result.error = f"malformed XML: {exc}"
    return result


def stream_discovery(body: bytes, into: Discovered) -> Iterator[Link | str]:
    """``parse_discovery`` one entry at a time: yields each article ``Link`` and each child sitemap URL
    (``str``) as it is read, so a 200,000-URL sitemap is never a 200,000-element list. The document's kind
    and any error are set on ``into`` (its lists stay empty); never raises."""
    try:
        body = maybe_gunzip(body)
    except (OSError, EOFError, ValueError) as exc:
        into.error = f"gzip: {exc}"
        return
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        parsed = _parse_json_feed(stripped)
        into.kind, into.error = parsed.kind, parsed.error
        yield from parsed.links
        return
    try:
        for el in _iter_elements(body, into):
            _consume(el, into)
            entries: list[Link | str] = [*into.sitemaps, *into.links]
            into.sitemaps.clear()
            into.links.clear()
            yield from entries
    except etree.XMLSyntaxError as exc:
        into.error = f"malformed XML: {exc}"


def _iter_elements(body: bytes, result: Discovered) -> Iterator[etree._Element]:
    parser = etree.iterparse(
        io.BytesIO(body), events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, recover=False,
    )
    depth = 0
    for event, el in parser:
        name = _local(el.tag)
        if event == "start":
            depth += 1
            if depth == 1:
                result.kind = {"urlset": "urlset", "sitemapindex": "sitemapindex", "rss": "rss",
                               "feed": "atom", "rdf": "rss"}.get(name, "unknown")
            continue
        depth -= 1
        if name in ("url", "sitemap", "item", "entry"):
            yield el
            el.clear(keep_tail=False)


def _consume(el: etree._Element, result: Discovered) -> None:
    name = _local(el.tag)
    if name == "sitemap" and result.kind == "sitemapindex":
        loc = _text(_child(el, "loc"))
        if loc:
            result.sitemaps.append(loc)
    elif name == "url" and result.kind == "urlset":
        loc = _text(_child(el, "loc"))
        if not loc:
            return
        news = _child(el, "news")
        pub_raw = _text(_descendant(news, "publication_date")) if news is not None else None
        publication = _descendant(news, "publication") if news is not None else None
        result.links.append(
            Link(
                url=loc,
                title=_text(_descendant(news, "title")) if news is not None else None,
                published=parse_iso_datetime(pub_raw),
                published_raw=pub_raw,
                language=_text(_descendant(publication, "language")) if publication is not None else None,
                publication=_text(_descendant(publication, "name")) if publication is not None else None,
                via="sitemap",
            )
        )
    elif name == "item" and result.kind == "rss":
        link = _text(_child(el, "link"))
        if not link:
            guid = _child(el, "guid")
            if guid is not None and (guid.get("isPermaLink") or "true").lower() == "true":
                link = _text(guid)
        if link:
            raw = _text(_child(el, "pubdate")) or _text(_child(el, "date"))
            result.links.append(
                Link(url=link, title=_text(_child(el, "title")), published=parse_rfc822(raw),
                     published_raw=raw, via="feed")
            )
    elif name == "entry" and result.kind == "atom":
        href = None
        for c in el:
            if _local(c.tag) == "link" and (c.get("rel") or "alternate") == "alternate":
                href = c.get("href")
                break
        if href:
            raw = _text(_child(el, "published")) or _text(_child(el, "updated"))
            result.links.append(
                Link(url=href.strip(), title=_text(_child(el, "title")), published=parse_iso_datetime(raw),
                     published_raw=raw, via="feed")
            )


def _parse_json_feed(body: bytes) -> Discovered:
    result = Discovered(kind="jsonfeed")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        result.error = f"malformed JSON: {exc}"
        return result
    items = data.get("items") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if isinstance(url, str) and url:
            raw = item.get("date_published")
            raw = raw if isinstance(raw, str) else None
            title = item.get("title")
            result.links.append(
                Link(url=url, title=title if isinstance(title, str) else None,
                     published=parse_iso_datetime(raw), published_raw=raw, via="feed")
            )
    return result
