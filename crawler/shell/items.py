"""Typed items passed from the spider to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
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
    # the response's HTTP Last-Modified: the reference a relative date line ("2 hours ago") is read against
    last_modified: datetime | None = None
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
        last_modified=http_date(response.headers.get(b"Last-Modified")),
    )


def http_date(raw: bytes | None) -> datetime | None:
    """An HTTP date header ("Tue, 05 Mar 2024 09:12:00 GMT") as an aware datetime; None when absent or
    unreadable (a server's malformed header is no reference)."""
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw.decode("latin-1"))
    except (TypeError, ValueError):  # documented: an unparseable date string
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
