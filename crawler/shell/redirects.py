"""Redirect and refresh loops as counted drop reasons.

Scrapy follows a 3xx or a ``<meta http-equiv="refresh">`` by scheduling a new request; when the target is a
URL the chain already visited, the scheduler's duplicate filter drops it without a word, so a page stuck in a
loop vanished from the run's figures. This middleware sits after RedirectMiddleware (600) and
MetaRefreshMiddleware (580) on the way in (so it sees the response first), recognises a response that leads
back into its own redirect chain, counts it as ``newsarchive/dropped/redirect_loop`` or
``newsarchive/dropped/refresh_loop``, logs one line and drops the request (``IgnoreRequest``, which the
article errback does not count a second time). A chain that is merely too long (more than
``REDIRECT_MAX_TIMES`` distinct hops) is counted by the errback as ``too_many_redirects``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from storage.crawlstats import DROPPED

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def _same(url: str) -> str:
    return safe_url_string(url.split("#", 1)[0])


class RedirectLoopMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.redirects = settings.getbool("REDIRECT_ENABLED", True)
        self.refresh = settings.getbool("METAREFRESH_ENABLED", True)
        self.refresh_max_delay = settings.getint("METAREFRESH_MAXDELAY", 100)
        self.refresh_ignore_tags = settings.getlist("METAREFRESH_IGNORE_TAGS", [])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.get("dont_redirect"):
            return response
        target, reason = None, ""
        if self.redirects and response.status in REDIRECT_STATUSES and b"Location" in response.headers:
            location = response.headers[b"Location"] or b""
            target = response.urljoin(location.decode("latin-1"))
            reason = "redirect_loop"
        elif self.refresh and isinstance(response, HtmlResponse) and request.method != "HEAD":
            interval, url = get_meta_refresh(response, ignore_tags=self.refresh_ignore_tags)
            if url and interval is not None and interval < self.refresh_max_delay:
                target, reason = url, "refresh_loop"
        if target is None:
            return response
        chain = {_same(u) for u in [*request.meta.get("redirect_urls", []), request.url]}
        if _same(target) not in chain:
            return response
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(DROPPED(reason))
        logger.info("Dropped %s: %s back to %s", request.url, reason, target)
        raise IgnoreRequest(reason)
