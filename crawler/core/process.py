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

from crawler.core.context import PageContext
from crawler.core.contract import PAGE_FIELDS, field_dict, record_values
from crawler.core.discovery import Link
from crawler.core.events import (
    EventFacts,
    TopicDecision,
    analyse_screened,
    classify_analysed,
    facts_of_analysed,
    screen_text,
    unrelated_at_a_glance,
)
from crawler.core.extract import EXTRACTOR_VERSION, ExtractedPage, PublishedTime, extract_page
from crawler.core.extract.dates import country_timezone
from crawler.core.extract.url_dates import month_from_url
from crawler.core.normalize.agency import detect_agency
from crawler.core.normalize.body import CleanBody, clean_body
from crawler.core.normalize.dateline import Dateline, parse_dateline
from crawler.core.plausible import RELATIVE_ONLY, plausible_published, published_rejection
from crawler.core.reference import calendar
from crawler.core.sources import fill_default_agency
from crawler.core.urls import canonical_url, host_of
from storage.records import DocumentRecord, EventFactsRecord

PIPELINE_VERSION = f"x{EXTRACTOR_VERSION}"

_MONTH_WORD = re.compile(
    r"\b" + calendar().month_pattern + r"[a-z]*\.?\s+\d|\d{1,2}\s+" + calendar().month_pattern + r"|\d{4}-\d{2}-\d{2}",
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
    # from the page's context (not the context itself: a ProcessedPage crosses back from the extraction
    # workers, and the context holds the dialogue registry)
    link: Link | None = None
    context_source: str | None = None
    fetched_at: datetime | None = None
    last_modified: datetime | None = None  # the response's HTTP Last-Modified (archived for reprocessing)
    published_rejected: str | None = None  # why a time found on the page was not kept (crawler.core.plausible)

    @property
    def source_name(self) -> str:
        """The publisher: the registered source → news-sitemap publication name → og:site_name / JSON-LD
        publisher → host."""
        if self.context_source:
            return self.context_source
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

    @property
    def source_domain(self) -> str:
        return host_of(self.canonical_url) or host_of(self.url)

    @property
    def extractor_version(self) -> str:
        return PIPELINE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Every field of the data contract (crawler/core/contract.py), JSON-ready: what ``newsarchive
        extract`` prints and tests/snapshots hold."""
        return field_dict(PAGE_FIELDS, self)

    def to_record(self, *, status: int, raw_html: bytes | None, fetched_at: datetime | None = None) -> DocumentRecord:
        """The archived fields of the data contract, plus the ones the fetch brings (``fetched_at`` defaults
        to the context's)."""
        fetched_at = fetched_at or self.fetched_at
        if fetched_at is None:
            raise ValueError(f"to_record needs a fetch time (none in the context of {self.url})")
        values = record_values(self)
        event = values.pop("event")
        return DocumentRecord(
            **values,
            event=None if event is None else EventFactsRecord(**event),
            fetched_at=fetched_at,
            http_status=status,
            raw_html=raw_html,
            http_last_modified=self.last_modified,
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


def relative_reference(context: PageContext) -> datetime | None:
    """The trustworthy "now" a page's relative phrases ("2 hours ago", "vor 3 Tagen") are read against:
    the date its sitemap/feed entry gives, else the response's HTTP ``Last-Modified``. Never the wall clock
    nor the fetch time; None when the crawl gives neither (the phrase is then not read, and the page says
    why: ``published_rejected = "relative_only (...)"``)."""
    for reference in (context.link.published if context.link is not None else None, context.last_modified):
        if reference is not None and (context.fetched_at is None
                                      or plausible_published(reference, context.fetched_at, context.era_start)):
            return reference
    return None


def process_page(html: bytes | str, url: str, context: PageContext) -> ProcessedPage:
    """Run the whole pure pipeline on one page in its context (``Registries.context_for``).

    Bad HTML yields an empty page; any exception is a bug in the rules (the crawl counts it as a drop).
    With the context's fetch time, a publication time outside the plausible window (crawler.core.plausible:
    not before the source's era, not after the fetch + 1 day) is not used, for the date nor as the
    reference of relative dates; ``published_rejected`` says why."""
    link, registry = context.link, context.dialogues
    fetched_at, era_start = context.fetched_at, context.era_start
    page = extract_page(html, url, default_tz=context.zone, country=context.country,
                        relative_base=relative_reference(context))
    hint = page.published.value if page.published else (link.published if link else None)
    if hint is not None and fetched_at is not None and not plausible_published(hint, fetched_at, era_start):
        hint = None
    clean = clean_body(page.body_paragraphs, published=hint)
    if clean.dateline is None and page.dateline_text:
        clean = dataclasses.replace(clean, dateline=_marked_dateline(page.dateline_text, hint))
    published = choose_published(page, link, clean)
    rejected = None
    if published is None and page.relative_date is not None:
        rejected = f"{RELATIVE_ONLY} ({page.relative_date!r})"[:200]
    if published is not None and fetched_at is not None:
        why = published_rejection(published.value, fetched_at, era_start)
        if why is not None:
            rejected, published = f"{why} ({published.source} {published.raw[:100]!r})"[:200], None
    evidence = clean.agency
    if evidence is None:
        evidence = detect_agency(dateline=clean.dateline, paragraphs=page.body_paragraphs,
                                 author_organizations=page.author_organizations, title=page.title)
    paragraphs = fact_paragraphs(page, clean)
    screened = screen_text(page.title, paragraphs, registry)
    # Most pages name no dialogue: their topic is settled before their countries are read, by the
    # topic rules' own first gate (the same answer as the full reading; docs/decisions.md).
    topic = unrelated_at_a_glance(screened)
    facts = None
    if topic is None:
        text = analyse_screened(screened)
        topic = classify_analysed(text)
        if topic.topic != "unrelated":
            facts = facts_of_analysed(
                text,
                reference_date=reference_date(published, clean),
                published=published.value if published else None,
                dateline_city=clean.dateline.city if clean.dateline else None,
                dateline_country=clean.dateline.country if clean.dateline else None,
                month_hint=month_from_url(url),
            )
    processed = ProcessedPage(
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
        context_source=context.source_name,
        fetched_at=context.fetched_at,
        last_modified=context.last_modified,
        published_rejected=rejected,
    )
    fill_default_agency(processed, context.agency)  # a registered wire's own page that names no agency
    return processed


__all__ = ["ProcessedPage", "choose_published", "date_rank", "fact_paragraphs", "process_page", "relative_reference"]
