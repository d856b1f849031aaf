"""Issue 13, "read-only that is read-only": a `db grant-reader` role on PostgreSQL cannot create temporary
tables or large objects (even under ``BEGIN READ WRITE``), cannot take the crawlers' write lock, and cannot
stall a crawl with an advisory lock; grant-reader refuses roles that are or could become the writer, and sends
a SCRAM verifier, never the password. `browse` serves the live SQLite file, WAL included."""

from __future__ import annotations

import glob
import os
import signal
import sqlite3
import subprocess
import time
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crawler.app.cli.analyst import LARGE_OBJECT_CREATORS
from storage.db import make_engine
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.test_access import as_role, free_port, get_json, run
from tests.test_search import STORIES, seed

OLD_ADVISORY_KEY = 0x6E61_0001  # the advisory lock key writers took before storage/locks.py


def with_options(url: str, *options: str) -> str:
    """``url`` with more ``-c name=value`` session options (keeping its search_path)."""
    u = make_url(url)
    prior = u.query.get("options")
    prior_s = prior if isinstance(prior, str) else " ".join(prior or ())
    return u.update_query_dict({"options": " ".join([prior_s, *options]).strip()}).render_as_string(
        hide_password=False)


@pytest.fixture
def public_defaults(pg_url: str) -> Iterator[None]:
    """grant-reader revokes TEMP and large-object creation from PUBLIC on the test database: put the
    PostgreSQL defaults back afterwards (the server is shared)."""
    yield
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        db = conn.scalar(text("SELECT current_database()"))
        conn.execute(text(f'GRANT TEMPORARY ON DATABASE "{db}" TO PUBLIC'))
        for signature in LARGE_OBJECT_CREATORS:
            conn.execute(text(f"GRANT EXECUTE ON FUNCTION pg_catalog.{signature} TO PUBLIC"))
    admin.dispose()


@pytest.fixture
def roles(pg_url: str) -> Iterator[list[str]]:
    """Role names to create; every one that exists afterwards is dropped."""
    names: list[str] = []
    yield names
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        for role in reversed(names):
            if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                conn.execute(text(f'DROP OWNED BY "{role}" CASCADE'))
                conn.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()


def new_role(roles: list[str], prefix: str) -> str:
    role = f"{prefix}_{uuid.uuid4().hex[:10]}"
    roles.append(role)
    return role


def denied(conn_url: str, *statements: str) -> str:
    """Run ``statements`` in one read-write transaction as the URL's role; the last must be refused by
    privileges. Returns the error message."""
    engine = create_engine(conn_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ WRITE"))
            for sql in statements[:-1]:
                conn.execute(text(sql))
            with pytest.raises(DBAPIError) as caught:
                conn.execute(text(statements[-1]))
            return str(caught.value.orig)
    finally:
        engine.dispose()


def test_reader_cannot_create_temp_tables_or_large_objects_or_take_the_write_lock(
    capsys: pytest.CaptureFixture[str], pg_url: str, roles: list[str], public_defaults: None
) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    reader = new_role(roles, "reader")
    code, _, err = run(capsys, "--database", pg_url, "db", "grant-reader", reader)
    assert code == 0, err
    as_reader = as_role(pg_url, reader)
    for statement in ("CREATE TEMP TABLE scratch (x integer)", "SELECT lo_create(0)", "SELECT lo_creat(-1)",
                      "SELECT lo_from_bytea(0, 'x'::bytea)"):
        message = denied(as_reader, statement)
        assert "permission denied" in message, (statement, message)
    for mode in ("EXCLUSIVE", "SHARE", "ACCESS SHARE", "ROW EXCLUSIVE"):
        message = denied(as_reader, f"LOCK TABLE archive_write_lock IN {mode} MODE")
        assert "permission denied" in message, (mode, message)

    # a reader holding advisory locks (the old write-lock key, any block key) does not stall a crawl's batch
    hold = create_engine(as_reader)
    held = hold.connect()
    try:
        held.execute(text("SELECT pg_advisory_lock(:k)"), {"k": OLD_ADVISORY_KEY})
        for k in range(-2**31, -2**31 + 2**32, 2**24):  # a sweep over the 32-bit block keys
            held.execute(text("SELECT pg_advisory_lock(:k)"), {"k": k})
        held.execute(text("SELECT count(*) FROM articles"))  # and an open read (ACCESS SHARE)
        started = time.monotonic()
        seed(with_options(pg_url, "-c lock_timeout=5000"))
        assert time.monotonic() - started < 5
    finally:
        held.close()
        hold.dispose()
    check = create_engine(pg_url)
    with check.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM articles")) == len(STORIES)
    check.dispose()


def test_grant_reader_refuses_the_writer_superusers_owners_and_members(
    capsys: pytest.CaptureFixture[str], pg_url: str, roles: list[str], public_defaults: None
) -> None:
    """A non-superuser writer owning its schema; grant-reader run as that writer."""
    writer = new_role(roles, "writer")
    schema = f"w_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{writer}" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{writer}"'))
    writer_url = make_url(as_role(pg_url, writer)).update_query_dict(
        {"options": f"-csearch_path={schema},public"}).render_as_string(hide_password=False)
    try:
        engine = make_engine(writer_url)
        upgrade(engine)
        engine.dispose()
        member, owner, superuser = (new_role(roles, p) for p in ("member", "owner", "super"))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{member}" LOGIN'))
            conn.execute(text(f'GRANT "{writer}" TO "{member}"'))
            conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
            conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO "{owner}"'))
            conn.execute(text(f'CREATE TABLE "{schema}".owned_by_other (x integer)'))
            conn.execute(text(f'ALTER TABLE "{schema}".owned_by_other OWNER TO "{owner}"'))
            conn.execute(text(f'CREATE ROLE "{superuser}" SUPERUSER'))
        for role, needle in ((writer, "running this command"), (member, "member"), (owner, "owns"),
                             (superuser, "superuser")):
            code, out, err = run(capsys, "--database", writer_url, "db", "grant-reader", role)
            lines = [ln for ln in err.splitlines() if ln.strip()]
            assert code != 0 and len(lines) == 1 and needle in lines[0], (role, out, err)
        with admin.begin() as conn:
            conn.execute(text(f'DROP TABLE "{schema}".owned_by_other'))
        # the writer still writes: nothing was changed on it
        engine = make_engine(writer_url)
        with engine.connect() as conn:
            assert conn.scalar(text("SHOW default_transaction_read_only")) == "off"
        engine.dispose()
        seed(writer_url)
        code, _, err = run(capsys, "--database", writer_url, "db", "grant-reader", new_role(roles, "reader"))
        assert code == 0, err
        assert "warning: not revoked from PUBLIC" in err  # not a superuser: what could not be closed is said
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def server_log_files() -> list[Path]:
    configured = os.environ.get("NEWSARCHIVE_TEST_POSTGRES_LOG")
    candidates = [configured] if configured else glob.glob("/var/log/postgresql/*.log")
    return [Path(p) for p in candidates if p and os.access(p, os.R_OK)]


def test_grant_reader_never_sends_the_plain_password(capsys: pytest.CaptureFixture[str], pg_url: str,
                                                     roles: list[str], public_defaults: None) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    engine.dispose()
    reader = new_role(roles, "reader")
    password = f"plain-{uuid.uuid4().hex}"
    code, _, err = run(capsys, "--database", pg_url, "db", "grant-reader", reader, "--password", password)
    assert code == 0, err
    admin = create_engine(pg_url)
    with admin.connect() as conn:
        stored = conn.scalar(text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": reader})
    assert stored is not None and stored.startswith("SCRAM-SHA-256$") and password not in stored

    # a grant-reader that fails on the password statement (run by a role that may not alter that role)
    writer = new_role(roles, "writer")
    with admin.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{writer}" LOGIN'))
        schema = conn.scalar(text("SELECT current_schema()"))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{writer}"'))
        conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{writer}"'))
    admin.dispose()
    logs = server_log_files()
    sizes = {p: p.stat().st_size for p in logs}
    second = f"plain-{uuid.uuid4().hex}"
    code, _, err = run(capsys, "--database", as_role(pg_url, writer), "db", "grant-reader", reader, "--password",
                       second)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and second not in err, err
    if not logs:
        pytest.skip("the PostgreSQL server log is not readable here (set NEWSARCHIVE_TEST_POSTGRES_LOG)")
    time.sleep(0.5)
    tail = b"".join(p.read_bytes()[sizes[p]:] for p in logs).decode("utf-8", "replace")
    assert "permission denied" in tail or "must have" in tail or "ERROR" in tail, tail[-2000:]
    assert second not in tail


# -- browse ------------------------------------------------------------------------------------------------
def test_browse_serves_the_live_archive_including_the_wal(tmp_path: Path) -> None:
    pytest.importorskip("datasette", reason="browse needs the optional extra: pip install 'newsarchive[browse]'")
    path = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    # a crawl in progress: committed rows still in the WAL (a writer connection stays open, no checkpoint)
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    seed(url)
    writer.execute("INSERT INTO sources (name, domain, created_at) VALUES ('Live', 'live.example', '2024-01-01 00:00:00')")
    writer.commit()
    assert Path(f"{path}-wal").stat().st_size > 0
    port = free_port()
    proc = forkcli.Popen(["--database", url, "browse", "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}/newsarchive"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    _, err = proc.communicate(timeout=5)
                    pytest.fail(f"browse did not come up: {err.decode(errors='replace')[-2000:]}")
                time.sleep(0.2)
        count = "?sql=select+count(*)+as+n+from+documents&_shape=array"
        assert get_json(f"{base}.json{count}")[0]["n"] == len(STORIES)
        names = {r["name"] for r in get_json(f"{base}/sources.json?_shape=array")}
        assert "Live" in names
        writer.execute("INSERT INTO sources (name, domain, created_at) VALUES ('Later', 'later.example', '2024-01-01 00:00:00')")
        writer.commit()
        assert "Later" in {r["name"] for r in get_json(f"{base}/sources.json?_shape=array")}
    finally:
        writer.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
