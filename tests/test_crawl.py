"""End-to-end crawls: the real CLI in a subprocess, a real HTTP server on 127.0.0.1, a real archive
(SQLite file and PostgreSQL). Expected values come from the demo site's gold labels, not from the code."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select

from crawler.app.demo import DEMO_GOLD
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event, SeenUrl
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]


def newsarchive(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def gold() -> list[dict]:
    return [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def table_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
               for m in (Document, Article, Event, SeenUrl, CrawlRun)}
    engine.dispose()
    return out


def test_crawl_demo_site_archives_documents_articles_events_and_is_idempotent(
    archive_url: str, demo_server: FixtureServer
) -> None:
    sitemap = f"{demo_server.base_url}/sitemap_index.xml"
    first = newsarchive("--database", archive_url, "crawl", "--sitemap", sitemap, "--batch-size", "7", *FAST)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr

    labels = gold()
    kept = [g for g in labels if g["topic"] != "unrelated"]
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.canonical_url, Document.article_id, Event.event_key, Document.published_at)
            .join(Article, Article.id == Document.article_id)
            .outerjoin(Event, Event.id == Article.event_id)
        ).all()
        run = conn.execute(select(CrawlRun)).one()
        rejected = set(conn.scalars(select(SeenUrl.canonical_url)))
    engine.dispose()
    by_path = {r.canonical_url.removeprefix(demo_server.base_url): r for r in rows}

    # every page about a dialogue is archived (AMP twins fold into their canonical page)
    missing = [g["url_path"] for g in kept if g["url_path"] not in by_path and "/amp/" not in g["url_path"]]
    assert missing == []
    # syndicated copies share one article; different stories never do
    article_of_story: dict[str, set[int]] = defaultdict(set)
    story_of_article: dict[int, set[str]] = defaultdict(set)
    for g in kept:
        r = by_path.get(g["url_path"])
        if r is not None:
            article_of_story[g["story_id"]].add(r.article_id)
            story_of_article[r.article_id].add(g["story_id"])
    assert {k: v for k, v in article_of_story.items() if len(v) != 1} == {}
    assert {k: v for k, v in story_of_article.items() if len(v) != 1} == {}
    # pages of one round share one event; different rounds never do
    event_of_round: dict[str, set[str | None]] = defaultdict(set)
    for g in kept:
        r = by_path.get(g["url_path"])
        if r is not None and g["topic"] == "dialogue_event":
            event_of_round[g["event"]["event_id"]].add(r.event_key)
    assert all(len(v) == 1 and None not in v for v in event_of_round.values()), event_of_round
    assert len({next(iter(v)) for v in event_of_round.values()}) == len(event_of_round)
    # unrelated pages are not archived but remembered
    for g in labels:
        if g["topic"] == "unrelated":
            assert g["url_path"] not in by_path
            assert f"{demo_server.base_url}{g['url_path']}" in rejected
    assert run.finish_reason == "finished"
    assert run.stats["newsarchive/archive/documents_new"] == len(rows)
    assert "secret" not in json.dumps(run.arguments)

    before = table_counts(archive_url)
    second = newsarchive("--database", archive_url, "crawl", "--sitemap", sitemap, *FAST)
    assert second.returncode == 0, second.stderr
    after = table_counts(archive_url)
    assert {k: v for k, v in after.items() if k != "crawl_runs"} == {
        k: v for k, v in before.items() if k != "crawl_runs"}
    assert after["crawl_runs"] == before["crawl_runs"] + 1


def test_crawl_feed_and_url_list(sqlite_url: str, demo_server: FixtureServer, tmp_path: Path) -> None:
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    labels = [g for g in gold() if g["topic"] == "dialogue_event"][:3]
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("# three pages\n" + "\n".join(demo_server.base_url + g["url_path"] for g in labels) + "\n")
    done = newsarchive("--database", sqlite_url, "crawl", "--urls-file", str(urls_file), *FAST)
    assert done.returncode == 0, done.stderr
    assert table_counts(sqlite_url)["documents"] == 3
    feeds = sorted(p.relative_to(demo_server.root) for p in demo_server.root.glob("*/feed.xml"))
    assert feeds, "the demo site ships RSS feeds"
    done = newsarchive("--database", sqlite_url, "crawl", "--feed", f"{demo_server.base_url}/{feeds[0]}", *FAST)
    assert done.returncode == 0, done.stderr
    assert table_counts(sqlite_url)["documents"] > 3


def test_crawl_shared_wire_sites_dev_matches_gold(sqlite_url: str) -> None:
    """The 15-publisher offline 'internet' in ../shared: times, agencies and datelines against gold labels."""
    from datetime import datetime

    from crawler.core.extract import extract_page
    from crawler.core.urls import canonical_url
    from tests.conftest import shared_path

    site = shared_path("data", "wire-sites-dev", "site")
    labels = [json.loads(x) for x in (site.parent / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x]
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    with FixtureServer(site) as server:
        done = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{server.base_url}/sitemap_index.xml",
                           *FAST, timeout=300)
        base = server.base_url
    assert done.returncode == 0, done.stderr
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.url, Document.canonical_url, Document.published_at, Article.agency,
                   Article.dateline_city, Article.dateline_date)
            .join(Article, Article.id == Document.article_id)
        ).all()
    engine.dispose()
    by_path = {}
    for r in rows:
        by_path[r.url.removeprefix(base)] = r
        by_path[r.canonical_url.removeprefix(base)] = r
    def archived_as(g: dict):
        """The document a gold page became: its own URL, or the canonical URL it declares (AMP twins,
        print versions)."""
        if g["url_path"] in by_path:
            return by_path[g["url_path"]]
        path = site / g["url_path"].lstrip("/")
        html = (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8").replace("{{BASE}}", base)
        declared = extract_page(html, base + g["url_path"]).canonical_url
        return by_path.get(canonical_url(base + g["url_path"], declared).removeprefix(base))

    kept = [g for g in labels if g["topic"] != "unrelated"]
    found = [(g, r) for g in kept if (r := archived_as(g)) is not None]
    assert len(found) >= 0.99 * len(kept)
    assert len(found) == len(kept)
    assert not [g for g in labels if g["topic"] == "unrelated" and g["url_path"] in by_path]

    def same_time(g: dict, r) -> bool:
        if r.published_at is None:
            return False
        if "T" not in g["published_at"]:
            return r.published_at.date().isoformat() == g["published_at"]
        return r.published_at == datetime.fromisoformat(g["published_at"])

    assert sum(same_time(g, r) for g, r in found) >= 0.99 * len(found)
    assert sum(g["agency"] == r.agency for g, r in found) >= 0.97 * len(found)
    with_dateline = [(g, r) for g, r in found if g["dateline"] and g["dateline"]["date"]]
    assert sum(g["dateline"]["date"] == (r.dateline_date.isoformat() if r.dateline_date else None)
               for g, r in with_dateline) >= 0.97 * len(with_dateline)
