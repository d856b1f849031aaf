"""Bounded discovery: requests reach Scrapy only as fast as they are downloaded (issue 13).

A sitemap of 200,000 URLs parsed in one callback used to put 200,000 ``Request`` objects in the scheduler
(peak RSS 0.8-1.2 GB) and kept the reactor busy so long that the crawl ran a minute past its time limit.
The ``Frontier`` holds discovery as lazy generators instead (``crawler.core.discovery.stream_discovery``
reads one ``<url>`` at a time) and the spider's ``start()`` hands their requests to the engine while the
requests in flight — the scheduler's queue plus the downloader's active requests — are below
``NEWSARCHIVE_REQUESTS_IN_FLIGHT``; once at that bound it waits until they drain to the low-water mark
(``NEWSARCHIVE_REQUESTS_LOW_WATER``, default half the bound). Memory is then flat in sitemap size, and a
time limit (``CLOSESPIDER_TIMEOUT``) closes a crawl that has at most the bound left to finish.

Generators are drained newest first: the articles of a fetched child sitemap go before the index's next
child, so few discovery documents are held open at a time. ``done()``: no generator left and the engine
idle (nothing scheduled, downloading or being parsed — a discovery callback in progress may add one).

Discovery requests are sent with ``dont_filter`` (a resumed ``--jobdir`` crawl refetches its seeds and
regenerates what had not been scheduled) and deduplicated here per run instead; article requests keep
Scrapy's dupefilter (the per-run seen set) and the incremental middleware's archive check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from storage.crawlstats import FRONTIER_MAX_IN_FLIGHT

logger = logging.getLogger(__name__)

IN_FLIGHT_SETTING = "NEWSARCHIVE_REQUESTS_IN_FLIGHT"
LOW_WATER_SETTING = "NEWSARCHIVE_REQUESTS_LOW_WATER"
MAX_PENDING_STAT = FRONTIER_MAX_IN_FLIGHT
POLL_SECONDS = 0.01


class Frontier:
    def __init__(self, crawler: Crawler, bound: int = 64, low_water: int | None = None) -> None:
        if bound < 1:
            raise ValueError(f"{IN_FLIGHT_SETTING} must be at least 1, got {bound}")
        self.crawler = crawler
        self.bound = bound
        self.low_water = max(0, min(bound - 1, bound // 2 if low_water is None else low_water))
        self._stack: list[Iterator[Request]] = []
        self._discovery_seen: set[str] = set()
        self._filling = True
        self.max_in_flight = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Frontier:
        settings = crawler.settings
        low = settings.get(LOW_WATER_SETTING)
        frontier = cls(crawler, settings.getint(IN_FLIGHT_SETTING, 64), None if low in (None, "") else int(low))
        if frontier.bound < settings.getint("CONCURRENT_REQUESTS"):
            logger.warning("%s=%d is below CONCURRENT_REQUESTS=%d: it caps the download concurrency",
                           IN_FLIGHT_SETTING, frontier.bound, settings.getint("CONCURRENT_REQUESTS"))
        return frontier

    # -- producers ----------------------------------------------------------------------------------
    def add(self, requests: Iterable[Request]) -> None:
        """Queue a (lazy) source of requests; it is read only as the bound allows."""
        self._stack.append(iter(requests))

    def first_time(self, url: str) -> bool:
        """Whether this discovery URL is new in this run (discovery requests bypass the dupefilter)."""
        if url in self._discovery_seen:
            return False
        self._discovery_seen.add(url)
        return True

    # -- the engine's view ----------------------------------------------------------------------------
    def in_flight(self) -> int:
        """Requests scheduled but not yet downloaded, plus those being downloaded."""
        engine = self.crawler.engine
        if engine is None or engine.scheduler is None:
            return 0
        scheduler: Any = engine.scheduler
        return len(scheduler) + len(engine.downloader.active)

    def _closing(self) -> bool:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        return engine is None or not engine.running or slot is None or slot.closing is not None

    def _engine_idle(self) -> bool:
        engine = self.crawler.engine
        assert engine is not None and engine.scheduler is not None
        scraper_slot = engine.scraper.slot
        return ((scraper_slot is None or scraper_slot.is_idle()) and not engine.downloader.active
                and not engine.scheduler.has_pending_requests())

    def done(self) -> bool:
        return not self._stack and self._engine_idle()

    # -- the consumer: the spider's start() -----------------------------------------------------------
    def _next(self) -> Request | None:
        while self._stack:
            try:
                return next(self._stack[-1])
            except StopIteration:
                self._stack.pop()
        return None

    async def requests(self) -> AsyncIterator[Request]:
        """Requests for the engine, within the bound; ends when done() or when the spider is closing."""
        stats = self.crawler.stats
        while not self._closing():
            n = self.in_flight()
            if n >= self.bound:
                self._filling = False
            elif n <= self.low_water:
                self._filling = True
            if self._filling:
                request = self._next()
                if request is not None:
                    if n + 1 > self.max_in_flight:
                        self.max_in_flight = n + 1
                        if stats is not None:
                            stats.max_value(MAX_PENDING_STAT, n + 1)
                    yield request
                    continue
                if self.done():
                    return
            await asyncio.sleep(POLL_SECONDS)
