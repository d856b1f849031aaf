"""Download failures of article requests as counted, logged drop reasons (never a traceback in the log).

Every article request carries ``errback=article_failed``: a timeout, a reset connection, a page over the
size cap, retries exhausted or an HTTP error status ends up as ``newsarchive/dropped/<reason>`` in the run's
stats (and so in ``crawl_runs.drop_reasons``). Requests a middleware declined on purpose (robots.txt, a URL
already archived) are not failures and are not counted here.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from storage.crawlstats import DROPPED

logger = logging.getLogger(__name__)


def failure_reason(failure: Failure) -> str | None:
    """A short, stable reason name for a failed download; None when it is not a failure to count."""
    if failure.check(HttpError):
        response = getattr(failure.value, "response", None)
        return f"http_{getattr(response, 'status', 'error')}"
    if failure.check(IgnoreRequest):
        # declined on purpose (robots.txt, a known URL; loops are counted by crawler.shell.redirects) --
        # except a chain longer than REDIRECT_MAX_TIMES, which Scrapy abandons with this message
        return "too_many_redirects" if str(failure.value) == "max redirections reached" else None
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DNSLookupError):
        return "dns"
    if failure.check(ConnectError, ConnectionLost, ResponseNeverReceived):
        return "connection"
    if failure.check(ResponseFailed):
        return "truncated_response"
    name = type(failure.value).__name__
    # Scrapy >= 2.14 wraps transport failures in its own exception types
    return _SCRAPY_FAILURES.get(name, name.lower())


_SCRAPY_FAILURES = {
    "DownloadTimeoutError": "timeout",
    "ResponseDataLossError": "truncated_response",
    "DownloadFailedError": "connection",
    "DownloadCancelledError": "too_large",  # the download size cap cancels the transfer
    "DownloadConnectionRefusedError": "connection",
    "CannotResolveHostError": "dns",
}


def article_failed(spider: Any, failure: Failure) -> None:
    """Errback body for article requests: count and log the reason in one line."""
    reason = failure_reason(failure)
    if reason is None:
        return
    stats = spider.crawler.stats
    if stats is not None:
        stats.inc_value(DROPPED(reason))
    request = getattr(failure, "request", None)
    logger.info("Dropped %s: %s: %s", getattr(request, "url", "?"), reason, failure.getErrorMessage()[:200])
