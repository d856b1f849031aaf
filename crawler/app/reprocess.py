"""``newsarchive reprocess``: re-derive every field of archived documents from their stored raw HTML with the
current code (crawler.core.process, the same pipeline a crawl runs), and write what changed (storage.reprocess).

The discovery evidence a crawl had is rebuilt from the archive: a time that came from the news sitemap or
feed is passed back as the link's time, so re-deriving does not lose it. A registered source's country,
zone and agency (crawler/data/sources.json) are applied as during a crawl.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, update

from crawler.core.discovery import Link
from crawler.core.events import DialogueRegistry
from crawler.core.process import process_page
from crawler.core.sources import Source, SourceRegistry, UnknownSource, fill_default_agency
from storage.events import assign_event, refresh_coverage
from storage.models import Article, CrawlRun, Document
from storage.records import DocumentRecord
from storage.reprocess import ReprocessResult, StoredPage, apply_rederived, stored_pages

LINK_SOURCES = ("sitemap", "feed")


def source_for(page: StoredPage, sources: SourceRegistry) -> Source | None:
    try:
        return sources.get(page.source_name)
    except UnknownSource:
        return sources.for_url(page.url)


def rederive(page: StoredPage, registry: DialogueRegistry, sources: SourceRegistry) -> DocumentRecord:
    """The record the current code derives from one stored page (pure: no database)."""
    link = None
    if page.published_source in LINK_SOURCES and page.published_at is not None:
        link = Link(url=page.url, published=page.published_at, published_raw=page.published_at.isoformat(),
                    via=page.fetched_via or page.published_source or "url")
    elif page.fetched_via:
        link = Link(url=page.url, via=page.fetched_via)
    source = source_for(page, sources)
    processed = process_page(
        page.raw_html, page.url, registry=registry, link=link,
        country=source.country if source else None,
        default_tz=ZoneInfo(source.timezone.value) if source and source.timezone.value else None,
        fetched_at=page.fetched_at, era_start=source.era_start if source else None,
    )
    if source is not None:
        fill_default_agency(processed, source.agency.value)
    return processed.to_record(status=page.http_status, fetched_at=page.fetched_at, raw_html=None,
                               source_name=page.source_name)


def run_reprocess(
    engine: Engine,
    *,
    registry: DialogueRegistry,
    sources: SourceRegistry,
    since: datetime | None = None,
    source: str | None = None,
    batch_size: int = 100,
    on_batch: Callable[[ReprocessResult], None] | None = None,
) -> ReprocessResult:
    """Reprocess every matching document, one transaction per batch; returns the totals."""
    total = ReprocessResult()
    for batch in stored_pages(engine, since=since, source=source, batch_size=batch_size):
        records = [(page, rederive(page, registry, sources)) for page in batch]
        result = apply_rederived(engine, records)
        total.add(result)
        if on_batch is not None:
            on_batch(total)
    return total


def reattach_unassigned(engine: Engine, run_id: int, *, registry: DialogueRegistry, sources: SourceRegistry) -> int:
    """Attach the run's articles that report a round but found no event when they arrived.

    A page that names its round's format but states no date joins an event of its block near its
    publication date; when it arrives before every dated page of that round (a fact sheet crawled before the
    report), there is nothing to join yet. At the end of the run its facts, re-derived from the stored HTML,
    meet the events the rest of the run created, so what is archived does not depend on crawl order. Returns
    how many articles were attached. Never creates an event (undated facts cannot key one).

    Articles left by earlier runs that never reached this step (killed between a batch and the end of the
    run: their ``crawl_runs`` row is still ``running``) are covered too, so an interruption does not leave
    an article without its event after the rerun."""
    interrupted = select(CrawlRun.id).where(CrawlRun.status == "running", CrawlRun.id != run_id)
    with engine.connect() as conn:
        ids = conn.execute(
            select(Document.id)
            .join(Article, Article.id == Document.article_id)
            .where(or_(Document.crawl_run_id == run_id, Document.crawl_run_id.in_(interrupted)),
                   Article.event_id.is_(None), Article.topic == "dialogue_event")
            .order_by(Document.id)
        ).scalars().all()
    attached = 0
    if not ids:
        return 0
    for batch in stored_pages(engine, document_ids=[int(i) for i in ids]):
        for page in batch:
            record = rederive(page, registry, sources)
            if record.event is None or record.topic != "dialogue_event" or page.article_id is None:
                continue
            with engine.begin() as conn:
                assignment = assign_event(conn, record.event, record.published_at)
                if assignment.event_id is None:
                    continue
                done = conn.execute(
                    update(Article)
                    .where(Article.id == page.article_id, Article.event_id.is_(None))
                    .values(event_id=assignment.event_id)
                ).rowcount
                if done:
                    refresh_coverage(conn, [assignment.event_id])
                    attached += 1
    return attached
