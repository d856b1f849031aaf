"""The CLI as a user meets it: one-line errors with non-zero exits, exports, extract, dateline."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.cli.main import main
from crawler.app.demo import DEMO_GOLD, DEMO_SITE
from storage.archive import Archive
from storage.db import make_engine
from storage.exports import columns
from storage.records import DocumentRecord, EventFactsRecord
from storage.schema import upgrade


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--database", "mysql://x/y", "stats"], "unsupported database"),
        (["--database", "postgresql://nobody@127.0.0.1:1/none", "stats"], "cannot use the archive"),
        (["crawl", "--bogus"], "No such option"),
        (["export", "nothing"], "nothing"),
        (["crawl", "--url", "not-a-url"], "not an http(s) URL"),
        (["crawl", "--urls-file", "/nonexistent/urls.txt"], "cannot read --urls-file"),
        (["extract", "/nonexistent/page.html"], "cannot read"),
        (["crawl", "--since", "yesterday", "--url", "http://127.0.0.1:9/x"], "YYYY-MM-DD"),
    ],
)
def test_user_mistakes_give_one_line_and_nonzero_exit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], needle: str
) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'a.sqlite3'}"] if "--database" not in args else []
    if args[0] == "crawl" and "--since" in args:
        assert main([*db, "db", "upgrade"]) == 0
        capsys.readouterr()
    code, _, err = run(capsys, *db, *args)
    assert_one_line_error(code, err, needle)


def test_commands_needing_schema_say_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    code, _, err = run(capsys, "--database", db, "crawl", "--url", "http://127.0.0.1:9/x")
    assert_one_line_error(code, err, "no schema yet", "newsarchive db upgrade")
    code, out, _ = run(capsys, "--database", db, "db", "current")
    assert code == 1 and "no schema" in out
    assert run(capsys, "--database", db, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "--database", db, "db", "current")
    assert code == 0 and "up to date" in out


def test_export_csv_is_rfc4180_with_stable_header_and_excel_safe(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    facts = EventFactsRecord(countries=("USA", "IND"), mechanism="homeland-security-dialogue", relation="report",
                             start_date=date(2024, 2, 27), date_rank=3, venue_city="New Delhi")
    Archive(engine).write_batch([DocumentRecord(
        url="https://e.com/a", canonical_url="https://e.com/a", source_domain="e.com",
        fetched_at=datetime(2024, 3, 1, tzinfo=UTC), http_status=200, extractor_version="t", topic="dialogue_event",
        body="Body, with \"quotes\"\nand a newline", content_hash="h1", title='=HYPERLINK("x") "Délhi"',
        published_at=datetime(2024, 2, 28, 14, 34, tzinfo=UTC), event=facts, relation="report")])
    engine.dispose()
    out_file = tmp_path / "articles.csv"
    code, _, err = run(capsys, "--database", url, "export", "articles", "-o", str(out_file), "--excel")
    assert code == 0, err
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == columns("articles")
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["title"].startswith("'=HYPERLINK")
    assert "Délhi" in record["title"]
    assert record["body"] == 'Body, with "quotes"\nand a newline'
    assert record["event_key"] == "IND-USA:homeland-security-dialogue:2024-02-27"
    assert record["first_published_at"] == "2024-02-28 14:34:00", "--excel: a date-time spreadsheets read as one (UTC)"
    code, out, _ = run(capsys, "--database", url, "export", "events", "--format", "jsonl")
    assert code == 0
    event = json.loads(out.splitlines()[0])
    assert event["documents"] == 1 and event["start_date"] == "2024-02-27"


def test_extract_prints_every_field_for_saved_pages(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    labels = [json.loads(x) for x in DEMO_GOLD.read_text().splitlines() if x.strip()]
    page = next(g for g in labels if g["topic"] == "dialogue_event" and g["dateline"])
    path = DEMO_SITE / page["url_path"].lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    code, out, err = run(capsys, "extract", str(path), "--url", "https://example.org" + page["url_path"])
    assert code == 0, err
    result = json.loads(out)
    for key in ("url", "title", "published_at", "published_utc", "published_source", "language", "authors",
                "body", "dateline", "agency", "topic", "topic_reasons", "event"):
        assert key in result
    assert result["title"] == page["title"]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"path": str(path), "url": "https://example.org/x"}) + "\n")
    code, out, _ = run(capsys, "extract", "--manifest", str(manifest), "--jsonl", "--no-body")
    assert code == 0 and len(out.splitlines()) == 1 and "body" not in json.loads(out)


def test_extract_fuse_prints_the_facts_fused_across_pages_of_one_round(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pages = []
    for n, (ordinal, chair) in enumerate([("23rd", "Yaşar Güler"), ("23rd", "Yasar Guler"), ("first", "Yaşar Güler")]):
        lead = (f"Turkish Defence Minister {chair} met US Defense Secretary Lloyd Austin in Ankara on Tuesday for the "
                f"{ordinal} meeting of the High Level Defense Group.")
        path = tmp_path / f"p{n}.html"
        path.write_text(f"<html><head><title>Turkey, US hold defence talks</title></head><body><article><h1>Turkey, "
                        f"US hold defence talks</h1><p>ANKARA, Feb 28 (AA) - {lead}</p><p>{lead}</p></article></body>"
                        "</html>", encoding="utf-8")
        pages.append(str(path))
    code, out, err = run(capsys, "extract", *pages, "--fuse", "--jsonl", "--no-body",
                         "--published", "2024-02-28T10:00:00+03:00")
    assert code == 0, err
    fused = [json.loads(x) for x in out.splitlines() if x.startswith('{"fused_event"')]
    assert len(fused) == 1 and fused[0]["documents"] == 3
    assert fused[0]["round_ordinal"] == 23 and any("round ordinal 23" in r for r in fused[0]["reasons"])
    assert {(c["name"], c["country"]) for c in fused[0]["co_chairs"]} == {("Yaşar Güler", "TUR"), ("Lloyd Austin", "USA")}


def test_dateline_command_single_and_jsonl() -> None:
    one = subprocess.run([sys.executable, "-m", "crawler.app.cli", "dateline", "New Delhi, Feb 28 (IANS)",
                          "--published", "2024-02-28T20:04:00+05:30"], capture_output=True, text=True, check=False)
    assert one.returncode == 0, one.stderr
    parsed = json.loads(one.stdout)
    assert (parsed["city"], parsed["country"], parsed["agency"], parsed["date"]) == ("New Delhi", "IN", "IANS", "2024-02-28")
    lines = "\n".join(json.dumps(x) for x in [
        {"text": "SEOUL, Nov. 1 (Yonhap) -- text", "published": "2024-11-01T06:58:00+09:00"},
        {"text": "no dateline here", "published": None},
    ])
    batch = subprocess.run([sys.executable, "-m", "crawler.app.cli", "dateline", "--jsonl"], input=lines,
                           capture_output=True, text=True, check=False)
    assert batch.returncode == 0, batch.stderr
    out = [json.loads(x) for x in batch.stdout.splitlines()]
    assert set(out[0]) >= {"raw", "city", "region", "country", "agency", "month", "day", "year", "date"}
    assert out[0]["agency"] == "Yonhap" and out[0]["date"] == "2024-11-01"
    assert out[1]["raw"] is None


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--help"], ["db", "--help"], ["db", "upgrade", "--help"], ["crawl", "--help"],
                 ["export", "--help"], ["extract", "--help"], ["dateline", "--help"], ["stats", "--help"],
                 ["demo", "--help"], ["db", "current", "--help"]):
        code, out, _ = run(capsys, *args)
        assert code == 0 and "Usage:" in out


def test_bad_registries_and_unknown_sources_are_one_line_before_any_crawl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert main(["--database", db, "db", "upgrade"]) == 0
    capsys.readouterr()
    code, _, err = run(capsys, "--database", db, "crawl", "no-such-source")
    assert_one_line_error(code, err, "unknown source", "no-such-source")
    bad_dialogues = tmp_path / "dialogues.json"
    bad_dialogues.write_text('{"series": [{"slug": 1}]}', encoding="utf-8")
    monkeypatch.setenv("NEWSARCHIVE_DIALOGUES", str(bad_dialogues))
    code, _, err = run(capsys, "--database", db, "crawl", "--url", "http://127.0.0.1:9/x")
    assert_one_line_error(code, err, "dialogue registry", str(bad_dialogues))
    monkeypatch.delenv("NEWSARCHIVE_DIALOGUES")
    bad_sources = tmp_path / "sources.json"
    bad_sources.write_text('{"sources": 5}', encoding="utf-8")
    monkeypatch.setenv("NEWSARCHIVE_SOURCES", str(bad_sources))
    code, _, err = run(capsys, "--database", db, "crawl", "ani")
    assert_one_line_error(code, err, "source registry", str(bad_sources))
