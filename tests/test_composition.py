"""One composition root: the crawl, ``newsarchive reprocess`` and ``newsarchive extract`` process a page in
the same context (crawler.core.context.Registries.context_for), so re-deriving right after a crawl changes
nothing and ``extract`` with the crawl's discovery metadata prints what the crawl archived.

The archive (SQLite; reprocess on PostgreSQL is tests/test_reprocess.py's) is crawled once from two real HTTP
fixture sites: the 15-publisher offline site in ../shared/data/wire-sites-dev (news sitemaps, aggregator copies whose dateline
the crawl fills from a later copy) and the registered-source fixtures of tests/fixtures/sources (a
registered source's zone, country and agency apply).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from storage.archive import decompress_html
from storage.db import make_engine
from storage.models import Article, Document, Source
from tests.conftest import REPO, shared_path
from tests.helpers import forkcli

FAST = ["--no-progress", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
        "-s", "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE=1.0"]
REGISTERED = ("menafn", "ians", "ani", "dhs", "yonhap")


def newsarchive(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)


@pytest.fixture
def crawled(sqlite_archive_url: str) -> Iterator[str]:
    site = shared_path("data", "wire-sites-dev", "site")
    with FixtureServer(site) as server:
        # in sitemap order (one request at a time, one document per batch): which copy of a story comes first,
        # and so whose gaps a later copy fills, must not depend on the machine's load (docs/operations.md)
        done = newsarchive("--database", sqlite_archive_url, "crawl", "--sitemap", f"{server.base_url}/sitemap_index.xml",
                           *FAST, "-s", "CONCURRENT_REQUESTS=1", "--batch-size", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    with FixtureServer(REPO / "tests" / "fixtures" / "sources") as server:
        bases = {n: f"{server.base_url}/{n}" for n in REGISTERED}
        done = newsarchive("--database", sqlite_archive_url, "crawl", *REGISTERED, *FAST,
                           "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}",
                           "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false", "-s", "ROBOTSTXT_OBEY=false")
    assert done.returncode == 0, done.stderr[-3000:]
    yield sqlite_archive_url


def archived(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(
            select(Document, Source.name.label("source_name"), Article.content_hash, Article.agency,
                   Article.agency_source, Article.dateline_raw, Article.dateline_city, Article.dateline_country,
                   Article.dateline_date)
            .join(Source, Source.id == Document.source_id)
            .join(Article, Article.id == Document.article_id)
            .order_by(Document.id)
        ).all()
        out = [{**r._asdict(), "doc": r.Document} for r in rows]
        session.expunge_all()
    engine.dispose()
    return out


def test_reprocess_after_a_crawl_changes_nothing_and_extract_prints_what_was_archived(
    crawled: str, tmp_path: Path
) -> None:
    rows = archived(crawled)
    assert len(rows) > 80
    assert any(r["doc"].discovery and r["doc"].discovery.get("published") for r in rows), \
        "documents keep the discovery metadata of their context"
    # aggregator copies: the crawl filled some article's dateline from a later copy (the case reprocess lost)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_article.setdefault(r["content_hash"], []).append(r)
    assert sum(len(v) > 1 for v in by_article.values()) >= 3

    done = newsarchive("--database", crawled, "reprocess")
    assert done.returncode == 0, done.stderr
    counts = re.search(r"reprocessed (\d+) documents .*: (\d+) documents and (\d+) articles changed, (\d+) events new, "
                       r"(\d+) re-keyed", done.stdout)
    assert counts is not None, done.stdout
    assert int(counts.group(1)) == len(rows)
    assert counts.groups()[1:] == ("0", "0", "0", "0"), done.stdout

    # extract, with the context the crawl had (source, discovery metadata), on every archived page
    registered = set(load_registries().sources.names())
    manifest = tmp_path / "manifest.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for i, r in enumerate(rows):
            doc = r["doc"]
            page = tmp_path / f"{i}.html"
            page.write_bytes(decompress_html(doc.raw_html, doc.raw_html_codec) or b"")
            entry: dict[str, Any] = {"path": str(page), "url": doc.url, **(doc.discovery or {})}
            entry.pop("title", None), entry.pop("language", None), entry.pop("published_raw", None)
            if r["source_name"] in registered:
                entry["source"] = r["source_name"]
            out.write(json.dumps(entry) + "\n")
    assert any(r["source_name"] in registered for r in rows) and any(r["source_name"] not in registered for r in rows)
    done = newsarchive("extract", "--manifest", str(manifest), "--jsonl", "--no-body")
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(printed) == len(rows)

    def article_values(got: dict[str, Any]) -> dict[str, Any]:
        dl = got["dateline"] or {}
        return {"agency": got["agency"], "agency_source": got["agency_source"], "dateline_raw": dl.get("raw"),
                "dateline_city": dl.get("city"), "dateline_country": dl.get("country"),
                "dateline_date": dl.get("date")}

    first_of: dict[str, int] = {}
    for i, r in enumerate(rows):
        first_of.setdefault(r["content_hash"], i)
    filled = 0
    for i, (r, got) in enumerate(zip(rows, printed, strict=True)):
        doc = r["doc"]
        offset = doc.published_offset_minutes
        want = {
            "title": doc.title, "topic": doc.topic, "topic_reasons": doc.topic_reasons or [],
            "language": doc.language, "authors": doc.authors or [], "source": r["source_name"],
            "published_source": doc.published_source, "published_precision": doc.published_precision,
            "published_utc": doc.published_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
            if doc.published_at else None,
            "published_offset": offset if doc.published_at else None,
            "extractor_version": doc.extractor_version,
        }
        pub = datetime.fromisoformat(got["published_at"]) if got["published_at"] else None
        off = pub.utcoffset() if pub is not None else None
        have = {k: got[k] for k in want if k in got}
        have["published_offset"] = int(off.total_seconds() // 60) if off is not None else None
        assert have == want, doc.url
        if first_of[r["content_hash"]] == i:  # the article's fields: this copy's, gaps filled by later copies
            assert got["content_hash"] == r["content_hash"], doc.url
            later = [article_values(printed[j]) for j in range(i + 1, len(rows))
                     if rows[j]["content_hash"] == r["content_hash"]]
            for key, value in article_values(got).items():
                stored = r[key].isoformat() if key == "dateline_date" and r[key] is not None else r[key]
                if value is not None:
                    assert stored == value, (doc.url, key)
                elif stored is not None:  # filled from the earliest later copy that has a value
                    assert stored == next(v[key] for v in later if v[key] is not None), (doc.url, key)
                    filled += 1
    assert filled > 0, "the fixture site has articles whose dateline the crawl filled from a later copy"
