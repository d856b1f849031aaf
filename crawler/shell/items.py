"""Typed items passed from the spider to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
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
    # set by the source spider from the source registry (crawler/data/sources.json)
    source: str | None = None  # registered source name
    country: str | None = None  # ISO alpha-2: resolves ambiguous zone abbreviations, day-first dates
    timezone: str | None = None  # IANA zone for page times printed without an offset
    agency: str | None = None  # the source's own agency, when the page names none
    era_start: date | None = None  # no publication time before it is plausible (crawler.core.plausible)
    processed: Any = None  # crawler.core.process.ProcessedPage, set by ExtractPipeline


def page_item_from(response: Response, link: Link | None, **source_facts: Any) -> PageItem:
    """The PageItem for a fetched article response (the one place both spiders build it).

    ``source_facts`` are the registered source's ``source``, ``country``, ``timezone`` and ``agency``."""
    raw_type = response.headers.get(b"Content-Type")
    return PageItem(
        url=response.url,
        status=response.status,
        body=response.body,
        encoding=response.encoding if isinstance(response, TextResponse) else None,
        content_type=raw_type.decode("latin-1") if raw_type else None,
        fetched_at=datetime.now(UTC),
        link=link,
        **source_facts,
    )
