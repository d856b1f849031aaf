"""Bounded discovery (crawler.shell.frontier): a big sitemap never becomes thousands of scheduled requests,
every article is still fetched once, a time limit stops the crawl promptly, ``--since`` still filters, and
links or redirects to another port of the seed's host are dropped and counted. Real CLI subprocesses,
real HTTP servers on 127.0.0.1, real SQLite archives; the scheduler is observed by a probe extension
loaded into the crawl (``SchedulerProbe`` below), not by the Frontier's own bookkeeping."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request, signals
from scrapy.crawler import Crawler

from crawler.core.discovery import Discovered, Link, parse_discovery, stream_discovery
from crawler.core.urls import allowed_origins, origin_of
from tests.helpers import forkcli

REPO = Path(__file__).resolve().parents[1]
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
PROBE_STAT = "probe/max_scheduled_or_downloading"


class SchedulerProbe:
    """Loaded into the crawl under test: records the most requests ever scheduled or downloading at once,
    read from Scrapy's own scheduler and downloader whenever a request is scheduled."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchedulerProbe:
        return cls(crawler)

    def request_scheduled(self, request: Request, spider: Any) -> None:
        engine = self.crawler.engine
        assert engine is not None and engine.scheduler is not None and self.crawler.stats is not None
        scheduler: Any = engine.scheduler
        # the signal is sent before the request is enqueued: +1 for it
        self.crawler.stats.max_value(PROBE_STAT, len(scheduler) + len(engine.downloader.active) + 1)


class Site:
    """Sitemaps held in memory; ``/a/...`` articles answer 404 (cheap; ``delay`` seconds late), counted;
    ``/r/<n>`` redirects to ``redirect_to`` + ``/a/r<n>.html``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.docs: dict[str, bytes] = {}
        self.hits: Counter[str] = Counter()
        self.delay = delay
        self.redirect_to = ""
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site.lock:
                    site.hits[self.path] += 1
                body = site.docs.get(self.path)
                if body is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path.startswith("/r/"):
                    self.send_response(302)
                    self.send_header("Location", f"{site.redirect_to}/a/r{self.path[3:]}.html")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if site.delay and self.path.startswith("/a/"):
                    time.sleep(site.delay)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Site:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def article_hits(self) -> Counter[str]:
        return Counter({p: n for p, n in self.hits.items() if p.startswith("/a/")})


def urlset(locs: list[str], dates: list[str] | None = None) -> bytes:
    entries = []
    for i, loc in enumerate(locs):
        news = (f"<news:news><news:publication_date>{dates[i]}</news:publication_date></news:news>"
                if dates else "")
        entries.append(f"<url><loc>{loc}</loc>{news}</url>")
    return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='{NS}' xmlns:news='{NEWS_NS}'>"
            + "".join(entries) + "</urlset>").encode("utf-8")


def run_crawl(tmp_path: Path, sitemap: str, *extra: str, timeout: int = 240) -> tuple[subprocess.CompletedProcess[str],
                                                                                     dict[str, Any]]:
    db = tmp_path / "archive.sqlite3"
    cli = ["--database", f"sqlite:///{db}"]
    forkcli.run([*cli, "db", "upgrade"], cwd=REPO, check=True, capture_output=True)
    proc = forkcli.run([*cli, "crawl", "--sitemap", sitemap, "--no-progress", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False", "-s", "CONCURRENT_REQUESTS=16",
         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
         "-s", json_setting("EXTENSIONS", {f"{__name__}.SchedulerProbe": 0}), *extra],
        cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT started_at, finished_at, finish_reason, stats FROM crawl_runs").fetchone()
    assert row is not None, proc.stderr[-3000:]
    started, finished, reason, stats = row
    run = {"seconds": (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(),
           "reason": reason, "stats": json.loads(stats or "{}")}
    return proc, run


def json_setting(name: str, value: object) -> str:
    return f"{name}={json.dumps(value)}"


N_URLS = 1200  # 50x the bound (5,000 took 48 s of the suite and shows nothing more)


def test_a_1200_url_sitemap_stays_within_the_bound_and_every_article_is_fetched_once(tmp_path: Path) -> None:
    bound = 24
    # answers 20 ms late, so the 16 download slots are all busy at once and the probe sees the bound in use
    with Site(delay=0.02) as site:
        site.docs["/sitemap.xml"] = urlset([f"{site.base}/a/{i:05d}.html" for i in range(N_URLS)])
        _, run = run_crawl(tmp_path, f"{site.base}/sitemap.xml", "-s", f"NEWSARCHIVE_REQUESTS_IN_FLIGHT={bound}")
        hits = site.article_hits()
    stats = run["stats"]
    assert run["reason"] == "finished"
    assert len(hits) == N_URLS and set(hits.values()) == {1}  # all of them, each once
    assert stats["newsarchive/discovery/links"] == N_URLS
    # observed in Scrapy's scheduler + downloader (a sitemap read into the scheduler at once: ~N_URLS)
    assert 16 <= stats[PROBE_STAT] <= bound, stats[PROBE_STAT]
    assert stats["newsarchive/frontier/max_in_flight"] <= bound


def test_the_time_limit_stops_a_crawl_of_a_huge_sitemap_within_seconds(tmp_path: Path) -> None:
    """Before bounded discovery, this sitemap alone kept the reactor busy past the limit (~15 s here). The
    limit is long enough for the extraction worker to have started: closing waits for its start-up."""
    limit = 12
    with Site(delay=0.02) as site:
        site.docs["/sitemap.xml"] = urlset([f"{site.base}/a/{i:06d}.html" for i in range(60_000)])
        proc, run = run_crawl(tmp_path, f"{site.base}/sitemap.xml", "--max-time", str(limit))
        hits = site.article_hits()
    assert run["reason"] == "closespider_timeout", proc.stderr[-2000:]
    assert run["seconds"] <= limit + 4, run["seconds"]
    assert 0 < len(hits) < 60_000
    assert run["stats"][PROBE_STAT] <= 64  # the default NEWSARCHIVE_REQUESTS_IN_FLIGHT


def test_since_still_skips_older_sitemap_entries(tmp_path: Path) -> None:
    with Site() as site:
        locs = [f"{site.base}/a/{i}.html" for i in range(40)]
        dates = ["2024-03-01T10:00:00+00:00" if i % 2 else "2023-03-01T10:00:00+00:00" for i in range(40)]
        site.docs["/sitemap.xml"] = urlset(locs, dates)
        _, run = run_crawl(tmp_path, f"{site.base}/sitemap.xml", "--since", "2024-01-01")
        hits = site.article_hits()
    assert sorted(hits) == sorted(f"/a/{i}.html" for i in range(1, 40, 2))
    assert run["stats"]["newsarchive/discovery/skipped/before_since"] == 20


def test_links_and_redirects_to_another_port_of_the_seed_host_are_dropped_and_counted(tmp_path: Path) -> None:
    with Site() as site, Site() as other:
        site.redirect_to = other.base
        site.docs["/sitemap.xml"] = urlset(
            [f"{site.base}/a/{i}.html" for i in range(5)]
            + [f"{other.base}/a/{i}.html" for i in range(3)]  # same host, another port
            + [f"{site.base}/r/{i}" for i in range(2)])  # redirects there
        _, run = run_crawl(tmp_path, f"{site.base}/sitemap.xml")
        hits, other_hits = site.article_hits(), other.hits
    assert sorted(hits) == sorted(f"/a/{i}.html" for i in range(5))
    assert not other_hits
    assert run["stats"]["newsarchive/discovery/skipped/offsite_origin"] == 3
    assert run["stats"]["newsarchive/dropped/offsite_origin"] == 2


def test_origins_are_scheme_host_and_port() -> None:
    origins = allowed_origins(["http://127.0.0.1:8000/sitemap.xml", "https://www.example.org/feed"])
    assert origin_of("http://127.0.0.1:8000/a/1.html") in origins
    assert origin_of("http://127.0.0.1:18091/a/1.html") not in origins
    assert origin_of("https://127.0.0.1:8000/a/1.html") not in origins
    assert origin_of("https://example.org/x") in origins
    assert origin_of("http://example.org/x") in origins  # default ports: http → https is the same site
    assert origin_of("https://example.org:8443/x") not in origins
    assert origin_of("javascript:alert(1)") is None and origin_of("http://[::1/") is None


def test_stream_discovery_reads_only_as_far_as_it_is_asked() -> None:
    body = urlset([f"http://h/{i}" for i in range(3)])[: -len(b"</urlset>")] + b"<url><loc>broken"
    found = Discovered(kind="unknown")
    stream: Iterator[Link | str] = stream_discovery(body, found)
    first = next(stream)
    assert isinstance(first, Link) and first.url == "http://h/0"
    assert found.kind == "urlset" and found.error is None and not found.links  # the broken tail not reached
    rest = list(stream)
    assert [x.url for x in rest if isinstance(x, Link)] == ["http://h/1", "http://h/2"]
    assert found.error is not None and found.error.startswith("malformed XML")


def test_stream_discovery_yields_child_sitemaps_of_an_index_as_urls() -> None:
    child = "http://h/child-1.xml"
    body = (f"<sitemapindex xmlns='{NS}'><sitemap><loc>{child}</loc></sitemap></sitemapindex>").encode()
    found = Discovered(kind="unknown")
    assert list(stream_discovery(body, found)) == [child] and found.kind == "sitemapindex"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(st.binary(max_size=2000), st.lists(st.sampled_from([
    b"<?xml version='1.0'?>", b"<urlset>", b"<url>", b"<loc>", b"</loc>", b"</url>", b"</urlset>",
    b"<sitemapindex>", b"<sitemap>", b"</sitemap>", b"<rss>", b"<item>", b"<link>", b"</link>", b"</item>",
    b"<feed>", b"<entry>", b"</entry>", b"http://x/a", b" ", b"&bogus;", b"{", b'"items":[{"url":"http://x/j"}]',
    b"}", b"\x1f\x8b",
]), max_size=60).map(b"".join)))
def test_stream_discovery_reads_what_parse_discovery_reads(body: bytes) -> None:
    """Same entries in the same order, same kind, same error: the Frontier's lazy reading loses nothing."""
    whole = parse_discovery(body)
    found = Discovered(kind="unknown")
    entries = list(stream_discovery(body, found))
    assert [e for e in entries if isinstance(e, Link)] == whole.links
    assert [e for e in entries if isinstance(e, str)] == whole.sitemaps
    assert (found.kind, found.error) == (whole.kind, whole.error)
