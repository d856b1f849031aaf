"""Operator mistakes: a wrong database URL, a read-only archive, an archive newer than the code, a full disk.
Each ends with one clear error line, a non-zero exit, and the archive untouched (same bytes or same rows).

The read-only and full-disk cases need mounts (a read-only bind mount, a 1-2 MB tmpfs): the tests run as
root in CI, and root ignores file permission bits, so ``chmod 0444`` would prove nothing. Without the
privilege to mount they skip with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]


def newsarchive(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATABASE_URL"}
    return forkcli.run([*args], capture_output=True, text=True, timeout=timeout,
                          check=False, env=env)


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exactly one ``newsarchive: error:`` line and no traceback; returns the line."""
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("newsarchive:")]
    assert len(errors) == 1, proc.stderr[-3000:]
    return errors[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def make_archive(path: Path, demo_url: str | None = None) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    if demo_url:
        proc = newsarchive("--database", f"sqlite:///{path}", "crawl", "--url", demo_url, *FAST)
        assert proc.returncode == 0, proc.stderr[-2000:]
    conn = sqlite3.connect(path)  # fold the WAL into the main file so the bytes can be compared
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _mount(args: list[str]) -> None:
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount ({proc.stderr.strip() or 'not permitted'}): needs root with CAP_SYS_ADMIN")


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(writable dir, the same dir bind-mounted read-only)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount(8)")
    src, ro = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    ro.mkdir()
    _mount(["--bind", str(src), str(ro)])
    try:
        _mount(["-o", "remount,ro,bind", str(ro)])
        yield src, ro
    finally:
        subprocess.run(["umount", str(ro)], check=False)


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (unmounted afterwards)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount(8)")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)])
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


WRITERS = (("db", "upgrade"), ("crawl", "--url", "http://127.0.0.1:9/x"))
READERS = (("export", "events"), ("stats",))


def _url_cases() -> list[object]:
    cases: list[object] = []
    for url in ("postgresql://postgres:secret@127.0.0.1:1/nope",  # nothing listens on port 1
                "mysql://u:p@127.0.0.1/db",  # not a supported database
                "sqlite:////proc/no/such/dir/archive.sqlite3",  # a directory that cannot be created
                "postgresql://[::1:bad"):  # malformed
        for command in (*WRITERS, *READERS):
            cases.append(pytest.param(url, list(command), id=f"{command[0]}-{url.split(':')[0]}"
                                      + ("-bad" if "bad" in url or "/proc" in url else "")))
    return cases


@pytest.mark.parametrize(("url", "command"), _url_cases())
def test_wrong_database_url_is_one_line(url: str, command: list[str]) -> None:
    line = one_error_line(newsarchive("--database", url, *command))
    assert "secret" not in line  # passwords are masked


def test_archive_without_schema_is_one_line_and_is_not_created_by_reads(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    one_error_line(newsarchive("--database", f"sqlite:///{path}", "export", "events"))
    one_error_line(newsarchive("--database", f"sqlite:///{path}", "crawl", "--url", "http://127.0.0.1:9/x", *FAST))


def test_archive_newer_than_the_code_is_refused_and_untouched(tmp_path: Path, demo_server: FixtureServer) -> None:
    path = tmp_path / "archive.sqlite3"
    make_archive(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")  # a revision from the future
    conn.commit()
    conn.close()
    before = sha256(path)
    db = f"sqlite:///{path}"
    for args in (["crawl", "--sitemap", f"{demo_server.base_url}/sitemap_index.xml", *FAST],
                 ["db", "upgrade"], ["export", "events"], ["stats"]):
        line = one_error_line(newsarchive("--database", db, *args))
        assert "ffffffffffff" in line or "newer" in line, line
    proc = newsarchive("--database", db, "db", "current")
    assert proc.returncode == 1 and "newer" in proc.stdout
    assert sha256(path) == before


def test_read_only_archive_crawl_fails_in_one_line_and_archive_is_untouched(
    readonly_dir: tuple[Path, Path], demo_server: FixtureServer
) -> None:
    src, ro = readonly_dir
    make_archive(src / "archive.sqlite3",
                 f"{demo_server.base_url}/wirefeed/news/1107921447/India-US-Review-Counter-Terror-And-Cyber-"
                 "Crime-Cooperation-At-Homeland-Security-Dialogue.html")
    for leftover in ("archive.sqlite3-wal", "archive.sqlite3-shm"):
        (src / leftover).unlink(missing_ok=True)
    before = sha256(src / "archive.sqlite3")
    counts = sqlite_counts(src / "archive.sqlite3")
    proc = newsarchive("--database", f"sqlite:///{ro / 'archive.sqlite3'}", "crawl", "--sitemap",
                       f"{demo_server.base_url}/sitemap_index.xml", *FAST)
    line = one_error_line(proc)
    assert "read" in line.lower() or "open" in line.lower(), line
    assert sha256(src / "archive.sqlite3") == before
    assert sqlite_counts(src / "archive.sqlite3") == counts


def test_read_only_archive_still_exports(readonly_dir: tuple[Path, Path], demo_server: FixtureServer) -> None:
    """An analyst reading an archive on read-only media (a snapshot, a mounted backup) gets the export."""
    src, ro = readonly_dir
    make_archive(src / "archive.sqlite3",
                 f"{demo_server.base_url}/wirefeed/news/1107921447/India-US-Review-Counter-Terror-And-Cyber-"
                 "Crime-Cooperation-At-Homeland-Security-Dialogue.html")
    for leftover in ("archive.sqlite3-wal", "archive.sqlite3-shm"):
        (src / leftover).unlink(missing_ok=True)
    proc = newsarchive("--database", f"sqlite:///{ro / 'archive.sqlite3'}", "export", "documents", "--format", "jsonl")
    assert proc.returncode == 0 or len(proc.stderr.strip().splitlines()) == 1, proc.stderr[-2000:]
    if proc.returncode == 0:
        assert len(proc.stdout.splitlines()) == 1


def _crawl_on_full_disk(tiny_fs: Path, demo_server: FixtureServer) -> tuple[subprocess.CompletedProcess[str], Path]:
    path = tiny_fs / "archive.sqlite3"
    make_archive(path)
    filler = tiny_fs / "filler"
    with filler.open("wb") as f:  # leave a few KB: enough to open, not enough to archive the demo site
        free = shutil.disk_usage(tiny_fs).free
        f.write(b"\0" * max(0, free - 24 * 1024))
    proc = newsarchive("--database", f"sqlite:///{path}", "crawl", "--sitemap",
                       f"{demo_server.base_url}/sitemap_index.xml", "--batch-size", "3", *FAST)
    filler.unlink()
    return proc, path


def test_full_disk_leaves_a_consistent_archive(tiny_fs: Path, demo_server: FixtureServer) -> None:
    proc, path = _crawl_on_full_disk(tiny_fs, demo_server)
    assert proc.returncode != 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # nothing half-written: every document has its article and source (batches roll back whole)
        assert conn.execute("SELECT count(*) FROM documents d LEFT JOIN articles a ON a.id = d.article_id "
                            "LEFT JOIN sources s ON s.id = d.source_id WHERE a.id IS NULL OR s.id IS NULL"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM articles a LEFT JOIN documents d ON d.article_id = a.id "
                            "WHERE d.id IS NULL").fetchone()[0] == 0
    finally:
        conn.close()


def test_full_disk_crawl_fails_in_one_line(tiny_fs: Path, demo_server: FixtureServer) -> None:
    proc, _path = _crawl_on_full_disk(tiny_fs, demo_server)
    line = one_error_line(proc)
    message = line.replace(str(tiny_fs), "PATH")  # the temporary path itself may contain "full"
    assert "full" in message.lower(), line
