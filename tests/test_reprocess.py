"""Reprocessing: after a rule change, re-deriving from stored raw HTML updates exactly the affected rows,
and a second run changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

import crawler.reprocess as reprocess_module
from crawler.demo.server import FixtureServer
from crawler.events import load_configured_registry
from crawler.reprocess import run_reprocess
from crawler.sources import load_sources
from storage.db import make_engine
from storage.models import Article, Document
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "sources"
CRAWLED = ("menafn", "ians", "ani", "dhs", "yonhap")


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer(FIXTURES) as s:
        yield s


def _crawl(url: str, server: FixtureServer) -> None:
    bases = {n: f"{server.base_url}/{n}" for n in CRAWLED}
    res = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "--database", url, "crawl", *CRAWLED, "--no-progress",
         "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}", "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false",
         "-s", "ROBOTSTXT_OBEY=false", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false",
         "-s", "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE=1.0"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert "Traceback" not in res.stderr, res.stderr[-2000:]


def _snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        docs = [tuple(r) for r in conn.execute(select(
            Document.id, Document.title, Document.published_at, Document.published_offset_minutes,
            Document.topic, Document.extractor_version, Document.processed_at).order_by(Document.id))]
        arts = {r.id: r._asdict() for r in conn.execute(select(
            Article.id, Article.agency, Article.agency_source, Article.dateline_city, Article.event_id,
            Article.topic, Article.relation))}
    engine.dispose()
    return {"docs": docs, "arts": arts}


def test_reprocess_after_a_rule_change_updates_only_affected_rows(
    archive_url: str, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crawl(archive_url, server)
    before = _snapshot(archive_url)
    assert len(before["arts"]) == len(CRAWLED)
    engine = make_engine(archive_url)
    dialogues, sources = load_configured_registry(), load_sources()

    # with unchanged rules, reprocessing changes nothing
    unchanged = run_reprocess(engine, registry=dialogues, sources=sources, batch_size=2)
    assert unchanged.documents_seen == len(CRAWLED) and unchanged.batches == 3
    assert unchanged.documents_changed == 0 and unchanged.articles_changed == 0 and not unchanged.fields
    assert _snapshot(archive_url) == before

    # a rule change: the agency normaliser now spells IANS differently
    original = reprocess_module.process_page

    def renamed_ians(*args: Any, **kwargs: Any) -> Any:
        page = original(*args, **kwargs)
        if page.agency == "IANS":
            page.agency = "IANS-news"
        return page

    monkeypatch.setattr(reprocess_module, "process_page", renamed_ians)
    changed = run_reprocess(engine, registry=dialogues, sources=sources, batch_size=2)
    assert dict(changed.fields) == {"articles.agency": 2}  # the MENAFN copy and the IANS page
    after = _snapshot(archive_url)
    assert after["docs"] == before["docs"]
    diff = {aid for aid in before["arts"] if before["arts"][aid] != after["arts"][aid]}
    assert len(diff) == 2
    for aid in diff:
        assert before["arts"][aid]["agency"] == "IANS" and after["arts"][aid]["agency"] == "IANS-news"
        assert {k: v for k, v in before["arts"][aid].items() if k != "agency"} == \
            {k: v for k, v in after["arts"][aid].items() if k != "agency"}

    # idempotent: a second run under the same rules changes nothing
    again = run_reprocess(engine, registry=dialogues, sources=sources, batch_size=2)
    assert again.documents_changed == 0 and again.articles_changed == 0 and not again.fields
    assert _snapshot(archive_url) == after
    engine.dispose()


def test_reprocess_cli_filters_by_source_and_reports(sqlite_url: str, server: FixtureServer) -> None:
    run = [sys.executable, "-m", "crawler.cli", "--database", sqlite_url]
    assert subprocess.run([*run, "db", "upgrade"], capture_output=True, cwd=REPO).returncode == 0
    _crawl(sqlite_url, server)
    res = subprocess.run([*run, "reprocess", "--source", "ani", "--since", "2024-01-01"], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("reprocessed 1 documents in 1 batches: 0 documents and 0 articles changed")
    bad = subprocess.run([*run, "reprocess", "--since", "yesterday"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
