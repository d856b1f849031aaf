"""The record types the archive accepts. The crawler maps its items onto these; storage never imports crawler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class EventFactsRecord:
    """What one page says about one round of one dialogue."""

    countries: tuple[str, str]  # ISO alpha-3; order irrelevant (sorted by the archive)
    mechanism: str  # registry slug, or a slug derived from the name in the text
    relation: str  # 'report' | 'preview' | 'followup'
    series_name: str | None = None
    series_known: bool = False
    start_date: date | None = None
    end_date: date | None = None
    date_evidence: str | None = None
    date_rank: int = 0  # strength of the start-date evidence: 0 none, 1 preview, 2 relative, 3 explicit
    venue_city: str | None = None
    venue_country: str | None = None  # ISO alpha-2, never "virtual"
    virtual: bool = False
    round_ordinal: int | None = None
    co_chairs: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesRecord:
    """One dialogue series of the registry, as the archive stores it (``dialogue_series``).

    ``countries`` is the ISO alpha-3 pair (order irrelevant), or None for a registry entry that leaves the
    pair open (it then covers that mechanism between any pair)."""

    slug: str
    name: str
    countries: tuple[str, str] | None = None
    level: str | None = None
    aliases: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentRecord:
    """One extracted, normalised page ready to archive (document + its article fields + event facts)."""

    url: str
    canonical_url: str
    source_domain: str
    fetched_at: datetime
    http_status: int
    extractor_version: str
    topic: str  # 'dialogue_event' | 'dialogue_other'  (unrelated pages become RejectedUrl)
    body: str
    content_hash: str
    title: str | None = None
    published_at: datetime | None = None  # aware, in the original offset
    published_source: str | None = None
    published_precision: str | None = None
    published_rejected: str | None = None  # why a publication time found on the page was not kept
    language: str | None = None
    authors: list[str] = field(default_factory=list)
    topic_reasons: list[str] = field(default_factory=list)
    raw_html: bytes | None = None
    agency: str | None = None
    agency_source: str | None = None
    dateline_raw: str | None = None
    dateline_city: str | None = None
    dateline_region: str | None = None
    dateline_country: str | None = None
    dateline_date: date | None = None
    relation: str | None = None
    event: EventFactsRecord | None = None
    source_name: str | None = None
    source_kind: str | None = None
    source_country: str | None = None
    fetched_via: str | None = None  # 'sitemap' | 'feed' | 'listing' | 'url'
    discovery: dict[str, Any] | None = None  # what discovery said about the page (documents.discovery)
    http_last_modified: datetime | None = None  # the response's HTTP Last-Modified (documents.http_last_modified)


@dataclass(frozen=True)
class RejectedUrl:
    """A URL not to fetch again, with the reason (e.g. 'unrelated')."""

    canonical_url: str
    reason: str
    rule_version: str | None = None  # the rules that rejected it (a crawl under other rules fetches it again)


@dataclass
class BatchResult:
    documents_new: int = 0
    documents_duplicate: int = 0
    articles_new: int = 0
    articles_existing: int = 0
    articles_near_duplicate: int = 0  # of articles_existing: found by near-duplicate, not exact hash
    events_new: int = 0
    events_rekeyed: int = 0
    events_attached: int = 0
    rejected_new: int = 0
    # records refused alone, per reason ('too_long:sources.name', 'write_failed'); the rest of the batch landed
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n

    def counts(self) -> dict[str, int]:
        """The integer counters by name (``dropped`` excluded)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "dropped"}

    def add(self, other: BatchResult) -> None:
        for name, value in other.counts().items():
            setattr(self, name, getattr(self, name) + value)
        for reason, n in other.dropped.items():
            self.drop(reason, n)
