"""The pure page pipeline: HTML → extracted fields → normalised body, dateline, agency → topic → event facts.

This is what both the Scrapy pipelines and ``newsarchive extract`` run, so "why did this page get this
date?" is answered by the same code that archived it. No Scrapy, no database, no network.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from crawler.core.discovery import Link
from crawler.core.events import (
    DialogueRegistry,
    EventFacts,
    TopicDecision,
    classify_topic,
    extract_event_facts,
)
from crawler.core.extract import EXTRACTOR_VERSION, ExtractedPage, PublishedTime, extract_page
from crawler.core.extract.dates import country_timezone
from crawler.core.normalize.agency import detect_agency
from crawler.core.normalize.body import CleanBody, clean_body
from crawler.core.normalize.dateline import Dateline, parse_dateline
from crawler.core.plausible import plausible_published, published_rejection
from crawler.core.urls import canonical_url, host_of
from storage.records import DocumentRecord, EventFactsRecord

PIPELINE_VERSION = f"x{EXTRACTOR_VERSION}"

_MONTH_WORD = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d{1,2}\s+(?:jan|feb|mar|apr|may|"
    r"jun|jul|aug|sep|sept|oct|nov|dec)|\d{4}-\d{2}-\d{2}",
    re.IGNORECASE,
)


@dataclass
class ProcessedPage:
    url: str
    canonical_url: str
    page: ExtractedPage
    clean: CleanBody
    published: PublishedTime | None
    agency: str | None
    agency_source: str | None
    topic: TopicDecision
    facts: EventFacts | None
    link: Link | None = None
    published_rejected: str | None = None  # why a time found on the page was not kept (crawler.core.plausible)

    @property
    def source_name(self) -> str:
        """The publisher: news-sitemap publication name → og:site_name / JSON-LD publisher → host."""
        if self.link is not None and self.link.publication:
            return self.link.publication
        return self.page.site_name or host_of(self.canonical_url) or host_of(self.url)

    @property
    def title(self) -> str | None:
        return self.page.title

    @property
    def body(self) -> str:
        return "\n\n".join(self.clean.paragraphs)

    def content_hash(self) -> str:
        from crawler.core.normalize.body import content_hash

        return content_hash(self.clean.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """Every derived field, JSON-ready (what ``newsarchive extract`` prints)."""
        pub = self.published
        dl = self.clean.dateline
        facts = self.facts
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.page.title,
            "published_at": pub.value.isoformat() if pub else None,
            "published_utc": pub.value.astimezone(UTC).isoformat().replace("+00:00", "Z") if pub else None,
            "published_source": pub.source if pub else None,
            "published_precision": pub.precision if pub else None,
            "published_raw": pub.raw if pub else None,
            "published_rejected": self.published_rejected,
            "modified_at": self.page.modified.value.isoformat() if self.page.modified else None,
            "language": self.page.language,
            "authors": self.page.authors,
            "site_name": self.page.site_name,
            "source": self.source_name,
            "agency": self.agency,
            "agency_source": self.agency_source,
            "dateline": None
            if dl is None
            else {
                "raw": dl.raw, "city": dl.city, "region": dl.region, "country": dl.country,
                "agency": dl.agency, "agency_inferred": dl.agency_inferred, "month": dl.month, "day": dl.day,
                "year": dl.year, "date": dl.date.isoformat() if dl.date else None,
            },
            "wrapper": self.clean.wrapper,
            "disclaimers": self.clean.disclaimers,
            "trailer": self.clean.trailer,
            "topic": self.topic.topic,
            "topic_reasons": self.topic.reasons,
            "event": None if facts is None else _facts_dict(facts),
            "content_hash": self.content_hash(),
            "extractor_version": PIPELINE_VERSION,
            "body": self.body,
        }

    def to_record(
        self, *, status: int, fetched_at: datetime, raw_html: bytes | None, source_name: str | None = None
    ) -> DocumentRecord:
        pub = self.published
        dl = self.clean.dateline
        facts = self.facts
        event = None
        if facts is not None and facts.countries is not None and self.topic.topic == "dialogue_event":
            event = EventFactsRecord(
                countries=facts.countries,
                mechanism=facts.mechanism,
                relation=facts.relation,
                series_name=facts.series_name,
                series_known=facts.series_known,
                start_date=facts.start_date,
                end_date=facts.end_date,
                date_evidence=facts.date_evidence,
                date_rank=date_rank(facts),
                venue_city=facts.venue_city,
                venue_country=facts.venue_country,
                round_ordinal=facts.round_ordinal,
                co_chairs=[{"name": c.name, "title": c.title, "country": c.country} for c in facts.co_chairs],
                outcomes=list(facts.outcomes),
            )
        domain = host_of(self.canonical_url) or host_of(self.url)
        return DocumentRecord(
            url=self.url,
            canonical_url=self.canonical_url,
            source_domain=domain,
            source_name=source_name or self.source_name,
            fetched_at=fetched_at,
            http_status=status,
            extractor_version=PIPELINE_VERSION,
            topic=self.topic.topic,
            topic_reasons=list(self.topic.reasons),
            body=self.body,
            content_hash=self.content_hash(),
            title=self.page.title,
            published_at=pub.value if pub else None,
            published_source=pub.source if pub else None,
            published_precision=pub.precision if pub else None,
            published_rejected=self.published_rejected,
            language=self.page.language,
            authors=list(self.page.authors),
            raw_html=raw_html,
            agency=self.agency,
            agency_source=self.agency_source,
            dateline_raw=dl.raw if dl else None,
            dateline_city=dl.city if dl else None,
            dateline_region=dl.region if dl else None,
            dateline_country=dl.country if dl else None,
            dateline_date=dl.date if dl else None,
            relation=facts.relation if facts is not None and self.topic.topic == "dialogue_event" else None,
            event=event,
            fetched_via=self.link.via if self.link is not None else None,
        )


def date_rank(facts: EventFacts) -> int:
    """How strongly the facts fix the round's start date (storage keeps the strongest)."""
    if facts.start_date is None:
        return 0
    if facts.relation == "preview":
        return 1
    if facts.date_evidence and _MONTH_WORD.search(facts.date_evidence):
        return 3
    return 2


def _facts_dict(facts: EventFacts) -> dict[str, Any]:
    return {
        "key": facts.event_key(),
        "mechanism": facts.mechanism,
        "series_name": facts.series_name,
        "series_known": facts.series_known,
        "countries": list(facts.countries) if facts.countries else None,
        "start_date": facts.start_date.isoformat() if facts.start_date else None,
        "end_date": facts.end_date.isoformat() if facts.end_date else None,
        "date_evidence": facts.date_evidence,
        "venue_city": facts.venue_city,
        "venue_country": facts.venue_country,
        "co_chairs": [{"name": c.name, "title": c.title, "country": c.country} for c in facts.co_chairs],
        "outcomes": list(facts.outcomes),
        "round_ordinal": facts.round_ordinal,
        "relation": facts.relation,
    }


def _published_from_link(link: Link | None) -> PublishedTime | None:
    if link is None or link.published is None:
        return None
    source = "sitemap" if link.via == "sitemap" else "feed"
    return PublishedTime(value=link.published, source=source, precision="datetime",
                         raw=link.published_raw or link.published.isoformat())


def _published_from_dateline(clean: CleanBody) -> PublishedTime | None:
    dl = clean.dateline
    if dl is None or dl.date is None:
        return None
    value = datetime(dl.date.year, dl.date.month, dl.date.day, tzinfo=UTC)
    return PublishedTime(value=value, source="dateline", precision="day", raw=dl.raw, offset_assumed=True)


def _relocalise(published: PublishedTime, zone: tzinfo) -> PublishedTime:
    """A time whose zone was assumed, read again as wall-clock time in ``zone``."""
    wall = published.value.replace(tzinfo=None)
    return dataclasses.replace(published, value=wall.replace(tzinfo=zone), offset_assumed=True)


def choose_published(page: ExtractedPage, link: Link | None, clean: CleanBody) -> PublishedTime | None:
    """The page's publication time, from the strongest evidence.

    Page metadata first, except that a page value with day precision, or with a zone that was not printed
    (``offset_assumed``), yields to a full timestamp of the same day from the news sitemap/feed. A page time
    whose zone was not printed and that the sitemap cannot confirm is read in the zone of the dateline's
    country when there is one. Then sitemap/feed; then the dateline (day precision).
    """
    from_link = _published_from_link(link)
    pub = page.published
    if pub is None:
        return from_link or _published_from_dateline(clean)
    weak = pub.precision == "day" or pub.offset_assumed
    if weak and from_link is not None and abs(from_link.value - pub.value) <= timedelta(hours=36):
        return from_link
    if pub.offset_assumed and pub.precision != "day" and clean.dateline is not None:
        zone = country_timezone(clean.dateline.country)
        if zone is not None:
            return _relocalise(pub, zone)
    return pub


def reference_date(published: PublishedTime | None, clean: CleanBody) -> date | None:
    if clean.dateline is not None and clean.dateline.date is not None:
        return clean.dateline.date
    if published is None:
        return None
    return published.value.date()


def _squashed(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def fact_paragraphs(page: ExtractedPage, clean: CleanBody) -> list[str]:
    """The paragraphs event facts are read from: the clean body, after the page's description when that
    is a sentence of its own that the body does not carry (a standfirst the main-text extractor left out:
    "X will co-chair the sixth ... dialogue with China on Wednesday"). The body itself is not changed."""
    description = page.description or ""
    if len(description) < 60 or description.rstrip()[-1:] not in ".!?\"'”’":
        return clean.paragraphs
    key = _squashed(description)[:80]
    head = _squashed(" ".join(clean.paragraphs[:3]))
    if not key or key in head:
        return clean.paragraphs
    return [description, *clean.paragraphs]


_TERMINATED = re.compile(r"(?:--|[-–—:|])\s*\Z")


def _marked_dateline(text: str, published: Any) -> Dateline | None:
    """The dateline of an element the page marks as one ("NEW DELHI" on its own): the mark stands in for
    the terminator a dateline in running text needs ("NEW DELHI —")."""
    return parse_dateline(text if _TERMINATED.search(text) else f"{text} —", published)


def process_page(
    html: bytes | str,
    url: str,
    *,
    registry: DialogueRegistry,
    link: Link | None = None,
    country: str | None = None,
    default_tz: Any = None,
    fetched_at: datetime | None = None,
    era_start: date | None = None,
) -> ProcessedPage:
    """Run the whole pure pipeline on one page. Never raises on bad HTML (yields an empty page).

    With ``fetched_at``, a publication time outside the plausible window (crawler.core.plausible: not before
    ``era_start``, not after the fetch) is not used, for the date nor as the reference of relative dates."""
    page = extract_page(html, url, default_tz=default_tz, country=country)
    hint = page.published.value if page.published else (link.published if link else None)
    if hint is not None and fetched_at is not None and not plausible_published(hint, fetched_at, era_start):
        hint = None
    clean = clean_body(page.body_paragraphs, published=hint)
    if clean.dateline is None and page.dateline_text:
        clean = dataclasses.replace(clean, dateline=_marked_dateline(page.dateline_text, hint))
    published = choose_published(page, link, clean)
    rejected = None
    if published is not None and fetched_at is not None:
        why = published_rejection(published.value, fetched_at, era_start)
        if why is not None:
            rejected, published = f"{why} ({published.source} {published.raw[:100]!r})"[:200], None
    evidence = clean.agency
    if evidence is None:
        evidence = detect_agency(dateline=clean.dateline, paragraphs=page.body_paragraphs,
                                 author_organizations=page.author_organizations, title=page.title)
    paragraphs = fact_paragraphs(page, clean)
    topic = classify_topic(page.title, paragraphs, registry)
    facts = None
    if topic.topic != "unrelated":
        facts = extract_event_facts(
            page.title,
            paragraphs,
            registry=registry,
            reference_date=reference_date(published, clean),
            published=published.value if published else None,
            dateline_city=clean.dateline.city if clean.dateline else None,
            dateline_country=clean.dateline.country if clean.dateline else None,
        )
    return ProcessedPage(
        url=url,
        canonical_url=canonical_url(url, page.canonical_url),
        page=page,
        clean=clean,
        published=published,
        agency=evidence.code if evidence else None,
        agency_source=evidence.source if evidence else None,
        topic=topic,
        facts=facts,
        link=link,
        published_rejected=rejected,
    )


__all__ = ["ProcessedPage", "choose_published", "date_rank", "fact_paragraphs", "process_page"]
