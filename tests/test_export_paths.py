"""The SQLite CSV fast path (cells made text in SQL) must write exactly what the generic path writes.

The same records are archived on SQLite and on PostgreSQL (which exports through the generic
SQLAlchemy-rows path); every export must come out byte-identical, including awkward values."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.app.cli.main import main
from storage.archive import Archive
from storage.db import make_engine
from storage.exports import EXCEL_CELL_LIMIT, EXPORT_KINDS, write_export
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


def test_excel_keeps_numbers_gives_date_times_and_cuts_over_long_cells(
        sqlite_url: str, pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A page in New York (-04:00: offset -240), a formula-like title and a body longer than a spreadsheet
    cell (with characters outside the BMP, which count twice in a spreadsheet's 32,767)."""
    body = "Long body 🚀 " + "word " * 7000
    base = records()[1]
    doc = replace(base, title="-5 degrees at the talks", body=body, content_hash="hash-long",
                  published_at=datetime(2024, 2, 28, 10, 34, tzinfo=timezone(timedelta(hours=-4))))
    outputs = []
    for url in (sqlite_url, pg_url):
        engine = make_engine(url)
        upgrade(engine)
        Archive(engine).write_batch([doc])
        cut: Counter[str] = Counter()
        for kind in ("documents", "articles"):
            out = io.StringIO()
            write_export(engine, kind, out, excel=True, cut=cut)
            outputs.append(out.getvalue())
        engine.dispose()
        assert cut == {"body": 1}
    assert outputs[:2] == outputs[2:], "SQLite writes what PostgreSQL writes"
    documents, articles = ({r.get("document_id") or r["article_id"]: r for r in
                            csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))}
                           for text in outputs[:2])
    (d,), (a,) = documents.values(), articles.values()
    assert d["published_offset_minutes"] == "-240", "a number stays a number"
    assert d["title"] == "'-5 degrees at the talks", "formula-like text is neutralised"
    assert (d["published_at"], d["fetched_at"]) == ("2024-02-28 14:34:00", "2024-03-01 12:00:01")
    assert a["first_published_at"] == "2024-02-28 14:34:00" and a["dateline_date"] == "2024-02-28"
    assert len(a["body"].encode("utf-16-le")) // 2 == EXCEL_CELL_LIMIT
    assert a["body"].startswith("Long body 🚀 word") and a["body"].endswith(
        f" [… cut: {len(body) + 1:,} characters in all; export without --excel for the full text]")
    # the command line counts the cut cells on stderr; a file for programs (no --excel) is not cut
    out_file = tmp_path / "articles.csv"
    assert main(["--database", sqlite_url, "export", "articles", "--excel", "-o", str(out_file)]) == 0
    err = capsys.readouterr().err
    assert "--excel: cut 1 cell(s) longer than a spreadsheet cell holds (32,767 characters; by column: body 1)" in err
    assert main(["--database", sqlite_url, "export", "articles"]) == 0
    assert body in capsys.readouterr().out
