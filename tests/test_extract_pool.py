"""Extraction in worker processes (crawler.shell.extract_pool): the same archive as inline extraction, real worker
processes, real crashes (``os._exit`` in a worker, ``SIGKILL`` from outside), real crawls through the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from crawler.core.discovery import Link
from crawler.shell.extract_pool import (
    ExtractJob,
    ExtractPool,
    WorkerCrashed,
    default_extract_workers,
    extract,
    extract_in_worker,
)
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event
from tests.helpers import forkcli

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
# differ between any two crawls by construction: row ids, clocks, the run that wrote the row
VOLATILE = {"id", "source_id", "article_id", "event_id", "series_id", "crawl_run_id", "fetched_at",
            "processed_at", "created_at", "updated_at"}


def demo_jobs() -> list[ExtractJob]:
    """Every demo page, half of them with the discovery/source context a real crawl passes along."""
    jobs = []
    for i, path in enumerate(sorted(DEMO_SITE.rglob("*.html"))):
        url = f"http://127.0.0.1:8/{path.relative_to(DEMO_SITE).as_posix()}"
        if i % 2:
            link = Link(url, title="t", published=datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
                        published_raw="2024-03-05T09:30:00Z", publication="Wire", via="sitemap")
            jobs.append(ExtractJob(url, path.read_bytes(), "utf-8", link, "pti", datetime(2024, 3, 5, 10, tzinfo=UTC)))
        else:
            jobs.append(ExtractJob(url, path.read_bytes()))
    return jobs


def crash_on_marker(job: ExtractJob) -> Any:
    """A worker task that dies (no exception, no cleanup) on pages whose URL says so."""
    if "crash-me" in job.url:
        os._exit(3)
    return extract_in_worker(job)


async def run_all(pool: ExtractPool, jobs: list[ExtractJob]) -> list[Any]:
    try:
        return await asyncio.gather(*(pool.run(j) for j in jobs), return_exceptions=True)
    finally:
        pool.close()


def test_default_workers_leave_a_core_for_the_reactor() -> None:
    assert [default_extract_workers(n) for n in (1, 2, 3, 5, 16)] == [1, 1, 2, 4, 4]


def test_pool_returns_what_inline_extraction_returns() -> None:
    jobs = demo_jobs()
    registry = load_registries()
    inline = [extract(j, registry).to_dict() for j in jobs]
    events: list[str] = []
    results = asyncio.run(run_all(ExtractPool(2, count=events.append), jobs))
    assert [r.to_dict() for r in results] == inline
    assert [r.agency_source for r in results] == [extract(j, registry).agency_source for j in jobs]
    assert events == []


def test_a_page_that_kills_its_worker_is_the_only_page_lost() -> None:
    jobs = demo_jobs()
    poison = ExtractJob("http://127.0.0.1:8/crash-me", b"<html><body><p>x</p></body></html>")
    batch = [*jobs[:10], poison, *jobs[10:]]
    events: list[str] = []
    results = asyncio.run(run_all(ExtractPool(2, task=crash_on_marker, count=events.append), batch))
    assert isinstance(results[10], WorkerCrashed)
    registry = load_registries()
    others = results[:10] + results[11:]
    assert [r.to_dict() for r in others] == [extract(j, registry).to_dict() for j in jobs]
    assert events.count("worker_crashes") == 1  # the quarantine names the page: nothing else dropped
    assert events.count("pool_restarts") == 1  # one break however many pages were in flight
    assert 1 <= events.count("retried_after_crash") <= len(batch)


def test_workers_killed_from_outside_lose_no_page() -> None:
    jobs = demo_jobs() * 3
    events: list[str] = []
    pool = ExtractPool(2, count=events.append)

    async def scenario() -> list[Any]:
        pool.start()
        tasks = [asyncio.ensure_future(pool.run(j)) for j in jobs]
        await asyncio.sleep(0)
        deadline = time.monotonic() + 20
        while len(pool.worker_pids()) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for pid in pool.worker_pids():  # the OOM killer, an operator's kill -9
            os.kill(pid, signal.SIGKILL)
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    registry = load_registries()
    assert [r.to_dict() if not isinstance(r, BaseException) else repr(r) for r in results] == [
        extract(j, registry).to_dict() for j in jobs]
    assert events.count("pool_restarts") >= 1
    assert "worker_crashes" not in events


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_workers_exit_when_the_crawl_process_is_killed(tmp_path: Path) -> None:
    script = (
        "import asyncio, sys, time\n"
        "from crawler.shell.extract_pool import ExtractPool, ExtractJob\n"
        "pool = ExtractPool(2)\n"
        "asyncio.run(pool.run(ExtractJob('http://a.invalid/x', b'<p>hello</p>')))\n"
        "print(*pool.worker_pids(), flush=True)\n"
        "time.sleep(120)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, cwd=Path(__file__).resolve().parents[1]) as proc:
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        proc.kill()  # SIGKILL: no atexit, no executor shutdown
        proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def archive_rows(url: str) -> dict[str, Any]:
    """Every archived value that does not differ between two crawls by construction, ids resolved."""
    engine = make_engine(url)
    with engine.connect() as conn:
        event_key = dict(conn.execute(select(Event.id, Event.event_key)).all())
        article_hash = dict(conn.execute(select(Article.id, Article.content_hash)).all())

        def rows(model: Any, keep: list[str] | None, refs: dict[str, dict[Any, Any]]) -> list[tuple[str, ...]]:
            """Columns ``keep`` (None: all but VOLATILE), id columns (``refs``) as the key they point to."""
            cols = [c for c in model.__table__.columns if c.name not in VOLATILE and (keep is None or c.name in keep)]
            ref_cols = [model.__table__.columns[name] for name in refs]
            out = []
            for r in conn.execute(select(*cols, *ref_cols)):
                values = list(r[: len(cols)])
                values += [refs[c.name].get(v) for c, v in zip(ref_cols, r[len(cols):], strict=True)]
                out.append(tuple(f"{c.name}={v!r}" for c, v in zip([*cols, *ref_cols], values, strict=True)))
            return sorted(out)

        # An article's title/dateline and an event's co-chairs/evidence come from whichever copy the archive
        # saw first; the order pages finish in is not fixed even inline (concurrent downloads), so articles
        # and events are compared by what does not depend on it (an AMP twin and its page share one
        # canonical URL: whichever came first is the document's ``url``).
        result = {
            "documents": rows(Document, ["canonical_url", "topic", "http_status", "extractor_version"],
                              {"article_id": article_hash}),
            "articles": rows(Article, ["content_hash", "topic"], {"event_id": event_key}),
            "events": rows(Event, ["event_key", "country_a", "country_b", "mechanism", "series_name",
                                   "start_date", "documents_count", "articles_count", "sources_count"], {}),
            "stats": list(conn.scalars(select(CrawlRun.stats))),
        }
    engine.dispose()
    return result


def test_crawl_with_workers_archives_exactly_what_inline_extraction_archives(
        demo_server: FixtureServer, tmp_path: Path) -> None:
    sitemap = f"{demo_server.base_url}/sitemap_index.xml"
    archives = {}
    for workers in (2, 0):
        url = f"sqlite:///{tmp_path / f'w{workers}.sqlite3'}"
        forkcli.run(["--database", url, "db", "upgrade"],
                       capture_output=True, timeout=60, check=True)
        done = forkcli.run(["--database", url, "crawl", "--sitemap", sitemap,
             "--batch-size", "5", *FAST, "-s", f"NEWSARCHIVE_EXTRACT_WORKERS={workers}",
             "-s", "NEWSARCHIVE_EXTRACT_POOL_AFTER=0"],
            capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        archives[workers] = archive_rows(url)
    pooled, inline = archives[2], archives[0]
    assert len(pooled["documents"]) >= 20 and len(pooled["events"]) >= 5
    for table in ("documents", "articles", "events"):
        assert pooled[table] == inline[table], table
    (stats,) = pooled["stats"]
    assert not any(k.startswith("newsarchive/extract/") for k in stats)  # no crash, no restart
    assert not any(k.startswith("newsarchive/dropped/extract") for k in stats)
