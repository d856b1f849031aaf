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
from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Event
from storage.schema import upgrade
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


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite archive crawled from the bundled demo site with the real CLI."""
    path = tmp_path_factory.mktemp("browse") / "archive.sqlite3"
    cli = [sys.executable, "-m", "crawler.app.cli", "--database", f"sqlite:///{path}"]
    assert subprocess.run([*cli, "db", "upgrade"], capture_output=True, timeout=120).returncode == 0
    with FixtureServer(DEMO_SITE) as server:
        done = subprocess.run([*cli, "crawl", "--sitemap", f"{server.base_url}/sitemap_index.xml", *FAST],
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return path


def test_browse_serves_events_and_canned_queries(demo_archive: Path) -> None:
    pytest.importorskip("datasette", reason="browse needs the optional extra: pip install 'newsarchive[browse]'")
    engine = make_engine(f"sqlite:///{demo_archive}", read_only=True)
    with engine.connect() as conn:
        keys = set(conn.scalars(select(Event.event_key)))
    engine.dispose()
    assert keys, "the demo crawl archived events"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawler.app.cli", "--database", f"sqlite:///{demo_archive}",
                             "browse", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    _, err = proc.communicate(timeout=5)
                    pytest.fail(f"browse did not come up: {err.decode(errors='replace')[-2000:]}")
                time.sleep(0.2)
        events = get_json(f"{base}/archive/events.json?_shape=array&_size=max")
        assert {e["event_key"] for e in events} == keys
        view = get_json(f"{base}/archive/v_events.json?_shape=array&_size=max")
        assert {e["event_key"] for e in view} == keys and all("agencies" in e for e in view)
        q1 = get_json(f"{base}/archive/q1.json?_shape=array")
        assert q1 and set(q1[0]) == {"countries", "series_name", "start_year", "rounds"}
        assert sum(r["rounds"] for r in q1) == len(keys)
        meta = get_json(f"{base}/-/metadata.json")
        tables = meta["databases"]["archive"]["tables"]
        assert "event_key" in tables["events"]["columns"] and tables["v_events"]["description"]
        # served read-only: the archive file is opened immutable, writes are refused
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(
                f"{base}/archive/-/query?sql=" + urllib.parse.quote("DELETE FROM events"), timeout=10)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    engine = make_engine(f"sqlite:///{demo_archive}", read_only=True)
    with engine.connect() as conn:
        assert set(conn.scalars(select(Event.event_key))) == keys
    engine.dispose()
