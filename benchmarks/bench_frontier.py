"""Throughput of the Redis frontier: one worker vs two workers over the same pages.

    NEWSARCHIVE_TEST_REDIS_URL=redis://127.0.0.1:6379/0 python -m benchmarks.bench_frontier [--copies 10]

Serves the demo site on 127.0.0.1 with a fixed per-page delay (a remote site's latency), seeds the queue
with every demo page × ``--copies`` (distinct ``?copy=N`` URLs), and times `scrapy crawl frontier` with 1
and with 2 worker processes into fresh SQLite archives. Prints pages/second for each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

from crawler.demo import DEMO_GOLD, DEMO_SITE
from crawler.demo.server import FixtureServer, _FixtureHandler
from storage.db import make_engine
from storage.schema import upgrade

REPO = Path(__file__).resolve().parents[1]


class LatentHandler(_FixtureHandler):
    delay = 0.1

    def do_GET(self) -> None:
        time.sleep(type(self).delay)
        super().do_GET()


def run(workers: int, urls: list[str], redis_url: str, tmp: Path) -> float:
    db = f"sqlite:///{tmp / f'bench-{workers}.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    prefix = f"newsarchive-bench-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url)
    client.rpush(f"{prefix}:seeds", *urls)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "frontier", "-a", f"redis_key={prefix}:seeds",
           "-a", "idle_close=1", "-s", f"REDIS_URL={redis_url}", "-s", f"NEWSARCHIVE_DATABASE_URL={db}",
           "-s", f"SCHEDULER_QUEUE_KEY={prefix}:requests", "-s", f"SCHEDULER_DUPEFILTER_KEY={prefix}:dupefilter",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=ERROR",
           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "ROBOTSTXT_OBEY=False"]
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=REPO) for _ in range(workers)]
    for p in procs:
        p.wait()
    elapsed = time.perf_counter() - start - 1.0  # minus the idle_close wait
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    redis_url = os.environ.get("NEWSARCHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    gold = [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    LatentHandler.delay = args.delay
    with FixtureServer(DEMO_SITE) as server, tempfile.TemporaryDirectory() as tmp:
        assert server._httpd is not None
        server._httpd.RequestHandlerClass = LatentHandler
        urls = [f"{server.base_url}{g['url_path']}?copy={i}" for i in range(args.copies) for g in gold]
        for workers in (1, 2):
            seconds = run(workers, urls, redis_url, Path(tmp))
            print(f"{workers} worker(s): {len(urls)} pages in {seconds:.1f} s = {len(urls) / seconds:.1f} pages/s")


if __name__ == "__main__":
    main()
