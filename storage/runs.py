"""Crawl-run records: closing a ``crawl_runs`` row from a run's stats and its monitors' verdict, the field
coverage the monitors judge, and the listing behind ``newsarchive runs``.

Stats are Scrapy's flat ``name -> value`` dict. The one place that reads them into run columns:

- drops per reason: ``newsarchive/dropped/<reason>``;
- HTTP errors: responses with a 4xx/5xx status plus download exceptions (timeouts, refused connections),
  NOT ``IgnoreRequest`` (a request a middleware declined on purpose: robots.txt, an already-archived URL)
  and NOT discovery endpoints that answered 404/410 (``newsarchive/discovery/not_found``) and NOT a missing
  robots.txt (404/410: no rules, everything allowed);
- blocked sources: ``newsarchive/blocked/<source name>`` (set by the bot-wall middleware).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from storage.crawlstats import (
    BLOCKED_PREFIX,
    DISCOVERY_NOT_FOUND,
    DROPPED_PREFIX,
    NOT_MODIFIED,
    SKIPPED_KNOWN_URL,
)
from storage.models import Article, CrawlRun, Document
from storage.types import utcnow

DECLINED_EXCEPTIONS = ("scrapy.exceptions.IgnoreRequest",)
# crawl_runs.status: running (not closed yet), ok (finished, every monitor passed), failed, paused (a JOBDIR
# run stopped by the operator; the same command resumes it). A plain string column, no CHECK constraint.
# robots.txt answered these: the site has no rules (RFC 9309 2.3.1.3), not an error of the run
ROBOTS_MISSING = ("robotstxt/response_status_count/404", "robotstxt/response_status_count/410")
# DISCOVERY_NOT_FOUND (storage.crawlstats): discovery requests answered 404/410 (a guessed or moved
# feed/sitemap/listing of a registered source): not HTTP errors of the run.


def drop_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    return {k.rsplit("/", 1)[-1]: int(v) for k, v in stats.items() if k.startswith(DROPPED_PREFIX)}


def http_error_count(stats: Mapping[str, Any]) -> int:
    """4xx/5xx responses plus download exceptions, without requests declined on purpose and without
    discovery endpoints that answered 404/410 (``DISCOVERY_NOT_FOUND``)."""
    statuses = sum(
        int(v) for k, v in stats.items()
        if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[-1][:1] in "45"
    )
    exceptions = sum(
        int(v) for k, v in stats.items()
        if k.startswith("downloader/exception_type_count/")
        and k.removeprefix("downloader/exception_type_count/") not in DECLINED_EXCEPTIONS
    )
    not_found = int(stats.get(DISCOVERY_NOT_FOUND, 0) or 0) + sum(int(stats.get(k, 0) or 0) for k in ROBOTS_MISSING)
    return statuses - min(not_found, statuses) + exceptions


def blocked_source_names(stats: Mapping[str, Any]) -> list[str]:
    return sorted(k.removeprefix(BLOCKED_PREFIX) for k, v in stats.items()
                  if k.startswith(BLOCKED_PREFIX) and v)


@dataclass(frozen=True)
class FieldCoverage:
    """Of the documents a run archived: how many, and how many have each field."""

    documents: int
    published: int
    dateline: int
    agency: int

    def share(self, field: str) -> float | None:
        if not self.documents:
            return None
        return int(getattr(self, field)) / self.documents


def run_field_coverage(conn: Connection, run_id: int) -> FieldCoverage:
    """Published time (document), dateline and agency (its article) of the documents archived by a run."""
    row = conn.execute(
        select(
            func.count(Document.id),
            func.count(Document.published_at),
            func.count(func.coalesce(Article.dateline_city, Article.dateline_raw)),
            func.count(Article.agency),
        )
        .select_from(Document)
        .outerjoin(Article, Article.id == Document.article_id)
        .where(Document.crawl_run_id == run_id)
    ).one()
    return FieldCoverage(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def previous_coverage(conn: Connection, run_id: int, fields: tuple[str, ...] = ("dateline", "agency"),
                      scan: int = 50) -> dict[str, float]:
    """The share of each field in the latest earlier run of the same job (same spider, same arguments) that
    archived enough documents to judge it, as its monitors recorded it; fields with no such run are absent.
    Looks at the ``scan`` most recent earlier runs of the spider."""
    this = conn.execute(select(CrawlRun.spider, CrawlRun.arguments).where(CrawlRun.id == run_id)).first()
    if this is None:
        return {}
    rows = conn.execute(
        select(CrawlRun.arguments, CrawlRun.monitor_results)
        .where(CrawlRun.spider == this.spider, CrawlRun.id < run_id, CrawlRun.monitor_results.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(scan)
    ).all()
    found: dict[str, float] = {}
    for arguments, results in rows:
        if arguments != this.arguments or not isinstance(results, dict):
            continue
        for field in fields:
            entry = results.get(f"coverage_{field}")
            value = entry.get("value") if isinstance(entry, dict) else None
            judged = isinstance(entry, dict) and "too few" not in str(entry.get("detail", ""))
            if field not in found and judged and isinstance(value, int | float):
                found[field] = float(value)
        if len(found) == len(fields):
            break
    return found


def close_run(
    engine: Engine,
    run_id: int,
    *,
    finish_reason: str,
    items_archived: int,
    stats: dict[str, Any],
    status: str,
    monitor_results: dict[str, Any] | None,
) -> None:
    """Write a run's end: timing, finish reason, counts, HTTP errors, blocked sources, monitors, status."""
    drops = drop_counts(stats)
    with engine.begin() as conn:
        conn.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                finished_at=utcnow(), finish_reason=finish_reason, items_archived=items_archived,
                items_dropped=sum(drops.values()), drop_reasons=drops or None,
                http_errors=http_error_count(stats), stats=stats, status=status,
                monitor_results=monitor_results, blocked_sources=blocked_source_names(stats) or None,
            )
        )


@dataclass(frozen=True)
class RunSummary:
    id: int
    spider: str
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    finish_reason: str | None
    items_archived: int
    items_dropped: int
    http_errors: int
    drop_reasons: dict[str, Any]
    failed_monitors: list[str]
    blocked_sources: list[str]
    arguments: dict[str, Any]
    requests: int
    skipped_known: int
    not_modified: int


def recent_runs(engine: Engine, last: int) -> list[RunSummary]:
    """The ``last`` most recent runs, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(last)).all()
        out = []
        for r in rows:
            stats = r.stats or {}
            monitors = r.monitor_results or {}
            out.append(RunSummary(
                id=r.id, spider=r.spider, started_at=r.started_at, finished_at=r.finished_at, status=r.status,
                finish_reason=r.finish_reason, items_archived=r.items_archived, items_dropped=r.items_dropped,
                http_errors=r.http_errors, drop_reasons=r.drop_reasons or {},
                failed_monitors=sorted(k for k, v in monitors.items() if isinstance(v, dict) and not v.get("passed")),
                blocked_sources=list(r.blocked_sources or []), arguments=r.arguments or {},
                requests=int(stats.get("downloader/request_count", 0)),
                skipped_known=int(stats.get(SKIPPED_KNOWN_URL, 0)),
                not_modified=int(stats.get(NOT_MODIFIED, 0)),
            ))
        return out
