"""Running a crawl from Python (the CLI and the demo use this; ``scrapy crawl newsarchive`` works too)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from sqlalchemy import select

from crawler.shell.spiders.archive import ArchiveSpider
from storage.db import make_engine
from storage.models import CrawlRun


@dataclass
class CrawlOutcome:
    run_id: int | None
    finish_reason: str | None
    items_archived: int
    stats: dict[str, Any] = field(default_factory=dict)
    status: str = "failed"  # crawl_runs.status: 'ok' only when the run finished and passed its monitors
    monitor_results: dict[str, Any] | None = None


def crawl_settings(
    database_url: str,
    *,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
    log_level: str = "WARNING",
) -> Settings:
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "newsarchive":  # outside the repo: load ours explicitly
        settings.setmodule("crawler.shell.settings", priority="project")
    settings.set("NEWSARCHIVE_DATABASE_URL", database_url, priority="cmdline")
    settings.set("NEWSARCHIVE_PROGRESS", progress, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def one_line_records(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """A log record factory for runs without --verbose: a logged failure is its one message line. The
    traceback Scrapy attaches to a refused connection or a failed DNS lookup (60-80 lines each) is dropped;
    the exception's own first line is kept when the message does not already say it.

    A record factory, not a handler filter: Scrapy replaces its root handler when the crawler starts."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if record.exc_info:
            exc = record.exc_info[1]
            cause = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
            message = record.getMessage()
            if cause and cause not in message:
                record.msg, record.args = f"{message} ({type(exc).__name__}: {cause})", None
            record.exc_info = None
            record.exc_text = None
        record.stack_info = None
        return record

    return make


def local_fast_overrides() -> dict[str, Any]:
    """Settings for crawling our own servers on 127.0.0.1 (demo, tests): no politeness delay needed."""
    return {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def run_crawl(
    database_url: str,
    *,
    sitemaps: Sequence[str] = (),
    feeds: Sequence[str] = (),
    urls: Sequence[str] = (),
    urls_files: Sequence[str] = (),
    since: date | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
    log_level: str = "WARNING",
    sources: Sequence[str] = (),
    all_sources: bool = False,
) -> CrawlOutcome:
    """Run one crawl to completion in this process (blocks; once per process: Twisted cannot restart).

    One spider (crawler.shell.spiders.archive): registered ``sources`` (or ``all_sources``), or the given
    sitemaps, feeds and URLs as one anonymous source."""
    settings = crawl_settings(database_url, overrides=overrides, progress=progress, log_level=log_level)
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(log_level)
    previous_factory = logging.getLogRecordFactory()
    if logging.getLevelName(log_level) > logging.INFO:  # -v keeps the tracebacks
        logging.setLogRecordFactory(one_line_records(previous_factory))
    crawler = process.create_crawler(ArchiveSpider)
    process.crawl(crawler, sources=list(sources), all_sources=all_sources, sitemap=list(sitemaps),
                  feed=list(feeds), url=list(urls), urls_file=list(urls_files), since=since)
    try:
        process.start()
    finally:
        logging.setLogRecordFactory(previous_factory)
    spider = crawler.spider
    run_id = getattr(spider, "crawl_run_id", None)
    if run_id is None:
        return CrawlOutcome(run_id=None, finish_reason=None, items_archived=0)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(CrawlRun).where(CrawlRun.id == run_id)).one()
    finally:
        engine.dispose()
    return CrawlOutcome(run_id=run_id, finish_reason=row.finish_reason, items_archived=row.items_archived,
                        stats=row.stats or {}, status=row.status, monitor_results=row.monitor_results)
