"""Issue 13, "tracebacks instead of one line": each bad input the README promises to refuse ends with ONE
error line and a non-zero exit, on both databases where a database is involved; archive paths with URL
metacharacters name the file they name; a password with an unescaped ``@`` never leaks its tail."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from crawler.app.cli.main import main
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine, mask_url, resolve_database_url
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.test_cli import assert_one_line_error, run

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


def newsarchive(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
                timeout: int = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATABASE_URL"}
    return forkcli.run([*args], capture_output=True, text=True, timeout=timeout,
                          check=False, input=stdin, env={**base, **(env or {})})


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("newsarchive:")]


@pytest.mark.parametrize("command", ["search", "export"])
@pytest.mark.parametrize("option", ["--until", "--since"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2201-01-01", "1899-12-31"])
def test_dates_out_of_range_are_one_line(capsys: pytest.CaptureFixture[str], archive_url: str, command: str,
                                         option: str, value: str) -> None:
    args = ["search", "dialogue"] if command == "search" else ["export", "events"]
    code, _, err = run(capsys, "--database", archive_url, *args, option, value)
    assert_one_line_error(code, err, option, "1900", "2200")


@pytest.mark.parametrize("value", ["1900-01-01", "2200-12-31"])
def test_dates_at_the_range_ends_are_accepted(capsys: pytest.CaptureFixture[str], archive_url: str,
                                              value: str) -> None:
    code, _, err = run(capsys, "--database", archive_url, "search", "dialogue", "--until", value)
    assert code == 0, err
    code, _, err = run(capsys, "--database", archive_url, "export", "events", "--since", value)
    assert code == 0, err


def test_export_to_a_full_device_is_one_line(capsys: pytest.CaptureFixture[str], archive_url: str) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    code, _, err = run(capsys, "--database", archive_url, "export", "events", "-o", "/dev/full")
    assert_one_line_error(code, err, "cannot write /dev/full", "No space left")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"], ["search", "x"], ["export", "events"]])
def test_sqlite_urls_without_a_file_are_one_line(capsys: pytest.CaptureFixture[str], url: str,
                                                 command: list[str]) -> None:
    code, _, err = run(capsys, "--database", url, *command)
    assert_one_line_error(code, err, "names no archive file", "sqlite:///PATH")


def test_binary_urls_file_and_manifest_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    archive_url: str) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    code, _, err = run(capsys, "--database", archive_url, "crawl", "--urls-file", str(binary))
    assert_one_line_error(code, err, "--urls-file", "not UTF-8")
    code, _, err = run(capsys, "extract", "--manifest", str(binary))
    assert_one_line_error(code, err, "manifest", "not UTF-8")


@pytest.mark.parametrize(("setting", "needle"), [("CONCURRENT_REQUESTS=abc", "an integer"),
                                                 ("DOWNLOAD_DELAY=soon", "a number"),
                                                 ("ROBOTSTXT_OBEY=maybe", "true or false")])
def test_mistyped_settings_are_one_line_before_the_crawl(capsys: pytest.CaptureFixture[str], archive_url: str,
                                                         setting: str, needle: str) -> None:
    code, _, err = run(capsys, "--database", archive_url, "crawl", "--url", "http://127.0.0.1:9/x", "-s", setting)
    assert_one_line_error(code, err, setting.split("=")[0], needle)


def test_jobdir_that_is_a_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           archive_url: str) -> None:
    afile = tmp_path / "state"
    afile.write_text("not a directory", encoding="utf-8")
    for jobdir, needle in ((afile, "is a file"), (afile / "sub", "cannot create --jobdir")):
        code, _, err = run(capsys, "--database", archive_url, "crawl", "--url", "http://127.0.0.1:9/x",
                           "--jobdir", str(jobdir))
        assert_one_line_error(code, err, needle)


def test_dateline_jsonl_with_a_numeric_published_is_one_line() -> None:
    proc = newsarchive("dateline", "--jsonl", stdin=json.dumps({"text": "New Delhi, Feb 28 (IANS)",
                                                                "published": 20240101}) + "\n")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert len(error_lines(proc.stderr)) == 1 and "published" in proc.stderr


def test_malformed_sources_file_fails_an_ad_hoc_crawl_in_one_line(tmp_path: Path,
                                                                   demo_server: FixtureServer) -> None:
    db = tmp_path / "a.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    bad = tmp_path / "sources.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = newsarchive("--database", str(db), "crawl", "--url", f"{demo_server.base_url}/", *FAST,
                       env={"NEWSARCHIVE_SOURCES": str(bad)})
    assert proc.returncode != 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert error_lines(proc.stderr) == [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(error_lines(proc.stderr)) == 1 and str(bad) in proc.stderr


def test_unreachable_host_logs_one_line_per_failure_without_verbose(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    proc = newsarchive("--database", str(db), "crawl", "--url", "http://127.0.0.1:9/x", *FAST,
                       "-s", "RETRY_ENABLED=False")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert all(not ln[0].isspace() for ln in lines), proc.stderr  # no indented traceback frames
    assert 2 <= len(lines) <= 8, proc.stderr
    assert any("Connection refused" in ln or "Connection was refused" in ln for ln in lines), proc.stderr
    verbose = newsarchive("--database", str(db), "--verbose", "crawl", "--url", "http://127.0.0.1:9/x", *FAST,
                          "-s", "RETRY_ENABLED=False")
    assert "Traceback" in verbose.stderr  # -v keeps the detail


def test_query_with_too_many_terms_is_one_line(capsys: pytest.CaptureFixture[str], archive_url: str) -> None:
    words = " ".join(f"word{i}" for i in range(95))
    code, _, err = run(capsys, "--database", archive_url, "search", words)
    assert_one_line_error(code, err, "too many terms")
    excluded = "dialogue " + " ".join(f"-word{i}" for i in range(200))
    code, _, err = run(capsys, "--database", archive_url, "search", excluded)
    assert_one_line_error(code, err, "too many terms")
    code, _, err = run(capsys, "--database", archive_url, "export", "articles", "--query", words)
    assert_one_line_error(code, err, "too many terms")
    # the limit itself runs on both databases: 50 terms, one of each kind of tree
    fifty = "dialogue " + " ".join(f"-word{i}" for i in range(49))
    for query in (fifty, " ".join(f"word{i}" for i in range(50)), " OR ".join(f"word{i}" for i in range(50))):
        code, _, err = run(capsys, "--database", archive_url, "search", query)
        assert code == 0, err


@pytest.mark.parametrize("name", ["a?b", "a#b", "a%20b", "100%"])
def test_archive_paths_with_url_metacharacters_name_their_file(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    archive = folder / "x.sqlite3"
    assert main(["--database", str(archive), "db", "upgrade"]) == 0
    capsys.readouterr()
    assert archive.exists()
    for args in (["stats"], ["search", "dialogue"], ["export", "events"], ["runs"]):
        code, _, err = run(capsys, "--database", str(archive), *args)
        assert code == 0, err
    # no other file was created (a WAL archive's -wal/-shm companions are the archive's own)
    assert {p.relative_to(tmp_path).as_posix().split("-")[0] for p in tmp_path.rglob("*")} == {
        name, f"{name}/x.sqlite3"}
    # read-only really is read-only: the open cannot write the archive
    url = resolve_database_url(str(archive))
    engine = make_engine(url, read_only=True)
    with engine.connect() as conn, pytest.raises(Exception, match=r"readonly|read-only"):
        conn.exec_driver_sql("CREATE TABLE intruder (x)")
    engine.dispose()
    conn2 = sqlite3.connect(archive)
    assert conn2.execute("SELECT count(*) FROM sqlite_master WHERE name = 'intruder'").fetchone()[0] == 0
    conn2.close()


@pytest.mark.parametrize(("url", "secret"), [
    ("postgresql://reader:p@ss@word@db.example/archive", "ss@word"),
    ("postgresql://reader:s3cr@t@127.0.0.1:1/archive", "t@127"),
    ("postgresql://reader:plain@127.0.0.1:1/archive", "plain"),
])
def test_mask_url_hides_the_whole_password(url: str, secret: str) -> None:
    masked = mask_url(url)
    assert secret not in masked and "***" in masked, masked
    assert masked.startswith("postgresql://reader:***@")


def test_mask_url_leaves_urls_without_password_alone(tmp_path: Path) -> None:
    assert mask_url("postgresql://postgres@127.0.0.1:5432/test") == "postgresql://postgres@127.0.0.1:5432/test"
    assert "***" not in mask_url(resolve_database_url(str(tmp_path / "a@b:c" / "x.sqlite3")))
