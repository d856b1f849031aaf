"""Crash safety: ``kill -9`` the crawl at random moments (small batches, so many kills land inside a batch
write), check that no partial rows exist at any point, rerun, and compare with an uninterrupted crawl:
the same canonical URLs, content hashes and event keys."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from storage.db import make_engine
from storage.schema import upgrade
from tests.faultserver import FaultServer
from tests.helpers import forkcli
from tests.helpers.sitegen import generate

# One extraction worker, whatever the machine's cores (the default on two; the pool starts after 50 pages, as
# by default): kill -9 lands with a worker running. test_extract_pool crawls with two.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "NEWSARCHIVE_EXTRACT_WORKERS=1"]

INTEGRITY = {
    "document without its article": "SELECT count(*) FROM documents d LEFT JOIN articles a ON a.id = d.article_id "
                                    "WHERE a.id IS NULL",
    "document without its source": "SELECT count(*) FROM documents d LEFT JOIN sources s ON s.id = d.source_id "
                                   "WHERE s.id IS NULL",
    "article without a document": "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                                  "(SELECT 1 FROM documents d WHERE d.article_id = a.id)",
    "article whose event is missing": "SELECT count(*) FROM articles a LEFT JOIN events e ON e.id = a.event_id "
                                      "WHERE a.event_id IS NOT NULL AND e.id IS NULL",
    "event without an article": "SELECT count(*) FROM events e WHERE NOT EXISTS "
                                "(SELECT 1 FROM articles a WHERE a.event_id = e.id)",
}


def crawl_cmd(db: str, sitemap: str, batch: int) -> list[str]:
    return ["--database", db, "crawl", "--sitemap", sitemap, "--batch-size", str(batch), *FAST]


def integrity_problems(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        problems = {name: conn.execute(sql).fetchone()[0] for name, sql in INTEGRITY.items()}
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    out = {k: v for k, v in problems.items() if v}
    if check != "ok":
        out["integrity_check"] = 1
    if fk:
        out["foreign_key_check"] = len(fk)
    return out


def snapshot(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        docs = sorted(conn.execute(
            "SELECT d.canonical_url, a.content_hash, e.event_key FROM documents d JOIN articles a ON a.id = d.article_id "
            "LEFT JOIN events e ON e.id = a.event_id").fetchall(), key=lambda r: r[0])
        events = sorted(r[0] for r in conn.execute("SELECT event_key FROM events"))
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        seen = sorted(r[0] for r in conn.execute("SELECT canonical_url FROM seen_urls"))
    finally:
        conn.close()
    return {"documents": docs, "events": events, "articles": articles, "seen_urls": seen}


def fresh(path: Path) -> str:
    db = f"sqlite:///{path}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    return db


@pytest.mark.slow
def test_kill_9_at_random_moments_then_rerun_equals_an_uninterrupted_crawl(tmp_path: Path) -> None:
    root = tmp_path / "site"
    generate(root, 240, seed=11, dialogue_share=0.6, syndicated_share=0.2)
    rng = random.Random(20240228)
    with FaultServer(root) as server:
        sitemap = f"{server.base_url}/sitemap_index.xml"
        reference = tmp_path / "reference.sqlite3"
        done = forkcli.run(crawl_cmd(fresh(reference), sitemap, 3), capture_output=True, text=True, timeout=300,
                              check=False)
        assert "crawl run" in done.stdout, done.stderr[-2000:]
        expected = snapshot(reference)
        assert len(expected["documents"]) > 50  # type: ignore[arg-type]

        crashed = tmp_path / "crashed.sqlite3"
        db = fresh(crashed)
        kills = 0
        for _attempt in range(4):
            proc = forkcli.Popen(crawl_cmd(db, sitemap, 3), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # forked with everything imported, the crawl writes within ~0.5 s; kill somewhere in the writing phase
            time.sleep(rng.uniform(0.5, 2.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
            assert integrity_problems(crashed) == {}, f"after kill {kills}"
        final = forkcli.run(crawl_cmd(db, sitemap, 3), capture_output=True, text=True, timeout=300, check=False)
        assert "crawl run" in final.stdout, final.stderr[-2000:]
    assert kills >= 3, "the crawl finished before most kills: raise the page count"
    assert integrity_problems(crashed) == {}
    assert snapshot(crashed) == expected
