"""The SQLite CSV fast path (cells made text in SQL) must write exactly what the generic path writes.

The same records are archived on SQLite and on PostgreSQL (which exports through the generic
SQLAlchemy-rows path); every export must come out byte-identical, including awkward values."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from storage.archive import Archive
from storage.db import make_engine
from storage.exports import EXPORT_KINDS, write_export
from storage.records import DocumentRecord, EventFactsRecord
from storage.schema import upgrade

AWKWARD = ['plain', 'comma, inside', 'quote " inside', 'new\nline', 'crlf\r\nline', 'Délhi – ünïcödé',
           '=SUM(A1)', '+1', '-2', '@x', ' leading space', '']


def records() -> list[DocumentRecord]:
    out = []
    for i, text in enumerate(AWKWARD):
        facts = EventFactsRecord(
            countries=("USA", "IND"), mechanism="homeland-security-dialogue", relation="report",
            series_name=f"India-US HSD {text}", start_date=date(2024, 2, 27), end_date=date(2024, 2, 29),
            date_rank=3, venue_city=text or None, venue_country="IN",
            co_chairs=[{"name": f"Chair {text}", "title": "Home Secretary", "country": "IND"}],
            outcomes=[f"Memorandum {text}"],
        ) if i % 3 == 0 else None
        out.append(DocumentRecord(
            url=f"https://example.org/{i}?utm_source=x", canonical_url=f"https://example.org/{i}",
            source_domain="example.org", source_name=f"Example {i % 2}",
            fetched_at=datetime(2024, 3, 1, 12, 0, i, 1234 * i, tzinfo=UTC), http_status=200, extractor_version="t",
            topic="dialogue_event" if facts else "dialogue_other", body=f"Body {i}: {text}",
            content_hash=f"hash-{i}", title=f"Title {text}" if text else None,
            published_at=datetime(2024, 2, 28, 20, 4, tzinfo=timezone(timedelta(hours=5, minutes=30)))
            if i % 2 else None,
            published_source="jsonld", published_precision="datetime", authors=[f"A {text}", "B"],
            agency="IANS" if i % 2 else None, dateline_raw=f"New Delhi, Feb 28 (IANS) {text}",
            dateline_city="New Delhi", dateline_country="IN", dateline_date=date(2024, 2, 28),
            relation="report" if facts else None, event=facts, fetched_via="sitemap",
        ))
    return out


def exported(url: str, kind: str, fmt: str, excel: bool) -> str:
    engine = make_engine(url, read_only=url.startswith("sqlite"))
    out = io.StringIO()
    write_export(engine, kind, out, fmt=fmt, excel=excel)
    engine.dispose()
    return out.getvalue()


@pytest.mark.parametrize("excel", [False, True])
def test_sqlite_fast_path_writes_what_the_generic_path_writes(sqlite_url: str, pg_url: str, excel: bool) -> None:
    for url in (sqlite_url, pg_url):
        engine = make_engine(url)
        upgrade(engine)
        Archive(engine).write_batch(records())
        engine.dispose()
    for kind in EXPORT_KINDS:
        fast = exported(sqlite_url, kind, "csv", excel)
        generic = exported(pg_url, kind, "csv", excel)
        assert fast.count("\n") >= 2
        assert fast == generic, kind
        assert exported(sqlite_url, kind, "jsonl", False) == exported(pg_url, kind, "jsonl", False)
