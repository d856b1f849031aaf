"""Scale-out with a shared Redis frontier: two worker processes consume one queue of fixture URLs; every URL
is fetched exactly once and the archive equals a single-process crawl. Needs NEWSARCHIVE_TEST_REDIS_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.app.demo import DEMO_GOLD
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

REDIS_ENV = "NEWSARCHIVE_TEST_REDIS_URL"
REPO = Path(__file__).resolve().parents[1]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING", *INLINE_EXTRACTION]


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} not set: the Redis frontier tests need a server (CI sets it)")
    pytest.importorskip("scrapy_redis", reason="scrapy-redis is not installed")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"{REDIS_ENV} is set but Redis is not usable: {exc}")
    client.close()
    yield url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """This test's key prefix; its keys (only its: other test processes share the server) go at teardown."""
    import redis

    prefix = f"newsarchive-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def worker(db: str, redis_url: str, prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "frontier", "-a", f"redis_key={prefix}:seeds",
         "-a", "idle_close=4", "-a", "batch=2", "-s", f"REDIS_URL={redis_url}", "-s", f"NEWSARCHIVE_DATABASE_URL={db}",
         "-s", f"SCHEDULER_QUEUE_KEY={prefix}:requests", "-s", f"SCHEDULER_DUPEFILTER_KEY={prefix}:dupefilter",
         "-s", "NEWSARCHIVE_BATCH_SIZE=5", *FAST],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(url: str, base: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        docs = conn.execute(select(Document.canonical_url, Article.content_hash, Event.event_key)
                            .join(Article, Article.id == Document.article_id)
                            .outerjoin(Event, Event.id == Article.event_id)).all()
        events = sorted(conn.scalars(select(Event.event_key)))
    engine.dispose()
    return {"documents": sorted((u.removeprefix(base), h, k) for u, h, k in docs), "events": events}


def test_two_workers_share_one_frontier(redis_url: str, redis_prefix: str, demo_server: FixtureServer,
                                       tmp_path: Path) -> None:
    import redis

    gold = [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    urls = [demo_server.base_url + g["url_path"] for g in gold]
    db = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    prefix = redis_prefix
    client = redis.Redis.from_url(redis_url)
    workers = [worker(db, redis_url, prefix) for _ in range(2)]
    # Feed the queue only once both workers are up and polling (each has opened its crawl_runs row), so the
    # test shows sharing rather than which process happened to start first on a loaded machine.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        engine = make_engine(db)
        with engine.connect() as conn:
            started = conn.scalar(select(func.count()).select_from(CrawlRun)) or 0
        engine.dispose()
        if started >= 2 or any(w.poll() is not None for w in workers):
            break
        time.sleep(0.2)
    client.rpush(f"{prefix}:seeds", *urls)
    outputs = [w.communicate(timeout=180) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err[-3000:]
    assert client.llen(f"{prefix}:seeds") == 0
    client.close()
    pages = {p: n for p, n in demo_server.requests.items() if p != "/robots.txt"}
    assert sorted(pages) == sorted({g["url_path"] for g in gold})
    assert set(pages.values()) == {1}  # every URL fetched exactly once, by one of the workers

    engine = make_engine(db)
    with engine.connect() as conn:
        popped = [(r or {}).get("newsarchive/frontier/popped", 0) for r in conn.scalars(select(CrawlRun.stats))]
    engine.dispose()
    assert len(popped) == 2 and all(popped) and sum(popped) == len(urls)  # both workers shared the queue

    reference = f"sqlite:///{tmp_path / 'single.sqlite3'}"
    engine = make_engine(reference)
    upgrade(engine)
    engine.dispose()
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    single = forkcli.run(["--database", reference, "crawl", "--urls-file",
                             str(urls_file), *FAST[:4]], capture_output=True, text=True, timeout=180, check=False)
    assert single.returncode == 0, single.stderr[-3000:]
    assert snapshot(db, demo_server.base_url) == snapshot(reference, demo_server.base_url)
