"""Idempotency: crawling the same site twice changes no row counts and no event keys (a generated site with
syndicated copies on SQLite and PostgreSQL; ../shared wire-sites-dev when present)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, Document, Event, EventAlias, SeenUrl, Source
from tests.conftest import shared_path
from tests.faultserver import FaultServer
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION
from tests.helpers.sitegen import generate

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", *INLINE_EXTRACTION]


def crawl(db: str, sitemap: str) -> None:
    proc = forkcli.run(["--database", db, "crawl", "--sitemap", sitemap, *FAST],
                          capture_output=True, text=True, timeout=300, check=False)
    assert "crawl run" in proc.stdout, proc.stderr[-2000:]


def state(db: str) -> tuple[dict[str, int], list[str], list[tuple[str, str]]]:
    engine = make_engine(db)
    with engine.connect() as conn:
        counts = {m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
                  for m in (Source, Document, Article, Event, EventAlias, SeenUrl)}
        keys = sorted(conn.scalars(select(Event.event_key)))
        docs = sorted((r[0], r[1]) for r in conn.execute(
            select(Document.canonical_url, Article.content_hash).join(Article, Article.id == Document.article_id)))
    engine.dispose()
    return counts, keys, docs


def test_second_crawl_of_a_generated_site_changes_nothing(archive_url: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    generate(root, 120, seed=5, dialogue_share=0.6, syndicated_share=0.25)
    with FaultServer(root) as server:
        crawl(archive_url, f"{server.base_url}/sitemap_index.xml")
        first = state(archive_url)
        crawl(archive_url, f"{server.base_url}/sitemap_index.xml")
        second = state(archive_url)
    assert first[0]["documents"] > 30 and first[0]["events"] > 5
    assert first[0]["articles"] < first[0]["documents"]  # syndicated copies collapsed
    assert second == first


@pytest.mark.slow
def test_second_crawl_of_shared_wire_sites_changes_nothing(sqlite_url: str) -> None:
    site = shared_path("data", "wire-sites-dev", "site")
    engine = make_engine(sqlite_url)
    from storage.schema import upgrade

    upgrade(engine)
    engine.dispose()
    with FixtureServer(site) as server:
        crawl(sqlite_url, f"{server.base_url}/sitemap_index.xml")
        first = state(sqlite_url)
        crawl(sqlite_url, f"{server.base_url}/sitemap_index.xml")
        second = state(sqlite_url)
    assert first[0]["documents"] > 0
    assert second == first
