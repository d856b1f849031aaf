"""A progress bar for interactive crawls (tqdm on stderr; off in a pipe or when not asked for)."""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from tqdm import tqdm


class ProgressBar:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.bar: tqdm[Any] | None = None
        self.archived = 0
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressBar:
        if not crawler.settings.getbool("NEWSARCHIVE_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.bar = tqdm(total=None, unit="page", desc="crawling", file=sys.stderr, dynamic_ncols=True,
                        leave=True)

    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def item_scraped(self, item: Any, response: Any, spider: Any) -> None:
        self.archived += 1
        self._postfix()

    def item_dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self.dropped += 1
        self._postfix()

    def _postfix(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix(archived=self.archived, dropped=self.dropped, refresh=False)

    def spider_closed(self, spider: Any) -> None:
        if self.bar is not None:
            self.bar.close()
