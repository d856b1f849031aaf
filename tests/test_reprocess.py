"""Reprocessing: after a rule change, re-deriving from stored raw HTML updates exactly the affected rows,
and a second run changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

import crawler.core.events.facts.round_dates as facts_module
import crawler.core.normalize.body as body_module
import crawler.shell.reprocess as reprocess_module
from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from crawler.core.process import process_page
from crawler.shell.reprocess import Deriver, run_reprocess
from storage.archive import Archive
from storage.db import make_engine
from storage.dedup import Fingerprint
from storage.models import Article, ArticleBand, Document, Event, EventAlias
from storage.records import DocumentRecord
from tests.conftest import REPO
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FIXTURES = REPO / "tests" / "fixtures" / "sources"
CRAWLED = ("menafn", "ians", "ani", "dhs", "yonhap")


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with FixtureServer(FIXTURES) as s:
        yield s


def _crawl(url: str, server: FixtureServer) -> None:
    bases = {n: f"{server.base_url}/{n}" for n in CRAWLED}
    res = forkcli.run(["--database", url, "crawl", *CRAWLED, "--no-progress",
         "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}", "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false",
         "-s", "ROBOTSTXT_OBEY=false", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false",
         "-s", "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE=1.0", *INLINE_EXTRACTION],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert "Traceback" not in res.stderr, res.stderr[-2000:]


def _snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        docs = [tuple(r) for r in conn.execute(select(
            Document.id, Document.title, Document.published_at, Document.published_offset_minutes,
            Document.topic, Document.extractor_version, Document.processed_at).order_by(Document.id))]
        arts = {r.id: r._asdict() for r in conn.execute(select(
            Article.id, Article.agency, Article.agency_source, Article.dateline_city, Article.event_id,
            Article.topic, Article.relation))}
    engine.dispose()
    return {"docs": docs, "arts": arts}


def test_reprocess_after_a_rule_change_updates_only_affected_rows(
    archive_url: str, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crawl(archive_url, server)
    before = _snapshot(archive_url)
    assert len(before["arts"]) == len(CRAWLED)
    engine = make_engine(archive_url)
    registries = load_registries()

    # with unchanged rules, reprocessing changes nothing
    unchanged = run_reprocess(engine, registries, batch_size=2)
    assert unchanged.documents_seen == len(CRAWLED) and unchanged.batches == 3
    assert unchanged.documents_changed == 0 and unchanged.articles_changed == 0 and not unchanged.fields
    assert _snapshot(archive_url) == before

    # the workers start only after `pool_after` pages were derived inline; what they derive is the same
    with Deriver(registries, workers=1, pool_after=2) as lazy:
        pooled = run_reprocess(engine, registries, batch_size=2, deriver=lazy)
        assert lazy.workers_started == 1 and 2 <= lazy.derived_inline < len(CRAWLED)
    with Deriver(registries, workers=1, pool_after=len(CRAWLED)) as never:
        inline = run_reprocess(engine, registries, batch_size=2, deriver=never)
        assert never.workers_started == 0
    for result in (pooled, inline):
        assert result.documents_seen == len(CRAWLED) and result.documents_changed == 0 and not result.fields
    assert _snapshot(archive_url) == before

    # a rule change: the agency normaliser now spells IANS differently
    original = reprocess_module.process_page

    def renamed_ians(*args: Any, **kwargs: Any) -> Any:
        page = original(*args, **kwargs)
        if page.agency == "IANS":
            page.agency = "IANS-news"
        return page

    monkeypatch.setattr(reprocess_module, "process_page", renamed_ians)
    changed = run_reprocess(engine, registries, batch_size=2)
    assert dict(changed.fields) == {"articles.agency": 2}  # the MENAFN copy and the IANS page
    after = _snapshot(archive_url)
    assert after["docs"] == before["docs"]
    diff = {aid for aid in before["arts"] if before["arts"][aid] != after["arts"][aid]}
    assert len(diff) == 2
    for aid in diff:
        assert before["arts"][aid]["agency"] == "IANS" and after["arts"][aid]["agency"] == "IANS-news"
        assert {k: v for k, v in before["arts"][aid].items() if k != "agency"} == \
            {k: v for k, v in after["arts"][aid].items() if k != "agency"}

    # idempotent: a second run under the same rules changes nothing
    again = run_reprocess(engine, registries, batch_size=2)
    assert again.documents_changed == 0 and again.articles_changed == 0 and not again.fields
    assert _snapshot(archive_url) == after
    engine.dispose()


def test_reprocess_cli_filters_by_source_and_reports(sqlite_url: str, server: FixtureServer) -> None:
    run = ["--database", sqlite_url]
    assert forkcli.run([*run, "db", "upgrade"], capture_output=True, cwd=REPO).returncode == 0
    _crawl(sqlite_url, server)
    res = forkcli.run([*run, "reprocess", "--source", "ani", "--since", "2024-01-01", "--workers", "1"],
                         capture_output=True, text=True, timeout=60, cwd=REPO)
    assert res.returncode == 0, res.stderr
    # derived in an extraction worker process: the same as the crawl's inline derivation (nothing changes)
    assert res.stdout.startswith("reprocessed 1 documents in 1 batches: 0 documents and 0 articles changed")
    assert "documents/s, 1 extraction workers)" in res.stdout.splitlines()[0]
    bad = forkcli.run([*run, "reprocess", "--since", "yesterday"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1


def _events(url: str) -> tuple[dict[int, str], dict[str, int], dict[int, int | None]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        events = {int(r.id): r.event_key for r in conn.execute(select(Event.id, Event.event_key))}
        aliases = {r.alias_key: int(r.event_id) for r in conn.execute(select(EventAlias.alias_key, EventAlias.event_id))}
        arts = {int(r.id): r.event_id for r in conn.execute(select(Article.id, Article.event_id))}
    engine.dispose()
    return events, aliases, arts


def _shift_key(key: str, days: int) -> str:
    head, start = key.rsplit(":", 1)
    return f"{head}:{(date.fromisoformat(start) + timedelta(days=days)).isoformat()}"


def test_reprocess_rekeys_an_event_whose_start_date_a_rule_change_moved(
    archive_url: str, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A date rule now reads every round as 5 days later (beyond the same-round window): each event keeps
    its id, takes the new key, its old key becomes an alias, and the report counts the re-keys. Undoing the
    rule moves the keys back (the aliases swap)."""
    _crawl(archive_url, server)
    events, aliases, arts = _events(archive_url)
    assert events and not aliases
    engine = make_engine(archive_url)
    registries = load_registries()
    original = facts_module.pick_date

    def later(candidates: Any) -> Any:
        mention = original(candidates)
        if mention is None:
            return None
        return replace(mention, first=mention.first + timedelta(days=5), last=mention.last + timedelta(days=5))

    monkeypatch.setattr(facts_module, "pick_date", later)
    moved = run_reprocess(engine, registries)
    events2, aliases2, arts2 = _events(archive_url)
    assert arts2 == arts and set(events2) == set(events)  # same events, same articles on them
    assert events2 == {i: _shift_key(k, 5) for i, k in events.items()}
    assert aliases2 == {k: i for i, k in events.items()}
    assert moved.events_rekeyed == len(events) and moved.events_new == 0
    assert sorted(moved.rekeyed) == sorted((k, _shift_key(k, 5)) for k in events.values())
    assert moved.fields["articles.event_id"] == 0

    again = run_reprocess(engine, registries)
    assert again.events_rekeyed == 0 and again.documents_changed == 0 and again.articles_changed == 0
    assert not again.fields and _events(archive_url) == (events2, aliases2, arts2)

    monkeypatch.setattr(facts_module, "pick_date", original)
    back = run_reprocess(engine, registries)
    events3, aliases3, _ = _events(archive_url)
    assert back.events_rekeyed == len(events) and events3 == events
    assert aliases3 == {k: i for i, k in events2.items()}
    engine.dispose()


# -- a rule change that changes clean text: dedup stays consistent ----------------------------------------
NOTE = "Reader note: the Harbour Dispatch desk trims every agency story it republishes for length and style."
STORY = [
    "Officials from the two coastal states met on Tuesday to review fishing licences along the shared bay.",
    "The delegations agreed to publish a joint catch register before the monsoon season begins next year.",
    "A technical committee will meet again in the spring to settle the remaining questions on net sizes.",
]
OTHER = [
    "The city council approved a new cycle lane network covering the old market and the railway district.",
    "Work on the first section starts in March, and the council expects the whole network to open by autumn.",
    "Shopkeepers asked for loading bays to stay open in the mornings, which the plan now allows.",
]


def _page(url: str, published: str, paragraphs: list[str]) -> DocumentRecord:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (f'<html><head><title>{paragraphs[0][:40]}</title><meta property="article:published_time" '
            f'content="{published}"></head><body><article><h1>{paragraphs[0][:40]}</h1>{body}</article>'
            "</body></html>").encode()
    page = process_page(html, url, load_registries().context_for(url, fetched_at=datetime(2024, 6, 1, tzinfo=UTC)))
    return page.to_record(status=200, raw_html=html)


def _articles(url: str) -> tuple[dict[int, str], dict[int, int], dict[int, list[int]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        hashes = {int(r.id): r.content_hash for r in conn.execute(select(Article.id, Article.content_hash))}
        docs = {int(r.id): int(r.article_id) for r in conn.execute(select(Document.id, Document.article_id))}
        bands: dict[int, list[int]] = {}
        for r in conn.execute(select(ArticleBand.article_id, ArticleBand.band, ArticleBand.hash)
                              .order_by(ArticleBand.article_id, ArticleBand.band)):
            bands.setdefault(int(r.article_id), []).append(int(r.hash))
    engine.dispose()
    return hashes, docs, bands


def test_reprocess_applies_a_new_disclaimer_rule_with_the_crawl_dedup(
    archive_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies carried a reader note (not a known disclaimer when archived), published 10 days after
    the original (outside the near-duplicate window): they formed their own article. A new disclaimer
    rule strips the note: both copies move to the original's article, the emptied article is removed; an
    article whose only text changed keeps its id and takes the new text (hash, body, LSH bands); raw HTML
    is untouched; a re-crawled copy now lands on the same article; a second run changes nothing."""
    engine = make_engine(archive_url)
    archive = Archive(engine)
    archive.write_batch([
        _page("https://one.example.org/story/1", "2024-05-01T09:00:00+00:00", STORY),
        _page("https://two.example.org/story/1", "2024-05-11T09:00:00+00:00", [*STORY, NOTE]),
        _page("https://three.example.org/story/1", "2024-05-12T09:00:00+00:00", [*STORY, NOTE]),
        _page("https://two.example.org/story/2", "2024-05-12T09:00:00+00:00", [*OTHER, NOTE]),
    ])
    hashes, docs, _ = _articles(archive_url)
    assert len(hashes) == 3 and docs[2] == docs[3] != docs[1]
    original_article, noted_article, other_article = docs[1], docs[2], docs[4]
    with engine.connect() as conn:
        raw_before = conn.execute(select(Document.id, Document.raw_html).order_by(Document.id)).all()

    monkeypatch.setattr(body_module, "DISCLAIMER_RE",
                        re.compile(rf"(?:{body_module.DISCLAIMER_RE.pattern})|Reader note:", re.IGNORECASE))
    registries = load_registries()
    result = run_reprocess(engine, registries)
    hashes2, docs2, bands2 = _articles(archive_url)
    assert docs2 == {1: original_article, 2: original_article, 3: original_article, 4: other_article}
    assert set(hashes2) == {original_article, other_article} and noted_article not in hashes2  # removed
    assert result.documents_merged == 2 and result.articles_removed == 1 and result.articles_split == 0
    assert result.fields["documents.article_id"] == 2 and result.fields["articles.content_hash"] == 1
    new_other = _page("https://x.example.org/a", "2024-05-12T09:00:00+00:00", OTHER)
    assert hashes2[other_article] == new_other.content_hash != hashes[other_article]
    assert bands2[other_article] == list(Fingerprint.of(new_other.body).bands)
    with engine.connect() as conn:
        assert NOTE not in (conn.scalar(select(Article.body).where(Article.id == other_article)) or "")
        assert conn.execute(select(Document.id, Document.raw_html).order_by(Document.id)).all() == raw_before

    # dedup is consistent with a crawl under the new rule: another noted copy joins the original
    batch = archive.write_batch([_page("https://four.example.org/story/1", "2024-05-13T09:00:00+00:00",
                                       [*STORY, NOTE])])
    assert batch.articles_existing == 1 and batch.articles_new == 0
    again = run_reprocess(engine, registries)
    assert not again.fields and again.documents_merged == again.articles_removed == again.articles_split == 0
    assert _articles(archive_url)[0] == hashes2
    engine.dispose()


def test_reprocess_reads_a_relative_date_against_the_archived_last_modified(archive_url: str) -> None:
    """A page whose only date line is relative ("vor 3 Tagen") was dated by the crawl against the response's
    HTTP Last-Modified. The header is archived with the page (documents.http_last_modified), so reprocessing
    reads the line against the same reference: the publication day survives a rule change instead of
    turning NULL (it would without the header: no reference, no date)."""
    url = "https://www.example.de/politik/gespraeche-berlin"
    html = ('<html lang="de"><head><title>Gespräche in Berlin</title></head><body><h1>Gespräche in Berlin</h1>'
            '<span class="date">vor 3 Tagen</span>'
            f'{"".join(f"<p>{p}</p>" for p in OTHER)}</body></html>').encode()
    last_modified = datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    context = load_registries().context_for(url, fetched_at=datetime(2021, 5, 11, tzinfo=UTC),
                                            last_modified=last_modified)
    record = process_page(html, url, context).to_record(status=200, raw_html=html)
    assert record.published_at is not None and record.published_at.date() == date(2021, 5, 7)
    assert record.http_last_modified == last_modified
    engine = make_engine(archive_url)
    Archive(engine).write_batch([record])
    with engine.begin() as conn:  # as an older rule set would have left it: no date
        conn.execute(update(Document).values(published_at=None, published_source=None))
    result = run_reprocess(engine, load_registries())
    assert result.fields["documents.published_at"] == 1
    with engine.connect() as conn:
        row = conn.execute(select(Document.published_at, Document.published_source,
                                  Document.http_last_modified)).one()
    assert row.published_at.date() == date(2021, 5, 7) and row.published_source == "visible_text"
    assert row.http_last_modified == last_modified
    engine.dispose()
