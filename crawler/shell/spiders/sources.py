"""The source spider: one spider for every registered source (crawler/data/sources.json).

    newsarchive crawl ani yonhap --since 2024-01-01      newsarchive crawl --all
    scrapy crawl sources -a sources=ani,yonhap -a since=2024-01-01 [-a backfill_pages=5]

Per source: its discovery endpoints (news sitemaps and indexes, feeds — read by crawler.core.discovery — and
listing pages, whose links are kept when they match the source's article patterns; ``{page}`` templates are
followed for ``backfill_pages`` pages), the article URL filter, ``--since``, the cheap title filter, and the
source's country/zone/agency handed to the pure pipeline. Dead or bot-walled endpoints are skipped.
Requests carry ``meta["newsarchive_kind"]`` ('discovery' | 'article') and ``meta["newsarchive_source"]``.
Discovery is bounded (crawler.shell.frontier): discovered requests reach the scheduler only as fast as
they are downloaded.

Testing offline: the setting ``NEWSARCHIVE_SOURCE_BASES`` (``{"ani": "http://127.0.0.1:8000/ani"}``, or a
JSON string) re-points a source's endpoints and article patterns at a replica (crawler.core.sources.rebase).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.core.context import load_registries
from crawler.core.discovery import Discovered, Link, stream_discovery
from crawler.core.events import DialogueRegistry
from crawler.core.sources import (
    Endpoint,
    Source,
    SourceRegistry,
    rebase,
    title_may_be_relevant,
)
from crawler.core.urls import canonical_url, is_fetchable
from crawler.shell.frontier import Frontier
from crawler.shell.items import PageItem, page_item_from
from crawler.shell.middlewares import COMPLETE, INDEX
from crawler.shell.spiders.failures import article_failed
from crawler.shell.spiders.generic import _as_list, parse_since
from crawler.shell.spiders.links import before_since, usable_link
from crawler.shell.spiders.links import child_url as _child_url
from storage.runs import DISCOVERY_NOT_FOUND

NOT_FOUND_STATUSES = (404, 410)


def slot_key(source: str) -> str:
    """The download slot of a source's requests (politeness is per source, whatever the host)."""
    return f"source:{source}"


class SourceSpider(scrapy.Spider):
    name = "sources"

    def __init__(
        self,
        sources: str | list[str] | None = None,
        all_sources: bool | str = False,
        since: str | date | None = None,
        backfill_pages: int | str = 1,
        title_filter: bool | str = True,
        registry: SourceRegistry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dialogues: DialogueRegistry | None = None
        if registry is None:
            registries = load_registries()
            registry, self.dialogues = registries.sources, registries.dialogues
        self.registry = registry
        everything = str(all_sources).lower() in ("1", "true", "yes")
        names = self.registry.names() if everything else _as_list(sources)
        if not names:
            raise ValueError("give source names (-a sources=NAME,NAME) or all_sources=true")
        self.sources: list[Source] = [self.registry.get(n) for n in names]  # UnknownSource on a typo
        self.all_sources = everything
        self.since = parse_since(since)
        self.backfill_pages = max(1, int(backfill_pages))
        self.title_filter = str(title_filter).lower() not in ("0", "false", "no")
        self.bases: dict[str, str] = {}
        self.delay_floors: dict[str, float] = {}
        self.frontier: Frontier | None = None  # set by start()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider: SourceSpider = super().from_crawler(crawler, *args, **kwargs)
        raw = crawler.settings.get("NEWSARCHIVE_SOURCE_BASES") or {}
        spider.bases = json.loads(raw) if isinstance(raw, str) else dict(raw)
        if spider.dialogues is None:
            spider.dialogues = load_registries().dialogues
        if crawler.settings.getbool("NEWSARCHIVE_SOURCE_POLITENESS", True) and not crawler.settings.frozen:
            # One download slot per source, with the registry's delay and concurrency. The delay is a floor:
            # no jitter below it, and AutoThrottle may raise it but not lower it (see _keep_delay_floor).
            slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
            for s in spider.sources:
                slots.setdefault(slot_key(s.name), {"delay": s.download_delay, "concurrency": s.concurrency,
                                                    "jitter": 0.0})
            crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
            spider.delay_floors = {k: float(v.get("delay", 0.0)) for k, v in slots.items()}
        return spider

    def run_arguments(self) -> dict[str, Any]:
        return {"sources": [s.name for s in self.sources], "all": self.all_sources,
                "since": self.since.isoformat() if self.since else None, "backfill_pages": self.backfill_pages}

    # -- requests -----------------------------------------------------------------------------------
    def _meta(self, source: Source, kind: str) -> dict[str, Any]:
        return {"newsarchive_kind": kind, "newsarchive_source": source.name,
                "download_slot": slot_key(source.name)}

    async def start(self) -> AsyncIterator[Any]:
        self._register_sources()
        if self.delay_floors:
            # Connected now, after the extensions (AutoThrottle) connected theirs, so it runs after them.
            self.crawler.signals.connect(self._keep_delay_floor, signal=signals.response_downloaded)
        self.frontier = Frontier.from_crawler(self.crawler)
        self.frontier.add(self._seed_requests())
        async for request in self.frontier.requests():
            yield request

    def _discovery_request(self, url: str, source: Source, endpoint: Endpoint, page: int) -> scrapy.Request | None:
        """A discovery request, or None when this run already asked for that URL. Discovery requests bypass
        the dupefilter (a resumed --jobdir run refetches them); the Frontier deduplicates them per run."""
        if self.frontier is not None and not self.frontier.first_time(url):
            return None
        return scrapy.Request(url, callback=self.parse_discovery, meta=self._meta(source, "discovery"),
                              cb_kwargs={"source": source, "endpoint": endpoint, "page": page},
                              errback=self.discovery_failed, dont_filter=True)

    def _seed_requests(self) -> Iterator[scrapy.Request]:
        for source in self.sources:
            base = self.bases.get(source.name)
            endpoints = list(source.endpoints())
            if not endpoints:
                self._inc(f"newsarchive/discovery/no_endpoint/{source.name}")
                self.logger.warning("source %s has no usable discovery endpoint (see `newsarchive sources "
                                    "show %s`)", source.name, source.name)
            for ep in endpoints:
                page = ep.first_page
                request = self._discovery_request(rebase(ep.page_url(page), base), source, ep, page)
                if request is not None:
                    yield request

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
        from storage.db import make_engine, resolve_database_url
        from storage.source_state import SourceFacts, register_sources

        url = self.crawler.settings.get("NEWSARCHIVE_DATABASE_URL")
        try:
            engine = make_engine(resolve_database_url(url))
            try:
                register_sources(engine, [
                    SourceFacts(s.name, s.domains[0], s.kind, s.country, s.timezone.value) for s in self.sources
                ])
            finally:
                engine.dispose()
        except Exception as exc:  # the archive pipeline reports an unusable database itself
            self.logger.error("could not register sources in the archive: %s", exc)

    def discovery_failed(self, failure: Failure) -> None:
        """A discovery endpoint that could not be read: counted per source. A 404/410 (many registered
        endpoints are guesses, and feeds move) is also counted in ``DISCOVERY_NOT_FOUND``, which the
        error-rate monitor leaves out: a missing feed is a registry fact to fix, not a failing crawl."""
        request = failure.request  # type: ignore[attr-defined]
        self._inc(f"newsarchive/discovery/failed/{request.meta.get('newsarchive_source', '?')}")
        error = failure.value
        if isinstance(error, HttpError) and error.response.status in NOT_FOUND_STATUSES:
            self._inc(DISCOVERY_NOT_FOUND)

    def _inc(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, n)

    def article_request(self, source: Source, link: Link) -> scrapy.Request:
        return scrapy.Request(link.url, callback=self.parse_article, meta=self._meta(source, "article"),
                              cb_kwargs={"source": source, "link": link}, errback=self.article_failed)

    def article_failed(self, failure: Failure) -> None:
        article_failed(self, failure)

    # -- discovery ----------------------------------------------------------------------------------
    def parse_discovery(self, response: Response, source: Source, endpoint: Endpoint, page: int) -> Iterable[Any]:
        """The document's requests, read lazily by the Frontier as the bound allows."""
        if endpoint.type == "listing":
            discovered = self._parse_listing(response, source, endpoint, page)
        else:
            discovered = self._parse_document(response, source, endpoint, page)
        if self.frontier is None:
            return discovered
        self.frontier.add(discovered)
        return ()

    def _parse_document(self, response: Response, source: Source, endpoint: Endpoint, page: int) -> Iterator[Any]:
        assert self.crawler.stats is not None
        found = Discovered(kind="unknown")
        fetched_at = datetime.now(UTC)
        for entry in stream_discovery(response.body, found):
            if isinstance(entry, str):
                response.meta[INDEX] = True  # an index: always fetched in full (see crawler.shell.middlewares)
                child_link = _child_url(self.crawler.stats, response.url, entry)
                child = None if child_link is None else self._discovery_request(child_link, source, endpoint, page)
                if child is not None:
                    yield child
                continue
            found_link = entry
            self._inc("newsarchive/discovery/links")
            link = usable_link(self.crawler.stats, response.url, found_link, fetched_at=fetched_at,
                               era_start=source.era_start, publication=source.name)
            if link is None:
                continue
            request = self._filtered(source, link)
            if request is not None:
                yield request
        if found.error:
            self._inc(f"newsarchive/discovery/error/{endpoint.type}")
            self.logger.warning("discovery document %s: %s", response.url, found.error)
        else:
            response.meta[COMPLETE] = True  # read to the end: its validators may be stored

    def _filtered(self, source: Source, link: Link) -> scrapy.Request | None:
        """The article request for a discovered link, or None when a filter skips it (counted)."""
        if not source.is_article(link.url, self.bases.get(source.name)):
            self._inc("newsarchive/discovery/skipped/not_article")
            return None
        if before_since(link, self.since, fetched_at=datetime.now(UTC), era_start=source.era_start):
            self._inc("newsarchive/discovery/skipped/before_since")
            return None
        if self.title_filter and self.dialogues is not None and not title_may_be_relevant(link.title, self.dialogues):
            self._inc("newsarchive/discovery/skipped/title_filter")
            return None
        return self.article_request(source, link)

    def _parse_listing(self, response: Response, source: Source, endpoint: Endpoint, page: int) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self._inc("newsarchive/discovery/error/listing")
            return
        seen: set[str] = set()
        found = 0
        for href in response.css("a::attr(href)").getall():
            try:
                url = response.urljoin(href.strip())
            except ValueError:  # an unparsable href ("http://[") is not an article link either
                url = ""
            key = canonical_url(url)
            if key in seen:
                continue
            seen.add(key)
            self._inc("newsarchive/discovery/links")
            if not is_fetchable(url):  # javascript:, mailto: links of a page's chrome: not articles
                self._inc("newsarchive/discovery/skipped/not_article")
                continue
            request = self._filtered(source, Link(url=url, publication=source.name, via="listing"))
            if request is not None:
                found += 1
                yield request
        # Backfill: follow the pagination template while pages still list articles.
        if endpoint.paginated and found and page - endpoint.first_page + 1 < self.backfill_pages:
            nxt = page + 1
            request = self._discovery_request(rebase(endpoint.page_url(nxt), self.bases.get(source.name)),
                                              source, endpoint, nxt)
            if request is not None:
                yield request
        response.meta[COMPLETE] = True  # read to the end: its validators may be stored

    # -- articles -----------------------------------------------------------------------------------
    def parse_article(self, response: Response, source: Source, link: Link) -> Iterator[PageItem]:
        self._inc(f"newsarchive/source/{source.name}/articles")
        yield page_item_from(response, link, source=source.name)
