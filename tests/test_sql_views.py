"""SQL that reads right (issue 17), on a real SQLite file and a real PostgreSQL: absent JSON values are SQL
NULL (the writer, and migration 0007 for rows written before), view times are ISO 8601 UTC text with ``Z``,
ordinals are integers, previews are kept apart from first reports, ``v_events`` carries the series' level
and aliases, and docs/queries.md's pandas round trip gives zone-aware times."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.archive import Archive
from storage.db import make_engine
from storage.exports import iter_rows
from storage.records import DocumentRecord, EventFactsRecord, SeriesRecord
from storage.schema import alembic_config, upgrade
from tests.conftest import _pg_base_url, _pg_sqlalchemy_url

IST = timezone(timedelta(hours=5, minutes=30))
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
QUERIES_MD = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
TIME_COLUMNS = {
    "v_events": ("first_report_at", "last_report_at", "first_preview_at"),
    "v_articles": ("first_published_at",),
    "v_documents": ("published_at", "fetched_at"),
    "v_event_publishers": ("first_report_at", "last_report_at", "first_preview_at"),
    "v_event_agencies": ("first_report_at", "last_report_at", "first_preview_at"),
}


def page(n: int, relation: str, published: datetime, *, ordinal: int | None = None,
         outcomes: list[str] | None = None) -> DocumentRecord:
    facts = EventFactsRecord(
        countries=("USA", "IND"), mechanism="homeland-security-dialogue", relation=relation,
        series_name=None, series_known=True, start_date=date(2024, 2, 27), date_rank=1 if relation == "preview" else 3,
        venue_city="New Delhi", venue_country="IN", round_ordinal=ordinal, outcomes=outcomes or [])
    return DocumentRecord(
        url=f"https://news{n}.example/story-{n}.html", canonical_url=f"https://news{n}.example/story-{n}.html",
        source_domain=f"news{n}.example", fetched_at=datetime(2024, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        http_status=200, extractor_version="t1", topic="dialogue_event", body=f"body {n} homeland security",
        content_hash=f"hash-{n}", title=f"Story {n}", published_at=published, published_source="jsonld",
        published_precision="datetime", agency="IANS", relation=relation, event=facts)


def fill(url: str) -> Engine:
    """A migrated archive: one round with a preview two days ahead and two reports (one naming the
    ordinal), the series in the registry with a level, aliases and no abbreviations."""
    engine = make_engine(url)
    upgrade(engine)
    archive = Archive(engine)
    archive.sync_series([SeriesRecord("homeland-security-dialogue", "India-US Homeland Security Dialogue",
                                      ("USA", "IND"), "ministerial", aliases=("HSD talks", "homeland dialogue"))])
    archive.write_batch([
        page(1, "preview", datetime(2024, 2, 25, 10, 0, tzinfo=IST)),
        page(2, "report", datetime(2024, 2, 28, 20, 4, tzinfo=IST), ordinal=5),
        page(3, "report", datetime(2024, 2, 29, 9, 0, tzinfo=IST)),
    ])
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an archive filled by ``fill``, once per database for the read-only tests below."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('views') / 'archive.sqlite3'}"
        fill(url).dispose()
        yield url
        return
    admin = create_engine(_pg_sqlalchemy_url(_pg_base_url()), connect_args={"connect_timeout": 5})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(_pg_sqlalchemy_url(_pg_base_url())).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        fill(url).dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def one(engine: Engine, sql: str) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(sql))]
    assert len(rows) == 1, rows
    return rows[0]


def test_absent_json_values_are_sql_null_when_written_and_after_migrating_old_rows(db_url: str) -> None:
    engine = fill(db_url)
    nulls = "SELECT COUNT(*) FROM documents WHERE authors IS NULL AND topic_reasons IS NULL"
    with engine.connect() as conn:
        assert conn.scalar(text(nulls)) == 3, "the writer stores None as SQL NULL"
        assert conn.scalar(text("SELECT COUNT(*) FROM events WHERE outcomes IS NULL")) == 1
        assert conn.scalar(text("SELECT COUNT(*) FROM dialogue_series WHERE abbreviations IS NULL")) == 1
    # rows written before the fix held the JSON text null: the migration turns them into SQL NULL
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007-1")
        null = "'null'" if conn.dialect.name == "sqlite" else "CAST('null' AS JSON)"  # what JSON() wrote for None
        conn.execute(text(f"UPDATE documents SET authors = {null}"))
        conn.execute(text(f"UPDATE events SET outcomes = {null}, agencies = {null}"))
        assert conn.scalar(text("SELECT COUNT(*) FROM documents WHERE authors IS NULL")) == 0
        assert conn.scalar(text("SELECT first_report_at FROM v_events")) is not None, "0002's views are back"
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.scalar(text(nulls)) == 3
        assert conn.scalar(text("SELECT COUNT(*) FROM events WHERE outcomes IS NULL AND agencies IS NULL")) == 1
    engine.dispose()


def test_views_give_utc_z_times_integer_ordinals_previews_apart_and_series_names(filled: str) -> None:
    engine = make_engine(filled, read_only=True)
    ev = one(engine, "SELECT * FROM v_events")
    assert ev["round_ordinal"] == 5 and type(ev["round_ordinal"]) is int
    assert (ev["first_preview_at"], ev["preview_documents"]) == ("2024-02-25T04:30:00Z", 1)
    assert (ev["first_report_at"], ev["last_report_at"]) == ("2024-02-28T14:34:00Z", "2024-02-29T03:30:00Z")
    assert float(ev["first_report_lag_days"]) == 1.61, "from the first report, not the preview"
    assert (ev["documents"], ev["articles"]) == (3, 3), "coverage counts every document"
    assert ev["level"] == "ministerial"
    assert (ev["series_aliases"], ev["series_abbreviations"]) == ("HSD talks; homeland dialogue", None)
    assert ev["outcomes"] is None
    # a publisher that only previewed the round has no first report, and no lag
    pubs = {r["publisher_domain"]: r for r in rows(engine, "SELECT * FROM v_event_publishers")}
    assert pubs["news1.example"]["first_report_at"] is None and pubs["news1.example"]["first_report_lag_days"] is None
    assert pubs["news1.example"]["first_preview_at"] == "2024-02-25T04:30:00Z"
    agency = one(engine, "SELECT * FROM v_event_agencies")
    assert (agency["first_report_at"], agency["first_preview_at"], agency["preview_documents"]) == (
        "2024-02-28T14:34:00Z", "2024-02-25T04:30:00Z", 1)
    for view, cols in TIME_COLUMNS.items():
        for r in rows(engine, f"SELECT {', '.join(cols)} FROM {view}"):
            for c in cols:
                assert r[c] is None or ISO_Z.match(r[c]), (view, c, r[c])
                assert r[c] is None or datetime.fromisoformat(r[c]).tzinfo == UTC
    assert one(engine, "SELECT fetched_at FROM v_documents WHERE document_id = 1") == {
        "fetched_at": "2024-03-01T12:00:00Z"}, "whole seconds, the same on both databases"
    (exported,) = iter_rows(engine, "events")  # the events export agrees with the view
    assert (exported["first_report_at"], exported["first_preview_at"]) == (ev["first_report_at"], ev["first_preview_at"])
    engine.dispose()
    if filled.startswith("sqlite"):  # Python's sqlite3 module alone: aware times, an int ordinal
        with sqlite3.connect(filled.removeprefix("sqlite:///")) as conn:
            first, ordinal = conn.execute("SELECT first_report_at, round_ordinal FROM v_events").fetchone()
        assert datetime.fromisoformat(first) == datetime(2024, 2, 28, 14, 34, tzinfo=UTC) and type(ordinal) is int


def rows(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def pandas_snippet() -> str:
    """The ```python block under docs/queries.md's pandas heading."""
    doc = QUERIES_MD.read_text(encoding="utf-8")
    section = doc[doc.index("## pandas"):]
    return section[section.index("```python") + len("```python"):section.index("```\n", section.index("```python") + 9)]


def test_the_documented_pandas_round_trip_gives_aware_times_and_integer_ordinals(filled: str) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is in the dev extras only (pip install -e '.[dev]')")
    namespace: dict[str, Any] = {"ARCHIVE_URL": filled}
    exec(compile(pandas_snippet(), "docs/queries.md", "exec"), namespace)  # our own documentation, run as written
    namespace["engine"].dispose()
    events = namespace["events"]
    assert str(events["first_report_at"].dtype).startswith("datetime64") and str(
        events["first_report_at"].dt.tz) == "UTC"
    assert events["first_report_at"].iloc[0] == pd.Timestamp("2024-02-28T14:34:00Z")
    assert str(events["round_ordinal"].dtype) == "Int64"
