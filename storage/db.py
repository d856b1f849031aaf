"""Where the archive lives and how to connect to it.

The database URL comes from the caller (the CLI's ``--database``), else ``NEWSARCHIVE_DATABASE_URL``, else a
SQLite file in the user's data directory (``$XDG_DATA_HOME/newsarchive/archive.sqlite3``, by default
``~/.local/share/newsarchive/archive.sqlite3``). SQLite connections get WAL, a busy timeout, foreign keys and
``BEGIN IMMEDIATE`` transactions (a read-then-write transaction must hold the write lock from its start, or
two writers deadlock into "database is locked"). PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

ENV_DATABASE_URL = "NEWSARCHIVE_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 60_000


class DatabaseConfigError(Exception):
    """The database URL is malformed or names a driver that is not installed (a user mistake)."""


def default_data_dir() -> Path:
    """The directory holding the default SQLite archive."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsarchive"


def sqlite_url_for(path: Path | str) -> str:
    """The ``sqlite:///`` URL of a file path, percent-quoted so that ``?``, ``#`` and ``%`` in the path are
    part of the file name (a raw ``?`` would start the URL's query, a raw ``%20`` would be decoded)."""
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def default_database_url() -> str:
    return sqlite_url_for(default_data_dir() / "archive.sqlite3")


def resolve_database_url(explicit: str | None = None) -> str:
    """``explicit`` (``--database``) → ``$NEWSARCHIVE_DATABASE_URL`` → the default SQLite file.

    A bare path (no ``://``) is taken as a SQLite file.
    """
    raw = explicit or os.environ.get(ENV_DATABASE_URL) or default_database_url()
    if "://" not in raw:
        raw = sqlite_url_for(Path(raw).expanduser().resolve())
    return raw


def parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a malformed port or IPv6 host
        raise DatabaseConfigError(f"malformed database URL {mask_url(raw)!r}: {exc}") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseConfigError(
            f"unsupported database {backend!r} in {mask_url(raw)!r}: use sqlite:///PATH or postgresql://..."
        )
    if backend == "postgresql" and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def mask_url(raw: str | URL) -> str:
    """The URL with any password replaced by ``***`` (safe for logs and crawl_runs).

    A password containing an unescaped ``@`` is masked up to the LAST ``@`` of the authority: URL parsers
    split at the first one and would print the password's tail as the host."""
    try:
        url = raw if isinstance(raw, URL) else make_url(raw)
    except (ArgumentError, ValueError):
        return "<unparseable database URL>"
    if isinstance(raw, str) and url.password is not None and "://" in raw:
        scheme, rest = raw.split("://", 1)
        at = rest.rfind("@", 0, rest.find("?") if "?" in rest else len(rest))
        if at != -1 and ":" in rest[:at]:
            user = rest[:at].split(":", 1)[0]
            return f"{scheme}://{user}:***@{rest[at + 1:]}"
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def read_only_uri(path: Path) -> str:
    """SQLite's ``file:`` URI opening ``path`` read-only; the path is percent-quoted, so a ``?`` or ``#`` in it
    cannot end the path and drop ``mode=ro`` (SQLite would then create and write another, empty file)."""
    return f"file:{quote(str(path), safe='/')}?mode=ro"


def make_engine(raw_url: str, *, read_only: bool = False, create_dirs: bool = True, **kwargs: Any) -> Engine:
    """An Engine for ``raw_url`` with the archive's connection rules applied.

    ``read_only`` opens SQLite with ``mode=ro`` (exports, search, browsing) and PostgreSQL sessions with
    ``default_transaction_read_only``. Raises DatabaseConfigError on a malformed URL or missing driver.
    """
    url = parse_url(raw_url)
    path = sqlite_path(url)
    if path is None and url.get_backend_name() == "sqlite":
        raise DatabaseConfigError(
            f"{mask_url(raw_url)!r} names no archive file (an in-memory archive vanishes at exit): "
            "use sqlite:///PATH or a file path"
        )
    if path is not None:
        if read_only:
            if not path.exists():
                raise DatabaseConfigError(f"no archive at {path}: run `newsarchive db upgrade` first")
            uri = read_only_uri(path)
            engine = create_engine(
                "sqlite+pysqlite://",
                creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                **kwargs,
            )
        else:
            if create_dirs:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseConfigError(
                        f"cannot create the archive's directory {path.parent}: {exc.strerror or exc}"
                    ) from None
            engine = create_engine(url, **kwargs)
        _install_sqlite_rules(engine, read_only=read_only)
        return engine
    try:
        connect_args: dict[str, Any] = {"connect_timeout": 10}
        if read_only:
            # Keep any options already in the URL (e.g. a search_path) and add read-only sessions.
            existing = url.query.get("options")
            prior = existing if isinstance(existing, str) else " ".join(existing or ())
            connect_args["options"] = f"{prior} -c default_transaction_read_only=on".strip()
            url = url.difference_update_query(["options"])
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, connect_args=connect_args, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseConfigError(
            f"cannot use {mask_url(url)}: {exc}. Install the PostgreSQL driver: pip install 'newsarchive[postgres]'"
        ) from None


def _install_sqlite_rules(engine: Engine, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
