"""The vocabulary of a crawl's own stats keys (``newsarchive/...``): every key in one place.

The crawl (crawler/shell) counts them in Scrapy's stats; the run record (storage.runs), the monitors
(crawler.shell.monitors) and the CLI read them back from ``crawl_runs.stats``. They live here, in storage,
because storage.runs reads them and storage imports nothing from crawler. The strings never change:
archived ``crawl_runs.stats`` rows and the tests rely on them. A key with a variable part is a function
(``DROPPED("bad_url")`` == ``"newsarchive/dropped/bad_url"``) paired with its prefix for readers.
"""

from __future__ import annotations

from collections.abc import Callable

ROOT = "newsarchive/"


def _family(prefix: str) -> Callable[[str], str]:
    def key(part: str) -> str:
        return f"{prefix}{part}"

    key.__doc__ = f"``{prefix}<part>``"
    return key


# -- drops (every drop reason of a page or request; storage.runs.drop_reasons) ---------------------------
DROPPED_PREFIX = ROOT + "dropped/"
DROPPED = _family(DROPPED_PREFIX)
BAD_URL = DROPPED("bad_url")  # a discovery entry whose URL cannot be fetched
WRITE_FAILED = DROPPED("write_failed")  # records the archive refused even alone
UNRELATED = DROPPED("unrelated")
OFFSITE_ORIGIN_DROPPED = DROPPED("offsite_origin")  # a request off the seeds' origins (OriginMiddleware)

# -- discovery ---------------------------------------------------------------------------------------
DISCOVERY_LINKS = ROOT + "discovery/links"
BAD_DATE = ROOT + "discovery/bad_date"
DISCOVERY_NOT_FOUND = ROOT + "discovery/not_found"  # registered endpoints answering 404/410: registry facts
DISCOVERY_ERROR = _family(ROOT + "discovery/error/")  # by document type: a malformed sitemap/feed/listing
DISCOVERY_FAILED = _family(ROOT + "discovery/failed/")  # by source: an endpoint that could not be read
DISCOVERY_NO_ENDPOINT = _family(ROOT + "discovery/no_endpoint/")  # by source
SKIPPED_NOT_ARTICLE = ROOT + "discovery/skipped/not_article"
SKIPPED_BEFORE_SINCE = ROOT + "discovery/skipped/before_since"
SKIPPED_TITLE_FILTER = ROOT + "discovery/skipped/title_filter"
SKIPPED_OFFSITE_ORIGIN = ROOT + "discovery/skipped/offsite_origin"

# -- seeds (the ad-hoc sitemaps and feeds; the ``seeds`` monitor) --------------------------------------
SEEDS_REQUESTED = ROOT + "seeds/requested"
SEEDS_FAILED = ROOT + "seeds/failed"
SEEDS_FAILED_BY_REASON_PREFIX = SEEDS_FAILED + "/"
SEEDS_FAILED_BY_REASON = _family(SEEDS_FAILED_BY_REASON_PREFIX)

# -- sources -------------------------------------------------------------------------------------------
def ARTICLES_BY_SOURCE(source: str) -> str:
    """``newsarchive/source/<name>/articles``: article pages a registered source's crawl downloaded."""
    return f"{ROOT}source/{source}/articles"


BLOCKED_PREFIX = ROOT + "blocked/"
BLOCKED = _family(BLOCKED_PREFIX)  # responses that were a bot wall, by source
BLOCKED_SKIPPED = _family(ROOT + "blocked_skipped/")  # requests not sent: their source is blocked
BLOCKED_SOURCES = ROOT + "blocked_sources"  # the list of blocked source names
BLOCKED_RECORD_ERROR = ROOT + "errors/blocked_record"

# -- incremental crawling (crawler.shell.middlewares) -------------------------------------------------
SKIPPED_KNOWN_URL = ROOT + "skipped/known_url"
NOT_MODIFIED = ROOT + "conditional/not_modified"
CONDITIONAL_INCOMPLETE = ROOT + "conditional/incomplete"
INCREMENTAL_LOOKUPS = ROOT + "incremental/lookups"
RESPONSES = _family(ROOT + "responses/")  # by request kind: discovery, article
ARTICLE_RESPONSES = RESPONSES("article")

# -- the page pipeline and the archive ----------------------------------------------------------------
EXTRACT = _family(ROOT + "extract/")  # extraction worker events
PUBLISHED_IMPLAUSIBLE = ROOT + "published/implausible"
# pages whose only date line is relative ("2 hours ago") with no reference to read it (crawler.core.plausible)
PUBLISHED_RELATIVE_ONLY = ROOT + "published/relative_only"
ARCHIVE = _family(ROOT + "archive/")  # batch result counts (storage.records.BatchResult.counts)
DOCUMENTS_NEW = ARCHIVE("documents_new")
DOCUMENTS_DUPLICATE = ARCHIVE("documents_duplicate")
ARTICLES_NEW = ARCHIVE("articles_new")
EVENTS_NEW = ARCHIVE("events_new")
BATCHES = ARCHIVE("batches")
BATCHES_FAILED = ARCHIVE("batches_failed")
EVENTS_REATTACHED = ROOT + "events/reattached"

# -- the frontier (crawler.shell.frontier, the Redis frontier spider) -----------------------------------
FRONTIER_MAX_IN_FLIGHT = ROOT + "frontier/max_in_flight"
FRONTIER_POPPED = ROOT + "frontier/popped"

