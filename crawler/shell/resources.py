"""What a crawl shares: the archive's SQLAlchemy engine and the registries, built once per crawl.

``ArchiveResources`` is a Scrapy extension (``EXTENSIONS`` in crawler.shell.settings) and the one owner of
both: the engine is made from the setting ``NEWSARCHIVE_DATABASE_URL`` (storage.db.resolve_database_url:
the setting, else ``$NEWSARCHIVE_DATABASE_URL``, else the default file) when first asked for, and disposed
when the engine stops (after every ``spider_closed`` handler has written what it had to); the registries
are ``crawler.core.context.load_registries()``, loaded once. Every shell component (spider, middlewares,
pipelines, bot wall) asks ``ArchiveResources.of(crawler)``: the spider is built before Scrapy builds the
extensions, so whoever asks first creates the instance and the extension manager gets that same one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.core.context import Registries, load_registries
from storage.db import make_engine, mask_url, resolve_database_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

_ATTRIBUTE = "_newsarchive_resources"


class ArchiveResources:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = resolve_database_url(crawler.settings.get("NEWSARCHIVE_DATABASE_URL"))
        self._engine: Engine | None = None
        self._registries: Registries | None = None

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveResources:
        """The crawl's resources (created on first use, then always the same object)."""
        existing = getattr(crawler, _ATTRIBUTE, None)
        if isinstance(existing, cls):
            return existing
        resources = cls(crawler)
        setattr(crawler, _ATTRIBUTE, resources)
        crawler.signals.connect(resources.engine_stopped, signal=signals.engine_stopped)
        return resources

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveResources:
        return cls.of(crawler)

    @property
    def masked_url(self) -> str:
        return mask_url(self.database_url)

    @property
    def engine(self) -> Engine:
        """The archive's engine (made on first use; raises storage.db.DatabaseConfigError on a bad URL)."""
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    @property
    def registries(self) -> Registries:
        """The dialogue and source registries (crawler.core.context.load_registries), loaded once."""
        if self._registries is None:
            self._registries = load_registries()
        return self._registries

    def engine_stopped(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


__all__ = ["ArchiveResources"]
