"""A hostile site (tests/hostile_site.py) crawled end to end on SQLite and PostgreSQL: every good article is
archived, every poisoned entry is skipped or refused alone with its counted reason, and the run's status and
exit code say what happened. Real CLI in a subprocess, real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import CrawlRun, Document, Event
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.hostile_site import (
    ARCHIVED,
    EXPECTED_BAD_DATES,
    EXPECTED_DROPS,
    GOOD,
    IMPLAUSIBLE,
    SITE_NAME_PAGE,
    SLUG_PAGE,
    build_site,
)

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False"]


def test_hostile_site_loses_no_good_article_and_counts_every_poison(archive_url: str, tmp_path: Path) -> None:
    root = build_site(tmp_path / "site")
    with FixtureServer(root) as server:
        base = server.base_url
        proc = forkcli.run(["--database", archive_url, "crawl", "--sitemap", f"{base}/sitemap.xml",
             "--feed", f"{base}/feed.xml", "--since", "2024-01-01", "--batch-size", "50", *FAST],
            capture_output=True, text=True, timeout=240, check=False)
        requested = set(server.requests)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert {p.path for p in (*ARCHIVED, SITE_NAME_PAGE, SLUG_PAGE)} <= requested

    engine = make_engine(archive_url)
    upgrade(engine)  # no-op: the crawl ran on a current schema
    with engine.connect() as conn:
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
        docs = {url.removeprefix(base): (published, rejected) for url, published, rejected in conn.execute(
            select(Document.canonical_url, Document.published_at, Document.published_rejected))}
        keys = list(conn.scalars(select(Event.event_key)))
    engine.dispose()

    # every good article is archived, with its own date; the implausible ones without one, saying why
    assert sorted(docs) == sorted(p.path for p in ARCHIVED)
    for page in GOOD:
        assert docs[page.path][0] is not None and docs[page.path][1] is None, page.path
    for page in IMPLAUSIBLE:
        published, rejected = docs[page.path]
        assert published is None and rejected is not None, (page.path, published, rejected)
    assert not [k for k in keys if k.rsplit(":", 1)[-1][:4] in ("1000", "2031")], keys

    # every poison is counted with its reason, and nothing was lost to an error ...
    assert run.drop_reasons == EXPECTED_DROPS
    assert run.stats["newsarchive/discovery/bad_date"] == EXPECTED_BAD_DATES
    assert run.stats["newsarchive/published/implausible"] == len(IMPLAUSIBLE)
    assert not [k for k in run.stats if k.startswith("spider_exceptions/")]
    assert run.finish_reason == "finished" and run.items_archived == len(ARCHIVED)
    assert run.monitor_results["errors"]["passed"] is True
    # ... but 2 of the 8 archived pages have no publication time: below the published-coverage floor, the run
    # says so (status failed, exit 1) instead of ending ok
    failed = sorted(name for name, result in run.monitor_results.items() if not result["passed"])
    assert failed == ["coverage_published"], run.monitor_results
    assert run.status == "failed" and proc.returncode == 1
    assert "bad_url=4" in proc.stdout and "too_long:sources.name=1" in proc.stdout
