"""Monitors judge each run; a failing monitor fails the run and `newsarchive crawl` exits 1; `runs` shows it.
Pure checks on stats, then the real CLI against a real server and archive."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from crawler.app.demo.server import FixtureServer
from crawler.shell.monitors import Thresholds, check_error_rate, check_items, judge_run, run_status
from storage.db import make_engine
from storage.models import CrawlRun
from storage.runs import FieldCoverage, close_run, http_error_count
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]


def newsarchive(*args: str) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True, timeout=180,
                          check=False)


def runs(url: str) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(CrawlRun).order_by(CrawlRun.id)).all()
    engine.dispose()
    return list(rows)


# -- pure checks ------------------------------------------------------------------------------------------
def test_declined_requests_are_not_http_errors() -> None:
    stats = {"downloader/response_status_count/200": 5, "downloader/response_status_count/503": 2,
             "downloader/response_status_count/304": 4,
             "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 40,
             "downloader/exception_type_count/twisted.internet.error.TimeoutError": 1}
    assert http_error_count(stats) == 3


def test_error_rate_judged_only_from_enough_requests() -> None:
    t = Thresholds(max_error_rate=0.25, min_requests=10)
    few = {"downloader/request_count": 4, "downloader/response_status_count/500": 4}
    assert check_error_rate(few, t).passed
    many = {"downloader/request_count": 20, "downloader/response_status_count/500": 6}
    result = check_error_rate(many, t)
    assert not result.passed and result.value == 0.3
    assert check_error_rate({**many, "downloader/response_status_count/500": 5}, t).passed


def test_items_expected() -> None:
    t = Thresholds()
    assert check_items({}, t).passed  # nothing asked of the network (every URL already known)
    assert not check_items({"downloader/request_count": 3}, t).passed  # nothing answered
    broken = {"downloader/request_count": 9, "downloader/response_count": 9, "newsarchive/responses/article": 8,
              "newsarchive/dropped/no_article": 8}
    assert not check_items(broken, t).passed  # pages came, extraction produced nothing
    fine = {**broken, "newsarchive/dropped/unrelated": 1}
    assert check_items(fine, t).passed
    assert not check_items(fine, Thresholds(min_items=1)).passed


def test_run_status_needs_every_check_and_a_finished_run() -> None:
    t = Thresholds(min_documents=2)
    good = judge_run({}, "finished", FieldCoverage(10, 10, 5, 5), t)
    assert run_status(good) == "ok"
    assert run_status(judge_run({}, "shutdown", FieldCoverage(10, 10, 5, 5), t)) == "failed"
    # Dateline and agency are regression checks: a job whose pages never carried an agency (government
    # releases, own reporting) passes; one whose previous run had agencies and this one has none fails.
    first = judge_run({}, "finished", FieldCoverage(10, 10, 5, 0), t)
    assert run_status(first) == "ok"
    assert "not judged" in next(r.detail for r in first if r.name == "coverage_agency")
    assert run_status(judge_run({}, "finished", FieldCoverage(10, 10, 5, 0), t, {"agency": 0.1})) == "ok"
    low = judge_run({}, "finished", FieldCoverage(10, 10, 5, 0), t, {"agency": 0.6, "dateline": 0.5})
    assert run_status(low) == "failed"
    assert [r.name for r in low if not r.passed] == ["coverage_agency"]
    explicit = Thresholds(min_documents=2, explicit_coverage=frozenset({"agency"}))
    assert run_status(judge_run({}, "finished", FieldCoverage(10, 10, 5, 0), explicit)) == "failed"
    # The published time has no such excuse: every article page states one.
    assert run_status(judge_run({}, "finished", FieldCoverage(10, 2, 5, 5), t)) == "failed"
    blocked = {"newsarchive/blocked/Some Wire": 3}
    assert run_status(judge_run(blocked, "finished", FieldCoverage(0, 0, 0, 0), t)) == "ok"
    assert run_status(judge_run(blocked, "finished", FieldCoverage(0, 0, 0, 0),
                                Thresholds(fail_on_blocked=True))) == "failed"


# -- end to end -----------------------------------------------------------------------------------------
def test_unreachable_pages_fail_the_run_and_the_exit_status(sqlite_url: str, demo_server: FixtureServer,
                                                            tmp_path: Path) -> None:
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{demo_server.base_url}/gone/story-{i}.html\n" for i in range(12)))
    done = newsarchive("--database", sqlite_url, "crawl", "--urls-file", str(urls), *FAST)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    run = runs(sqlite_url)[-1]
    assert run.status == "failed" and run.finish_reason == "finished"
    failed = {k for k, v in run.monitor_results.items() if not v["passed"]}
    assert failed == {"error_rate", "items"}
    assert run.http_errors == 12
    listing = newsarchive("--database", sqlite_url, "runs", "--last", "1")
    assert listing.returncode == 0, listing.stderr
    assert "failed monitors: error_rate, items" in listing.stdout


def test_coverage_threshold_fails_a_crawl(sqlite_url: str, demo_server: FixtureServer) -> None:
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    sitemap = f"{demo_server.base_url}/sitemap_index.xml"
    done = newsarchive("--database", sqlite_url, "crawl", "--sitemap", sitemap,
                       "-s", "NEWSARCHIVE_MONITOR_MIN_COVERAGE_AGENCY=1.0", *FAST)
    assert done.returncode == 1
    run = runs(sqlite_url)[-1]
    assert not run.monitor_results["coverage_agency"]["passed"]
    assert run.monitor_results["coverage_published"]["passed"]
    assert run.items_archived > 5
    # the same archive, next run, default thresholds: nothing new, ok
    again = newsarchive("--database", sqlite_url, "crawl", "--sitemap", sitemap, *FAST)
    assert again.returncode == 0, again.stderr
    lines = newsarchive("--database", sqlite_url, "runs", "--json").stdout.splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["ok", "failed"]


def test_blocked_sources_are_recorded_and_listed(archive_url: str) -> None:
    engine = make_engine(archive_url)
    from storage.archive import Archive

    run_id = Archive(engine).start_run("generic", {"sitemaps": []})
    stats = {"downloader/request_count": 3, "downloader/response_count": 3,
             "newsarchive/blocked/Wall Street Wire": 2, "newsarchive/blocked/Asia Daily": 1}
    results = judge_run(stats, "finished", FieldCoverage(0, 0, 0, 0), Thresholds())
    close_run(engine, run_id, finish_reason="finished", items_archived=0, stats=stats, status=run_status(results),
              monitor_results={r.name: r.to_json() for r in results})
    engine.dispose()
    run = runs(archive_url)[-1]
    assert run.blocked_sources == ["Asia Daily", "Wall Street Wire"]
    assert run.status == "ok"
    listing = newsarchive("--database", archive_url, "runs")
    assert "blocked sources: Asia Daily, Wall Street Wire" in listing.stdout


def test_credentials_never_printed_or_stored(pg_url: str, demo_server: FixtureServer) -> None:
    """PostgreSQL here trusts loopback, so a password in the URL is accepted and ignored: it must still
    never reach the console, the log or crawl_runs."""
    secret = "pw-s3cr3t-7f1c"
    url = make_url(pg_url).set(password=secret).render_as_string(hide_password=False)
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    done = newsarchive("--verbose", "--database", url, "crawl", "--url",
                       f"{demo_server.base_url}/govpress/PressRelease/PRID-2009871.html", *FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    listing = newsarchive("--database", url, "runs", "--json")
    assert secret not in done.stdout + done.stderr + listing.stdout
    assert "***" in listing.stdout
    run = runs(pg_url)[-1]
    assert secret not in json.dumps([run.arguments, run.stats, run.monitor_results], default=str)


@pytest.mark.parametrize("last", ["0", "x"])
def test_runs_rejects_bad_last(sqlite_url: str, last: str) -> None:
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    done = newsarchive("--database", sqlite_url, "runs", "--last", last)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_previous_coverage_reads_the_same_jobs_last_judged_run(archive_url: str) -> None:
    from storage.runs import previous_coverage

    engine = make_engine(archive_url)
    job = {"sitemap": ["http://127.0.0.1:1/sitemap.xml"]}
    other = {"sitemap": ["http://127.0.0.1:2/sitemap.xml"]}

    def run(arguments: dict[str, Any], agency: float | None, detail: str = "8 of 10 documents") -> int:
        with engine.begin() as conn:
            run_id = conn.execute(
                insert(CrawlRun)
                .values(spider="generic", arguments=arguments, status="running", items_archived=0,
                        items_dropped=0, http_errors=0)
                .returning(CrawlRun.id)
            ).scalar_one()
        results = {"coverage_agency": {"passed": True, "detail": detail, "value": agency, "threshold": 0.2},
                   "coverage_dateline": {"passed": True, "detail": "too few to judge", "value": 1.0,
                                         "threshold": 0.2}}
        close_run(engine, run_id, finish_reason="finished", items_archived=0, stats={}, status="ok",
                  monitor_results=results)
        return run_id

    run(job, 0.8)
    run(other, 0.0)  # another job's run does not count
    run(job, 0.5, detail="2 documents archived (too few to judge)")  # too small to be a baseline
    current = run(job, None)
    newest_other = run(other, None)
    with engine.connect() as conn:
        assert previous_coverage(conn, current) == {"agency": 0.8}
        assert previous_coverage(conn, newest_other) == {"agency": 0.0}
    engine.dispose()
