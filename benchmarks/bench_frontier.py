"""Throughput of the Redis frontier.

    NEWSARCHIVE_TEST_REDIS_URL=redis://127.0.0.1:6379/0 python -m benchmarks.bench_frontier \\
        [--copies 10] [--delay 0.1] [--database postgresql://postgres@127.0.0.1:5432/test] [--only stock|workers]

Serves the demo site on 127.0.0.1 with a fixed per-page delay (a remote site's latency), seeds a Redis
list with every demo page × ``--copies`` (distinct ``?copy=N`` URLs) and crawls it into a fresh archive
(a temporary SQLite file, or a fresh schema in the PostgreSQL database given by ``--database``):

- ``stock``: released scrapy-redis ``RedisSpider`` (no ``start()`` of its own: on Scrapy >= 2.13 the
  default ``start()`` reads ``start_urls`` only, so seeds arrive from its ``spider_idle`` handler alone)
  vs our ``FrontierSpider`` (own ``async def start()`` polling the list), one worker each. The stock
  spider builds the same article requests (``make_request_from_data`` overridden), so only the feeding
  differs.
- ``workers``: ``FrontierSpider`` with 1 worker, 1 worker at twice the per-domain concurrency (the same
  total concurrency as two workers), and 2 workers.

Time is measured from launching the worker(s) to the last page served by the fixture server (worker
shutdown, e.g. the idle-close wait, is excluded). Every page must be served exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from scrapy_redis.spiders import RedisSpider
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.app.demo import DEMO_GOLD, DEMO_SITE
from crawler.app.demo.server import FixtureServer, _FixtureHandler
from crawler.core.discovery import Link
from crawler.shell.spiders.archive import ArchiveSpider, FrontierSpider, Target
from storage.db import make_engine
from storage.schema import upgrade

REPO = Path(__file__).resolve().parents[1]


class StockRedisSpider(RedisSpider):
    """scrapy-redis 0.9.1 as released: fed from ``spider_idle`` only. Run by ``scrapy runspider`` on this file."""

    name = "stock_frontier"
    custom_settings = FrontierSpider.custom_settings  # the same scheduler and dupefilter
    article_request = ArchiveSpider.article_request
    parse_article = ArchiveSpider.parse_article
    article_failed = ArchiveSpider.article_failed
    _meta = ArchiveSpider._meta

    def make_request_from_data(self, data: bytes) -> Any:
        return self.article_request(Target(endpoints=()), Link(url=data.decode("utf-8").strip(), via="url"))

    def run_arguments(self) -> dict[str, Any]:
        return {"redis_key": self.redis_key}


class LatentHandler(_FixtureHandler):
    delay = 0.1
    served: list[float] = []  # noqa: RUF012 (monotonic times of page responses)
    lock = threading.Lock()

    def do_GET(self) -> None:
        time.sleep(type(self).delay)
        super().do_GET()
        if "copy=" in self.path:
            with type(self).lock:
                type(self).served.append(time.monotonic())


def fresh_archive(database: str | None, tmp: Path, label: str) -> tuple[str, str | None]:
    """A migrated empty archive: SQLite file in ``tmp``, or a new schema in the PostgreSQL ``database``."""
    if not database:
        url = f"sqlite:///{tmp / f'{label}-{uuid.uuid4().hex[:6]}.sqlite3'}"
        schema = None
    else:
        raw = make_url(database)
        if raw.drivername in ("postgresql", "postgres"):
            raw = raw.set(drivername="postgresql+psycopg")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(raw)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = raw.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, schema


def drop_schema(database: str, schema: str) -> None:
    raw = make_url(database)
    if raw.drivername in ("postgresql", "postgres"):
        raw = raw.set(drivername="postgresql+psycopg")
    admin = create_engine(raw)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def run(kind: str, workers: int, per_domain: int, urls: list[str], redis_url: str, database: str | None,
        tmp: Path) -> float:
    db, schema = fresh_archive(database, tmp, f"{kind}-{workers}")
    prefix = f"newsarchive-bench-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url)
    client.rpush(f"{prefix}:seeds", *urls)
    common = ["-a", f"redis_key={prefix}:seeds", "-s", f"REDIS_URL={redis_url}",
              "-s", f"NEWSARCHIVE_DATABASE_URL={db}", "-s", f"SCHEDULER_QUEUE_KEY={prefix}:requests",
              "-s", f"SCHEDULER_DUPEFILTER_KEY={prefix}:dupefilter", "-s", "AUTOTHROTTLE_ENABLED=False",
              "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=ERROR", "-s", "ROBOTSTXT_OBEY=False",
              "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_domain}"]
    if kind == "stock":
        cmd = [sys.executable, "-m", "scrapy", "runspider", __file__, *common,
               "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=1"]
    else:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "frontier", *common, "-a", "idle_close=1"]
    LatentHandler.served.clear()
    start = time.monotonic()
    procs = [subprocess.Popen(cmd, cwd=REPO) for _ in range(workers)]
    for p in procs:
        p.wait(timeout=600)
    served = list(LatentHandler.served)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
    if database and schema:
        drop_schema(database, schema)
    failed = [p.returncode for p in procs if p.returncode != 0]
    if failed or len(served) != len(urls):
        raise SystemExit(f"{kind} x{workers}: exit codes {failed}, {len(served)} of {len(urls)} pages served")
    return max(served) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds the server waits before each page")
    parser.add_argument("--per-domain", type=int, default=8, help="CONCURRENT_REQUESTS_PER_DOMAIN per worker")
    parser.add_argument("--database", help="PostgreSQL URL (a fresh schema per run); default: SQLite files")
    parser.add_argument("--only", choices=["stock", "workers"])
    args = parser.parse_args()
    redis_url = os.environ.get("NEWSARCHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    gold = [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    LatentHandler.delay = args.delay
    print(f"archive: {'PostgreSQL' if args.database else 'SQLite'}; server delay {args.delay} s/page; "
          f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain} per worker")
    with FixtureServer(DEMO_SITE) as server, tempfile.TemporaryDirectory() as tmp:
        assert server._httpd is not None
        server._httpd.RequestHandlerClass = LatentHandler
        urls = [f"{server.base_url}{g['url_path']}?copy={i}" for i in range(args.copies) for g in gold]
        n = len(urls)

        def report(label: str, seconds: float) -> float:
            print(f"{label:<44} {n} pages in {seconds:6.1f} s = {n / seconds:6.1f} pages/s", flush=True)
            return n / seconds

        if args.only in (None, "stock"):
            stock = report("scrapy-redis RedisSpider, 1 worker", run("stock", 1, args.per_domain, urls, redis_url,
                                                                     args.database, Path(tmp)))
            ours = report("FrontierSpider (own start()), 1 worker", run("frontier", 1, args.per_domain, urls,
                                                                        redis_url, args.database, Path(tmp)))
            print(f"FrontierSpider / RedisSpider = {ours / stock:.1f}x")
        if args.only in (None, "workers"):
            one = report("FrontierSpider, 1 worker", run("frontier", 1, args.per_domain, urls, redis_url,
                                                         args.database, Path(tmp)))
            one2 = report(f"FrontierSpider, 1 worker, per-domain {2 * args.per_domain}",
                          run("frontier", 1, 2 * args.per_domain, urls, redis_url, args.database, Path(tmp)))
            two = report("FrontierSpider, 2 workers", run("frontier", 2, args.per_domain, urls, redis_url,
                                                          args.database, Path(tmp)))
            print(f"2 workers / 1 worker = {two / one:.2f}x; 2 workers / 1 worker at double concurrency = "
                  f"{two / one2:.2f}x")


if __name__ == "__main__":
    main()
