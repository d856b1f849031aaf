"""Pause/resume and crash safety: SIGINT a crawl with --jobdir, resume it, and get the complete archive with
nothing fetched or archived twice; SIGKILL a crawl in the middle of a batch transaction and find no partial
rows, then let the next run finish. Real CLI subprocesses, a slowed real HTTP server, real databases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crawler.app.demo import DEMO_GOLD, DEMO_SITE
from crawler.app.demo.server import FixtureServer, _FixtureHandler
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event, Source
from storage.schema import upgrade
from tests.helpers import forkcli

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


class SlowHandler(_FixtureHandler):
    """Article pages answer after ``delay`` seconds, so a crawl is still running when the test acts."""

    delay = 0.0

    def do_GET(self) -> None:
        if not self.path.endswith((".xml", ".txt")):
            time.sleep(type(self).delay)
        super().do_GET()


@pytest.fixture
def slow_server() -> Iterator[FixtureServer]:
    with FixtureServer(DEMO_SITE) as server:
        handler = type("Slow", (SlowHandler,), {"delay": 1.0})  # slow enough that a loaded machine still pauses mid-run
        assert server._httpd is not None
        server._httpd.RequestHandlerClass = handler
        yield server


def start_crawl(url: str, sitemap: str, *extra: str) -> forkcli.Popen:
    return forkcli.Popen(["--database", url, "crawl", "--sitemap", sitemap,
                             *FAST, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def archived_paths(url: str, base: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        paths = sorted(u.removeprefix(base) for u in conn.scalars(select(Document.canonical_url)))
    engine.dispose()
    return paths


def expected_paths() -> set[str]:
    """Every page the gold labels keep (AMP twins fold into their canonical page)."""
    gold = [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {g["url_path"] for g in gold if g["topic"] != "unrelated" and "/amp/" not in g["url_path"]}


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_sigint_then_resume_with_jobdir_completes_without_duplicates(
    archive_url: str, slow_server: FixtureServer, tmp_path: Path
) -> None:
    sitemap = f"{slow_server.base_url}/sitemap_index.xml"
    jobdir = tmp_path / "job"
    limits = ["--jobdir", str(jobdir), "--batch-size", "2", "-s", "CONCURRENT_REQUESTS=2"]
    first = start_crawl(archive_url, sitemap, *limits)
    try:
        wait_until(lambda: len(archived_paths(archive_url, slow_server.base_url)) >= 4)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err  # a pause is not a failure: the run is resumable
    assert "paused" in err and str(jobdir) in err, err
    assert "Traceback" not in err
    after_pause = archived_paths(archive_url, slow_server.base_url)
    assert 4 <= len(after_pause) < len(expected_paths()), "the crawl was not interrupted mid-run"
    assert (jobdir / "requests.seen").exists()
    slow_server._httpd.RequestHandlerClass.delay = 0.0  # type: ignore[union-attr]  # resume at full speed

    resumed = forkcli.run(["--database", archive_url, "crawl", "--sitemap", sitemap,
                              *FAST, *limits], capture_output=True, text=True, timeout=180, check=False)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = archived_paths(archive_url, slow_server.base_url)
    assert set(final) >= set(after_pause)
    assert expected_paths() - set(final) == set()  # nothing missing
    fetched_twice = {p: n for p, n in slow_server.requests.items() if n > 1 and not p.endswith((".xml", ".txt"))}
    assert fetched_twice == {}  # nothing downloaded twice across pause and resume
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(select(CrawlRun.status).order_by(CrawlRun.id))]
    engine.dispose()
    assert statuses == ["paused", "ok"]


def test_sigkill_during_a_batch_leaves_no_partial_rows(pg_url: str, demo_server: FixtureServer) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    sitemap = f"{demo_server.base_url}/sitemap_index.xml"
    blocker = engine.connect()
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))  # a batch that reaches its events waits here
    crawl = start_crawl(pg_url, sitemap, "--batch-size", "50")
    try:
        def batch_blocked_after_writing() -> bool:
            with engine.connect() as conn:
                # backend_xid is set once a transaction has written a row: the batch is half done
                return bool(conn.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")))
        wait_until(batch_blocked_after_writing)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.communicate(timeout=30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
        tx.rollback()
        blocker.close()

    def nothing_running() -> bool:
        with engine.connect() as conn:
            return not conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"))
    wait_until(nothing_running)
    with engine.connect() as conn:
        counts = {m.__tablename__: conn.scalar(select(func.count()).select_from(m))
                  for m in (Source, Document, Article, Event)}
    assert counts == {"sources": 0, "documents": 0, "articles": 0, "events": 0}

    done = forkcli.run(["--database", pg_url, "crawl", "--sitemap", sitemap, *FAST],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected_paths() - set(archived_paths(pg_url, demo_server.base_url)) == set()
    engine.dispose()
