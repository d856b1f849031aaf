"""Read-only access for analysts: `newsarchive db grant-reader ROLE` on the PostgreSQL test server (the role
reads tables and views, and cannot write or create), and `newsarchive browse` (Datasette over a SQLite
archive crawled from the demo site: the JSON API serves events, the cookbook runs as canned queries)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

from crawler.app.cli.main import main
from storage.db import make_engine
from storage.models import Event
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION
from tests.test_search import STORIES, seed

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- db grant-reader ---------------------------------------------------------------------------------------
@pytest.fixture
def reader_role(pg_url: str) -> Iterator[str]:
    """A unique role name; the role (and its grants) is dropped afterwards if a test created it."""
    role = f"reader_{uuid.uuid4().hex[:10]}"
    yield role
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()


def as_role(pg_url: str, role: str) -> str:
    """The same database and schema, connecting as ``role`` (the test server trusts local connections)."""
    return make_url(pg_url).set(username=role, password=None).render_as_string(hide_password=False)


def test_grant_reader_can_read_everything_and_write_nothing(capsys: pytest.CaptureFixture[str], pg_url: str,
                                                            reader_role: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    seed(pg_url)
    code, out, err = run(capsys, "--database", pg_url, "db", "grant-reader", reader_role)
    assert code == 0, err
    assert "created" in out
    # after the grant, a later migration's table is readable too (default privileges)
    owner = create_engine(pg_url)
    with owner.begin() as conn:
        conn.execute(text("CREATE TABLE later_table (id integer)"))
        conn.execute(text("INSERT INTO later_table VALUES (1)"))

    reader = create_engine(as_role(pg_url, reader_role))
    with reader.connect() as conn:
        assert conn.scalar(text("SELECT current_user")) == reader_role
        assert conn.scalar(text("SELECT count(*) FROM articles")) == len(STORIES)
        assert conn.scalar(text("SELECT count(*) FROM documents")) == len(STORIES)
        assert conn.scalar(select(func.count()).select_from(Event)) == 4
        for view in ("v_events", "v_articles", "v_documents", "v_event_publishers", "v_event_agencies",
                     "v_event_chairs"):
            conn.execute(text(f"SELECT * FROM {view}")).all()
        assert conn.scalar(text("SELECT count(*) FROM articles_fts")) == len(STORIES)
        assert conn.scalar(text("SELECT count(*) FROM later_table")) == 1
        assert conn.scalar(text("SHOW default_transaction_read_only")) == "on"
        conn.rollback()

    # even in an explicitly read-write transaction, every kind of write is refused by privileges
    writes = [
        "INSERT INTO sources (domain, name) VALUES ('x.example', 'X')",
        "UPDATE articles SET title = 'changed'",
        "DELETE FROM documents",
        "TRUNCATE seen_urls",
        "INSERT INTO later_table VALUES (2)",
        "CREATE TABLE reader_table (id integer)",
        "CREATE VIEW v_reader AS SELECT 1 AS x",
        "DROP VIEW v_events",
        "ALTER TABLE articles ADD COLUMN x integer",
    ]
    for sql in writes:
        with reader.connect() as conn:
            conn.execute(text("SET TRANSACTION READ WRITE"))
            with pytest.raises((ProgrammingError, DBAPIError)) as caught:
                conn.execute(text(sql))
            message = str(caught.value.orig)
            assert "permission denied" in message or "must be owner" in message, (sql, message)
    reader.dispose()

    with owner.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM documents")) == len(STORIES)
        assert conn.scalar(text("SELECT count(*) FROM articles WHERE title = 'changed'")) == 0
    owner.dispose()

    # the analyst's commands work with the reader's credentials
    code, out, err = run(capsys, "--database", as_role(pg_url, reader_role), "search", "homeland security",
                         "--format", "jsonl")
    assert code == 0, err
    assert len(out.splitlines()) == 2
    code, out, err = run(capsys, "--database", as_role(pg_url, reader_role), "export", "events")
    assert code == 0, err
    assert len(out.splitlines()) == 1 + 4

    # running it again updates the same role
    code, out, err = run(capsys, "--database", pg_url, "db", "grant-reader", reader_role, "--password", "s3cret'x")
    assert code == 0 and "updated" in out, err


@pytest.mark.parametrize("role", ["1abc", "bad'name", "a b", "x" * 64, 'quo"te'])
def test_grant_reader_refuses_bad_role_names(capsys: pytest.CaptureFixture[str], pg_url: str, role: str) -> None:
    code, _, err = run(capsys, "--database", pg_url, "db", "grant-reader", role)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and "role name" in lines[0] and "Traceback" not in err


def test_grant_reader_on_sqlite_says_it_is_for_postgresql(capsys: pytest.CaptureFixture[str],
                                                          sqlite_url: str) -> None:
    assert run(capsys, "--database", sqlite_url, "db", "upgrade")[0] == 0
    code, _, err = run(capsys, "--database", sqlite_url, "db", "grant-reader", "analyst")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and "PostgreSQL" in lines[0]


# -- browse ----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def start_browse(archive: Path, *extra: str) -> tuple[forkcli.Popen, str]:
    """`newsarchive browse --port 0` as a real process; returns it and its base URL, read from the line it
    prints (the real port), once it answers."""
    proc = forkcli.Popen(["--database", f"sqlite:///{archive}",
                             "browse", "--port", "0", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("serving ") and ":0/" not in line, line
    base = line.split(" at ")[1].split()[0].rstrip("/")
    deadline = time.monotonic() + 30
    while True:
        try:
            get_json(f"{base}/-/versions.json")
            return proc, base
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"browse did not come up: {proc.communicate(timeout=5)[1][-2000:]}")
            time.sleep(0.1)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def stop_and_check_cleanup(proc: forkcli.Popen, sig: int) -> None:
    """Signal `newsarchive browse` alone (not its group): its datasette child and temporary directory go too."""
    kids = children(proc.pid)
    assert kids, "browse runs datasette as a child process"
    cmdline = Path(f"/proc/{kids[0]}/cmdline").read_bytes().split(b"\0")
    tmp = Path(cmdline[cmdline.index(b"--metadata") + 1].decode()).parent
    assert tmp.is_dir() and tmp.name.startswith("newsarchive-browse-")
    try:
        os.kill(proc.pid, sig)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0
    deadline = time.monotonic() + 5
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(k) for k in kids), "the datasette child outlived browse"
    assert not tmp.exists(), "browse left its temporary directory behind"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")
def test_browse_opens_on_the_data_and_cleans_up_on_sigterm(demo_archive: Path) -> None:
    pytest.importorskip("datasette", reason="browse needs the optional extra: pip install 'newsarchive[browse]'")
    engine = make_engine(f"sqlite:///{demo_archive}", read_only=True)
    with engine.connect() as conn:
        keys = set(conn.scalars(select(Event.event_key)))
    engine.dispose()
    assert keys, "the demo crawl archived events"
    proc, base = start_browse(demo_archive)
    try:
        home = get_text(f"{base}/")
        # views before tables; internal tables hidden; the database is "newsarchive"
        assert home.index("/newsarchive/v_events") < home.index("/newsarchive/events\"")
        assert "/newsarchive/article_lsh_bands\"" not in home
        listed = get_text(f"{base}/newsarchive")
        assert listed.index("v_events") < listed.index("/newsarchive/documents\"")
        assert "article_lsh_bands" not in listed.split("Internal tables")[0]
        # v_events: sorted by start_date, the facets asked for, column meanings collapsed (no raw backticks)
        view = get_json(f"{base}/newsarchive/v_events.json?_shape=objects&_size=max")
        rows = view["rows"]
        assert {e["event_key"] for e in rows} == keys
        assert [e["start_date"] for e in rows] == sorted(e["start_date"] for e in rows)
        assert {f["name"] for f in view["facet_results"].values()} >= {"series_name", "countries", "start_year",
                                                                       "agencies"}
        page = get_text(f"{base}/newsarchive/v_events")
        assert '<details class="columns">' in page and "`" not in page.split("<table")[0]
        # full-text search wired to articles_fts
        hits = get_json(f"{base}/newsarchive/v_articles.json?_search=Doval&_shape=array")
        assert hits and all("doval" in (h["title"] + h["body"]).lower() for h in hits)
        unfiltered = get_json(f"{base}/newsarchive/v_articles.json?_shape=array&_size=max")
        assert len(hits) < len(unfiltered)
        # canned queries take named parameters
        q4 = get_json(f"{base}/newsarchive/q4.json?co_chairs=Doval&_shape=array")
        assert q4 and all("Doval" in r["co_chairs"] for r in q4)
        q2 = get_json(f"{base}/newsarchive/q2.json?countries=IND-USA&_shape=array")
        assert q2 and {r["event_key"] for r in q2} == {k for k in keys if k.startswith("IND-USA:")}
        q1 = get_json(f"{base}/newsarchive/q1.json?_shape=array")
        assert sum(r["rounds"] for r in q1) == len(keys)
        meta = get_json(f"{base}/-/metadata.json")
        assert meta["title"] == "newsarchive" and "newsarchive" in meta["databases"]
        assert ":co_chairs" in meta["databases"]["newsarchive"]["queries"]["q4"]["sql"]
        assert "Doval" not in meta["databases"]["newsarchive"]["queries"]["q4"]["sql"]
        # served read-only: writes are refused
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(
                f"{base}/newsarchive/-/query?sql=" + urllib.parse.quote("DELETE FROM events"), timeout=10)
        stop_and_check_cleanup(proc, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    engine = make_engine(f"sqlite:///{demo_archive}", read_only=True)
    with engine.connect() as conn:
        assert set(conn.scalars(select(Event.event_key))) == keys
    engine.dispose()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")
def test_browse_stops_cleanly_on_sigint_and_refuses_a_busy_port(capsys: pytest.CaptureFixture[str],
                                                                 demo_archive: Path) -> None:
    pytest.importorskip("datasette", reason="browse needs the optional extra: pip install 'newsarchive[browse]'")
    proc, base = start_browse(demo_archive)
    try:
        port = base.rsplit(":", 1)[1]
        code, _, err = run(capsys, "--database", f"sqlite:///{demo_archive}", "browse", "--port", port)
        assert code == 1
        assert err.strip().splitlines() == [
            f"newsarchive: error: port {port} on 127.0.0.1 is already in use: stop what listens there, or pass "
            "another --port (--port 0 picks a free one)"], err
        stop_and_check_cleanup(proc, signal.SIGINT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
