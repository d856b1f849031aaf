"""Discovery links → what may be requested: one unusable entry is skipped and counted, never the end of its feed.

A sitemap or feed entry whose URL cannot be fetched (``javascript:``, ``mailto:``, ``tel:``, ``data:``, an
unparsable URL) is dropped with the counted reason ``newsarchive/dropped/bad_url``; the rest of the document
is still read. An entry whose date is unusable (unparsable, or beyond ``datetime``'s range once in UTC, which
crawler.core.discovery leaves out) keeps its URL, counted ``newsarchive/discovery/bad_date``. ``--since``
judges an entry only by a plausible date (crawler.core.plausible): an unusable or implausible one cannot
make the crawl skip a story, so it is fetched and the page pipeline decides.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime
from urllib.parse import urljoin

from scrapy.statscollectors import StatsCollector

from crawler.core.discovery import Link
from crawler.core.plausible import plausible_published
from crawler.core.urls import is_fetchable
from storage.crawlstats import BAD_DATE, BAD_URL

logger = logging.getLogger(__name__)


def child_url(stats: StatsCollector, document_url: str, loc: str) -> str | None:
    """A sitemap index's child ``loc`` made absolute, or None (counted ``bad_url``) when it cannot be fetched."""
    url = _absolute(document_url, loc)
    if url is None:
        stats.inc_value(BAD_URL)
        logger.info("sitemap index %s: skipped a child that is not an http(s) URL: %.200r", document_url, loc)
    return url


def _absolute(document_url: str, href: str) -> str | None:
    try:
        url = urljoin(document_url, href.strip())
    except ValueError:
        return None
    return url if is_fetchable(url) else None


def usable_link(stats: StatsCollector, document_url: str, link: Link, *, fetched_at: datetime,
                era_start: date | None = None, **changes: object) -> Link | None:
    """``link`` with its URL made absolute against ``document_url`` (and ``changes`` applied), or None when
    it cannot be requested (counted). An unusable date is cleared (counted)."""
    url = _absolute(document_url, link.url)
    if url is None:
        stats.inc_value(BAD_URL)
        logger.info("discovery document %s: skipped an entry that is not an http(s) URL: %.200r",
                    document_url, link.url)
        return None
    if link.published is None and link.published_raw:
        stats.inc_value(BAD_DATE)
        logger.info("discovery document %s: unusable date %.100r for %s", document_url, link.published_raw, url)
    return dataclasses.replace(link, url=url, **changes)  # type: ignore[arg-type]


def before_since(link: Link, since: date | None, *, fetched_at: datetime, era_start: date | None = None) -> bool:
    """Whether ``--since`` skips ``link``: its date is plausible (crawler.core.plausible) and before ``since``.
    An implausible date (year 1000, 2031) is no evidence that a story is old: the page is fetched, and the
    page pipeline records why the date was not kept (``published_rejected``)."""
    if since is None or link.published is None:
        return False
    if not plausible_published(link.published, fetched_at, era_start):
        return False
    return link.published.astimezone(UTC).date() < since
