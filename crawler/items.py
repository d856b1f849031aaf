"""Typed items passed from the spider to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.discovery import Link


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
    processed: Any = None  # crawler.process.ProcessedPage, set by ExtractPipeline
