"""Incremental crawls: a re-run downloads only discovery documents (conditionally) and archives nothing new;
a changed sitemap costs exactly its new articles; feed states and watermarks in the archive.
Real CLI in a subprocess, real HTTP server on 127.0.0.1, real SQLite file and PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.feeds import FeedFetch, Validators, advance_watermarks, load_validators, record_fetches
from storage.models import CrawlRun, Document, FeedState, SeenUrl, Source, table_of
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]
DISCOVERY_PATH = re.compile(r"(^/robots\.txt$|sitemap[^/]*\.xml$|feed\.xml$)")


# what the installed `newsarchive` console script runs (crawler.app.cli.main:main)


def newsarchive(*args: str) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True,
                          timeout=180, check=False)


def last_run(url: str) -> Any:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
    engine.dispose()
    return row


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
               for m in (Document, SeenUrl, Source)}
    engine.dispose()
    return out


def test_second_run_over_unchanged_site_downloads_only_discovery(archive_url: str, demo_server: FixtureServer) -> None:
    sitemap = f"{demo_server.base_url}/sitemap_index.xml"
    first = newsarchive("--database", archive_url, "crawl", "--sitemap", sitemap, *FAST)
    assert first.returncode == 0, first.stderr
    before = counts(archive_url)
    assert before["documents"] > 10
    first_articles = [p for p in demo_server.requests if not DISCOVERY_PATH.search(p)]
    assert len(first_articles) > 10

    demo_server.requests.clear()
    second = newsarchive("--database", archive_url, "crawl", "--sitemap", sitemap, *FAST)
    assert second.returncode == 0, second.stderr
    fetched = sorted(demo_server.requests)
    assert [p for p in fetched if not DISCOVERY_PATH.search(p)] == [], "an article was downloaded again"
    assert "/sitemap_index.xml" in fetched
    assert counts(archive_url) == before
    run = last_run(archive_url)
    assert run.status == "ok" and run.items_archived == 0
    child_sitemaps = [p for p in fetched if p.endswith("/sitemap.xml")]
    # every leaf sitemap answered 304; the index is always read in full (its children may change alone)
    assert run.stats["newsarchive/conditional/not_modified"] == len(child_sitemaps) == 6
    assert "newsarchive/responses/article" not in run.stats


def _site_copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    return root


def test_changed_sitemap_costs_only_its_new_article(sqlite_url: str, tmp_path: Path) -> None:
    root = _site_copy(tmp_path)
    sitemap_file = root / "capitalnews" / "sitemap.xml"
    original = sitemap_file.read_text(encoding="utf-8")
    entries = re.findall(r"<url>.*?</url>", original, flags=re.S)
    held_back = next(e for e in entries if "dialogue" in e)
    held_path = re.search(r"<loc>\{\{BASE\}\}(.*?)</loc>", held_back).group(1)  # type: ignore[union-attr]
    sitemap_file.write_text(original.replace(held_back, ""), encoding="utf-8")
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    with FixtureServer(root) as server:
        index = f"{server.base_url}/sitemap_index.xml"
        first = newsarchive("--database", sqlite_url, "crawl", "--sitemap", index, *FAST)
        assert first.returncode == 0, first.stderr
        assert held_path not in server.requests
        docs_before = counts(sqlite_url)["documents"]

        sitemap_file.write_text(original, encoding="utf-8")  # the publisher adds a story
        server.requests.clear()
        second = newsarchive("--database", sqlite_url, "crawl", "--sitemap", index, *FAST)
        assert second.returncode == 0, second.stderr
        articles = [p for p in server.requests if not DISCOVERY_PATH.search(p)]
    assert articles == [held_path]
    run = last_run(sqlite_url)
    assert run.stats["newsarchive/skipped/known_url"] == len(entries) - 1  # the sitemap's other stories
    assert run.stats["newsarchive/conditional/not_modified"] == 5  # the five unchanged sitemaps
    assert counts(sqlite_url)["documents"] == docs_before + 1


def test_interrupted_run_does_not_store_validators(sqlite_url: str, demo_server: FixtureServer) -> None:
    """A run that did not finish must not make the next one skip a sitemap whose articles it never fetched."""
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    cut = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml",
                      "-s", "CLOSESPIDER_PAGECOUNT=3", *FAST)
    assert cut.returncode == 1  # finish reason closespider_pagecount: the run is not ok
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(FeedState)) == 0
    engine.dispose()
    demo_server.requests.clear()
    again = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml",
                        *FAST)
    assert again.returncode == 0, again.stderr
    assert sum(1 for p in demo_server.requests if p.endswith("/sitemap.xml")) == 6
    assert last_run(sqlite_url).stats.get("newsarchive/conditional/not_modified", 0) == 0


def test_watermark_is_newest_archived_publication_per_source(sqlite_url: str, demo_server: FixtureServer) -> None:
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    done = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml",
                       *FAST)
    assert done.returncode == 0, done.stderr
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        newest = dict(conn.execute(
            select(Source.name, func.max(Document.published_at)).join(Document, Document.source_id == Source.id)
            .group_by(Source.name)).all())
        marks = dict(conn.execute(select(Source.name, Source.watermark_published_at)).all())
    engine.dispose()
    assert newest and all(v is not None for v in marks.values())
    assert {k: Document.published_at.type.process_result_value(v, engine.dialect) if isinstance(v, str) else v
            for k, v in newest.items()} == marks


def test_feed_states_and_watermarks_on_both_databases(archive_url: str) -> None:
    engine = make_engine(archive_url)
    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    url = "https://example.org/news-sitemap.xml"
    record_fetches(engine, [FeedFetch(url, 200, Validators('"v1"', "Fri, 01 Mar 2024 12:00:00 GMT"), now)])
    assert load_validators(engine, [url, "https://example.org/other.xml"]) == {
        url: Validators('"v1"', "Fri, 01 Mar 2024 12:00:00 GMT")}
    # a 304 keeps the validators; a later 200 replaces them
    record_fetches(engine, [FeedFetch(url, 304, Validators('"v1"', None), now + timedelta(hours=1))])
    assert load_validators(engine, [url])[url].etag == '"v1"'
    record_fetches(engine, [FeedFetch(url, 200, Validators('"v2"', None), now + timedelta(hours=2))])
    assert load_validators(engine, [url])[url] == Validators('"v2"', None)

    with engine.begin() as conn:
        conn.execute(table_of(Source).insert().values(name="Wire", domain="wire.example", created_at=now))
    assert advance_watermarks(engine, {"Wire": now}, now=now) == 1
    assert advance_watermarks(engine, {"Wire": now - timedelta(days=3)}, now=now) == 0  # never backwards
    assert advance_watermarks(engine, {"Wire": now + timedelta(days=30)}, now=now) == 0  # future: distrusted
    with engine.connect() as conn:
        assert conn.scalar(select(Source.watermark_published_at)) == now
    engine.dispose()


def test_incremental_can_be_switched_off(sqlite_url: str, demo_server: FixtureServer) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    page = f"{demo_server.base_url}/govpress/PressRelease/PRID-2009871.html"
    for _ in range(2):
        assert newsarchive("--database", sqlite_url, "crawl", "--url", page, *FAST).returncode == 0
    assert demo_server.requests["/govpress/PressRelease/PRID-2009871.html"] == 1
    assert newsarchive("--database", sqlite_url, "crawl", "--url", page, "-s", "NEWSARCHIVE_INCREMENTAL=False",
                       *FAST).returncode == 0
    assert demo_server.requests["/govpress/PressRelease/PRID-2009871.html"] == 2
    assert counts(sqlite_url)["documents"] == 1
