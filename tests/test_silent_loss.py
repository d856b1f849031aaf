"""Issue 13, "silent loss": one bad entry, record or date never takes good work with it, and what it cost is
counted. Real CLI crawls against servers on 127.0.0.1, real SQLite files and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from crawler.core.discovery import parse_discovery, parse_iso_datetime
from crawler.core.plausible import DEFAULT_ERA_START, plausible_published, published_rejection
from crawler.core.process import process_page
from storage.archive import Archive
from storage.db import make_engine
from storage.limits import document_problems, max_length
from storage.models import Article, CrawlRun, Document, Event, FeedState, Source
from storage.records import DocumentRecord, EventFactsRecord
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.hostile_site import GOOD, SLUG_PAGE, YEAR_2031_PAGE, article_html

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "NEWSARCHIVE_EXTRACT_WORKERS=0"]
REGISTRIES = load_registries()
IST = timezone(timedelta(hours=5, minutes=30))


def newsarchive(*args: str) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True, timeout=240,
                          check=False)


def last_run(url: str) -> Any:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
    engine.dispose()
    return row


def migrated(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _sitemap(entries: list[tuple[str, str | None]]) -> str:
    out = []
    for loc, when in entries:
        news = (f"<news:news><news:publication><news:name>Wire</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{when}</news:publication_date>"
                f"<news:title>India, US hold dialogue</news:title></news:news>") if when else ""
        out.append(f"<url><loc>{loc}</loc>{news}</url>")
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + "".join(out) + "</urlset>")


def _write_pages(root: Path) -> list[str]:
    paths = []
    for page in GOOD:
        target = root / page.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article_html(page), encoding="utf-8")
        paths.append(page.path)
    return paths


# -- 1. one unusable link does not stop its feed ----------------------------------------------------------
@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_bad_scheme_links_are_skipped_and_counted_and_the_rest_is_read(sqlite_url: str, tmp_path: Path,
                                                                      kind: str) -> None:
    root = tmp_path / "site"
    paths = _write_pages(root)
    bad = ["javascript:void(0)", "mailto:desk@example.org", "tel:+911234567890"]
    links = [bad[0], *("{{BASE}}" + p for p in paths[:2]), bad[1], bad[2], *("{{BASE}}" + p for p in paths[2:])]
    if kind == "sitemap":
        (root / "discovery.xml").write_text(_sitemap([(u, None) for u in links]), encoding="utf-8")
    else:
        (root / "discovery.xml").write_text(
            "<?xml version='1.0'?><rss version='2.0'><channel><title>w</title>"
            + "".join(f"<item><title>t</title><link>{u}</link></item>" for u in links)
            + "</channel></rss>", encoding="utf-8")
    migrated(sqlite_url)
    with FixtureServer(root) as server:
        proc = newsarchive("--database", sqlite_url, "crawl", f"--{kind}", f"{server.base_url}/discovery.xml", *FAST)
        requested = set(server.requests)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(paths) <= requested, sorted(set(paths) - requested)  # every good article after the bad links
    run = last_run(sqlite_url)
    assert run.status == "ok"
    assert run.drop_reasons == {"bad_url": 3}
    assert run.items_archived == len(paths)
    assert not any(k.startswith("spider_exceptions/") for k in run.stats)


# -- 2. an out-of-range date with --since; validators only for a document read to the end -----------------
def test_out_of_range_dates_parse_as_unknown_not_as_a_crash() -> None:
    for raw in ("0001-01-01T00:00:00+05:30", "9999-12-31T23:59:59-05:00"):
        assert parse_iso_datetime(raw) is None
    found = parse_discovery(_sitemap([("http://x/a", "0001-01-01T00:00:00+05:30"),
                                      ("http://x/b", "2024-01-02T00:00:00Z")]).encode())
    assert [(link.url, link.published) for link in found.links] == [
        ("http://x/a", None), ("http://x/b", datetime(2024, 1, 2, tzinfo=UTC))]


def test_out_of_range_sitemap_date_with_since_loses_nothing_now_or_later(sqlite_url: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    paths = _write_pages(root)
    dates: list[str | None] = ["2024-02-28T14:30:00+05:30", "0001-01-01T00:00:00+05:30", "2024-08-20T17:45:00Z",
                               "9999-12-31T23:59:59-05:00", "2024-03-05T10:00:00Z", "2023-06-01T00:00:00Z"]
    (root / "news.xml").write_text(_sitemap([("{{BASE}}" + p, d) for p, d in zip(paths, dates, strict=True)]),
                                   encoding="utf-8")
    migrated(sqlite_url)
    with FixtureServer(root) as server:
        first = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{server.base_url}/news.xml",
                            "--since", "2024-01-01", *FAST)
        requested = set(server.requests)
    assert first.returncode == 0, first.stderr[-3000:]
    wanted = set(paths[:5])  # the 2023 story is before --since; the out-of-range ones are not known to be
    assert wanted <= requested, sorted(wanted - requested)
    assert paths[5] not in requested
    run = last_run(sqlite_url)
    assert run.stats["newsarchive/discovery/bad_date"] == 2
    assert run.stats["newsarchive/discovery/skipped/before_since"] == 1
    assert run.status == "ok" and run.items_archived == 5


def test_validators_are_stored_only_for_a_document_read_to_the_end(sqlite_url: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    paths = _write_pages(root)
    whole = _sitemap([("{{BASE}}" + p, None) for p in paths[:3]])
    (root / "whole.xml").write_text(whole, encoding="utf-8")
    cut = _sitemap([("{{BASE}}" + p, None) for p in paths[3:]])
    (root / "cut.xml").write_text(cut[: cut.index("</url>") + 20], encoding="utf-8")  # malformed after one entry
    migrated(sqlite_url)
    with FixtureServer(root) as server:
        proc = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{server.base_url}/whole.xml",
                           "--sitemap", f"{server.base_url}/cut.xml", *FAST)
        assert proc.returncode == 0, proc.stderr[-3000:]
        server.requests.clear()
        again = newsarchive("--database", sqlite_url, "crawl", "--sitemap", f"{server.base_url}/whole.xml",
                            "--sitemap", f"{server.base_url}/cut.xml", *FAST)
        assert again.returncode == 0, again.stderr[-3000:]
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        etags = {url.rsplit("/", 1)[1]: etag for url, etag in conn.execute(select(FeedState.url, FeedState.etag))}
    engine.dispose()
    assert etags["whole.xml"] is not None
    assert etags["cut.xml"] is None  # not read to the end: the next run reads it in full again
    assert last_run(sqlite_url).stats["newsarchive/conditional/not_modified"] == 1  # whole.xml only


# -- 3. one bad record is refused alone, identically on both databases -----------------------------------
def _record(i: int, **changes: Any) -> DocumentRecord:
    page = GOOD[i % len(GOOD)]
    base = DocumentRecord(
        url=f"https://wire.example/{i}", canonical_url=f"https://wire.example/{i}", source_domain="wire.example",
        source_name="Wire", fetched_at=datetime(2024, 12, 1, tzinfo=UTC), http_status=200, extractor_version="t",
        topic="dialogue_event", body="\n\n".join(page.paragraphs) + f" Story {i}.", content_hash=f"h{i}",
        title=page.title, published_at=datetime(2024, 2, 28, 10, 0, tzinfo=IST), published_source="meta",
        published_precision="datetime",
        event=EventFactsRecord(countries=("IND", "USA"), mechanism="homeland-security-dialogue", relation="report",
                               start_date=date(2024, 2, 27), date_rank=3),
    )
    return DocumentRecord(**{**base.__dict__, **changes})


def test_one_bad_record_never_rolls_back_its_batch(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    long_event = EventFactsRecord(countries=("IND", "JPN"), mechanism="x" * 121, relation="report",
                                  start_date=date(2024, 5, 27), date_rank=3)
    batch = [
        _record(0),
        _record(1, source_name="S" * 201),  # og:site_name over sources.name (PostgreSQL: "value too long")
        _record(2),
        _record(3, event=long_event),  # a mechanism slug over events.mechanism
        _record(4, published_at=datetime(1, 1, 2, tzinfo=UTC)),  # the near-duplicate window overflows
        _record(5, topic=None),  # refused by the database itself (NOT NULL): only this record
        _record(6),
    ]
    result = archive.write_batch(batch)
    assert result.dropped == {"too_long:sources.name": 1, "too_long:events.mechanism": 1, "write_failed": 1}
    with archive.engine.connect() as conn:
        urls = sorted(conn.scalars(select(Document.canonical_url)))
        names = list(conn.scalars(select(Source.name)))
    archive.engine.dispose()
    assert urls == [f"https://wire.example/{i}" for i in (0, 2, 4, 6)]
    assert names == ["Wire"]


def test_limits_are_the_models_column_lengths() -> None:
    limit = max_length(Source.name)
    assert limit is not None and limit == Source.__table__.c.name.type.length  # type: ignore[attr-defined]
    assert document_problems(_record(0, source_name="S" * limit)) == []
    assert document_problems(_record(0, source_name="S" * (limit + 1))) == ["too_long:sources.name"]
    assert max_length(Event.mechanism) is not None and max_length(Article.body) is None


# -- 4. implausible publication times ------------------------------------------------------------------
def test_plausible_window() -> None:
    fetched = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)
    assert plausible_published(datetime(2024, 11, 30, tzinfo=IST), fetched)
    assert plausible_published(fetched + timedelta(hours=23), fetched)
    assert published_rejection(fetched + timedelta(days=2), fetched) == "after_fetch:2024-12-01"
    assert published_rejection(datetime(1000, 1, 1, tzinfo=UTC), fetched) == "before_era:1990-01-01"
    assert published_rejection(datetime(1, 1, 1, tzinfo=IST), fetched) == "before_era:1990-01-01"  # pre-UTC range
    assert published_rejection(datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5))), fetched) \
        == "after_fetch:2024-12-01"
    assert date(1990, 1, 1) == DEFAULT_ERA_START
    assert not plausible_published(datetime(2001, 5, 1, tzinfo=UTC), fetched, date(2005, 1, 1))  # a source's era


def test_a_page_dated_in_the_future_keeps_no_date_and_creates_no_event_there() -> None:
    html = article_html(YEAR_2031_PAGE)
    before = process_page(html, "http://127.0.0.1/a.html", REGISTRIES.context_for("http://127.0.0.1/a.html"))  # no fetch time: nothing judged
    assert before.published is not None and before.published.value.year == 2031
    page = process_page(html, "http://127.0.0.1/a.html", REGISTRIES.context_for("http://127.0.0.1/a.html", fetched_at=datetime(2024, 6, 1, tzinfo=UTC)))
    assert page.published is None
    assert page.published_rejected is not None and page.published_rejected.startswith("after_fetch:2024-06-01")
    assert page.facts is None or page.facts.start_date is None or page.facts.start_date.year < 2031
    record = page.to_record(status=200, fetched_at=datetime(2024, 6, 1, tzinfo=UTC), raw_html=None)
    assert record.published_at is None and record.published_rejected == page.published_rejected


def test_implausible_date_is_archived_as_null_with_its_reason(archive_url: str) -> None:
    fetched = datetime(2024, 6, 1, tzinfo=UTC)
    page = process_page(article_html(YEAR_2031_PAGE), "http://127.0.0.1/a.html", REGISTRIES.context_for("http://127.0.0.1/a.html", fetched_at=fetched))
    archive = Archive(make_engine(archive_url))
    archive.write_batch([page.to_record(status=200, fetched_at=fetched, raw_html=None)])
    with archive.engine.connect() as conn:
        row = conn.execute(select(Document.published_at, Document.published_rejected)).one()
        keys = list(conn.scalars(select(Event.event_key)))
    archive.engine.dispose()
    assert row.published_at is None and row.published_rejected.startswith("after_fetch:")
    assert not any(":2031-" in k for k in keys)


# -- 5. exports never write over the archive, never leave half a file -------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return forkcli.run([*args], capture_output=True, text=True, timeout=120,
                          check=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_refuses_the_archive_and_its_other_names(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite3"
    url = migrated(f"sqlite:///{db}")
    archive = Archive(make_engine(url))
    archive.write_batch([_record(0)])
    archive.engine.dispose()
    before = _digest(db)
    os.link(db, tmp_path / "hard.sqlite3")
    (tmp_path / "soft.sqlite3").symlink_to(db)
    for target in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), tmp_path / "hard.sqlite3", tmp_path / "soft.sqlite3"):
        proc = _cli("--database", url, "export", "documents", "-o", str(target))
        assert proc.returncode != 0, target
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "archive" in proc.stderr
    assert _digest(db) == before
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Document)) == 1
    engine.dispose()


def test_export_to_a_full_device_is_one_line_and_a_file_appears_only_complete(tmp_path: Path) -> None:
    url = migrated(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    archive = Archive(make_engine(url))
    archive.write_batch([_record(0), _record(2)])
    archive.engine.dispose()
    if Path("/dev/full").exists():
        proc = _cli("--database", url, "export", "documents", "-o", "/dev/full")
        assert proc.returncode != 0
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr
    out = tmp_path / "out" / "documents.csv"
    out.parent.mkdir()
    out.write_text("previous export\n", encoding="utf-8")
    proc = _cli("--database", url, "export", "documents", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert sorted(p.name for p in out.parent.iterdir()) == ["documents.csv"]  # no temporary file left behind


# -- 6. the end-of-run step covers articles of interrupted runs ------------------------------------------
UNDATED_REPORT = (
    "<html><head><title>What the India-US Homeland Security Dialogue agreed</title>"
    "<meta property='article:published_time' content='2024-03-01T09:00:00+05:30'></head><body><article>"
    "<p>India and the United States agreed to deepen cooperation on cyber security and counter-terrorism at the "
    "Homeland Security Dialogue, officials said.</p><p>The two sides also agreed to share information on terror "
    "financing and to hold joint training for police officers, a fact sheet released by the home ministry "
    "said.</p></article></body></html>")


def test_end_of_run_step_attaches_articles_left_by_a_killed_run(archive_url: str) -> None:
    from crawler.shell.reprocess import reattach_unassigned

    fetched = datetime(2024, 3, 2, tzinfo=UTC)
    undated = process_page(UNDATED_REPORT, "http://127.0.0.1/fact-sheet.html", REGISTRIES.context_for("http://127.0.0.1/fact-sheet.html", fetched_at=fetched))
    dated = process_page(article_html(GOOD[0]), "http://127.0.0.1" + GOOD[0].path, REGISTRIES.context_for("http://127.0.0.1" + GOOD[0].path, fetched_at=fetched))
    assert undated.facts is not None and undated.facts.start_date is None
    archive = Archive(make_engine(archive_url))
    killed = archive.start_run("generic", {})  # killed -9 after its batches: never finished
    archive.write_batch([undated.to_record(status=200, fetched_at=fetched, raw_html=UNDATED_REPORT.encode())],
                        crawl_run_id=killed)
    archive.write_batch([dated.to_record(status=200, fetched_at=fetched, raw_html=None)], crawl_run_id=killed)
    rerun = archive.start_run("generic", {})  # the rerun archives nothing new (every URL is known)
    attached = reattach_unassigned(archive.engine, rerun, REGISTRIES)
    with archive.engine.connect() as conn:
        unassigned = conn.scalar(select(func.count()).select_from(Article).where(Article.event_id.is_(None)))
    archive.engine.dispose()
    assert attached == 1
    assert unassigned == 0


# the slug page is the one hostile page whose facts key an over-long event
def test_the_over_long_slug_page_breaks_the_mechanism_limit() -> None:
    page = process_page(article_html(SLUG_PAGE), "http://127.0.0.1" + SLUG_PAGE.path, REGISTRIES.context_for("http://127.0.0.1" + SLUG_PAGE.path))
    record = page.to_record(status=200, fetched_at=datetime(2024, 6, 1, tzinfo=UTC), raw_html=None)
    assert document_problems(record) == ["too_long:events.mechanism"]


def test_a_source_may_set_its_own_era(tmp_path: Path) -> None:
    import json

    from crawler.core.sources import check_document, load_sources

    document = json.loads((Path(__file__).resolve().parents[1] / "crawler" / "data" / "sources.json").read_text())
    first = document["sources"][0]
    first["era_start"] = "2005-01-01"
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    source = load_sources(path).get(first["name"])
    assert source.era_start == date(2005, 1, 1)
    assert not plausible_published(datetime(2001, 5, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), source.era_start)
    first["era_start"] = "the nineties"
    assert any("era_start" in p for p in check_document(document))


def test_an_undated_page_of_a_finished_run_meets_the_round_a_later_run_dates(archive_url: str) -> None:
    """Monday's crawl archives a fact sheet that names the round but no date (nothing to join yet; undated facts
    never create an event); Thursday's crawl archives the dated report: the end-of-run step of the second run
    attaches the first run's article. A waiting article of another block stays waiting."""
    from crawler.shell.reprocess import reattach_unassigned
    from storage.runs import close_run

    fetched = datetime(2024, 3, 2, tzinfo=UTC)
    undated = process_page(UNDATED_REPORT, "http://127.0.0.1/fact-sheet.html", REGISTRIES.context_for("http://127.0.0.1/fact-sheet.html", fetched_at=fetched))
    other_html = UNDATED_REPORT.replace("India-US Homeland Security Dialogue", "India-Japan 2+2 Ministerial Dialogue").replace(
        "the United States", "Japan").replace("Homeland Security Dialogue", "India-Japan 2+2 Ministerial Dialogue")
    other = process_page(other_html, "http://127.0.0.1/other.html", REGISTRIES.context_for("http://127.0.0.1/other.html", fetched_at=fetched))
    dated = process_page(article_html(GOOD[0]), "http://127.0.0.1" + GOOD[0].path, REGISTRIES.context_for("http://127.0.0.1" + GOOD[0].path, fetched_at=fetched))
    assert undated.facts is not None and undated.facts.start_date is None
    assert other.facts is not None and other.facts.start_date is None and other.facts.countries == ("IND", "JPN")
    archive = Archive(make_engine(archive_url))
    monday = archive.start_run("generic", {})
    archive.write_batch([undated.to_record(status=200, fetched_at=fetched, raw_html=UNDATED_REPORT.encode()),
                         other.to_record(status=200, fetched_at=fetched, raw_html=other_html.encode())],
                        crawl_run_id=monday)
    assert reattach_unassigned(archive.engine, monday, REGISTRIES) == 0  # no round of either block yet
    close_run(archive.engine, monday, finish_reason="finished", items_archived=2, stats={}, status="finished",
              monitor_results=None)
    thursday = archive.start_run("generic", {})
    archive.write_batch([dated.to_record(status=200, fetched_at=fetched, raw_html=None)], crawl_run_id=thursday)
    attached = reattach_unassigned(archive.engine, thursday, REGISTRIES)
    with archive.engine.connect() as conn:
        waiting = conn.scalars(select(Document.canonical_url).join(Article, Article.id == Document.article_id)
                               .where(Article.event_id.is_(None))).all()
    archive.engine.dispose()
    assert attached == 1
    assert [url.rsplit("/", 1)[-1] for url in waiting] == ["other.html"]
