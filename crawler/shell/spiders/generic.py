"""The ad-hoc generic spider: news sitemaps (and indexes), RSS/Atom/JSON feeds, or a list of URLs.

    newsarchive crawl --sitemap URL --feed URL --url URL --urls-file FILE   (each repeatable)
    scrapy crawl generic -a sitemap=URL -a feed=URL -a url=URL -a urls_file=FILE -a since=2024-01-01

Article requests are limited to the origins (scheme, host and port) of the given seeds, so a sitemap
cannot send the crawler elsewhere (``newsarchive/discovery/skipped/offsite_origin``; OffsiteMiddleware
checks the hosts too). Discovery is bounded (crawler.shell.frontier): a sitemap's links reach the
scheduler only as fast as they are downloaded. Discovery errors are counted in the stats, never fatal.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.core.discovery import Discovered, Link, stream_discovery
from crawler.core.urls import allowed_origins, host_of, origin_of
from crawler.shell.frontier import Frontier
from crawler.shell.items import PageItem, page_item_from
from crawler.shell.middlewares import ARTICLE, COMPLETE, DISCOVERY, INDEX, KIND
from crawler.shell.spiders.failures import article_failed, failure_reason
from crawler.shell.spiders.links import before_since, child_url, usable_link

_SPLIT = re.compile(r"[\s,]+")


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in _SPLIT.split(value) if v]
    return [v for v in value if v]


def read_urls_file(path: str | Path) -> list[str]:
    """One URL per line; blank lines and ``#`` comments ignored. Raises OSError if unreadable."""
    urls = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(line)
    return urls


def parse_since(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value.strip())


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(
        self,
        sitemap: str | list[str] | None = None,
        feed: str | list[str] | None = None,
        url: str | list[str] | None = None,
        urls_file: str | list[str] | None = None,
        since: str | date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sitemaps = _as_list(sitemap)
        self.feeds = _as_list(feed)
        self.urls = _as_list(url)
        for path in _as_list(urls_file):
            self.urls.extend(read_urls_file(path))
        self.since = parse_since(since)
        hosts = {host_of(u) for u in [*self.sitemaps, *self.feeds, *self.urls]}
        self.allowed_domains = sorted(h for h in hosts if h)
        self.origins = allowed_origins([*self.sitemaps, *self.feeds, *self.urls])
        self.frontier: Frontier | None = None  # set by start(); None: discovery output goes to the scheduler

    def run_arguments(self) -> dict[str, Any]:
        """What was asked, for the crawl_runs row."""
        return {"sitemaps": self.sitemaps, "feeds": self.feeds, "urls": self.urls,
                "since": self.since.isoformat() if self.since else None}

    async def start(self) -> AsyncIterator[Any]:
        self.frontier = Frontier.from_crawler(self.crawler)
        self.frontier.add(self._seed_requests())
        async for request in self.frontier.requests():
            yield request

    def _seed_requests(self) -> Iterator[scrapy.Request]:
        for via, urls in (("sitemap", self.sitemaps), ("feed", self.feeds)):
            for u in urls:
                if self.frontier is None or self.frontier.first_time(u):
                    yield self.discovery_request(u, via, seed=True)
        for u in self.urls:
            yield self.article_request(Link(url=u, via="url"))

    def discovery_request(self, url: str, via: str, *, seed: bool = False) -> scrapy.Request:
        """A sitemap/feed request (fetched conditionally by crawler.shell.middlewares.IncrementalMiddleware).
        With a Frontier it bypasses the dupefilter (the Frontier deduplicates discovery URLs per run).

        A ``seed`` is a sitemap or feed the user asked for: when it cannot be read (4xx/5xx, a download
        error) the run says so (``newsarchive/seeds/failed``, the ``seeds`` monitor fails the run)."""
        if seed:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newsarchive/seeds/requested")
        return scrapy.Request(url, callback=self.parse_discovery, cb_kwargs={"via": via},
                              meta={KIND: DISCOVERY}, errback=self.seed_failed if seed else None,
                              dont_filter=self.frontier is not None)

    def seed_failed(self, failure: Failure) -> None:
        reason = failure_reason(failure)
        if reason is None:  # declined on purpose (robots.txt forbids it): not a failure to alert on
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("newsarchive/seeds/failed")
        stats.inc_value(f"newsarchive/seeds/failed/{reason}")
        request = getattr(failure, "request", None)
        self.logger.error("requested sitemap/feed %s failed: %s", getattr(request, "url", "?"), reason)

    def article_request(self, link: Link) -> scrapy.Request:
        """An article request (skipped by IncrementalMiddleware when its canonical URL is known)."""
        return scrapy.Request(link.url, callback=self.parse_article, cb_kwargs={"link": link},
                              meta={KIND: ARTICLE}, errback=self.article_failed)

    def article_failed(self, failure: Failure) -> None:
        article_failed(self, failure)

    def parse_discovery(self, response: Response, via: str) -> Iterable[Any]:
        """A discovery document's requests, read lazily: handed to the Frontier (which reads them as the
        bound allows), or returned for Scrapy to stream into the scheduler when there is none."""
        discovered = self._discovered(response, via)
        if self.frontier is None:
            return discovered
        self.frontier.add(discovered)
        return ()

    def may_fetch(self, url: str) -> bool:
        """Whether a discovered URL is on a seed's origin (scheme, host, port); counted when not."""
        if not self.origins or origin_of(url) in self.origins:
            return True
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsarchive/discovery/skipped/offsite_origin")
        return False

    def _discovered(self, response: Response, via: str) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        assert stats is not None
        found = Discovered(kind="unknown")
        fetched_at = datetime.now(UTC)
        for entry in stream_discovery(response.body, found):
            if isinstance(entry, str):
                response.meta[INDEX] = True  # an index: always fetched in full (see crawler.shell.middlewares)
                child = child_url(stats, response.url, entry)
                if child is None or not self.may_fetch(child):
                    continue
                if self.frontier is None or self.frontier.first_time(child):
                    yield self.discovery_request(child, via)
                continue
            found_link = entry
            stats.inc_value("newsarchive/discovery/links")
            link = usable_link(stats, response.url, found_link, fetched_at=fetched_at)
            if link is None:
                continue
            if before_since(link, self.since, fetched_at=fetched_at):
                stats.inc_value("newsarchive/discovery/skipped/before_since")
                continue
            if not self.may_fetch(link.url):
                continue
            yield self.article_request(link)
        if found.error:
            stats.inc_value(f"newsarchive/discovery/error/{via}")
            self.logger.warning("discovery document %s: %s", response.url, found.error)
        else:
            response.meta[COMPLETE] = True  # read to the end: its validators may be stored

    def parse_article(self, response: Response, link: Link) -> Iterator[PageItem]:
        yield page_item_from(response, link)


class FrontierSpider(GenericSpider):
    """A crawl worker sharing a Redis frontier with other workers (scrapy-redis scheduler + dupefilter).

        scrapy crawl frontier -a redis_key=newsarchive:frontier -s REDIS_URL=redis://HOST:6379/0 \\
            -s NEWSARCHIVE_DATABASE_URL=postgresql://...

    Seeds are pushed to the Redis list ``redis_key`` (``RPUSH``), one per entry: an article URL, or
    ``sitemap URL`` / ``feed URL``. Each entry is popped by exactly one worker (``LPOP`` is atomic); the
    requests it leads to go to the shared scheduler queue, and the shared dupefilter keeps any URL from being
    fetched twice. The spider supplies its own ``async def start()`` that polls the list (every
    ``poll_interval`` seconds while it is empty); released scrapy-redis only feeds a spider when the engine
    goes idle (Scrapy >= 2.13 never calls its ``start_requests()``), batch after drained batch — 1.3x slower
    on the demo pages, more with cheap high-latency pages (docs/scaling.md, benchmarks/bench_frontier.py). A worker stops after the list has been
    empty for ``idle_close`` seconds (0: never, a long-running worker) and its own queue drained.
    """

    name = "frontier"
    custom_settings = {  # noqa: RUF012 (Scrapy's convention)
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
    }

    def __init__(self, redis_key: str = "newsarchive:frontier", idle_close: str | float = 5.0,
                 poll_interval: str | float = 0.2, batch: str | int = 16, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redis_key = redis_key
        self.idle_close = float(idle_close)
        self.poll_interval = float(poll_interval)
        self.batch = int(batch)

    def run_arguments(self) -> dict[str, Any]:
        return {"redis_key": self.redis_key, "idle_close": self.idle_close}

    async def start(self) -> AsyncIterator[Any]:
        import asyncio
        import time

        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(self.crawler.settings)
        stats = self.crawler.stats
        assert stats is not None
        idle_since = time.monotonic()
        while True:
            entries = await asyncio.to_thread(server.lpop, self.redis_key, self.batch)
            if entries:
                idle_since = time.monotonic()
                for raw in entries:
                    stats.inc_value("newsarchive/frontier/popped")
                    yield self.seed_request(raw.decode("utf-8") if isinstance(raw, bytes) else str(raw))
                continue
            if self.idle_close and time.monotonic() - idle_since >= self.idle_close:
                return
            await asyncio.sleep(self.poll_interval)

    def seed_request(self, entry: str) -> scrapy.Request:
        kind, _, rest = entry.strip().partition(" ")
        if kind in ("sitemap", "feed") and rest:
            return self.discovery_request(rest.strip(), kind, seed=True)
        return self.article_request(Link(url=entry.strip(), via="url"))
