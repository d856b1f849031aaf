"""Typed items passed from the spider to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response, TextResponse

from crawler.core.discovery import Link


@dataclass
class PageItem:
    """A fetched article page (raw), plus what discovery said about it; pipelines fill the rest."""

    url: str
    status: int
    body: bytes
    encoding: str | None
    content_type: str | None
    fetched_at: datetime
    link: Link | None = None
    # set by the source spider: the registered source (its country, zone and agency come from the registry
    # when the page context is built, crawler.core.context.Registries.context_for)
    source: str | None = None
    processed: Any = None  # crawler.core.process.ProcessedPage, set by ExtractPipeline


def page_item_from(response: Response, link: Link | None, source: str | None = None) -> PageItem:
    """The PageItem for a fetched article response (the one place both spiders build it); ``source`` is the
    registered source's name."""
    raw_type = response.headers.get(b"Content-Type")
    return PageItem(
        url=response.url,
        status=response.status,
        body=response.body,
        encoding=response.encoding if isinstance(response, TextResponse) else None,
        content_type=raw_type.decode("latin-1") if raw_type else None,
        fetched_at=datetime.now(UTC),
        link=link,
        source=source,
    )
