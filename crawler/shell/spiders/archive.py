"""The archive spider: registered sources, or ad-hoc seeds crawled as one anonymous source.

    newsarchive crawl ani yonhap --since 2024-01-01      newsarchive crawl --all
    newsarchive crawl --sitemap URL --feed URL --url URL --urls-file FILE   (each repeatable)
    scrapy crawl newsarchive -a sources=ani,yonhap -a since=2024-01-01 [-a backfill_pages=5]
    scrapy crawl newsarchive -a sitemap=URL -a feed=URL -a url=URL -a urls_file=FILE -a since=2024-01-01

Everything the spider crawls is a ``Target``: a registered ``Source`` (crawler/data/sources.json) with its
discovery endpoints (news sitemaps and indexes, feeds — read by crawler.core.discovery — and listing pages,
whose links are kept when they match the source's article patterns; ``{page}`` templates are followed for
``backfill_pages`` pages), its politeness (one download slot per source, the registry's delay a floor), its
title filter and its era; or the anonymous source of the ad-hoc seeds: no registry entry (no zone, agency
or country: the page context comes from the host, as for any page), the given sitemaps and feeds as its
endpoints, the given URLs as its articles, and the seeds' origins (scheme, host, port) as its bounds — a
sitemap cannot send the crawler elsewhere (``newsarchive/discovery/skipped/offsite_origin``; OffsiteMiddleware
and crawler.shell.middlewares.OriginMiddleware check too). Its seeds are monitored: one that cannot be read
fails the run (``newsarchive/seeds/failed``, the ``seeds`` monitor), while a registered endpoint that is gone
is a registry fact (``newsarchive/discovery/failed/<source>``, 404/410 left out of the error rate).

One discovery path for both: each discovery document is streamed into the bounded Frontier
(crawler.shell.frontier: requests reach the scheduler only as fast as they are downloaded), an index's
children are followed, each entry is made a request or skipped with a counted reason
(crawler.shell.spiders.links), and a document read to the end is marked complete (its validators may be
stored; an index never: crawler.shell.middlewares). Requests carry ``meta["newsarchive_kind"]``
('discovery' | 'article') and, for a registered source, ``meta["newsarchive_source"]``.

Testing offline: the setting ``NEWSARCHIVE_SOURCE_BASES`` (``{"ani": "http://127.0.0.1:8000/ani"}``, or a
JSON string) re-points a source's endpoints and article patterns at a replica (crawler.core.sources.rebase).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.core.discovery import Discovered, Link, stream_discovery
from crawler.core.events import DialogueRegistry
from crawler.core.sources import Endpoint, Source, rebase, title_may_be_relevant
from crawler.core.urls import allowed_origins, canonical_url, host_of, is_fetchable, origin_of
from crawler.shell.frontier import Frontier
from crawler.shell.items import PageItem, page_item_from
from crawler.shell.middlewares import ARTICLE, COMPLETE, DISCOVERY, INDEX, KIND
from crawler.shell.resources import ArchiveResources
from crawler.shell.spiders.failures import article_failed, failure_reason
from crawler.shell.spiders.links import before_since, child_url, usable_link
from storage.crawlstats import (
    ARTICLES_BY_SOURCE,
    DISCOVERY_ERROR,
    DISCOVERY_FAILED,
    DISCOVERY_LINKS,
    DISCOVERY_NO_ENDPOINT,
    DISCOVERY_NOT_FOUND,
    SEEDS_FAILED,
    SEEDS_FAILED_BY_REASON,
    SEEDS_REQUESTED,
    SKIPPED_BEFORE_SINCE,
    SKIPPED_NOT_ARTICLE,
    SKIPPED_OFFSITE_ORIGIN,
    SKIPPED_TITLE_FILTER,
)

NOT_FOUND_STATUSES = (404, 410)
SOURCE = "newsarchive_source"
SEED = "newsarchive_seed"  # a sitemap/feed the user asked for (the anonymous source's endpoints)
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


def slot_key(source: str) -> str:
    """The download slot of a source's requests (politeness is per source, whatever the host)."""
    return f"source:{source}"


@dataclass(frozen=True)
class Target:
    """What the spider crawls: a registered source, or (``source`` None) the anonymous source of ad-hoc seeds."""

    endpoints: tuple[Endpoint, ...]
    source: Source | None = None
    articles: tuple[str, ...] = ()  # the anonymous source's --url pages
    origins: frozenset[tuple[str, str, int]] = frozenset()  # the anonymous source's bounds (empty: none)
    base: str | None = None  # NEWSARCHIVE_SOURCE_BASES: a registered source's offline replica

    @classmethod
    def anonymous(cls, sitemaps: list[str], feeds: list[str], urls: list[str]) -> Target:
        endpoints = tuple(Endpoint(type=kind, url=u, confidence="high")
                          for kind, found in (("sitemap", sitemaps), ("feed", feeds)) for u in found)
        return cls(endpoints=endpoints, articles=tuple(urls),
                   origins=allowed_origins([*sitemaps, *feeds, *urls]))

    @property
    def name(self) -> str | None:
        return self.source.name if self.source is not None else None

    @property
    def era_start(self) -> date | None:
        return self.source.era_start if self.source is not None else None


class ArchiveSpider(scrapy.Spider):
    name = "newsarchive"

    def __init__(
        self,
        sources: str | list[str] | None = None,
        all_sources: bool | str = False,
        sitemap: str | list[str] | None = None,
        feed: str | list[str] | None = None,
        url: str | list[str] | None = None,
        urls_file: str | list[str] | None = None,
        since: str | date | None = None,
        backfill_pages: int | str = 1,
        title_filter: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_names = _as_list(sources)
        self.all_sources = str(all_sources).lower() in ("1", "true", "yes")
        self.sitemaps = _as_list(sitemap)
        self.feeds = _as_list(feed)
        self.urls = _as_list(url)
        for path in _as_list(urls_file):
            self.urls.extend(read_urls_file(path))
        if (self.source_names or self.all_sources) and (self.sitemaps or self.feeds or self.urls):
            raise ValueError("crawl either registered sources or ad-hoc sitemaps/feeds/URLs, not both")
        self.since = parse_since(since)
        self.backfill_pages = max(1, int(backfill_pages))
        self.title_filter = str(title_filter).lower() not in ("0", "false", "no")
        self.adhoc = Target.anonymous(self.sitemaps, self.feeds, self.urls)
        self.origins = self.adhoc.origins  # crawler.shell.middlewares.OriginMiddleware reads it
        hosts = {host_of(u) for u in [*self.sitemaps, *self.feeds, *self.urls]}
        self.allowed_domains = sorted(h for h in hosts if h)
        self.targets: list[Target] = []  # set by from_crawler (the registries belong to the crawl)
        self.dialogues: DialogueRegistry | None = None
        self.delay_floors: dict[str, float] = {}
        self.frontier: Frontier | None = None  # set by start(); None: discovery output goes to the scheduler

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArchiveSpider:
        spider: ArchiveSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.resolve_targets(crawler)
        return spider

    def resolve_targets(self, crawler: Crawler) -> None:
        """The registered sources asked for (raises UnknownSource), or the anonymous source; and each
        source's download slot (its registry delay and concurrency; the delay a floor: see _keep_delay_floor)."""
        registries = ArchiveResources.of(crawler).registries
        self.dialogues = registries.dialogues
        raw = crawler.settings.get("NEWSARCHIVE_SOURCE_BASES") or {}
        bases = json.loads(raw) if isinstance(raw, str) else dict(raw)
        names = registries.sources.names() if self.all_sources else self.source_names
        sources = [registries.sources.get(n) for n in names]
        if not sources:
            self.targets = [self.adhoc]
            return
        self.targets = [Target(endpoints=tuple(s.endpoints()), source=s, base=bases.get(s.name)) for s in sources]
        if crawler.settings.getbool("NEWSARCHIVE_SOURCE_POLITENESS", True) and not crawler.settings.frozen:
            slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
            for s in sources:
                slots.setdefault(slot_key(s.name), {"delay": s.download_delay, "concurrency": s.concurrency,
                                                    "jitter": 0.0})
            crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
            self.delay_floors = {k: float(v.get("delay", 0.0)) for k, v in slots.items()}

    @property
    def sources(self) -> list[Source]:
        return [t.source for t in self.targets if t.source is not None]

    def run_arguments(self) -> dict[str, Any]:
        """What was asked, for the crawl_runs row."""
        since = self.since.isoformat() if self.since else None
        if self.sources:
            return {"sources": [s.name for s in self.sources], "all": self.all_sources, "since": since,
                    "backfill_pages": self.backfill_pages}
        return {"sitemaps": self.sitemaps, "feeds": self.feeds, "urls": self.urls, "since": since}

    # -- requests -----------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        self._register_sources()
        if self.delay_floors:
            # Connected now, after the extensions (AutoThrottle) connected theirs, so it runs after them.
            self.crawler.signals.connect(self._keep_delay_floor, signal=signals.response_downloaded)
        self.frontier = Frontier.from_crawler(self.crawler)
        self.frontier.add(self._seed_requests())
        async for request in self.frontier.requests():
            yield request

    def _seed_requests(self) -> Iterator[scrapy.Request]:
        for target in self.targets:
            if target.source is not None and not target.endpoints:
                self._inc(DISCOVERY_NO_ENDPOINT(target.source.name))
                self.logger.warning("source %s has no usable discovery endpoint (see `newsarchive sources "
                                    "show %s`)", target.source.name, target.source.name)
            for ep in target.endpoints:
                request = self.discovery_request(rebase(ep.page_url(ep.first_page), target.base), target, ep,
                                                 ep.first_page, seed=target.source is None)
                if request is not None:
                    yield request
            for u in target.articles:
                yield self.article_request(target, Link(url=u, via="url"))

    def _meta(self, target: Target, kind: str) -> dict[str, Any]:
        if target.source is None:
            return {KIND: kind}
        return {KIND: kind, SOURCE: target.source.name, "download_slot": slot_key(target.source.name)}

    def discovery_request(self, url: str, target: Target, endpoint: Endpoint, page: int, *,
                          seed: bool = False) -> scrapy.Request | None:
        """A sitemap/feed/listing request (fetched conditionally by crawler.shell.middlewares), or None when
        this run already asked for that URL. With a Frontier it bypasses the dupefilter (a resumed --jobdir run
        refetches discovery documents; the Frontier deduplicates them per run).

        A ``seed`` is a sitemap or feed the user asked for: when it cannot be read (4xx/5xx, a download
        error) the run says so (``newsarchive/seeds/failed``, the ``seeds`` monitor fails the run)."""
        if self.frontier is not None and not self.frontier.first_time(url):
            return None
        meta = self._meta(target, DISCOVERY)
        if seed:
            self._inc(SEEDS_REQUESTED)
            meta[SEED] = True
        # A seed's child (a sitemap of a seeded index) has no errback: Scrapy counts and logs its failure
        # (httperror/..., downloader/exception_...) and the run's error rate judges it.
        counted = seed or target.source is not None
        return scrapy.Request(url, callback=self.parse_discovery, meta=meta,
                              cb_kwargs={"target": target, "endpoint": endpoint, "page": page},
                              errback=self.discovery_failed if counted else None,
                              dont_filter=self.frontier is not None)

    def article_request(self, target: Target, link: Link) -> scrapy.Request:
        """An article request (skipped by IncrementalMiddleware when its canonical URL is known)."""
        return scrapy.Request(link.url, callback=self.parse_article, meta=self._meta(target, ARTICLE),
                              cb_kwargs={"target": target, "link": link}, errback=self.article_failed)

    def article_failed(self, failure: Failure) -> None:
        article_failed(self, failure)

    def discovery_failed(self, failure: Failure) -> None:
        """A discovery document that could not be read. A seed: counted per reason for the ``seeds`` monitor.
        A registered source's endpoint: counted per source; a 404/410 (many registered endpoints are guesses,
        and feeds move) also in ``DISCOVERY_NOT_FOUND``, which the error-rate monitor leaves out: a missing feed
        is a registry fact to fix, not a failing crawl."""
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(SEED):
            reason = failure_reason(failure)
            if reason is None:  # declined on purpose (robots.txt forbids it): not a failure to alert on
                return
            self._inc(SEEDS_FAILED)
            self._inc(SEEDS_FAILED_BY_REASON(reason))
            self.logger.error("requested sitemap/feed %s failed: %s", request.url, reason)
            return
        self._inc(DISCOVERY_FAILED(request.meta.get(SOURCE, "?")))
        error = failure.value
        if isinstance(error, HttpError) and error.response.status in NOT_FOUND_STATUSES:
            self._inc(DISCOVERY_NOT_FOUND)

    def _keep_delay_floor(self, response: Response, request: scrapy.Request) -> None:
        """AutoThrottle lowers a slot's delay towards DOWNLOAD_DELAY on fast responses; a source's registry
        delay is the least it may be (measured: without this, a 0.5 s source was fetched 3 ms apart)."""
        key = request.meta.get("download_slot")
        if not isinstance(key, str) or key not in self.delay_floors or self.crawler.engine is None:
            return
        floor = self.delay_floors[key]
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None and slot.delay < floor:
            slot.delay = floor

    def _register_sources(self) -> None:
        """Write the registry's kind/country/zone into ``sources`` rows (best effort, before any item)."""
        if not self.sources:
            return
        from storage.source_state import SourceFacts, register_sources

        try:
            register_sources(ArchiveResources.of(self.crawler).engine, [
                SourceFacts(s.name, s.domains[0], s.kind, s.country, s.timezone.value) for s in self.sources
            ])
        except Exception as exc:  # the archive pipeline reports an unusable database itself
            self.logger.error("could not register sources in the archive: %s", exc)

    def _inc(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, n)

    # -- discovery ----------------------------------------------------------------------------------
    def parse_discovery(self, response: Response, target: Target, endpoint: Endpoint, page: int) -> Iterable[Any]:
        """A discovery document's requests, read lazily: handed to the Frontier (which reads them as the
        bound allows), or returned for Scrapy to stream into the scheduler when there is none."""
        if endpoint.type == "listing":
            discovered = self._parse_listing(response, target, endpoint, page)
        else:
            discovered = self._parse_document(response, target, endpoint, page)
        if self.frontier is None:
            return discovered
        self.frontier.add(discovered)
        return ()

    def may_fetch(self, target: Target, url: str) -> bool:
        """Whether a discovered URL is within the target's origins (if it has any); counted when not."""
        if not target.origins or origin_of(url) in target.origins:
            return True
        self._inc(SKIPPED_OFFSITE_ORIGIN)
        return False

    def _parse_document(self, response: Response, target: Target, endpoint: Endpoint, page: int) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        found = Discovered(kind="unknown")
        fetched_at = datetime.now(UTC)
        changes = {} if target.source is None else {"publication": target.source.name}
        for entry in stream_discovery(response.body, found):
            if isinstance(entry, str):
                response.meta[INDEX] = True  # an index: always fetched in full (see crawler.shell.middlewares)
                child = child_url(stats, response.url, entry)
                if child is None or not self.may_fetch(target, child):
                    continue
                request = self.discovery_request(child, target, endpoint, page)
                if request is not None:
                    yield request
                continue
            self._inc(DISCOVERY_LINKS)
            link = usable_link(stats, response.url, entry, fetched_at=fetched_at, era_start=target.era_start,
                               **changes)
            if link is None:
                continue
            request = self._filtered(target, link, fetched_at)
            if request is not None:
                yield request
        if found.error:
            self._inc(DISCOVERY_ERROR(endpoint.type))
            self.logger.warning("discovery document %s: %s", response.url, found.error)
        else:
            response.meta[COMPLETE] = True  # read to the end: its validators may be stored

    def _filtered(self, target: Target, link: Link, fetched_at: datetime) -> scrapy.Request | None:
        """The article request for a discovered link, or None when a filter skips it (counted)."""
        source = target.source
        if source is not None and not source.is_article(link.url, target.base):
            self._inc(SKIPPED_NOT_ARTICLE)
            return None
        if before_since(link, self.since, fetched_at=fetched_at, era_start=target.era_start):
            self._inc(SKIPPED_BEFORE_SINCE)
            return None
        if (source is not None and self.title_filter and self.dialogues is not None
                and not title_may_be_relevant(link.title, self.dialogues)):
            self._inc(SKIPPED_TITLE_FILTER)
            return None
        if not self.may_fetch(target, link.url):
            return None
        return self.article_request(target, link)

    def _parse_listing(self, response: Response, target: Target, endpoint: Endpoint, page: int) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self._inc(DISCOVERY_ERROR("listing"))
            return
        seen: set[str] = set()
        found = 0
        fetched_at = datetime.now(UTC)
        for href in response.css("a::attr(href)").getall():
            try:
                url = response.urljoin(href.strip())
            except ValueError:  # an unparsable href ("http://[") is not an article link either
                url = ""
            key = canonical_url(url)
            if key in seen:
                continue
            seen.add(key)
            self._inc(DISCOVERY_LINKS)
            if not is_fetchable(url):  # javascript:, mailto: links of a page's chrome: not articles
                self._inc(SKIPPED_NOT_ARTICLE)
                continue
            request = self._filtered(target, Link(url=url, publication=target.name, via="listing"), fetched_at)
            if request is not None:
                found += 1
                yield request
        # Backfill: follow the pagination template while pages still list articles.
        if endpoint.paginated and found and page - endpoint.first_page + 1 < self.backfill_pages:
            nxt = page + 1
            request = self.discovery_request(rebase(endpoint.page_url(nxt), target.base), target, endpoint, nxt)
            if request is not None:
                yield request
        response.meta[COMPLETE] = True  # read to the end: its validators may be stored

    # -- articles -----------------------------------------------------------------------------------
    def parse_article(self, response: Response, target: Target, link: Link) -> Iterator[PageItem]:
        if target.source is None:
            yield page_item_from(response, link)
            return
        self._inc(ARTICLES_BY_SOURCE(target.source.name))
        yield page_item_from(response, link, source=target.source.name)


class FrontierSpider(ArchiveSpider):
    """A crawl worker sharing a Redis frontier with other workers (scrapy-redis scheduler + dupefilter).

        scrapy crawl frontier -a redis_key=newsarchive:frontier -s REDIS_URL=redis://HOST:6379/0 \\
            -s NEWSARCHIVE_DATABASE_URL=postgresql://...

    Seeds are pushed to the Redis list ``redis_key`` (``RPUSH``), one per entry: an article URL, or
    ``sitemap URL`` / ``feed URL``; each is a seed of the anonymous source (unbounded: a worker serves
    whatever the list names). Each entry is popped by exactly one worker (``LPOP`` is atomic); the
    requests it leads to go to the shared scheduler queue, and the shared dupefilter keeps any URL from being
    fetched twice. The spider supplies its own ``async def start()`` that polls the list (every
    ``poll_interval`` seconds while it is empty); released scrapy-redis only feeds a spider when the engine
    goes idle (Scrapy >= 2.13 never calls its ``start_requests()``), batch after drained batch — 1.3x slower
    on the demo pages, more with cheap high-latency pages (docs/scaling.md, benchmarks/bench_frontier.py). A
    worker stops after the list has been empty for ``idle_close`` seconds (0: never, a long-running worker)
    and its own queue drained.
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

        from storage.crawlstats import FRONTIER_POPPED

        server = get_redis_from_settings(self.crawler.settings)
        idle_since = time.monotonic()
        while True:
            entries = await asyncio.to_thread(server.lpop, self.redis_key, self.batch)
            if entries:
                idle_since = time.monotonic()
                for raw in entries:
                    self._inc(FRONTIER_POPPED)
                    request = self.seed_request(raw.decode("utf-8") if isinstance(raw, bytes) else str(raw))
                    if request is not None:
                        yield request
                continue
            if self.idle_close and time.monotonic() - idle_since >= self.idle_close:
                return
            await asyncio.sleep(self.poll_interval)

    def seed_request(self, entry: str) -> scrapy.Request | None:
        kind, _, rest = entry.strip().partition(" ")
        if kind in ("sitemap", "feed") and rest:
            url = rest.strip()
            return self.discovery_request(url, self.adhoc, Endpoint(type=kind, url=url, confidence="high"), 1,
                                          seed=True)
        return self.article_request(self.adhoc, Link(url=entry.strip(), via="url"))
