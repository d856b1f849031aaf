"""Server faults: the real CLI crawls a real archive from a loopback server that fails in every way the web
does (tests/faultserver.py). The crawl finishes, every failure is retried or dropped with a counted reason
in ``crawl_runs.stats``, and every good page is archived."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.core.context import load_registries
from crawler.core.process import process_page
from storage.db import make_engine
from storage.models import CrawlRun, Document
from storage.schema import upgrade
from tests.faultserver import FaultServer
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION
from tests.helpers.sitegen import generate

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "DOWNLOAD_TIMEOUT=3", "-s", "RETRY_TIMES=2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", *INLINE_EXTRACTION]



def newsarchive(*args: str, timeout: int = 150) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def unexpected_errors(stderr: str) -> list[str]:
    """ERROR lines other than Scrapy's own download-failure reports and the run's monitors: a crash."""
    return [ln for ln in stderr.splitlines() if " ERROR: " in ln and not any(
        ok in ln for ok in ("Error downloading", "Gave up retrying", "monitor"))]


def urlset(base: str, paths: list[str]) -> str:
    locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return ("<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{locs}</urlset>")


@pytest.fixture(scope="module")
def fault_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A generated site of 14 distinct dialogue reports (no syndicated copies); returns (root, paths)."""
    root = tmp_path_factory.mktemp("faultsite")
    pages = generate(root, 14, seed=7, dialogue_share=1.0, syndicated_share=0.0)
    registries = load_registries()
    kept = [p.path for p in pages
            if process_page(p.html.replace("{{BASE}}", "http://127.0.0.1"), "http://127.0.0.1" + p.path,
                            registries.context_for("http://127.0.0.1" + p.path)).topic.topic != "unrelated"]
    assert len(kept) >= 10, "the generated dialogue pages should be classified as dialogue pages"
    return root, kept


def crawl_stats(url: str) -> tuple[dict[str, Any], Any, set[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        docs = set(conn.scalars(select(Document.canonical_url)))
    engine.dispose()
    assert run is not None
    return dict(run.stats or {}), run, docs


def test_crawl_survives_every_server_fault_and_archives_every_good_page(
    fault_site: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, good = fault_site
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    direct, flaky503, flaky429, flaky_reset, wrong_cs, no_cs = (
        good[:4], good[4:6], good[6:7], good[7:8], good[8:9], good[9:10])
    with FaultServer(root, slow_seconds=7, bomb_mb=200) as server:
        listed = [
            *direct,
            *(f"/fault/flaky/503{p}" for p in flaky503),
            *(f"/fault/flaky/429{p}" for p in flaky429),
            *(f"/fault/flaky-reset{p}" for p in flaky_reset),
            *(f"/fault/charset/wrong{p}" for p in wrong_cs),
            *(f"/fault/charset/missing{p}" for p in no_cs),
            "/fault/status/500", "/fault/status/404", "/fault/retry-after/503", "/fault/retry-after/429",
            "/fault/slow", "/fault/reset", "/fault/truncated", "/fault/loop/0", "/fault/huge/length",
            "/fault/huge/stream", "/fault/empty.html", "/fault/binary.html", "/no-article.html",
        ]
        (root / "no-article.html").write_text(
            "<html><head><title>Index</title></head><body><nav><a href='/a'>Home</a> <a href='/b'>World</a>"
            "</nav><footer>&copy; 2024</footer></body></html>", encoding="utf-8")
        (root / "faults.xml").write_text(urlset(server.base_url, listed), encoding="utf-8")
        # a malformed sitemap: two good URLs, then the document breaks off mid-element
        (root / "malformed.xml").write_text(urlset(server.base_url, good[10:12])[:-len("</urlset>")]
                                            + "<url><loc>broken", encoding="utf-8")
        (root / "malformed-feed.xml").write_text(
            "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item><title>t</title><link>"
            f"{server.base_url}{good[12]}</link></item><item><title>unclosed", encoding="utf-8")
        (root / "index.xml").write_text(
            "<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            + "".join(f"<sitemap><loc>{server.base_url}{p}</loc></sitemap>"
                      for p in ("/faults.xml", "/malformed.xml", "/fault/bomb.xml.gz", "/fault/bomb-encoding.xml",
                                "/fault/status/500"))
            + "</sitemapindex>", encoding="utf-8")
        proc = newsarchive("--database", db, "crawl", "--sitemap", f"{server.base_url}/index.xml",
                           "--feed", f"{server.base_url}/malformed-feed.xml", *FAST)
        requests = list(server.requests)
    assert unexpected_errors(proc.stderr) == [], proc.stderr[-3000:]
    stats, run, docs = crawl_stats(db)
    assert run.finish_reason == "finished", (run.finish_reason, proc.stderr[-2000:])

    # everything good is archived: direct pages, pages that failed once, re-encoded pages, pages from the
    # readable part of a malformed sitemap and a malformed feed
    expected = {server.base_url + p for p in good[:13]}
    assert expected - docs == set()
    assert len(docs) == 13

    # transient failures were retried, and the retry succeeded
    assert stats.get("retry/count", 0) >= len(flaky503) + len(flaky429) + len(flaky_reset)
    assert requests.count(f"/fault/flaky/503{flaky503[0]}") >= 2
    # permanent failures: retried up to RETRY_TIMES (2), then given up, and counted
    assert stats.get("retry/max_reached", 0) >= 4  # 500, 503, 429, slow/reset/truncated
    assert stats.get("httperror/response_ignored_status_count/500", 0) >= 1  # a discovery URL
    assert stats.get("newsarchive/dropped/http_404", 0) == 1
    assert stats.get("newsarchive/dropped/http_503", 0) == 1
    assert stats.get("newsarchive/dropped/http_429", 0) == 1
    exceptions = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")}
    assert any("Timeout" in k for k in exceptions), exceptions
    assert any("DownloadFailed" in k or "ConnectionLost" in k for k in exceptions), exceptions  # resets
    assert any("DataLoss" in k for k in exceptions), exceptions  # truncated body
    # content-level drops carry their own reasons
    assert stats.get("newsarchive/dropped/empty_body") == 1
    assert stats.get("newsarchive/dropped/not_html") == 1
    # a page of navigation only: no article text, or (when chrome passes for text) not about a dialogue
    assert stats.get("newsarchive/dropped/no_article", 0) + stats.get("newsarchive/dropped/unrelated", 0) == 1
    # malformed and oversized discovery documents are counted, never fatal
    assert stats.get("newsarchive/discovery/error/sitemap", 0) >= 2  # malformed.xml + the .gz bomb
    assert stats.get("newsarchive/discovery/error/feed", 0) == 1
    # the gzip bomb was not followed: its listed URL was never requested
    assert "/bomb-listed.html" not in requests
    # redirect loop: followed at most REDIRECT_MAX_TIMES, then abandoned
    assert sum(1 for r in requests if r.startswith("/fault/loop/")) <= 6 + 1
    assert run.http_errors >= 6
    print(sorted(stats.items()))


def test_oversized_pages_are_dropped_with_a_counted_reason(
    fault_site: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """A 50 MB page is above DOWNLOAD_MAXSIZE (32 MiB): cancelled, counted, and the crawl goes on."""
    root, good = fault_site
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    with FaultServer(root) as server:
        proc = newsarchive("--database", db, "crawl", "--url", f"{server.base_url}/fault/huge/length",
                           "--url", f"{server.base_url}/fault/huge/stream", "--url", f"{server.base_url}{good[0]}",
                           *FAST)
    assert unexpected_errors(proc.stderr) == []
    stats, run, docs = crawl_stats(db)
    assert run.finish_reason == "finished"
    assert docs == {server.base_url + good[0]}
    cancelled = sum(v for k, v in stats.items()
                    if k.startswith("downloader/exception_type_count/") and "Cancel" in k)
    assert cancelled >= 2, stats


def test_download_failures_appear_in_drop_reasons(fault_site: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, _good = fault_site
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    with FaultServer(root, slow_seconds=7) as server:
        newsarchive("--database", db, "crawl", "--url", f"{server.base_url}/fault/reset",
                    "--url", f"{server.base_url}/fault/status/500", "--url", f"{server.base_url}/fault/slow", *FAST)
    _stats, run, _docs = crawl_stats(db)
    assert run.drop_reasons is not None
    assert sum(run.drop_reasons.values()) >= 3
