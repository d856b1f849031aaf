"""`newsarchive export` on SQLite and PostgreSQL: every filter on every kind, CSV and JSON lines, files and
stdout, RFC 4180 round trips of awkward text, --excel, the documented column order, streaming in constant
memory, and no progress bar off a terminal. Expected rows are read off the records written below."""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select, text

from crawler.app.cli.main import main
from storage.archive import Archive
from storage.db import make_engine
from storage.exports import columns, csv_line, iter_rows, iter_tuples, write_export
from storage.models import Article, Event, EventAlias
from storage.schema import upgrade
from storage.search import ArchiveFilter
from tests.conftest import _pg_base_url, _pg_sqlalchemy_url
from tests.test_search import STORIES, Story, record

DOC = Path(__file__).resolve().parents[1] / "docs" / "exports.md"
HSD = "IND-USA:homeland-security-dialogue:2024-02-27"
HSD_OLD = "IND-USA:homeland-security-dialogue:2024-02-26"

AWKWARD_BODY = ('Line one, with a comma\nLine "two" in quotes\r\nLine three: ünïcödé 東京 — 🚀\n'
                '"Quoted start", and a trailing comma,')
TRICKY = (
    Story("csv", 'Talks, "frank" and long\nsecond line', AWKWARD_BODY, "PTI",
          datetime(2021, 3, 1, 8, 0, tzinfo=UTC), domain="pti.example"),
    Story("eq", '=HYPERLINK("http://evil.example","click")', "Formula one body text.", "AP",
          datetime(2021, 3, 2, 8, 0, tzinfo=UTC), domain="ap.example"),
    Story("plus", "+91 dialled in", "Formula two body text.", "AP", datetime(2021, 3, 3, 8, 0, tzinfo=UTC),
          domain="ap.example"),
    Story("minus", "-5 degrees at the talks", "Formula three body text.", "AP",
          datetime(2021, 3, 4, 8, 0, tzinfo=UTC), domain="ap.example"),
    Story("at", "@SUM(A1:A9) handle", "Formula four body text.", "AP", datetime(2021, 3, 5, 8, 0, tzinfo=UTC),
          domain="ap.example"),
)
HSD_COPY_AT = datetime(2024, 2, 29, 3, 0, tzinfo=UTC)  # a syndicated copy of the HSD story, a day later


def seed_all(url: str) -> dict[str, int]:
    engine = make_engine(url)
    hsd = STORIES[0]
    copy = record(Story(hsd.key, hsd.title, hsd.body, hsd.agency, HSD_COPY_AT, hsd.countries, hsd.mechanism,
                        hsd.series_name, hsd.start, "daily.example"), 1)
    copy = replace(copy, authors=["A. Writer", "Writer, B."])
    Archive(engine).write_batch([*(record(s) for s in (*STORIES, *TRICKY)), copy])
    with engine.begin() as conn:
        ids = {h.removeprefix("hash-"): i for i, h in conn.execute(select(Article.id, Article.content_hash))}
        hsd_event = conn.scalar(select(Event.id).where(Event.event_key == HSD))
        conn.execute(insert(EventAlias).values(event_id=hsd_event, alias_key=HSD_OLD,
                                               created_at=datetime(2024, 3, 1, tzinfo=UTC)))
    engine.dispose()
    assert len(ids) == len(STORIES) + len(TRICKY)
    return ids


def _pg_schema_url() -> tuple[str, Any, str]:
    raw = _pg_base_url()
    admin = create_engine(_pg_sqlalchemy_url(raw), connect_args={"connect_timeout": 5})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.fail(f"NEWSARCHIVE_TEST_POSTGRES_URL is set but PostgreSQL is not usable: {exc}")
    from sqlalchemy.engine import make_url

    url = make_url(_pg_sqlalchemy_url(raw)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), admin, schema


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, dict[str, int]]]:
    """(URL, {story key: article id}) of an archive holding STORIES, TRICKY and one syndicated copy."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('exports') / 'archive.sqlite3'}"
    else:
        url, admin, schema = _pg_schema_url()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url, seed_all(url)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def export(capsys: pytest.CaptureFixture[str], url: str, kind: str, *args: str) -> list[dict[str, Any]]:
    """Rows of a JSON-lines export to stdout."""
    code, out, err = run(capsys, "--database", url, "export", kind, "--format", "jsonl", *args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


# -- the documented contract -------------------------------------------------------------------------------
def documented_columns() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    kind = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^### `(\w+)`$", line):
            kind = m.group(1)
            out[kind] = []
        elif line.startswith("## "):
            kind = None
        elif kind and (m := re.match(r"^\| (\d+) \| `(\w+)` \| (.+) \|$", line)):
            assert int(m.group(1)) == len(out[kind]) + 1, f"{kind}: numbering breaks at {m.group(2)}"
            assert m.group(3).strip(), f"{kind}.{m.group(2)} has no meaning"
            out[kind].append(m.group(2))
    return out


def test_docs_list_every_kinds_columns_in_export_order() -> None:
    documented = documented_columns()
    assert set(documented) == {"events", "articles", "documents"}
    for kind, names in documented.items():
        assert names == columns(kind), f"docs/exports.md and the {kind} export disagree"


def test_csv_header_and_jsonl_keys_follow_the_documented_order(
        capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, _ = seeded
    documented = documented_columns()
    for kind in ("events", "articles", "documents"):
        code, out, err = run(capsys, "--database", url, "export", kind)
        assert code == 0, err
        assert next(csv.reader(io.StringIO(out, newline=""))) == documented[kind]
        rows = export(capsys, url, kind)
        assert rows and all(list(r) == documented[kind] for r in rows)


# -- filters -------------------------------------------------------------------------------------------------
def test_event_filters(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, _ = seeded

    def keys(*args: str) -> list[str]:
        return [r["event_key"] for r in export(capsys, url, "events", *args)]

    everything = keys()
    assert everything == ["CHN-IND:wmcc:2023-06-09", "AUS-USA:ausmin:2023-07-28",
                          "GRC-TUR:high-level-cooperation-council:2023-12-07", HSD]  # by start_date
    # events: --since/--until compare the round's start_date (inclusive)
    assert keys("--since", "2023-07-28") == everything[1:]
    assert keys("--until", "2023-07-28") == everything[:2]
    assert keys("--since", "2023-07-29", "--until", "2024-02-26") == everything[2:3]
    assert keys("--series", "WMCC") == everything[:1]
    assert keys("--series", "cooperation council") == everything[2:3]
    assert keys("--country", "usa") == [everything[1], HSD]
    assert keys("--agency", "reuters") == everything[1:2]
    assert keys("--event", HSD) == [HSD]
    assert keys("--event", HSD_OLD) == [HSD], "a former key finds the event"
    assert keys("--query", "submarines OR frontier") == everything[:2]
    assert keys("--country", "USA", "--query", "homeland") == [HSD]
    assert keys("--series", "%") == []
    hsd = export(capsys, url, "events", "--event", HSD)[0]
    assert (hsd["documents"], hsd["articles"], hsd["sources"]) == (2, 1, 2)
    assert hsd["first_report_at"] == "2024-02-28T14:34:00Z" and hsd["last_report_at"] == "2024-02-29T03:00:00Z"
    assert hsd["start_date"] == "2024-02-27" and hsd["agencies"] == ["IANS"]


def test_article_filters(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    by_id = {v: k for k, v in ids.items()}

    def keys(*args: str) -> list[str]:
        return [by_id[r["article_id"]] for r in export(capsys, url, "articles", *args)]

    assert sorted(keys()) == sorted(ids)
    # articles: --since/--until compare first_published_at (UTC)
    assert set(keys("--since", "2024-01-01")) == {"hsd", "meta"}
    assert set(keys("--since", "2024-02-29")) == set(), "the later copy does not move the article's first time"
    assert set(keys("--until", "2021-03-02")) == {"csv", "eq"}
    assert set(keys("--since", "2023-06-10", "--until", "2023-06-10")) == {"border"}
    assert set(keys("--series", "homeland")) == {"hsd"}
    assert set(keys("--country", "IND")) == {"hsd", "border"}
    assert set(keys("--agency", "ap")) == {"meta", "eq", "plus", "minus", "at"}
    assert set(keys("--agency", "AP", "--since", "2022-01-01")) == {"meta"}
    assert set(keys("--event", HSD_OLD)) == {"hsd"}
    assert set(keys("--query", '"maritime affairs" OR brisbane')) == {"greece", "ausmin"}
    assert set(keys("--query", "officials", "--country", "TUR")) == {"greece"}
    assert set(keys("--agency", "' OR '1'='1")) == set()
    hsd = export(capsys, url, "articles", "--event", HSD)[0]
    assert hsd["documents"] == 2 and hsd["first_published_at"] == "2024-02-28T14:34:00Z"
    assert hsd["dateline_raw"] == "New Delhi, Feb 28 (IANS)"


def test_document_filters(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, _ = seeded

    def urls(*args: str) -> list[str]:
        return [r["canonical_url"] for r in export(capsys, url, "documents", *args)]

    assert len(urls()) == len(STORIES) + len(TRICKY) + 1
    # documents: --since/--until compare each page's own published_at
    assert urls("--since", "2024-02-29") == ["https://daily.example/hsd/1"]
    assert set(urls("--event", HSD)) == {"https://ians.example/hsd/0", "https://daily.example/hsd/1"}
    assert set(urls("--event", HSD, "--until", "2024-02-28")) == {"https://ians.example/hsd/0"}
    assert set(urls("--series", "ausmin")) == {"https://reuters.example/ausmin/0"}
    assert set(urls("--country", "GRC")) == {"https://aa.example/greece/0"}
    assert set(urls("--agency", "Reuters")) == {"https://reuters.example/ausmin/0",
                                                "https://reuters.example/turkiye/0"}
    assert set(urls("--query", "homeland security", "--agency", "IANS")) == {
        "https://ians.example/hsd/0", "https://daily.example/hsd/1"}
    rows = export(capsys, url, "documents", "--since", "2024-02-29")
    assert rows[0]["published_at"] == "2024-02-29T03:00:00Z" and rows[0]["source"] == "daily.example"
    assert rows[0]["fetched_at"] == "2024-03-01T00:00:00Z"


def test_library_filters_match_cli(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    engine = make_engine(url, read_only=True)
    rows = list(iter_rows(engine, "articles", ArchiveFilter(country="IND", since=date(2024, 1, 1))))
    engine.dispose()
    assert [r["article_id"] for r in rows] == [ids["hsd"]]


# -- CSV, JSON lines, files, stdout, excel ---------------------------------------------------------------------
def test_csv_round_trips_commas_quotes_newlines_and_unicode(
        capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    url, ids = seeded
    out_file = tmp_path / "articles.csv"
    code, out, err = run(capsys, "--database", url, "export", "articles", "-o", str(out_file))
    assert code == 0 and out == ""
    assert err.strip() == f"wrote {len(ids)} articles to {out_file}", "no progress bar off a terminal"
    raw = out_file.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.startswith(",".join(columns("articles")).encode() + b"\r\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    by_id = {int(r["article_id"]): r for r in rows}
    awkward = by_id[ids["csv"]]
    assert awkward["body"] == AWKWARD_BODY
    assert awkward["title"] == 'Talks, "frank" and long\nsecond line'
    assert by_id[ids["eq"]]["title"] == '=HYPERLINK("http://evil.example","click")', "untouched without --excel"
    assert by_id[ids["greece"]]["title"].startswith("Türkiye")
    assert by_id[ids["meta"]]["event_key"] == "", "NULL is an empty field"
    # the same rows through stdout are byte-identical (a pipe gets what a file gets)
    code, out, err = run(capsys, "--database", url, "export", "articles", "-o", "-")
    assert code == 0 and err == ""
    assert out.replace("\r\n", "\n") == raw.decode("utf-8").replace("\r\n", "\n")
    # the raw CSV quotes what needs it and only that
    assert '"Talks, ""frank"" and long\nsecond line"' in raw.decode("utf-8")


def test_jsonl_is_utf8_with_typed_values(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]],
                                         tmp_path: Path) -> None:
    url, ids = seeded
    out_file = tmp_path / "articles.jsonl"
    code, _, err = run(capsys, "--database", url, "export", "articles", "--format", "jsonl", "-o", str(out_file))
    assert code == 0, err
    text_ = out_file.read_text(encoding="utf-8")
    assert "東京" in text_ and "\\u" not in text_
    rows = {r["article_id"]: r for r in map(json.loads, text_.splitlines())}
    assert rows[ids["csv"]]["body"] == AWKWARD_BODY
    assert rows[ids["meta"]]["event_key"] is None
    assert isinstance(rows[ids["hsd"]]["documents"], int)
    docs = {d["canonical_url"]: d for d in export(capsys, url, "documents", "--event", HSD)}
    assert docs["https://daily.example/hsd/1"]["authors"] == ["A. Writer", "Writer, B."]
    code, out, _ = run(capsys, "--database", url, "export", "documents", "--event", HSD)
    rows = {r["canonical_url"]: r for r in csv.DictReader(io.StringIO(out, newline=""))}
    assert rows["https://daily.example/hsd/1"]["authors"] == "A. Writer; Writer, B."


def test_excel_adds_bom_and_neutralises_formulas(capsys: pytest.CaptureFixture[str],
                                                 seeded: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    url, ids = seeded
    out_file = tmp_path / "excel.csv"
    code, _, err = run(capsys, "--database", url, "export", "articles", "--excel", "-o", str(out_file))
    assert code == 0, err
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"article_id,")
    rows = {int(r["article_id"]): r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))}
    assert rows[ids["eq"]]["title"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert rows[ids["plus"]]["title"] == "'+91 dialled in"
    assert rows[ids["minus"]]["title"] == "'-5 degrees at the talks"
    assert rows[ids["at"]]["title"] == "'@SUM(A1:A9) handle"
    for key in ("csv", "hsd", "greece"):  # ordinary cells are unchanged
        assert not rows[ids[key]]["title"].startswith("'")
    assert rows[ids["csv"]]["body"] == AWKWARD_BODY
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows.values() for v in r.values())
    code, _, err = run(capsys, "--database", url, "export", "articles", "--excel", "--format", "jsonl")
    assert code != 0 and "--excel" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["events", "--since", "2024-13-01"], "YYYY-MM-DD"),
        (["events", "--country", "US"], "alpha-3"),
        (["articles", "--query", '"unbalanced'], "unbalanced"),
        (["articles", "--query", "OR"], "OR"),
        (["documents", "-o", "/nonexistent/dir/out.csv"], "cannot write"),
        (["articles", "--format", "xlsx"], "xlsx"),
    ],
)
def test_export_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]],
                                      args: list[str], needle: str) -> None:
    url, _ = seeded
    code, out, err = run(capsys, "--database", url, "export", *args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and needle in lines[0] and "Traceback" not in err, err
    assert out == ""


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                                       seeded: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    url, _ = seeded
    code, _, err = run(capsys, "--database", url, "export", "documents", "-o", str(tmp_path / "a.csv"))
    assert code == 0 and "rows" not in err and "\r" not in err  # stderr is not a terminal under capsys
    code, _, err = run(capsys, "--database", url, "export", "documents", "--progress", "-o", str(tmp_path / "b.csv"))
    assert code == 0 and "export documents" in err and "rows" in err  # the bar, when forced
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# -- streaming ---------------------------------------------------------------------------------------------------
class Sink(io.TextIOBase):
    """A text stream that counts what is written and keeps nothing."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def bulk_articles(url: str, n: int, start: int = 0) -> None:
    engine = make_engine(url)
    filler = "The delegations reviewed cooperation on counter-terrorism and maritime security. " * 6
    rows = [{"content_hash": f"bulk-{i}", "title": f"Bulk article {i}", "body": f"{i} {filler}",
             "topic": "dialogue_other", "agency": "PTI", "created_at": datetime(2024, 1, 1, tzinfo=UTC),
             "first_published_at": datetime(2024, 1, 1, tzinfo=UTC)} for i in range(start, start + n)]
    with engine.begin() as conn:
        conn.execute(insert(Article), rows)
    engine.dispose()


def peak_bytes(url: str, fmt: str) -> tuple[int, int]:
    engine = make_engine(url, read_only=True)
    sink = Sink()
    tracemalloc.start()
    try:
        n = write_export(engine, "articles", sink, fmt=fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.dispose()
    return n, peak


def test_exports_stream_in_constant_memory(archive_url: str) -> None:
    engine = make_engine(archive_url, read_only=True)
    assert inspect.isgenerator(iter_tuples(engine, "articles"))
    assert inspect.isgenerator(iter_rows(engine, "articles"))
    engine.dispose()
    bulk_articles(archive_url, 4000)  # two batches of 2,000
    peak_bytes(archive_url, "csv")  # warm-up: one-time allocations (dialect caches, compiled queries)
    n_small, small = peak_bytes(archive_url, "csv")
    bulk_articles(archive_url, 8000, start=4000)
    n_big, big = peak_bytes(archive_url, "csv")
    assert (n_small, n_big) == (4000, 12000)
    data = 8000 * 500  # the bodies alone of the rows added: ~4 MB
    # 3x the rows: the peak grows by far less than the data (holding the rows would add > 4 MB)
    assert big - small < data / 8, (small, big)


CELLS = [None, "", "plain", "a,b", 'say "hi"', "line\nbreak", "cr\rret", "crlf\r\n", " lead", "trail ", "東京 🚀",
         '"', ",", "\n", 0, -5, 3.25, 1e-7, True, "=1+1", "+91", "-x", "@home", "'quoted'", "\t tab"]


@pytest.mark.parametrize("excel", [False, True])
def test_csv_line_writes_what_the_csv_module_writes(excel: bool) -> None:
    """The fast formatter in storage.exports is byte-identical to csv.writer on awkward cells."""
    from storage.exports import _csv_cell

    rows: list[list[Any]] = [[a, b, c] for a in CELLS for b in CELLS[:6] for c in ("x", None)]
    rows += [[c] for c in CELLS] + [[["a", "b, c"], {"name": "N", "title": "T"}, None]]
    for row in rows:
        expected = io.StringIO(newline="")
        csv.writer(expected, lineterminator="\r\n").writerow([_csv_cell(v, excel) for v in row])
        json_columns = (0, 1) if isinstance(row[0], list) else ()
        assert csv_line(row, excel, json_columns) == expected.getvalue(), row
