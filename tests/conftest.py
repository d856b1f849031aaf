"""Shared fixtures: archives on SQLite and PostgreSQL, the shared data directory, the demo site server.

PostgreSQL tests use ``NEWSARCHIVE_TEST_POSTGRES_URL``. Unset (a laptop): they skip with the reason.
Set but unreachable (a broken CI): they FAIL — a CI that silently skips its database tests is lying.
Each PostgreSQL test gets its own schema (``search_path``), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.schema import upgrade
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PG_ENV = "NEWSARCHIVE_TEST_POSTGRES_URL"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the shared data is absent (a fresh clone elsewhere)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present ({path} missing): shared development data is only on project machines")
    return path


@pytest.fixture
def shared_dir() -> Path:
    return shared_path("data")


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set: PostgreSQL tests need a server (CI sets it)")
    return url


def _pg_sqlalchemy_url(raw: str) -> str:
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections live in a fresh, empty schema."""
    raw = _pg_base_url()
    admin = create_engine(_pg_sqlalchemy_url(raw), connect_args={"connect_timeout": 5})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # set but unreachable: fail loudly
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is not usable: {exc}")
    url = make_url(_pg_sqlalchemy_url(raw)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_archive_url(sqlite_url: str) -> str:
    """A migrated, empty SQLite archive: for crawl-behaviour tests (alerts, rule errors, hostile sites, the whole
    composition) whose subject is the crawl, not the database; the archive code is tested on both backends by
    the storage, crawl, concurrency, idempotency, jobdir, reprocess and query tests (``archive_url``)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    return sqlite_url


@pytest.fixture
def archive_url(db_url: str) -> str:
    """A migrated, empty archive (SQLite and PostgreSQL)."""
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    return db_url


@pytest.fixture
def demo_server() -> Iterator[FixtureServer]:
    with FixtureServer(DEMO_SITE) as server:
        yield server


def _crawl_demo(path: Path) -> None:
    cli = ["--database", f"sqlite:///{path}"]
    assert forkcli.run([*cli, "db", "upgrade"], capture_output=True, timeout=120).returncode == 0
    fast = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *INLINE_EXTRACTION]
    with FixtureServer(DEMO_SITE) as server:
        done = forkcli.run([*cli, "crawl", "--sitemap", f"{server.base_url}/sitemap_index.xml", *fast],
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def demo_archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite archive crawled from the bundled demo site with the real CLI, once per test run: under xdist
    the first worker that needs it crawls it into the run's shared temporary directory (under a file lock)
    and the others reuse it. Shared by the tests that only read it (browse, report): do not write to it."""
    if not hasattr(request.config, "workerinput"):  # not an xdist worker: this process's own directory
        path = tmp_path_factory.mktemp("demo-archive") / "archive.sqlite3"
        _crawl_demo(path)
        return path
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent / "demo-archive"  # the run's directory, common to workers
    shared.mkdir(exist_ok=True)
    path, done = shared / "archive.sqlite3", shared / "crawled"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            path.unlink(missing_ok=True)
            _crawl_demo(path)
            done.touch()
    return path
