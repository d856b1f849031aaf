"""Scrapy item pipelines: thin shells around crawler.core.process (pure) and storage.Archive (the database).

ExtractPipeline   validate the response, run the pure page pipeline (in worker processes by default,
                  crawler.shell.extract_pool); drop with a counted reason (``extract_error``: the rules
                  raised, traceback logged; the crawl goes on).
ArchivePipeline   buffer records and write them in batches off the reactor thread (``asyncio.to_thread``),
                  one transaction per batch; advance each source's publication watermark; send unrelated
                  pages' URLs to ``seen_urls`` with the rules version that rejected them; record the crawl
                  in ``crawl_runs`` and judge it with the monitors (crawler.shell.monitors) when the spider
                  closes.

Every drop is counted in the stats as ``newsarchive/dropped/<reason>`` and logged at INFO.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.core.context import Registries
from crawler.core.plausible import RELATIVE_ONLY
from crawler.core.process import PIPELINE_VERSION
from crawler.shell.extract_pool import (
    ExtractJob,
    ExtractPool,
    WorkerCrashed,
    default_extract_workers,
    extract,
)
from crawler.shell.items import PageItem
from crawler.shell.monitors import Thresholds, judge_run, run_status
from crawler.shell.resources import ArchiveResources
from storage.archive import Archive
from storage.crawlstats import (
    ARCHIVE,
    BATCHES,
    BATCHES_FAILED,
    DROPPED,
    EVENTS_REATTACHED,
    EXTRACT,
    PUBLISHED_IMPLAUSIBLE,
    PUBLISHED_RELATIVE_ONLY,
    WRITE_FAILED,
)
from storage.feeds import advance_watermarks, newest_by_source
from storage.records import BatchResult, DocumentRecord, RejectedUrl, SeriesRecord
from storage.runs import close_run, previous_coverage, run_field_coverage
from storage.schema import require_current_schema

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


def drop(crawler: Crawler, reason: str, detail: str) -> DropItem:
    """Count a drop reason and return the exception to raise."""
    assert crawler.stats is not None
    crawler.stats.inc_value(DROPPED(reason))
    return DropItem(f"{reason}: {detail}")


class ExtractPipeline:
    """Validate the response, then run the page pipeline (crawler.shell.extract_pool.extract) on it.

    With ``NEWSARCHIVE_EXTRACT_WORKERS`` > 0 the pipeline runs in that many worker processes
    (crawler.shell.extract_pool.ExtractPool) and the reactor keeps downloading meanwhile; 0 runs it inline on the
    reactor thread. Both give the same ProcessedPage. The workers start once ``NEWSARCHIVE_EXTRACT_POOL_AFTER``
    pages have been extracted inline (0: with the crawl)."""

    def __init__(self, crawler: Crawler, registries: Registries, workers: int = 0, pool_after: int = 0) -> None:
        self.crawler = crawler
        self.registries = registries  # loaded here in both modes: a bad user registry fails before any worker
        self.workers = workers
        self.pool_after = pool_after
        self.extracted_inline = 0
        self.pool: ExtractPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        raw = crawler.settings.get("NEWSARCHIVE_EXTRACT_WORKERS")
        workers = default_extract_workers() if raw in (None, "") else crawler.settings.getint(
            "NEWSARCHIVE_EXTRACT_WORKERS")
        if workers < 0:
            logger.warning("NEWSARCHIVE_EXTRACT_WORKERS=%s is negative: extracting inline", workers)
            workers = 0
        pool_after = max(0, crawler.settings.getint("NEWSARCHIVE_EXTRACT_POOL_AFTER", 0))
        return cls(crawler, ArchiveResources.of(crawler).registries, workers, pool_after)

    def open_spider(self) -> None:
        if self.workers > 0 and self.pool_after == 0:
            self._start_pool()

    def _start_pool(self) -> ExtractPool:
        self.pool = ExtractPool(self.workers, count=self._count)
        self.pool.start()
        logger.info("extracting pages in %d worker process(es)", self.workers)
        return self.pool

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _count(self, event: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(EXTRACT(event))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        if item.status != 200:
            raise drop(self.crawler, "http_status", f"{item.status} {item.url}")
        ctype = (item.content_type or "").split(";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            raise drop(self.crawler, "not_html", f"{ctype} {item.url}")
        if not item.body.strip():
            raise drop(self.crawler, "empty_body", item.url)
        job = ExtractJob.from_item(item)
        pool = self.pool
        if pool is None and self.workers > 0 and self.extracted_inline >= self.pool_after:
            pool = self._start_pool()
        try:
            if pool is None:
                self.extracted_inline += 1
                processed = extract(job, self.registries)
            else:
                processed = await pool.run(job)
        except WorkerCrashed as exc:
            raise drop(self.crawler, "extract_worker_crashed", str(exc)) from None
        except Exception as exc:
            # The one catch around the pure rules (crawler.core raises on bugs): the page is dropped with a
            # counted reason and its traceback (from the worker process too: the remote traceback is the
            # cause) in the log; the crawl goes on. The URL is not archived nor remembered in seen_urls, so
            # the next crawl (with the bug fixed) fetches it again.
            logger.error("extraction failed on %s", item.url, exc_info=exc)
            raise drop(self.crawler, "extract_error", f"{type(exc).__name__}: {exc} ({item.url})") from None
        if not processed.clean.paragraphs:
            raise drop(self.crawler, "no_article", f"no article text in {item.url}")
        if processed.published_rejected is not None:  # archived without it (crawler.core.plausible)
            assert self.crawler.stats is not None
            relative = processed.published_rejected.startswith(RELATIVE_ONLY)
            self.crawler.stats.inc_value(PUBLISHED_RELATIVE_ONLY if relative else PUBLISHED_IMPLAUSIBLE)
            logger.info("publication time not kept on %s: %s", item.url, processed.published_rejected)
        item.processed = processed
        return item


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.resources = ArchiveResources.of(crawler)
        self.batch_size = max(1, settings.getint("NEWSARCHIVE_BATCH_SIZE", 50))
        self.keep_raw = settings.getbool("NEWSARCHIVE_KEEP_RAW_HTML", True)
        self.documents: list[DocumentRecord] = []
        self.rejected: list[RejectedUrl] = []
        self.totals = BatchResult()
        self.run_id: int | None = None
        self.archive: Archive | None = None
        self.registries: Registries | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        engine = self.resources.engine
        require_current_schema(engine, self.resources.masked_url)
        self.archive = Archive(engine)
        self.registries = self.resources.registries
        self.archive.sync_series(  # the registry as rows of dialogue_series; links events to them
            SeriesRecord(s.slug, s.name, s.countries, s.level, s.aliases, s.abbreviations)
            for s in self.registries.dialogues.series
        )
        spider = self.crawler.spider
        args = spider.run_arguments() if spider is not None and hasattr(spider, "run_arguments") else {}
        args = {**args, "database": self.resources.masked_url}
        self.run_id = self.archive.start_run(spider.name if spider else "?", args)
        if spider is not None:
            spider.crawl_run_id = self.run_id  # type: ignore[attr-defined]

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.processed is None:
            return item
        processed = item.processed
        if processed.topic.topic == "unrelated":
            self.rejected.append(RejectedUrl(processed.canonical_url, "unrelated", PIPELINE_VERSION))
            await self._maybe_flush()
            raise drop(self.crawler, "unrelated", "; ".join(processed.topic.reasons)[:200])
        self.documents.append(
            processed.to_record(status=item.status, raw_html=item.body if self.keep_raw else None)
        )
        await self._maybe_flush()
        return item

    async def _maybe_flush(self, force: bool = False) -> None:
        if not force and len(self.documents) + len(self.rejected) < self.batch_size:
            return
        async with self._lock:
            docs, rej = self.documents, self.rejected
            self.documents, self.rejected = [], []
            if not docs and not rej:
                return
            assert self.archive is not None
            try:
                result = await asyncio.to_thread(self._write, docs, rej)
            except Exception:
                stats = self.crawler.stats
                assert stats is not None
                stats.inc_value(BATCHES_FAILED)
                stats.inc_value(WRITE_FAILED, len(docs))
                raise
            self.totals.add(result)
            stats = self.crawler.stats
            assert stats is not None
            for name, value in result.counts().items():
                if value:
                    stats.inc_value(ARCHIVE(name), value)
            for reason, n in result.dropped.items():  # records refused alone (storage.limits, write_failed)
                stats.inc_value(DROPPED(reason), n)
            stats.inc_value(BATCHES)

    def _write(self, docs: list[DocumentRecord], rejected: list[RejectedUrl]) -> BatchResult:
        """One batch in one transaction, then move the sources' watermarks forward (monotonic, so a crash
        between the two only leaves a watermark behind, never wrong)."""
        assert self.archive is not None
        result = self.archive.write_batch(docs, rejected, crawl_run_id=self.run_id)
        newest = newest_by_source((d.source_name or d.source_domain, d.published_at) for d in docs)
        if newest:
            advance_watermarks(self.archive.engine, newest)
        return result

    async def close_spider(self) -> None:
        if self.archive is not None:
            await self._maybe_flush(force=True)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None or self.run_id is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        snapshot = json.loads(json.dumps(stats.get_stats(), default=_json_default))
        await asyncio.to_thread(self._close_run, self.run_id, reason, snapshot)

    def _close_run(self, run_id: int, reason: str, snapshot: dict[str, Any]) -> None:
        """Attach the run's undated round reports that arrived before their round's event existed, judge the
        run (crawler.shell.monitors) and write its crawl_runs row; the status drives the exit code."""
        assert self.archive is not None
        try:
            from crawler.shell.reprocess import reattach_unassigned

            assert self.registries is not None  # loaded in open_spider with the archive
            attached = reattach_unassigned(self.archive.engine, run_id, self.registries)
            if attached:
                snapshot[EVENTS_REATTACHED] = attached
                logger.info("attached %d undated round report(s) to events created later in the run", attached)
        except Exception:  # the run's record must still be written
            logger.exception("re-attaching undated round reports failed")
        with self.archive.engine.connect() as conn:
            coverage = run_field_coverage(conn, run_id)
            previous = previous_coverage(conn, run_id)
        results = judge_run(snapshot, reason, coverage, Thresholds.from_settings(self.crawler.settings), previous)
        for r in results:
            if not r.passed:
                logger.error("monitor %s failed: %s", r.name, r.detail)
        close_run(self.archive.engine, run_id, finish_reason=reason, items_archived=self.totals.documents_new,
                  stats=snapshot,
                  status=run_status(results, reason, resumable=bool(self.crawler.settings.get("JOBDIR"))),
                  monitor_results={r.name: r.to_json() for r in results})


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
