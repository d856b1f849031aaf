"""Bot walls: recognise them, stop asking, and say so. The crawler never tries to get past one.

``detect_bot_wall`` (pure) reads a response's status, headers and start of body and names the wall:
DataDome (401/403 + ``x-datadome`` / captcha-delivery), Cloudflare (403/503 + ``cf-mitigated: challenge`` /
challenge-platform page), a WAF "Access Denied" page, a redirect to a "browser required"/JS-challenge page,
or a short page that only asks for JavaScript and cookies. A plain 403/404 without such markers is NOT a
wall (it is an ordinary HTTP error, dropped by the pipeline as ``http_status``).

``BotWallMiddleware`` (downloader middleware) counts ``newsarchive/blocked/<source>``, logs once per
source, drops every later request of that source for the rest of the run (``newsarchive/blocked_skipped/
<source>``), and at the end writes ``sources.blocked_at/blocked_reason`` (and clears them for sources that
answered normally this run). The source is ``request.meta["newsarchive_source"]``, else the host.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from datetime import datetime

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.core.urls import host_of
from storage.crawlstats import BLOCKED, BLOCKED_RECORD_ERROR, BLOCKED_SKIPPED, BLOCKED_SOURCES
from storage.types import utcnow

logger = logging.getLogger(__name__)

SNIFF_BYTES = 64 * 1024
# A page that only asks for JavaScript is short; a real article that mentions Cloudflare is not.
CHALLENGE_PAGE_MAX_BYTES = 32 * 1024

_DATADOME_BODY = re.compile(rb"captcha-delivery\.com|geo\.captcha-delivery|datadome", re.IGNORECASE)
_CLOUDFLARE_BODY = re.compile(
    rb"challenge-platform|cf-chl-|cf_chl_|<title>\s*(?:just a moment\.\.\.|attention required! \| cloudflare)",
    re.IGNORECASE,
)
_WAF_BODY = re.compile(rb"<title>\s*access denied\s*</title>|you don't have permission to access|"
                       rb"request unsuccessful\. incapsula|perimeterx|px-captcha", re.IGNORECASE)
_JS_ONLY_BODY = re.compile(
    rb"please enable js and disable any ad ?blocker|enable javascript and cookies to continue|"
    rb"(?:this site|this page) requires? (?:a )?(?:javascript|modern browser)|browser (?:is )?not supported|"
    rb"please use a (?:supported|modern) browser|checking your browser before accessing",
    re.IGNORECASE,
)
_CHALLENGE_LOCATION = re.compile(
    r"captcha|challenge|cdn-cgi|browser[-_ ]?(?:required|check|not[-_ ]?supported|support)|"
    r"enable[-_ ]?(?:js|javascript|cookies)|unsupported[-_ ]?browser|/sorry/",
    re.IGNORECASE,
)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def detect_bot_wall(status: int, headers: Mapping[str, str], body: bytes, url: str = "") -> str | None:
    """The kind of bot wall this response is, or None. ``headers`` keys in any case. Never raises."""
    head = body[:SNIFF_BYTES]
    if 300 <= status < 400:
        location = _header(headers, "location")
        if location and _CHALLENGE_LOCATION.search(location):
            return f"redirect to a browser-challenge page ({location[:80]})"
        return None
    if status in (401, 403, 405, 429, 503):
        if _header(headers, "x-datadome") or _header(headers, "x-dd-b") or _DATADOME_BODY.search(head):
            return f"DataDome challenge (HTTP {status})"
        if _header(headers, "cf-mitigated").lower() == "challenge" or _CLOUDFLARE_BODY.search(head):
            return f"Cloudflare challenge (HTTP {status})"
        if _WAF_BODY.search(head):
            return f"WAF access denied (HTTP {status})"
        if _JS_ONLY_BODY.search(head):
            return f"JavaScript/browser challenge (HTTP {status})"
        return None
    if status == 200 and len(body) <= CHALLENGE_PAGE_MAX_BYTES and (
        _JS_ONLY_BODY.search(head) or _CLOUDFLARE_BODY.search(head)
    ) and b"<article" not in head.lower():
        return "JavaScript/browser challenge page"
    return None


def response_headers(response: Response) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in response.headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        v = values[-1] if values else b""
        out[k] = v.decode("latin-1") if isinstance(v, bytes) else str(v)
    return out


def source_of(request: Request) -> str:
    return str(request.meta.get("newsarchive_source") or host_of(request.url) or "?")


class BotWallMiddleware:
    """Detect bot walls per source; stop scheduling a blocked source's requests; record it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.blocked: dict[str, tuple[str, datetime, str]] = {}  # source → (reason, when, domain)
        self.answered: dict[str, str] = {}  # sources that answered normally → a domain

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotWallMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def process_request(self, request: Request) -> None:
        source = source_of(request)
        if source in self.blocked:
            self._inc(BLOCKED_SKIPPED(source))
            raise IgnoreRequest(f"source {source} is blocked for this run")

    def process_response(self, request: Request, response: Response) -> Response:
        source = source_of(request)
        reason = detect_bot_wall(response.status, response_headers(response), response.body, response.url)
        if reason is None:
            if response.status == 200:
                self.answered.setdefault(source, host_of(response.url))
            return response
        self._inc(BLOCKED(source))
        if source not in self.blocked:
            self.blocked[source] = (reason, utcnow(), host_of(request.url))
            logger.warning("source %s is behind a bot wall (%s at %s): not requesting it again this run",
                           source, reason, response.url)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(BLOCKED_SOURCES, sorted(self.blocked))
        raise IgnoreRequest(f"bot wall at {response.url}: {reason}")

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if not self.blocked and not self.answered:
            return
        from crawler.shell.resources import ArchiveResources
        from storage.source_state import record_source_access

        blocked = {name: (why, when, domain) for name, (why, when, domain) in self.blocked.items()}
        answered = {name: domain for name, domain in self.answered.items() if name not in self.blocked}

        try:
            engine = ArchiveResources.of(self.crawler).engine
            await asyncio.to_thread(record_source_access, engine, blocked=blocked, answered=answered)
        except Exception as exc:  # the run's outcome must not hinge on this bookkeeping
            logger.error("could not record blocked sources: %s", exc)
            self._inc(BLOCKED_RECORD_ERROR)


__all__ = ["BotWallMiddleware", "detect_bot_wall"]

