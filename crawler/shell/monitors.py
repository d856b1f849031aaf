"""Monitors: checks that judge a finished crawl from its stats and the fields of what it archived.

Pure code: ``judge_run(stats, coverage, thresholds)`` returns one ``MonitorResult`` per check; a run is
``ok`` only when it finished and every check passed. The archive pipeline calls it when the spider closes
and stores the results in ``crawl_runs.monitor_results``; ``newsarchive crawl`` exits 1 when a run is not
``ok``, so cron and systemd alert on it (``scrapy crawl`` itself exits 0 whatever a monitor says).

Checks and their settings (override per run with ``-s NAME=VALUE``):

``finished``         the run ended with finish reason ``finished`` (not shutdown, closespider, an error).
``items``            items were expected and came: a run that sent requests received at least one
                     response (a crawl that reached nothing fails), and when it downloaded at least
                     ``NEWSARCHIVE_MONITOR_PAGES_EXPECTING_ITEMS`` article pages, at least one of them was
                     extracted (archived, already archived, or classified unrelated); plus at least
                     ``NEWSARCHIVE_MONITOR_MIN_ITEMS`` new documents (default 0: an unchanged site is fine).
``error_rate``       (4xx/5xx responses + download errors) / requests ≤ ``NEWSARCHIVE_MONITOR_MAX_ERROR_RATE``,
                     judged once the run made ``NEWSARCHIVE_MONITOR_MIN_REQUESTS`` requests. Discovery
                     endpoints that answered 404/410 (guessed or moved feeds) are left out of both counts;
                     the archive spider counts them as ``newsarchive/discovery/failed/<source>``.
``coverage_<field>`` share of the documents archived by the run with a published time, a dateline and an
                     agency ≥ ``NEWSARCHIVE_MONITOR_MIN_COVERAGE_{PUBLISHED,DATELINE,AGENCY}``, judged once
                     the run archived ``NEWSARCHIVE_MONITOR_MIN_DOCUMENTS`` documents. The published share
                     is a floor; dateline and agency are regression checks: they fail only when the
                     previous run of the same job (same spider and arguments) reached the minimum, since
                     government sites and own reporting carry neither (a minimum given with ``-s`` is
                     always applied).
``blocked``          no source met a bot wall; fails the run only with ``NEWSARCHIVE_MONITOR_FAIL_ON_BLOCKED``.
``errors``           no work lost to an error: no exception in a spider callback (``spider_exceptions/*``),
                     no record the archive refused even alone (``newsarchive/dropped/write_failed``), no
                     batch left unwritten (``newsarchive/archive/batches_failed``). Drops by rule
                     (``bad_url``, ``too_long:<table>.<column>``, ...) are counted reasons, not errors.
``seeds``            every sitemap and feed the user asked for (``--sitemap``, ``--feed``, frontier seeds)
                     could be read: one answering 404/5xx or not reachable fails the run (a registered
                     source's guessed endpoints are not seeds; see ``error_rate``).

Status: ``ok`` when every check passed, ``failed`` otherwise, and ``paused`` when a run with a JOBDIR was
stopped by the operator (Ctrl-C / SIGINT once, finish reason ``shutdown``): its state is saved and the same
command resumes it, so it is not a failure (``newsarchive crawl`` exits 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from storage.crawlstats import (
    ARTICLE_RESPONSES,
    BATCHES_FAILED,
    DISCOVERY_NOT_FOUND,
    DOCUMENTS_DUPLICATE,
    DOCUMENTS_NEW,
    SEEDS_FAILED,
    SEEDS_FAILED_BY_REASON_PREFIX,
    SEEDS_REQUESTED,
    UNRELATED,
    WRITE_FAILED,
)
from storage.runs import FieldCoverage, blocked_source_names, http_error_count


@dataclass(frozen=True)
class Thresholds:
    min_items: int = 0
    pages_expecting_items: int = 3
    max_error_rate: float = 0.25
    min_requests: int = 10
    min_documents: int = 5
    min_coverage_published: float = 0.8
    min_coverage_dateline: float = 0.2
    min_coverage_agency: float = 0.2
    fail_on_blocked: bool = False
    # Fields whose minimum was set for this run (-s, a spider's custom settings): judged absolutely.
    explicit_coverage: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        """Read ``NEWSARCHIVE_MONITOR_*`` from Scrapy settings (anything with getint/getfloat/getbool)."""
        d = cls()
        return cls(
            min_items=settings.getint("NEWSARCHIVE_MONITOR_MIN_ITEMS", d.min_items),
            pages_expecting_items=settings.getint("NEWSARCHIVE_MONITOR_PAGES_EXPECTING_ITEMS",
                                                  d.pages_expecting_items),
            max_error_rate=settings.getfloat("NEWSARCHIVE_MONITOR_MAX_ERROR_RATE", d.max_error_rate),
            min_requests=settings.getint("NEWSARCHIVE_MONITOR_MIN_REQUESTS", d.min_requests),
            min_documents=settings.getint("NEWSARCHIVE_MONITOR_MIN_DOCUMENTS", d.min_documents),
            min_coverage_published=settings.getfloat("NEWSARCHIVE_MONITOR_MIN_COVERAGE_PUBLISHED",
                                                     d.min_coverage_published),
            min_coverage_dateline=settings.getfloat("NEWSARCHIVE_MONITOR_MIN_COVERAGE_DATELINE",
                                                    d.min_coverage_dateline),
            min_coverage_agency=settings.getfloat("NEWSARCHIVE_MONITOR_MIN_COVERAGE_AGENCY",
                                                  d.min_coverage_agency),
            fail_on_blocked=settings.getbool("NEWSARCHIVE_MONITOR_FAIL_ON_BLOCKED", d.fail_on_blocked),
            explicit_coverage=frozenset(
                field for field in ("dateline", "agency")
                if _set_above_project(settings, f"NEWSARCHIVE_MONITOR_MIN_COVERAGE_{field.upper()}")
            ),
        )


@dataclass(frozen=True)
class MonitorResult:
    name: str
    passed: bool
    detail: str
    value: float | int | None = None
    threshold: float | int | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("name")
        return out


def _int(stats: Mapping[str, Any], key: str) -> int:
    try:
        return int(stats.get(key, 0) or 0)
    except (TypeError, ValueError):
        return 0


def check_finished(finish_reason: str) -> MonitorResult:
    return MonitorResult("finished", finish_reason == "finished", f"finish reason {finish_reason!r}")


def check_items(stats: Mapping[str, Any], t: Thresholds) -> MonitorResult:
    requests, responses = _int(stats, "downloader/request_count"), _int(stats, "downloader/response_count")
    if requests and not responses:  # (no request at all is fine: every URL was already known)
        return MonitorResult("items", False, f"{requests} requests, no response: nothing was reachable", 0, 1)
    new = _int(stats, DOCUMENTS_NEW)
    pages = _int(stats, ARTICLE_RESPONSES)
    extracted = (new + _int(stats, DOCUMENTS_DUPLICATE)
                 + _int(stats, UNRELATED))
    if pages >= t.pages_expecting_items and extracted == 0:
        return MonitorResult("items", False, f"{pages} article pages downloaded, none extracted", 0, 1)
    if new < t.min_items:
        return MonitorResult("items", False, f"{new} new documents, expected at least {t.min_items}", new,
                             t.min_items)
    return MonitorResult("items", True, f"{new} new documents from {pages} article pages", new, t.min_items)


def check_error_rate(stats: Mapping[str, Any], t: Thresholds) -> MonitorResult:
    # discovery endpoints that answered 404/410 count in neither part (see storage.runs.http_error_count)
    requests = max(0, _int(stats, "downloader/request_count") - _int(stats, DISCOVERY_NOT_FOUND))
    errors = http_error_count(stats)
    if requests < t.min_requests:
        return MonitorResult("error_rate", True, f"{errors} errors in {requests} requests (too few to judge)",
                             None, t.max_error_rate)
    rate = errors / requests
    return MonitorResult("error_rate", rate <= t.max_error_rate, f"{errors} errors in {requests} requests",
                         round(rate, 4), t.max_error_rate)


def _set_above_project(settings: Any, name: str) -> bool:
    """Was ``name`` set for this run (command line, spider) rather than left at the project default?"""
    getpriority = getattr(settings, "getpriority", None)
    priority = getpriority(name) if callable(getpriority) else None
    return isinstance(priority, int) and priority > 20  # scrapy.settings.SETTINGS_PRIORITIES["project"]


def check_coverage(
    coverage: FieldCoverage, t: Thresholds, previous: Mapping[str, float] | None = None
) -> list[MonitorResult]:
    """Published time: an absolute floor (every article page states a date). Dateline and agency: a
    regression check — government releases and a paper's own reporting carry neither, so they fail a run only
    when the job's previous run reached the minimum and this one fell below it (or when the minimum was set
    for this run with ``-s``)."""
    out = []
    for field, minimum in (("published", t.min_coverage_published), ("dateline", t.min_coverage_dateline),
                           ("agency", t.min_coverage_agency)):
        share = coverage.share(field)
        name = f"coverage_{field}"
        if share is None or coverage.documents < t.min_documents:
            out.append(MonitorResult(name, True, f"{coverage.documents} documents archived (too few to judge)",
                                     None if share is None else round(share, 4), minimum))
            continue
        detail = f"{getattr(coverage, field)} of {coverage.documents} documents"
        passed = share >= minimum
        if not passed and field != "published" and field not in t.explicit_coverage:
            before = (previous or {}).get(field)
            if before is None or before < minimum:
                passed = True  # nothing to regress from: this job's pages do not carry the field
                detail += f" (not judged: no earlier run of this job reached {minimum})"
            else:
                detail += f" (the previous run of this job: {before:.0%})"
        out.append(MonitorResult(name, passed, detail, round(share, 4), minimum))
    return out


def check_blocked(stats: Mapping[str, Any], t: Thresholds) -> MonitorResult:
    blocked = blocked_source_names(stats)
    detail = "blocked: " + ", ".join(blocked) if blocked else "no source blocked"
    return MonitorResult("blocked", not (blocked and t.fail_on_blocked), detail, len(blocked), 0)


def check_errors(stats: Mapping[str, Any]) -> MonitorResult:
    """Work lost to an error rather than to a counted rule: an exception in a spider callback (the rest of
    that document's entries were never read), a record the archive refused even alone, a batch that could
    not be written. Drops by rule (``bad_url``, ``too_long:...``) are not errors: they are counted reasons."""
    exceptions = sum(_int(stats, k) for k in stats if k.startswith("spider_exceptions/"))
    failed = _int(stats, WRITE_FAILED)
    batches = _int(stats, BATCHES_FAILED)
    total = exceptions + failed + batches
    detail = (f"{exceptions} spider exception(s), {failed} record(s) the archive refused, "
              f"{batches} batch(es) not written")
    return MonitorResult("errors", total == 0, detail, total, 0)

def check_seeds(stats: Mapping[str, Any]) -> MonitorResult:
    requested, failed = _int(stats, SEEDS_REQUESTED), _int(stats, SEEDS_FAILED)
    reasons = sorted(k.rsplit("/", 1)[-1] for k, v in stats.items()
                     if k.startswith(SEEDS_FAILED_BY_REASON_PREFIX) and v)
    detail = (f"{failed} of {requested} requested sitemaps/feeds failed ({', '.join(reasons)})" if failed
              else f"{requested} requested sitemaps/feeds read")
    return MonitorResult("seeds", failed == 0, detail, failed, 0)


def judge_run(
    stats: Mapping[str, Any],
    finish_reason: str,
    coverage: FieldCoverage,
    thresholds: Thresholds,
    previous: Mapping[str, float] | None = None,
) -> list[MonitorResult]:
    return [
        check_finished(finish_reason),
        check_items(stats, thresholds),
        check_error_rate(stats, thresholds),
        *check_coverage(coverage, thresholds, previous),
        check_blocked(stats, thresholds),
        check_errors(stats),
        check_seeds(stats),
    ]


def run_status(results: list[MonitorResult], finish_reason: str | None = None, resumable: bool = False) -> str:
    """``paused`` for a resumable run (a JOBDIR) the operator stopped (finish reason ``shutdown``); else
    ``ok`` when every check passed, else ``failed``."""
    if resumable and finish_reason == "shutdown":
        return "paused"
    return "ok" if all(r.passed for r in results) else "failed"
