"""Source registry, the title filter, per-source fixture replicas (pure pipeline and a real crawl)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from crawler.core.process import process_page
from crawler.core.sources import (
    BUILTIN_SOURCES,
    check_document,
    load_sources,
    rebase,
    title_may_be_relevant,
)
from storage.models import Article, Document, Source
from tests.conftest import REPO, shared_path
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FIXTURES = REPO / "tests" / "fixtures" / "sources"
REGISTRY = load_sources()
REGISTRIES = load_registries()
DIALOGUES = REGISTRIES.dialogues


def expected(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))


def newsarchive(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


@pytest.fixture(scope="module")
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer(FIXTURES) as server:
        yield server


# -- registry --------------------------------------------------------------------------------------
def test_builtin_registry_is_valid_and_has_the_21_sources() -> None:
    assert check_document(json.loads(BUILTIN_SOURCES.read_text(encoding="utf-8"))) == []
    assert len(REGISTRY) == 21
    ani = REGISTRY.get("ANI")
    assert ani.country == "IN" and str(ani.zone()) == "Asia/Kolkata" and ani.agency.value == "ANI"
    assert REGISTRY.for_url("https://www.aninews.in/news/world/us/x20240101000000/") is ani
    # thin facts stay thin: MENAFN's zone is unknown, every feed of it a guess
    menafn = REGISTRY.get("menafn")
    assert menafn.timezone.value is None and menafn.timezone.confidence == "unknown"
    assert {ep.confidence for ep in menafn.endpoints()} == {"guess"}


def test_check_reports_one_line_per_problem() -> None:
    doc = json.loads(BUILTIN_SOURCES.read_text(encoding="utf-8"))
    bad = doc["sources"][1]
    bad["article_patterns"][0]["pattern"] = "^/news/(unclosed"
    bad["timezone"]["value"] = "Asia/Atlantis"
    bad["discovery"][0]["url"] = "not a url"
    problems = check_document(doc)
    assert len(problems) == 3
    assert any("does not compile" in p for p in problems)
    assert any("Asia/Atlantis" in p for p in problems)
    assert any("does not parse" in p for p in problems)


def test_sources_cli_list_show_check(tmp_path: Path) -> None:
    out = newsarchive("sources", "list")
    assert out.returncode == 0, out.stderr
    assert "reuters" in out.stdout and "confidence" in out.stdout and "(guess)" in out.stdout
    show = newsarchive("sources", "show", "yonhap")
    assert show.returncode == 0 and "Asia/Seoul [high]" in show.stdout and "[dead]" in show.stdout
    unknown = newsarchive("sources", "show", "nosuch")
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    assert newsarchive("sources", "check").returncode == 0
    doc = json.loads(BUILTIN_SOURCES.read_text(encoding="utf-8"))
    doc["sources"][0]["timezone"] = {"value": "Mars/Olympus", "confidence": "guess"}
    doc["sources"][2]["article_patterns"][0]["pattern"] = "^/(("
    broken = tmp_path / "sources.json"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    res = newsarchive("sources", "check", str(broken))
    assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 2


def test_rebase_and_article_match_below_a_test_base() -> None:
    ani = REGISTRY.get("ani")
    assert rebase("https://www.aninews.in/sitemap-news.xml?x=1", "http://127.0.0.1:9/ani") == \
        "http://127.0.0.1:9/ani/sitemap-news.xml?x=1"
    url = "http://127.0.0.1:9/ani/news/world/us/slug20240101120000/"
    assert ani.is_article(url, "http://127.0.0.1:9/ani")
    assert not ani.is_article(url, "http://127.0.0.1:9/other")
    assert not ani.is_article("http://127.0.0.1:9/ani/topic/india/", "http://127.0.0.1:9/ani")


# -- title filter ----------------------------------------------------------------------------------
def test_title_filter_never_skips_a_gold_dialogue_page() -> None:
    rows = [json.loads(line) for line in (REPO / "crawler" / "app" / "demo" / "gold.jsonl").read_text().splitlines()]
    shared = shared_path("data", "wire-sites-dev", "gold.jsonl")
    rows += [json.loads(line) for line in shared.read_text().splitlines() if line.strip()]
    dialogue = [r for r in rows if r["topic"] != "unrelated"]
    unrelated = [r for r in rows if r["topic"] == "unrelated"]
    assert len(dialogue) >= 130
    assert [r["title"] for r in dialogue if not title_may_be_relevant(r["title"], DIALOGUES)] == []
    skipped = sum(not title_may_be_relevant(r["title"], DIALOGUES) for r in unrelated)
    assert skipped >= len(unrelated) * 0.8  # it does skip the obvious ones (15 of 16 measured)


def test_title_filter_keeps_empty_titles_and_two_country_headlines() -> None:
    assert title_may_be_relevant(None, DIALOGUES) and title_may_be_relevant("  ", DIALOGUES)
    assert title_may_be_relevant("India and Japan in Tokyo", DIALOGUES)
    assert not title_may_be_relevant("Sensex climbs 300 points as IT stocks rally", DIALOGUES)


# -- per-source fixtures: the pure pipeline with each source's country, zone and agency ----------
@pytest.mark.parametrize("name", REGISTRY.names())
def test_fixture_article_extracts_with_the_source_facts(name: str) -> None:
    source = REGISTRY.get(name)
    exp = expected(name)
    path = exp["article"].split("?")[0]
    server = FixtureServer(FIXTURES)  # not started: only resolves paths
    file = server.resolve(f"/{name}{path}")
    assert file is not None, f"fixture page missing for {name}"
    base = "http://127.0.0.1:1"
    url = f"{base}/{name}{exp['article']}"
    assert source.is_article(url, f"{base}/{name}")
    page = process_page(file.read_bytes().replace(b"{{BASE}}", base.encode()), url,
                        REGISTRIES.context_for(url, source.name))
    assert page.topic.topic == "dialogue_event", page.topic.reasons
    assert page.agency == exp["agency"]
    dl = page.clean.dateline
    assert (dl.city if dl else None) == exp["dateline_city"]


# -- a real crawl of every fixture source -----------------------------------------------------------
def test_crawl_all_fixture_sources(sqlite_url: str, fixture_server: FixtureServer, tmp_path: Path) -> None:
    base = fixture_server.base_url
    bases = {name: f"{base}/{name}" for name in REGISTRY.names()}
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    res = newsarchive(
        "--database", sqlite_url, "crawl", "--all", "--no-progress",
        "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}", "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false",
        "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=false",
        "-s", "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE=1.0", "-s", "NEWSARCHIVE_MONITOR_MIN_COVERAGE_PUBLISHED=0",
        *INLINE_EXTRACTION,
    )
    assert "Traceback" not in res.stderr
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.url, Document.published_at, Document.published_offset_minutes, Source.name,
                   Source.kind, Source.country, Article.agency, Article.dateline_city, Article.event_id)
            .join(Source, Source.id == Document.source_id).join(Article, Article.id == Document.article_id)
        ).all()
    engine.dispose()
    by_source = {r.name: r for r in rows}
    for name in REGISTRY.names():
        exp = expected(name)
        if exp.get("no_discovery"):
            assert name not in by_source  # nothing to discover it from: said so in the registry
            continue
        assert name in by_source, f"{name} not archived: {res.stdout}\n{res.stderr[-2000:]}"
        r = by_source[name]
        source = REGISTRY.get(name)
        assert r.kind == source.kind and r.country == source.country
        assert r.url.endswith(exp["article"]) or r.url.endswith(exp["article"] + "/")
        assert r.agency == exp["agency"], name
        assert r.dateline_city == exp["dateline_city"], name
        assert r.event_id is not None, name
        if "published_utc" in exp:
            want = datetime.fromisoformat(exp["published_utc"].replace("Z", "+00:00"))
            got = r.published_at.replace(tzinfo=UTC) if r.published_at.tzinfo is None else r.published_at
            assert abs((got - want).total_seconds()) < 1, (name, got, want)
            assert r.published_offset_minutes == exp["offset_minutes"], name
        else:
            local = r.published_at.replace(tzinfo=UTC) + timedelta(minutes=r.published_offset_minutes or 0)
            assert local.date().isoformat() == exp["published_date"], name  # day precision, venue-local day


def test_user_registry_file_adds_and_replaces_sources_without_code(tmp_path: Path) -> None:
    """$NEWSARCHIVE_SOURCES names extra registry files: a new source appears, a same-named one replaces."""
    builtin = json.loads((REPO / "crawler" / "data" / "sources.json").read_text(encoding="utf-8"))
    mea = next(s for s in builtin["sources"] if s["name"] == "mea")
    added = {**mea, "name": "example-gov", "title": "Example Ministry", "domains": ["gov.example.org"],
             "discovery": [{"type": "feed", "url": "https://gov.example.org/rss.xml", "confidence": "high"}]}
    replaced = {**mea, "title": "MEA (local override)"}
    user_file = tmp_path / "my-sources.json"
    user_file.write_text(json.dumps({**builtin, "sources": [added, replaced]}), encoding="utf-8")
    env = {"NEWSARCHIVE_SOURCES": str(user_file)}
    registry = load_registries(env).sources
    assert "example-gov" in registry.names() and len(registry) == len(builtin["sources"]) + 1
    proc = forkcli.run(["sources", "show", "mea"], capture_output=True, text=True, check=False,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    assert "MEA (local override)" in proc.stdout


# -- per-source politeness, measured on the server side ----------------------------------------------
class TimedServer(FixtureServer):
    """A FixtureServer that records when each GET arrived."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.hits: list[tuple[float, str]] = []

    def _count(self, url_path: str) -> None:
        super()._count(url_path)
        self.hits.append((time.monotonic(), url_path))


def _listing_source(template: dict, name: str, delay: float, concurrency: int) -> dict:
    return {**template, "name": name, "domains": [f"{name}.example.org"],
            "discovery": [{"type": "listing", "url": f"https://{name}.example.org/list/", "confidence": "high"}],
            "article_patterns": [{"pattern": r"^/story/\d+/$", "confidence": "high"}],
            "politeness": {"download_delay": delay, "concurrency": concurrency}}


def test_registry_politeness_applies_per_source_in_a_real_crawl(tmp_path: Path) -> None:
    """A source with a 0.5 s delay is fetched >= 0.45 s apart even with AutoThrottle on (it would lower the
    delay towards DOWNLOAD_DELAY=0 on a fast server) and jitter (default ±50 %); a source with delay 0
    beside it in the same crawl is fetched back to back."""
    site = tmp_path / "site"
    stories = 8
    for name in ("slow", "fast"):
        (site / name / "list").mkdir(parents=True)
        links = "".join(f'<a href="/{name}/story/{i}/">story {i}</a>' for i in range(stories))
        (site / name / "list" / "index.html").write_text(f"<html><body>{links}</body></html>", encoding="utf-8")
        for i in range(stories):
            (site / name / "story" / str(i)).mkdir(parents=True)
            (site / name / "story" / str(i) / "index.html").write_text(
                f"<html><head><title>Weather {i}</title></head><body><p>Rain today, {i} mm.</p></body></html>",
                encoding="utf-8")
    builtin = json.loads(BUILTIN_SOURCES.read_text(encoding="utf-8"))
    dhs = next(s for s in builtin["sources"] if s["name"] == "dhs")
    registry = tmp_path / "polite.json"
    registry.write_text(json.dumps({**builtin, "sources": [_listing_source(dhs, "slow", 0.5, 1),
                                                           _listing_source(dhs, "fast", 0, 4)]}), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'polite.db'}"
    env = {**os.environ, "NEWSARCHIVE_SOURCES": str(registry)}
    cli = ["--database", db]
    assert forkcli.run([*cli, "db", "upgrade"], capture_output=True, cwd=REPO, env=env).returncode == 0
    server = TimedServer(site)
    with server:
        bases = {n: f"{server.base_url}/{n}" for n in ("slow", "fast")}
        res = forkcli.run([*cli, "crawl", "slow", "fast", "--no-progress", "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}",
             "-s", "ROBOTSTXT_OBEY=false", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=true",
             *INLINE_EXTRACTION],
            capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
        hits = list(server.hits)
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    times = {n: [t for t, path in hits if path.startswith(f"/{n}/")] for n in ("slow", "fast")}
    assert len(times["slow"]) == len(times["fast"]) == stories + 1  # the listing and its stories
    slow_gaps = [b - a for a, b in zip(times["slow"], times["slow"][1:], strict=False)]
    fast_gaps = [b - a for a, b in zip(times["fast"], times["fast"][1:], strict=False)]
    # The server stamps a hit when its handler runs: on a loaded machine one request can reach the handler late
    # and shorten the next gap, so the delay is judged on the median gap, with a floor on the shortest.
    assert statistics.median(slow_gaps) >= 0.45 and min(slow_gaps) >= 0.25, slow_gaps
    assert min(fast_gaps) < 0.1 and sum(fast_gaps) < sum(slow_gaps) / 2, (fast_gaps, slow_gaps)


# -- guessed discovery endpoints that 404 do not fail the error-rate monitor ---------------------------
def test_discovery_not_found_is_counted_apart_from_http_errors() -> None:
    from crawler.shell.monitors import Thresholds, check_error_rate
    from storage.runs import DISCOVERY_NOT_FOUND, http_error_count

    stats = {"downloader/request_count": 20, "downloader/response_status_count/404": 9,
             "downloader/response_status_count/500": 1, DISCOVERY_NOT_FOUND: 8}
    assert http_error_count(stats) == 2  # one article 404 and the 500 stay errors
    verdict = check_error_rate(stats, Thresholds(max_error_rate=0.25, min_requests=10))
    assert verdict.passed and verdict.value == round(2 / 12, 4)
    assert http_error_count({**stats, DISCOVERY_NOT_FOUND: 0}) == 10


def test_crawl_with_guessed_endpoints_passes_its_monitors(sqlite_url: str, fixture_server: FixtureServer) -> None:
    """ANI's registry lists six guessed RSS feeds and a guessed listing; its replica has none of them (404),
    as the real site. With the default monitor thresholds the run is ok; the misses are counted per source."""
    from storage.models import CrawlRun

    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    guessed = [ep for ep in REGISTRY.get("ani").endpoints() if ep.confidence == "guess"]
    assert len(guessed) >= 5
    res = newsarchive(
        "--database", sqlite_url, "crawl", "ani", "--no-progress",
        "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps({'ani': fixture_server.base_url + '/ani'})}",
        "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0",
        "-s", "ROBOTSTXT_OBEY=false", "-s", "NEWSARCHIVE_MONITOR_MIN_REQUESTS=5", *INLINE_EXTRACTION,
    )
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert run is not None
    stats = run.stats or {}
    assert stats.get("newsarchive/discovery/failed/ani", 0) >= len(guessed), stats
    assert stats.get("newsarchive/discovery/not_found", 0) >= len(guessed)
    assert stats.get("downloader/response_status_count/404", 0) >= len(guessed)
    assert run.monitor_results["error_rate"]["passed"], run.monitor_results
    assert run.http_errors == 0 and run.status == "ok", (run.monitor_results, res.stderr[-2000:])
    assert res.returncode == 0


# -- the Scrapy entry point ---------------------------------------------------------------------------
def test_scrapy_crawl_newsarchive_sources_entry_point_archives(sqlite_url: str, fixture_server: FixtureServer) -> None:
    """`scrapy crawl newsarchive -a sources=NAME,NAME` from the repository root (scrapy.cfg) archives like
    `newsarchive crawl`: rows land with the registry's name, kind and country."""
    assert newsarchive("--database", sqlite_url, "db", "upgrade").returncode == 0
    names = ["ani", "dhs"]
    bases = {n: f"{fixture_server.base_url}/{n}" for n in names}
    res = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "newsarchive", "-a", f"sources={','.join(names)}",
         "-s", f"NEWSARCHIVE_DATABASE_URL={sqlite_url}", "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}",
         "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0",
         "-s", "ROBOTSTXT_OBEY=false", "-s", "LOG_LEVEL=WARNING", *INLINE_EXTRACTION],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-3000:]
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Source.name, Source.kind, Source.country, Document.url, Article.event_id)
            .join(Document, Document.source_id == Source.id).join(Article, Article.id == Document.article_id)
        ).all()
    engine.dispose()
    archived = {r.name: r for r in rows}
    assert sorted(archived) == names
    for name in names:
        r, source = archived[name], REGISTRY.get(name)
        assert (r.kind, r.country) == (source.kind, source.country)
        assert r.url.rstrip("/").endswith(expected(name)["article"].rstrip("/")) and r.event_id is not None
