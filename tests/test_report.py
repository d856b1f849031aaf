"""`newsarchive report`: the static HTML report, rendered from the demo archive (the session's shared crawl,
tests/conftest.py) and checked against the archive's own rows; a headless-Chromium screenshot of it through
scripts/screenshot.py when Chromium is installed."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.app.cli.main import main
from crawler.app.report import write_report
from crawler.app.report.data import Round, Series
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event, Source

REPO = Path(__file__).resolve().parents[1]


def first_reports(url: str) -> dict[str, tuple[str, datetime]]:
    """{event key: (publisher, time)} of each event's earliest non-preview document, computed here."""
    engine = make_engine(url, read_only=True)
    out: dict[str, tuple[str, datetime]] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(Event.event_key, Document.published_at, Source.name, Article.relation)
                            .join(Article, Article.event_id == Event.id)
                            .join(Document, Document.article_id == Article.id)
                            .join(Source, Source.id == Document.source_id)).all()
    engine.dispose()
    for key, published, publisher, relation in rows:
        if relation == "preview" or published is None:
            continue
        if key not in out or (published, publisher) < (out[key][1], out[key][0]):
            out[key] = (publisher, published)
    return out


def test_report_of_the_demo_archive_shows_every_round_its_first_report_and_the_health(
        demo_archive: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{demo_archive}"
    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:
        events = conn.execute(select(Event.event_key, Event.series_name, Event.start_date)).all()
        runs = conn.execute(select(CrawlRun.id, CrawlRun.drop_reasons)).all()
        agencies = set(conn.scalars(select(Article.agency).where(Article.agency.is_not(None))))
    path = write_report(engine, tmp_path / "out")
    engine.dispose()
    html = path.read_text(encoding="utf-8")
    assert path.name == "index.html" and events
    # offline: no script, nothing fetched from anywhere (no src= at all; links only to anchors)
    assert "<script" not in html and " src=" not in html
    assert not re.findall(r'href="(?!#)', html)
    for key, series_name, _start in events:
        assert key in html and (series_name or "") in html
    # each round's first report (previews apart) and its lag from midnight UTC of the start day
    firsts = first_reports(url)
    assert firsts
    starts = {k: s for k, _, s in events}
    for key, (publisher, published) in firsts.items():
        lag = (published - datetime.combine(starts[key], datetime.min.time(), tzinfo=UTC)).total_seconds() / 86400
        row = html[html.rindex("<tr>", 0, html.index(f"<td>{key}</td>")):html.index(f"<td>{key}</td>")]
        assert f"<td>{publisher}" in row and published.strftime("%Y-%m-%d %H:%M") in row
        assert f">{lag:.2f}</td>" in row
    # charts are inline SVG: a timeline per series plus the coverage and health charts
    series = {n for _, n, _ in events}
    assert html.count("<svg") >= len(series) + 4
    assert all(a in html for a in agencies if a)
    # health: the crawl runs and their drop reasons
    for run_id, drops in runs:
        assert f'<td class="num">{run_id}</td>' in html
        for reason in drops or {}:
            assert reason in html


def test_report_command_filters_and_refuses_bad_input(demo_archive: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{demo_archive}"
    out = tmp_path / "ind"
    assert main(["--database", url, "report", "-o", str(out), "--country", "IND", "--since", "2023-01-01"]) == 0
    assert str(out / "index.html") in capsys.readouterr().out
    html = (out / "index.html").read_text(encoding="utf-8")
    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:
        keys = list(conn.scalars(select(Event.event_key)))
    engine.dispose()
    kept = [k for k in keys if "IND" in k.split(":")[0].split("-") and k.split(":")[2] >= "2023-01-01"]
    assert kept and len(kept) < len(keys)
    assert all(k in html for k in kept) and not any(k in html for k in keys if k not in kept)
    assert "country IND; since 2023-01-01" in html
    assert main(["--database", url, "report", "-o", str(out), "--country", "India"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--country" in err


def test_missing_ordinals_are_found_between_known_ones() -> None:
    def r(i: int, ordinal: int | None) -> Round:
        return Round(i, f"k{i}", date(2020 + i, 1, 1), None, ordinal, None, [])

    s = Series("X", "AAA-BBB", "x", [r(0, 3), r(1, 6), r(2, 7), r(3, 5), r(4, 9), r(5, None), r(6, 12)])
    # in date order 3, 6, 7, 5, 9, ?, 12: between 3 and 6 only 4 is missing (5 is in the archive); 7 -> 5 goes
    # back; 8 is missing; of 10 and 11 one may be the round without an ordinal, the other is missing for sure
    assert [(a.ordinal, b.ordinal, gap, n) for a, b, gap, n in s.missing()] == [
        (3, 6, [4], 1), (5, 9, [8], 1), (9, 12, [10, 11], 1)]
    assert not Series("Y", "AAA-BBB", "y", [r(0, 1), r(1, None), r(2, 3)]).missing()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_script_shoots_the_report_in_headless_chromium(demo_archive: Path, tmp_path: Path) -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")):
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
    out = tmp_path / "report.png"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshot.py"), "report", str(demo_archive),
                           "-o", str(out), "--window-size", "1000,1400"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(out.resolve())
    assert png_size(out) == (1000, 1400) and out.stat().st_size > 20_000  # a rendered page, not a blank one


def test_report_reads_sqlite_and_postgresql_alike(archive_url: str, tmp_path: Path) -> None:
    """The same stories archived on either database give a report with every round and its first report."""
    from tests.test_search import seed

    seed(archive_url)
    engine = make_engine(archive_url, read_only=True)
    with engine.connect() as conn:
        keys = list(conn.scalars(select(Event.event_key)))
    html = write_report(engine, tmp_path).read_text(encoding="utf-8")
    engine.dispose()
    assert keys and all(f"<td>{k}</td>" in html for k in keys)
    firsts = first_reports(archive_url)
    assert firsts and all(published.strftime("%Y-%m-%d %H:%M") in html for _, published in firsts.values())
    assert "day(s) with documents" in html
