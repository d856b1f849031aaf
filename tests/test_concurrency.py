"""Concurrent crawlers on one archive: two at once on SQLite never fail with "database is locked"; four at
once on PostgreSQL over overlapping sites produce exactly the archive one crawler produces (no duplicate
documents, articles or events). Real CLI subprocesses, a real HTTP server, real databases."""

from __future__ import annotations

import subprocess
from typing import Any

from sqlalchemy import select

from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, Document, Event
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "--batch-size", "3", *INLINE_EXTRACTION]
PUBLISHERS = ("asiawire", "capitalnews", "dailysentinel", "globalwire", "govpress", "wirefeed")


def crawl_all_at_once(url: str, seeds: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    procs = []
    for args in seeds:
        procs.append(forkcli.Popen(["--database", url, "crawl", *args, *FAST],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=240)
        out.append(subprocess.CompletedProcess(p.args, p.wait(), stdout, stderr))
    return out


def snapshot(url: str, base: str) -> dict[str, Any]:
    """The archive's content, independent of ids and of the order rows were written in."""
    engine = make_engine(url)
    with engine.connect() as conn:
        docs = conn.execute(select(Document.canonical_url, Article.content_hash, Event.event_key)
                            .join(Article, Article.id == Document.article_id)
                            .outerjoin(Event, Event.id == Article.event_id)).all()
        n_articles = len(conn.execute(select(Article.id)).all())
        events = sorted(conn.scalars(select(Event.event_key)))
    engine.dispose()
    return {"documents": sorted((u.removeprefix(base), h, k) for u, h, k in docs), "articles": n_articles,
            "events": events}


def sitemap_args(base: str, names: tuple[str, ...]) -> list[str]:
    return [a for n in names for a in ("--sitemap", f"{base}/{n}/sitemap.xml")]


def test_two_crawls_at_once_on_sqlite(sqlite_url: str, demo_server: FixtureServer, tmp_path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    base = demo_server.base_url
    results = crawl_all_at_once(sqlite_url, [["--sitemap", f"{base}/sitemap_index.xml"]] * 2)
    for r in results:
        assert r.returncode == 0, r.stderr[-2000:]
        assert "locked" not in r.stderr
    reference = f"sqlite:///{tmp_path / 'reference.sqlite3'}"
    engine = make_engine(reference)
    upgrade(engine)
    engine.dispose()
    [single] = crawl_all_at_once(reference, [["--sitemap", f"{base}/sitemap_index.xml"]])
    assert single.returncode == 0, single.stderr[-2000:]
    assert snapshot(sqlite_url, base) == snapshot(reference, base)


def test_four_overlapping_crawls_on_postgres(pg_url: str, demo_server: FixtureServer, tmp_path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    base = demo_server.base_url
    # each crawler takes four of the six publishers, so every page is crawled by two or three of them
    seeds = [sitemap_args(base, PUBLISHERS[i:] + PUBLISHERS[:i])[: 2 * 4] for i in (0, 2, 3, 5)]
    results = crawl_all_at_once(pg_url, seeds)
    for r in results:
        assert r.returncode == 0, r.stderr[-2000:]
    reference = f"sqlite:///{tmp_path / 'reference.sqlite3'}"
    engine = make_engine(reference)
    upgrade(engine)
    engine.dispose()
    [single] = crawl_all_at_once(reference, [sitemap_args(base, PUBLISHERS)])
    assert single.returncode == 0, single.stderr[-2000:]
    got, want = snapshot(pg_url, base), snapshot(reference, base)
    assert len(got["documents"]) == len({d[0] for d in got["documents"]})
    assert got == want
