"""Issue 13, "runs that should alert": a requested sitemap or feed that cannot be read fails the run; a missing
robots.txt is not an HTTP error; redirect and refresh loops are counted drop reasons; ``reprocess --source``
refuses a name that matches nothing; one Ctrl-C on a --jobdir run pauses it (exit 0). Real CLI subprocesses,
real loopback servers, a SQLite archive (the subject is the crawl; the archive code is tested on both
databases elsewhere)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from crawler.shell.monitors import MonitorResult, run_status
from storage.db import make_engine
from storage.models import CrawlRun, Source
from storage.runs import http_error_count
from tests.faultserver import FaultServer
from tests.helpers import forkcli
from tests.test_jobdir import SlowHandler, start_crawl, wait_until

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_ENABLED=False"]


def newsarchive(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATABASE_URL"}
    return forkcli.run([*args], capture_output=True, text=True, timeout=timeout,
                          check=False, env=env)


def last_run(url: str) -> Any:
    engine = make_engine(url)
    with engine.connect() as conn:
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert run is not None
    return run


@pytest.mark.parametrize(("option", "path"), [("--sitemap", "/no-such-sitemap.xml"), ("--feed", "/fault/status/500"),
                                              ("--sitemap", "/fault/status/503")])
def test_a_requested_sitemap_or_feed_that_fails_fails_the_run(sqlite_archive_url: str, tmp_path: Path, option: str,
                                                              path: str) -> None:
    with FaultServer(tmp_path) as server:
        proc = newsarchive("--database", sqlite_archive_url, "crawl", option, f"{server.base_url}{path}", *FAST)
    assert proc.returncode == 1, proc.stderr[-2000:]
    run = last_run(sqlite_archive_url)
    assert run.status == "failed"
    assert run.monitor_results["seeds"]["passed"] is False, run.monitor_results
    assert "1 of 1 requested" in run.monitor_results["seeds"]["detail"]
    assert "Traceback" not in proc.stderr


def test_a_readable_requested_sitemap_passes_the_seeds_monitor(sqlite_archive_url: str,
                                                               demo_server: FixtureServer) -> None:
    proc = newsarchive("--database", sqlite_archive_url, "crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml",
                       *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = last_run(sqlite_archive_url)
    assert run.status == "ok" and run.monitor_results["seeds"]["passed"] is True


def test_a_missing_robots_txt_is_not_an_http_error(sqlite_archive_url: str, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<html><body><p>short</p></body></html>", encoding="utf-8")
    with FaultServer(tmp_path) as server:  # no robots.txt under the root: 404
        proc = newsarchive("--database", sqlite_archive_url, "crawl", "--url", f"{server.base_url}/page.html", *FAST)
        assert "/robots.txt" in server.requests
    run = last_run(sqlite_archive_url)
    assert run.stats.get("robotstxt/response_status_count/404") == 1, proc.stderr[-2000:]
    assert run.http_errors == 0
    # a 404 that is not robots.txt still counts
    assert http_error_count({**run.stats, "downloader/response_status_count/404": 2}) == 1


@pytest.mark.parametrize(("path", "reason"), [("/fault/loop/0", "redirect_loop"),
                                              ("/fault/refresh-loop/0", "refresh_loop")])
def test_redirect_and_refresh_loops_are_counted_drop_reasons(sqlite_archive_url: str, tmp_path: Path, path: str,
                                                             reason: str) -> None:
    with FaultServer(tmp_path) as server:
        proc = newsarchive("--database", sqlite_archive_url, "crawl", "--url", f"{server.base_url}{path}", *FAST)
    run = last_run(sqlite_archive_url)
    assert (run.drop_reasons or {}).get(reason) == 1, (run.drop_reasons, proc.stderr[-2000:])
    assert f"{reason}=1" in proc.stdout


def test_pause_status_only_for_a_resumable_shutdown() -> None:
    failing = [MonitorResult("finished", False, "finish reason 'shutdown'")]
    assert run_status(failing, "shutdown", resumable=True) == "paused"
    assert run_status(failing, "shutdown", resumable=False) == "failed"
    assert run_status(failing, "closespider_timeout", resumable=True) == "failed"
    assert run_status([MonitorResult("finished", True, "")], "finished", resumable=True) == "ok"


def test_reprocess_source_takes_a_known_name_or_domain_and_refuses_anything_else(
    sqlite_archive_url: str, demo_server: FixtureServer
) -> None:
    proc = newsarchive("--database", sqlite_archive_url, "crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml",
                       *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    engine = make_engine(sqlite_archive_url)
    with engine.connect() as conn:
        sources = [(r.name, r.domain) for r in conn.execute(select(Source.name, Source.domain))]
    engine.dispose()
    assert sources
    name, domain = sources[0]
    by_name = newsarchive("--database", sqlite_archive_url, "reprocess", "--source", name)
    assert by_name.returncode == 0, by_name.stderr
    assert not by_name.stdout.startswith("reprocessed 0 "), by_name.stdout
    if sum(1 for _, d in sources if d == domain) == 1:
        by_domain = newsarchive("--database", sqlite_archive_url, "reprocess", "--source", domain)
        assert by_domain.returncode == 0, by_domain.stderr
        assert by_domain.stdout.splitlines()[0] == by_name.stdout.splitlines()[0]
    registered = newsarchive("--database", sqlite_archive_url, "reprocess", "--source", "ani")  # nothing archived
    assert registered.returncode == 0 and registered.stdout.startswith("reprocessed 0 "), registered.stderr
    bad = newsarchive("--database", sqlite_archive_url, "reprocess", "--source", "no-such-source")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    errors = [ln for ln in bad.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and "no-such-source" in errors[0], bad.stderr


@pytest.fixture
def slow_server() -> Iterator[FixtureServer]:
    """The demo site with article pages answering after 0.4 s (a crawl still running when the test acts)."""
    with FixtureServer(DEMO_SITE) as server:
        assert server._httpd is not None
        server._httpd.RequestHandlerClass = type("Slow", (SlowHandler,), {"delay": 0.4})
        yield server


@pytest.mark.parametrize("jobdir", [True, False])
def test_ctrl_c_with_a_jobdir_is_paused_and_exits_0(sqlite_archive_url: str, slow_server: FixtureServer, tmp_path: Path,
                                                     jobdir: bool) -> None:
    """One SIGINT mid-crawl: with --jobdir the run is ``paused`` (exit 0, resumable), without it ``failed``."""
    sitemap = f"{slow_server.base_url}/sitemap_index.xml"
    extra = ["--jobdir", str(tmp_path / "job")] if jobdir else []
    crawl = start_crawl(sqlite_archive_url, sitemap, "-s", "CONCURRENT_REQUESTS=2", *extra)
    try:
        wait_until(lambda: sum(n for p, n in slow_server.requests.items() if p.endswith(".html")) >= 4)
        crawl.send_signal(signal.SIGINT)
        _, err = crawl.communicate(timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    run = last_run(sqlite_archive_url)
    assert run.finish_reason == "shutdown", err[-2000:]
    assert "Traceback" not in err
    if jobdir:
        assert crawl.returncode == 0 and run.status == "paused", err[-2000:]
        assert "paused" in err
        slow_server._httpd.RequestHandlerClass.delay = 0.0  # type: ignore[union-attr]
        resumed = newsarchive("--database", sqlite_archive_url, "crawl", "--sitemap", sitemap, *FAST, *extra)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert last_run(sqlite_archive_url).status == "ok"
    else:
        assert crawl.returncode == 1 and run.status == "failed", err[-2000:]
