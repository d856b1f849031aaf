"""Storage on a real SQLite file and a real PostgreSQL: migrations, batch writes, dedup, event assignment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.archive import Archive, decompress_html
from storage.db import DatabaseConfigError, make_engine, mask_url, resolve_database_url
from storage.models import Article, Base, CrawlRun, Document, Event, EventAlias, SeenUrl, Source, table_of
from storage.records import DocumentRecord, EventFactsRecord, RejectedUrl
from storage.schema import (
    SchemaError,
    include_in_autogenerate,
    require_current_schema,
    schema_status,
    upgrade,
)

IST = timezone(timedelta(hours=5, minutes=30))


def doc(n: int, *, content: str = "a", event: EventFactsRecord | None = None, topic: str = "dialogue_event",
        published: datetime | None = None, host: str = "example.com") -> DocumentRecord:
    return DocumentRecord(
        url=f"https://{host}/story-{n}.html?utm_source=x",
        canonical_url=f"https://{host}/story-{n}.html",
        source_domain=host,
        fetched_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        http_status=200,
        extractor_version="t1",
        topic=topic,
        body=f"body of story {content}",
        content_hash=f"hash-{content}",
        title=f"Story {content}",
        published_at=published or datetime(2024, 2, 28, 20, 4, tzinfo=IST),
        published_source="jsonld",
        published_precision="datetime",
        raw_html=b"<html><body><p>hello</p></body></html>",
        agency="IANS",
        dateline_raw="New Delhi, Feb 28 (IANS)",
        dateline_city="New Delhi",
        dateline_country="IN",
        dateline_date=date(2024, 2, 28),
        relation=event.relation if event else None,
        event=event,
    )


def hsd(start: date | None, *, rank: int = 3, relation: str = "report", end: date | None = None) -> EventFactsRecord:
    return EventFactsRecord(
        countries=("USA", "IND"), mechanism="homeland-security-dialogue", relation=relation,
        series_name="India-US Homeland Security Dialogue", start_date=start, end_date=end, date_rank=rank,
        venue_city="New Delhi", venue_country="IN",
        co_chairs=[{"name": "Ajay Bhalla", "title": "Home Secretary", "country": "IND"}],
        outcomes=["Memorandum of Cooperation"],
    )


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
               for m in (Source, Document, Article, Event, EventAlias, SeenUrl, CrawlRun)}
    engine.dispose()
    return out


def test_migrations_match_models_no_drift(archive_url: str) -> None:
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_autogenerate})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_schema_status_missing_behind_and_current(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(SchemaError, match="no schema yet"):
        require_current_schema(engine, "here")
    upgrade(engine, "0001")
    assert schema_status(engine).current == "0001"
    upgrade(engine)
    require_current_schema(engine, "here")
    assert schema_status(engine).up_to_date
    engine.dispose()


def test_batch_write_is_idempotent_and_keeps_utc_with_offset(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    ev = hsd(date(2024, 2, 27), end=date(2024, 2, 29))
    first = archive.write_batch([doc(1, content="a", event=ev), doc(2, content="b", event=ev)],
                                [RejectedUrl("https://example.com/weather", "unrelated")])
    assert (first.documents_new, first.articles_new, first.events_new, first.rejected_new) == (2, 2, 1, 1)
    before = counts(archive_url)
    again = archive.write_batch([doc(1, content="a", event=ev), doc(2, content="b", event=ev)],
                                [RejectedUrl("https://example.com/weather", "unrelated")])
    assert again.documents_new == 0 and again.documents_duplicate == 2 and again.rejected_new == 0
    assert counts(archive_url) == before
    with archive.engine.connect() as conn:
        row = conn.execute(select(Document).where(Document.canonical_url == "https://example.com/story-1.html")).one()
        key = conn.scalar(select(Event.event_key))
    assert row.published_at == datetime(2024, 2, 28, 14, 34, tzinfo=UTC)
    assert row.published_offset_minutes == 330
    assert decompress_html(row.raw_html, row.raw_html_codec) == b"<html><body><p>hello</p></body></html>"
    assert key == "IND-USA:homeland-security-dialogue:2024-02-27"
    archive.engine.dispose()


def test_syndicated_copies_share_one_article(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    ev = hsd(date(2024, 2, 28), rank=2)
    archive.write_batch([doc(1, content="same", event=ev), doc(2, content="same", event=ev, host="menafn.com")])
    c = counts(archive_url)
    assert (c["documents"], c["articles"], c["events"], c["sources"]) == (2, 1, 1, 2)
    archive.engine.dispose()


def test_failed_record_leaves_no_partial_rows_and_does_not_take_its_batch(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    good = doc(1, content="a", event=hsd(date(2024, 2, 27)))
    bad = DocumentRecord(**{**good.__dict__, "canonical_url": "https://example.com/other", "topic": None,
                            "content_hash": "other"})
    result = archive.write_batch([good, bad])  # the batch fails on `bad`; each record is then tried alone
    assert result.dropped == {"write_failed": 1} and result.documents_new == 1
    c = counts(archive_url)
    assert (c["documents"], c["articles"], c["events"]) == (1, 1, 1)  # `good` whole, nothing of `bad`
    with pytest.raises(IntegrityError):  # a batch of one bad record: nothing of it lands
        archive._transaction([bad], [], None)
    assert counts(archive_url) == c
    archive.engine.dispose()


@pytest.mark.parametrize("order", ["preview_first", "report_first"])
def test_event_assignment_is_order_independent_and_rekeys_with_alias(archive_url: str, order: str) -> None:
    archive = Archive(make_engine(archive_url))
    preview = doc(1, content="p", event=hsd(date(2024, 2, 28), rank=1, relation="preview"),
                  published=datetime(2024, 2, 20, tzinfo=IST))
    weekday = doc(2, content="w", event=hsd(date(2024, 2, 28), rank=2))
    explicit = doc(3, content="e", event=hsd(date(2024, 2, 27), rank=3, end=date(2024, 2, 29)))
    other_round = doc(4, content="o", event=hsd(date(2022, 1, 12), rank=3))
    pages = [preview, weekday, explicit, other_round]
    if order == "report_first":
        pages.reverse()
    for page in pages:  # one batch each, as separate crawls would
        archive.write_batch([page])
    with archive.engine.connect() as conn:
        keys = sorted(conn.scalars(select(Event.event_key)))
        events = {e.event_key: e for e in conn.execute(select(Event)).all()}
        linked = conn.scalar(select(func.count()).select_from(Article).where(Article.event_id.is_not(None)))
    assert keys == ["IND-USA:homeland-security-dialogue:2022-01-12", "IND-USA:homeland-security-dialogue:2024-02-27"]
    assert events["IND-USA:homeland-security-dialogue:2024-02-27"].end_date == date(2024, 2, 29)
    assert linked == 4
    if order == "preview_first":
        with archive.engine.connect() as conn:
            aliases = list(conn.scalars(select(EventAlias.alias_key)))
        assert aliases == ["IND-USA:homeland-security-dialogue:2024-02-28"]
    archive.engine.dispose()


def test_blocks_never_merge_across_pairs_or_mechanisms(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    a = hsd(date(2024, 2, 27))
    b = EventFactsRecord(**{**a.__dict__, "mechanism": "2plus2-ministerial-dialogue"})
    c = EventFactsRecord(**{**a.__dict__, "countries": ("AUS", "IND")})
    archive.write_batch([doc(1, content="a", event=a), doc(2, content="b", event=b), doc(3, content="c", event=c)])
    assert counts(archive_url)["events"] == 3
    archive.engine.dispose()


def test_database_url_resolution_and_masking(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("NEWSARCHIVE_DATABASE_URL", "postgresql://u:secret@db.example/x")
    assert resolve_database_url(None) == "postgresql://u:secret@db.example/x"
    assert "secret" not in mask_url(resolve_database_url(None))
    assert resolve_database_url(str(tmp_path / "a.sqlite3")).startswith("sqlite:////")
    monkeypatch.delenv("NEWSARCHIVE_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_database_url(None) == f"sqlite:///{tmp_path}/newsarchive/archive.sqlite3"
    with pytest.raises(DatabaseConfigError):
        make_engine("mysql://x/y")
    with pytest.raises(DatabaseConfigError):
        make_engine("not a url at all ::")


def test_sqlite_read_only_engine_cannot_write(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    ro = make_engine(sqlite_url, read_only=True)
    with pytest.raises(Exception, match=r"readonly|read-only"), ro.begin() as conn:
        conn.execute(table_of(Source).insert().values(name="x", domain="x", created_at=datetime.now(UTC)))
    ro.dispose()
