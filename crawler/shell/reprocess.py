"""``newsarchive reprocess``: re-derive every field of archived documents from their stored raw HTML with the
current code (crawler.core.process, the same pipeline a crawl runs), and write what changed (storage.reprocess).

Each page is processed in the context a crawl gives it (``Registries.context_for``, crawler.core.context):
the registered source's country, zone and agency, and the discovery metadata archived with the document
(``documents.discovery``). An article's fields are merged from its copies by the crawl's gap-filling rule
(storage.archive.gap_fill), so reprocessing right after a crawl changes nothing.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from sqlalchemy import Connection, Engine, or_, select, update

from crawler.core.context import Registries, link_from_json
from crawler.core.discovery import Link
from crawler.core.process import process_page
from storage.events import assign_event, refresh_coverage
from storage.models import Article, CrawlRun, Document, Event
from storage.records import DocumentRecord
from storage.reprocess import ReprocessResult, StoredPage, apply_rederived, copies_of, stored_pages

LINK_SOURCES = ("sitemap", "feed")


def stored_link(page: StoredPage) -> Link | None:
    """The discovery metadata the crawl had: ``documents.discovery``; for documents archived before it was
    kept (migration 0003), what can be rebuilt (a sitemap/feed time that won, how the page was found)."""
    if page.discovery is not None:
        return link_from_json(page.url, page.discovery)
    if page.published_source in LINK_SOURCES and page.published_at is not None:
        return Link(url=page.url, published=page.published_at, published_raw=page.published_at.isoformat(),
                    via=page.fetched_via or page.published_source or "url")
    if page.fetched_via:
        return Link(url=page.url, via=page.fetched_via)
    return None


def rederive(page: StoredPage, registries: Registries) -> DocumentRecord:
    """The record the current code derives from one stored page (pure: no database), in the context
    ``Registries.context_for`` builds from the archived source name and discovery metadata."""
    context = registries.context_for(page.url, page.source_name, stored_link(page), page.fetched_at,
                                     last_modified=page.http_last_modified)
    processed = process_page(page.raw_html, page.url, context)
    return processed.to_record(status=page.http_status, raw_html=None)


MAX_DEFAULT_WORKERS = 4
POOL_AFTER_PAGES = 500  # by default, pages derived inline before the workers start (about what their start costs)


def default_reprocess_workers(cpu_count: int | None = None) -> int:
    """Every core, at most 4: unlike a crawl there is no reactor to keep a core for (the main process only
    reads batches and writes what changed while the workers derive)."""
    return min(MAX_DEFAULT_WORKERS, max(1, cpu_count if cpu_count is not None else (os.cpu_count() or 1)))


def rederive_in_worker(page: StoredPage) -> DocumentRecord:
    """The task a reprocess worker runs: ``rederive`` with the worker's registries (crawler.shell.extract_pool)."""
    from crawler.shell.extract_pool import worker_registries

    return rederive(page, worker_registries())


class Deriver:
    """Re-derives batches of stored pages: inline (``workers`` 0), or in ``workers`` extraction worker processes
    (the crawl's: ``spawn``, registries loaded and indexes warmed once per worker), in page order either way, so
    what is written does not depend on the number of workers. With ``pool_after`` > 0 the pool starts only once
    that many pages have been derived inline: starting workers costs seconds (each loads the registries and
    warms its indexes), more than a small archive takes inline. Use it as a context manager (the pool, if one
    started, is shut down on exit)."""

    def __init__(self, registries: Registries, workers: int, pool_after: int = 0) -> None:
        self.registries = registries
        self.workers = workers
        self.pool_after = pool_after
        self.derived_inline = 0
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Deriver:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    @property
    def workers_started(self) -> int:
        return self.workers if self.pool is not None else 0

    def __call__(self, pages: Sequence[StoredPage]) -> list[DocumentRecord]:
        if self.pool is None and (self.workers <= 0 or self.derived_inline < self.pool_after):
            self.derived_inline += len(pages)
            return [rederive(page, self.registries) for page in pages]
        if self.pool is None:
            from crawler.shell.extract_pool import init_worker

            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=init_worker)
        chunk = max(1, len(pages) // (self.workers * 4))
        return list(self.pool.map(rederive_in_worker, pages, chunksize=chunk))


def run_reprocess(
    engine: Engine,
    registries: Registries,
    *,
    since: datetime | None = None,
    source: str | None = None,
    batch_size: int = 100,
    on_batch: Callable[[ReprocessResult], None] | None = None,
    deriver: Deriver | None = None,
) -> ReprocessResult:
    """Reprocess every matching document, one transaction per batch; returns the totals. ``deriver``: how pages
    are re-derived (default: inline, in this process)."""
    with deriver or Deriver(registries, workers=0) as derive:
        return _run(engine, derive, since=since, source=source, batch_size=batch_size, on_batch=on_batch)


def _run(engine: Engine, derive: Deriver, *, since: datetime | None, source: str | None, batch_size: int,
         on_batch: Callable[[ReprocessResult], None] | None) -> ReprocessResult:
    total = ReprocessResult()
    for batch in stored_pages(engine, since=since, source=source, batch_size=batch_size):
        # the other copies of these articles: the crawl filled the articles' gaps from them
        done = {page.document_id for page in batch}
        wanted = [i for i in copies_of(engine, sorted({p.article_id for p in batch if p.article_id is not None}))
                  if i not in done]
        others = [p for part in stored_pages(engine, document_ids=wanted, batch_size=max(1, len(wanted)))
                  for p in part] if wanted else []
        derived = derive([*batch, *others])  # one round trip to the workers for the batch and its copies
        records = list(zip(batch, derived[:len(batch)], strict=True))
        copies = {p.document_id: r for p, r in zip(others, derived[len(batch):], strict=True)}
        result = apply_rederived(engine, records, copies)
        total.add(result)
        if on_batch is not None:
            on_batch(total)
    return total


def _waiting_in_blocks_of_run(conn: Connection, run_id: int) -> list[int]:
    """Documents of other runs whose article reports a round but has no event, and whose stored facts are of a
    block an event of this run's documents belongs to."""
    blocks = {
        (row.country_a, row.country_b, row.mechanism)
        for row in conn.execute(
            select(Event.country_a, Event.country_b, Event.mechanism).distinct()
            .join(Article, Article.event_id == Event.id)
            .join(Document, Document.article_id == Article.id)
            .where(Document.crawl_run_id == run_id)
        )
    }
    if not blocks:
        return []
    waiting = conn.execute(
        select(Document.id, Document.event_facts)
        .join(Article, Article.id == Document.article_id)
        .where(or_(Document.crawl_run_id.is_(None), Document.crawl_run_id != run_id), Article.event_id.is_(None),
               Article.topic == "dialogue_event",
               Document.event_facts.is_not(None))
    )
    out = []
    for doc_id, facts in waiting:
        countries = facts.get("countries") if isinstance(facts, dict) else None
        if isinstance(countries, list) and len(countries) == 2 \
                and (countries[0], countries[1], facts.get("mechanism")) in blocks:
            out.append(int(doc_id))
    return out


def reattach_unassigned(engine: Engine, run_id: int, registries: Registries) -> int:
    """Attach the run's articles that report a round but found no event when they arrived.

    A page that names its round's format but states no date joins an event of its block near its
    publication date; when it arrives before every dated page of that round (a fact sheet crawled before the
    report), there is nothing to join yet. At the end of the run its facts, re-derived from the stored HTML,
    meet the events the rest of the run created, so what is archived does not depend on crawl order. Returns
    how many articles were attached. Never creates an event (undated facts cannot key one).

    Articles left by earlier runs that never reached this step (killed between a batch and the end of the
    run: their ``crawl_runs`` row is still ``running``) are covered too, so an interruption does not leave
    an article without its event after the rerun. So are the waiting articles of earlier runs whose stored
    facts are of a block (pair + mechanism) this run's pages reached: a round's undated preview archived on
    Monday meets the event Thursday's crawl created from the dated report (an event needs a date, so undated
    pages wait for one; docs/decisions.md, issue 15 fourth pass)."""
    interrupted = select(CrawlRun.id).where(CrawlRun.status == "running", CrawlRun.id != run_id)
    with engine.connect() as conn:
        ids = conn.execute(
            select(Document.id)
            .join(Article, Article.id == Document.article_id)
            .where(or_(Document.crawl_run_id == run_id, Document.crawl_run_id.in_(interrupted)),
                   Article.event_id.is_(None), Article.topic == "dialogue_event")
            .order_by(Document.id)
        ).scalars().all()
        ids = sorted({*ids, *_waiting_in_blocks_of_run(conn, run_id)})
    attached = 0
    if not ids:
        return 0
    for batch in stored_pages(engine, document_ids=[int(i) for i in ids]):
        for page in batch:
            record = rederive(page, registries)
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
