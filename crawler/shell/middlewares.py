"""Downloader middleware for incremental crawls: fetch only what is new.

Spiders mark every request with what it fetches (the contract every spider here follows)::

    request.meta["newsarchive_kind"] = "discovery"   # a sitemap, sitemap index, feed or listing page
    request.meta["newsarchive_kind"] = "article"     # a page that may become a document

Requests without the key pass through untouched (robots.txt, anything else).

article    its canonical URL (``crawler.core.urls.canonical_url`` of the request URL) is looked up in the
           archive (``documents`` and ``seen_urls``); a known URL is not downloaded: ``IgnoreRequest``,
           counted ``newsarchive/skipped/known_url``. Lookups are batched: requests that reach the
           middleware in the same moment share one ``IN (...)`` query run off the reactor thread, and
           known URLs are cached for the run. ``meta["newsarchive_refetch"] = True`` bypasses the check.
discovery  sent with ``If-None-Match`` / ``If-Modified-Since`` from ``feed_states``; a 304 yields no
           items and costs nothing (``IgnoreRequest``, counted ``newsarchive/conditional/not_modified``).
           Validators of 200 responses are stored when the run ends with finish reason ``finished``
           only: a crawl stopped after reading a sitemap but before fetching its articles must not make
           the next run skip that sitemap with a 304. A spider sets ``meta["newsarchive_index"] = True``
           in its callback when the document only listed other discovery documents (a sitemap index):
           its validators are not stored, because an unchanged index says nothing about its children,
           and a 304 on it would hide the new articles in a changed child sitemap. Nor are they stored
           for a document the spider did not read to the end: a spider sets
           ``meta["newsarchive_complete"] = True`` after its callback's last entry (and not when the
           document was malformed); a callback that stopped early (an exception) leaves it unset, and
           the URL's stored validators are cleared, so the next run reads the whole document again
           (counted ``newsarchive/conditional/incomplete``).

Also counts responses per kind (``newsarchive/responses/<kind>``) for the monitors.
``NEWSARCHIVE_INCREMENTAL = False`` turns all of this off (a full re-crawl; archived rows still never change).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.core.process import PIPELINE_VERSION
from crawler.core.urls import canonical_url, origin_of
from crawler.shell.resources import ArchiveResources
from storage.archive import Archive
from storage.crawlstats import (
    CONDITIONAL_INCOMPLETE,
    INCREMENTAL_LOOKUPS,
    NOT_MODIFIED,
    OFFSITE_ORIGIN_DROPPED,
    RESPONSES,
    SKIPPED_KNOWN_URL,
)
from storage.feeds import FeedFetch, Validators, load_validators, record_fetches
from storage.types import utcnow

logger = logging.getLogger(__name__)

KIND = "newsarchive_kind"
REFETCH = "newsarchive_refetch"
INDEX = "newsarchive_index"
COMPLETE = "newsarchive_complete"
DISCOVERY = "discovery"
ARTICLE = "article"
MAX_BATCH = 500


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive: Archive | None = None
        self.known: set[str] = set()
        self._pending: dict[str, asyncio.Future[bool]] = {}
        self._flush_scheduled = False
        self._validators: dict[str, Validators] = {}
        self._fetches: dict[str, tuple[FeedFetch, dict[str, Any]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        if not crawler.settings.getbool("NEWSARCHIVE_INCREMENTAL", True):
            raise NotConfigured
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider: Any) -> None:
        self.archive = Archive(ArchiveResources.of(self.crawler).engine)

    async def spider_closed(self, spider: Any, reason: str) -> None:
        if self.archive is None:
            return
        if reason == "finished" and self._fetches:
            fetches = []
            for f, meta in self._fetches.values():
                if f.status == 200 and not meta.get(COMPLETE):
                    self._inc(CONDITIONAL_INCOMPLETE)
                keep = f.status != 200 or (meta.get(COMPLETE) and not meta.get(INDEX))
                fetches.append(f if keep else FeedFetch(f.url, f.status, Validators(), f.fetched_at))
            await asyncio.to_thread(record_fetches, self.archive.engine, fetches)  # engine: ArchiveResources

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    # -- requests ---------------------------------------------------------------------------------------
    async def process_request(self, request: Request) -> None:
        kind = request.meta.get(KIND)
        if kind == ARTICLE and not request.meta.get(REFETCH):
            if await self.is_known(canonical_url(request.url)):
                self._inc(SKIPPED_KNOWN_URL)
                raise IgnoreRequest(f"already archived or rejected: {request.url}")
        elif kind == DISCOVERY:
            v = await self._validators_for(request.url)
            if v.etag and b"If-None-Match" not in request.headers:
                request.headers[b"If-None-Match"] = v.etag.encode("latin-1", "replace")
            if v.last_modified and b"If-Modified-Since" not in request.headers:
                request.headers[b"If-Modified-Since"] = v.last_modified.encode("latin-1", "replace")

    def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get(KIND)
        if kind not in (DISCOVERY, ARTICLE):
            return response
        self._inc(RESPONSES(kind))
        if kind == DISCOVERY and response.status in (200, 304):
            sent = self._validators.get(request.url, Validators())
            if response.status == 200:
                got = Validators(_header(response, b"ETag"), _header(response, b"Last-Modified"))
            else:
                got = sent
            # the meta dict is kept: the spider's callback may still mark the document as an index
            self._fetches[request.url] = (FeedFetch(request.url, response.status, got, utcnow()), request.meta)
            if response.status == 304:
                self._inc(NOT_MODIFIED)
                raise IgnoreRequest(f"not modified: {request.url}")
        return response

    # -- lookups ----------------------------------------------------------------------------------------
    async def _validators_for(self, url: str) -> Validators:
        if url not in self._validators:
            assert self.archive is not None
            found = await asyncio.to_thread(load_validators, self.archive.engine, [url])
            self._validators[url] = found.get(url, Validators())
        return self._validators[url]

    async def is_known(self, canonical: str) -> bool:
        """Whether this canonical URL is archived or rejected; concurrent calls share one query."""
        if canonical in self.known:
            return True
        future = self._pending.get(canonical)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._pending[canonical] = future
            if len(self._pending) >= MAX_BATCH:
                await self._flush()
            elif not self._flush_scheduled:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self._flush()))
        return await future

    async def _flush(self) -> None:
        self._flush_scheduled = False
        batch, self._pending = self._pending, {}
        if not batch:
            return
        assert self.archive is not None
        self._inc(INCREMENTAL_LOOKUPS)
        try:
            found = await asyncio.to_thread(self.archive.known_urls, list(batch), PIPELINE_VERSION)
        except Exception as exc:  # the check is an optimisation: on a database hiccup, fetch
            logger.warning("known-URL lookup failed (%s); fetching %d URLs", exc, len(batch))
            found = set()
        self.known.update(found)
        for url, future in batch.items():
            if not future.done():
                future.set_result(url in found)


class OriginMiddleware:
    """Article and discovery requests stay on the seeds' origins — scheme, host *and port*: a seed on
    ``127.0.0.1:8000`` does not let a redirect (or a link) reach ``127.0.0.1:18091``. A spider opts in with
    an ``origins`` attribute (a set of ``crawler.core.urls.origin_of`` tuples; empty: no restriction).
    A request elsewhere is not downloaded: ``IgnoreRequest``, counted ``newsarchive/dropped/offsite_origin``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OriginMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        origins = getattr(self.crawler.spider, "origins", None)
        if not origins or request.meta.get(KIND) not in (ARTICLE, DISCOVERY):
            return
        if origin_of(request.url) not in origins:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(OFFSITE_ORIGIN_DROPPED)
            logger.info("Dropped %s: offsite_origin", request.url)
            raise IgnoreRequest(f"not on a seed's origin: {request.url}")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
