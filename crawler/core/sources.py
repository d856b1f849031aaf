"""The source registry: which real sites newsarchive reads, how to discover their articles, and what is known
about them — each fact with its confidence (pure code: no Scrapy, no network).

The registry is ``crawler/data/sources.json`` (documented in docs/sources.md). ``load_sources`` reads and
validates it; ``check_document`` lists every problem in a registry document (patterns compile, URLs parse,
zones exist) without raising, for ``newsarchive sources check``.

Test bases: every endpoint URL can be re-pointed at an offline replica with ``rebase(url, base)``
(``https://www.aninews.in/sitemap-news.xml`` + ``http://127.0.0.1:8000/ani`` →
``http://127.0.0.1:8000/ani/sitemap-news.xml``); ``Source.is_article(url, base)`` then matches the article
patterns against the path below the base.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.core.events import DialogueRegistry
from crawler.core.events.countries import find_countries
from crawler.core.events.text import (
    FOLLOWUP_RE,
    HEADLINE_PRESENT_RE,
    MEETING_RE,
    PAST_RE,
    SECURITY_RE,
    TALKS_RE,
    find_generic_names,
)

BUILTIN_SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources.json"

KINDS = ("wire", "publisher", "government", "aggregator")
CONFIDENCES = ("high", "medium", "low", "guess", "unknown")
ENDPOINT_CONFIDENCES = (*CONFIDENCES, "dead", "blocked")
# Endpoints the spider does not request: known dead, or known to answer only with a bot wall.
UNUSED_ENDPOINTS = frozenset({"dead", "blocked"})
ENDPOINT_TYPES = ("sitemap", "feed", "listing")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class SourceRegistryError(ValueError):
    """The registry file is unreadable or invalid; the message lists the problems."""


class UnknownSource(KeyError):
    """A source name that is not registered."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown source"


@dataclass(frozen=True)
class Fact:
    """A value and how sure we are of it (``high`` … ``guess``, ``unknown`` when the facts are thin)."""

    value: str | None
    confidence: str


@dataclass(frozen=True)
class Endpoint:
    """A discovery URL: a sitemap (or index), a feed, or a listing page (``{page}`` = pagination)."""

    type: str
    url: str
    confidence: str
    note: str | None = None
    first_page: int = 1

    @property
    def used(self) -> bool:
        return self.confidence not in UNUSED_ENDPOINTS

    @property
    def paginated(self) -> bool:
        return "{page}" in self.url

    def page_url(self, page: int) -> str:
        return self.url.replace("{page}", str(page))


@dataclass(frozen=True)
class ArticlePattern:
    pattern: re.Pattern[str]
    confidence: str


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    kind: str
    domains: tuple[str, ...]
    country: str | None
    timezone: Fact
    agency: Fact
    confidence: str
    discovery: tuple[Endpoint, ...]
    article_patterns: tuple[ArticlePattern, ...]
    syndication: tuple[dict[str, Any], ...] = ()
    download_delay: float = 2.0
    concurrency: int = 1
    extraction: Mapping[str, Any] = field(default_factory=dict)
    blocking: str | None = None
    notes: str = ""
    era_start: date | None = None  # no publication time before this is plausible (crawler.core.plausible)

    def zone(self) -> ZoneInfo | None:
        """The default time zone for page times printed without an offset (None when unknown)."""
        return ZoneInfo(self.timezone.value) if self.timezone.value else None

    def owns_host(self, host: str) -> bool:
        host = host.lower().removeprefix("www.")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def is_article(self, url: str, base: str | None = None) -> bool:
        """Whether ``url`` is one of this source's article pages (on its own site, or below ``base``)."""
        path = article_path(url, self, base)
        return path is not None and any(p.pattern.search(path) for p in self.article_patterns)

    def endpoints(self, *, include_unused: bool = False) -> Iterator[Endpoint]:
        for ep in self.discovery:
            if include_unused or ep.used:
                yield ep


def rebase(url: str, base: str | None) -> str:
    """``url`` moved below ``base`` (path and query kept), or unchanged when ``base`` is None."""
    if not base:
        return url
    parts = urlsplit(url)
    return base.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def article_path(url: str, source: Source, base: str | None = None) -> str | None:
    """The path+query of ``url`` as the source's patterns see it, or None when it is off the source's site."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    if base:
        b = urlsplit(base)
        prefix = b.path.rstrip("/")
        if host != (b.hostname or "").lower() or parts.port != b.port or not parts.path.startswith(prefix + "/"):
            return None
        return tail[len(prefix):]
    return tail if source.owns_host(host) else None


class SourceRegistry:
    """Registered sources by name, with lookup by host."""

    def __init__(self, sources: list[Source]) -> None:
        self._by_name = {s.name: s for s in sources}

    def __iter__(self) -> Iterator[Source]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> Source:
        """The source called ``name``; raises UnknownSource naming the registered ones."""
        try:
            return self._by_name[name.strip().lower()]
        except KeyError:
            raise UnknownSource(
                f"unknown source {name!r} (registered: {', '.join(sorted(self._by_name))})"
            ) from None

    def for_url(self, url: str) -> Source | None:
        """The source whose domains include ``url``'s host, or None."""
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return None
        for s in self._by_name.values():
            if s.owns_host(host):
                return s
        return None


# -- validation -----------------------------------------------------------------------------------
def _fact(raw: Any) -> Fact:
    if isinstance(raw, dict):
        return Fact(raw.get("value"), str(raw.get("confidence", "unknown")))
    return Fact(raw, "unknown")


def check_document(document: Any) -> list[str]:
    """Every problem in a registry document, one line each (empty list: valid). Never raises."""
    problems: list[str] = []
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        return ["the registry must be an object with a \"sources\" list"]
    seen: set[str] = set()
    for i, raw in enumerate(document["sources"]):
        where = f"sources[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not an object")
            continue
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            problems.append(f"{where}: name {name!r} must be lower-case letters, digits and hyphens")
            name = f"#{i}"
        elif name in seen:
            problems.append(f"{name}: duplicate name")
        seen.add(str(name))
        where = str(name)
        if raw.get("kind") not in KINDS:
            problems.append(f"{where}: kind {raw.get('kind')!r} is not one of {', '.join(KINDS)}")
        domains = raw.get("domains")
        if not isinstance(domains, list) or not domains or not all(
            isinstance(d, str) and "." in d and "/" not in d for d in domains
        ):
            problems.append(f"{where}: domains must be a non-empty list of host names")
        country = raw.get("country")
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            problems.append(f"{where}: country {country!r} is not an ISO alpha-2 code")
        for key in ("timezone", "agency"):
            fact = raw.get(key)
            if not isinstance(fact, dict) or fact.get("confidence") not in CONFIDENCES:
                problems.append(f"{where}: {key} needs {{\"value\", \"confidence\"}} with a confidence in {CONFIDENCES}")
        tz = (raw.get("timezone") or {}).get("value") if isinstance(raw.get("timezone"), dict) else None
        if tz is not None:
            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"{where}: time zone {tz!r} does not exist in zoneinfo")
        if not isinstance(raw.get("confidence"), str) or not raw["confidence"].strip():
            problems.append(f"{where}: confidence missing")
        for j, ep in enumerate(raw.get("discovery") or []):
            problems.extend(_check_endpoint(ep, f"{where}: discovery[{j}]"))
        patterns = raw.get("article_patterns")
        if not isinstance(patterns, list) or not patterns:
            problems.append(f"{where}: article_patterns must be a non-empty list")
        for j, p in enumerate(patterns or []):
            pattern = p.get("pattern") if isinstance(p, dict) else None
            try:
                re.compile(str(pattern))
            except re.error as exc:
                problems.append(f"{where}: article_patterns[{j}] does not compile: {exc}")
            if not isinstance(pattern, str) or not pattern.startswith("^/"):
                problems.append(f"{where}: article_patterns[{j}] must be a path pattern starting with ^/")
            if not isinstance(p, dict) or p.get("confidence") not in CONFIDENCES:
                problems.append(f"{where}: article_patterns[{j}] needs a confidence in {CONFIDENCES}")
        pol = raw.get("politeness") or {}
        if not isinstance(pol, dict) or not isinstance(pol.get("download_delay", 0), int | float) or not (
            isinstance(pol.get("concurrency", 1), int) and pol.get("concurrency", 1) >= 1
        ):
            problems.append(f"{where}: politeness needs a numeric download_delay and an integer concurrency >= 1")
        era = raw.get("era_start")
        if era is not None:
            try:
                date.fromisoformat(str(era))
            except ValueError:
                problems.append(f"{where}: era_start {era!r} is not an ISO date (YYYY-MM-DD)")
    return problems


def _check_endpoint(ep: Any, where: str) -> list[str]:
    if not isinstance(ep, dict):
        return [f"{where}: not an object"]
    out = []
    if ep.get("type") not in ENDPOINT_TYPES:
        out.append(f"{where}: type {ep.get('type')!r} is not one of {', '.join(ENDPOINT_TYPES)}")
    url = ep.get("url")
    try:
        parts = urlsplit(str(url).replace("{page}", "1"))
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in str(url)
    except ValueError:
        ok = False
    if not ok:
        out.append(f"{where}: URL {url!r} does not parse as an http(s) URL")
    elif re.search(r"\{(?!page\})[^}]*\}", str(url)):
        out.append(f"{where}: URL {url!r} has a placeholder other than {{page}}")
    if ep.get("confidence") not in ENDPOINT_CONFIDENCES:
        out.append(f"{where}: confidence {ep.get('confidence')!r} is not one of {', '.join(ENDPOINT_CONFIDENCES)}")
    return out


def _build(raw: dict[str, Any]) -> Source:
    pol = raw.get("politeness") or {}
    return Source(
        name=raw["name"],
        title=raw.get("title") or raw["name"],
        kind=raw["kind"],
        domains=tuple(d.lower().removeprefix("www.") for d in raw["domains"]),
        country=raw.get("country"),
        timezone=_fact(raw.get("timezone")),
        agency=_fact(raw.get("agency")),
        confidence=raw["confidence"],
        discovery=tuple(
            Endpoint(type=e["type"], url=e["url"], confidence=e["confidence"], note=e.get("note"),
                     first_page=int(e.get("first_page", 1)))
            for e in raw.get("discovery") or []
        ),
        article_patterns=tuple(
            ArticlePattern(re.compile(p["pattern"]), p["confidence"]) for p in raw["article_patterns"]
        ),
        syndication=tuple(raw.get("syndication") or ()),
        download_delay=float(pol.get("download_delay", 2.0)),
        concurrency=int(pol.get("concurrency", 1)),
        extraction=dict(raw.get("extraction") or {}),
        blocking=raw.get("blocking"),
        notes=raw.get("notes") or "",
        era_start=date.fromisoformat(raw["era_start"]) if raw.get("era_start") else None,
    )


def read_document(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceRegistryError(f"cannot read source registry {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SourceRegistryError(f"source registry {path} is not valid JSON: {exc}") from None


def load_sources(path: Path | None = None) -> SourceRegistry:
    """Read and validate a registry file (default: the built-in one). Raises SourceRegistryError."""
    path = path or BUILTIN_SOURCES
    document = read_document(path)
    problems = check_document(document)
    if problems:
        raise SourceRegistryError(f"{path}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return SourceRegistry([_build(raw) for raw in document["sources"]])


# -- source defaults applied to a processed page -----------------------------------------------------
DEFAULT_AGENCY_SOURCE = "source_registry"


def fill_default_agency(processed: Any, agency: str | None) -> None:
    """A page that names no agency, fetched from a wire's own site, is that wire's copy.

    ``processed`` is a crawler.core.process.ProcessedPage; evidence in the page always wins."""
    if agency and processed.agency is None:
        processed.agency, processed.agency_source = agency, DEFAULT_AGENCY_SOURCE


# -- cheap discovery filter ------------------------------------------------------------------------
# A headline with any of these words might report a round (meeting, security, or report verbs such as
# "hail", "agree", "sign": "Austin, Hamada hail Okinawa Marine realignment" names no country).
_KEEP_WORDS = (MEETING_RE, SECURITY_RE, TALKS_RE, HEADLINE_PRESENT_RE, PAST_RE, FOLLOWUP_RE)

def title_may_be_relevant(title: str | None, registry: DialogueRegistry) -> bool:
    """Whether a discovery title (news:title, feed item title) could be about a dialogue round.

    Conservative: only a title with NO meeting word, NO security word, no registry series, no dialogue-like
    name and fewer than two countries is "obviously unrelated" ("IMD forecasts above-normal monsoon").
    A missing or empty title is kept (nothing to judge). The vocabulary is crawler.core.events' own.
    """
    if not title or not title.strip():
        return True
    if any(rx.search(title) for rx in _KEEP_WORDS):
        return True
    if registry.find_mentions(title) or find_generic_names(title):
        return True
    return len({m.code for m in find_countries(title)}) >= 2


__all__ = [
    "BUILTIN_SOURCES",
    "ArticlePattern",
    "Endpoint",
    "Fact",
    "Source",
    "SourceRegistry",
    "SourceRegistryError",
    "UnknownSource",
    "article_path",
    "check_document",
    "fill_default_agency",
    "load_sources",
    "rebase",
    "title_may_be_relevant",
]
