"""Applying and checking migrations, without needing an alembic.ini (works from an installed package).

Every command that needs the schema calls :func:`require_current_schema`, which says clearly when the
archive has no schema, is behind the code (run ``newsarchive db upgrade``) or ahead of it (newer code wrote
it: upgrade newsarchive), instead of failing later with an obscure SQL error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


# Objects that migrations create by hand and that autogenerate cannot compare (views, full-text tables and
# their indexes and triggers): left out of `alembic check` and of the drift test, on purpose.
UNMODELLED_PREFIXES = ("v_", "fts_", "articles_fts", "archive_write_lock")


def include_in_autogenerate(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic ``include_object`` hook: skip reflected objects that exist only in hand-written migrations."""
    if compare_to is not None or not reflected:
        return True
    if type_ == "table":
        return not (name or "").startswith(UNMODELLED_PREFIXES)
    table = getattr(getattr(obj, "table", None), "name", "") or ""
    return not (table.startswith(UNMODELLED_PREFIXES) or (name or "").startswith(UNMODELLED_PREFIXES))


class SchemaError(Exception):
    """The archive's schema is missing, behind or ahead of this code."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    known: bool  # False when the current revision is not one this code knows (written by newer code)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_status(engine: Engine) -> SchemaStatus:
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    known = current is None or _revision_known(script, current)
    head = script.get_current_head()
    assert head is not None
    return SchemaStatus(current=current, head=head, known=known)


def _revision_known(script: ScriptDirectory, rev: str) -> bool:
    try:
        return script.get_revision(rev) is not None
    except Exception:
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` inside one connection."""
    status = schema_status(engine)
    if not status.known:
        raise SchemaError(
            f"the archive is at schema revision {status.current}, which this newsarchive does not know "
            "(it was written by a newer version): upgrade newsarchive"
        )
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def require_writable(engine: Engine, where: str) -> None:
    """Raise SchemaError unless a write transaction can start (a read-only file, mount or replica)."""
    try:
        with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE takes the write lock or fails
            if conn.dialect.name == "postgresql":
                if conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
                    raise SchemaError(f"the archive at {where} is read-only (a standby or read-only role)")
            else:
                conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS newsarchive_write_probe (x)")
                conn.exec_driver_sql("DROP TABLE newsarchive_write_probe")
                conn.exec_driver_sql("PRAGMA user_version = 0")  # a write to the main database file
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "not writable"
        raise SchemaError(f"the archive at {where} cannot be written: {reason}") from None


def require_current_schema(engine: Engine, where: str) -> None:
    """Raise SchemaError with a one-line remedy unless the archive is at the head revision."""
    status = schema_status(engine)
    if status.current is None:
        raise SchemaError(f"the archive at {where} has no schema yet: run `newsarchive db upgrade`")
    if not status.known:
        raise SchemaError(
            f"the archive at {where} is at schema revision {status.current}, newer than this newsarchive "
            f"(head {status.head}): upgrade newsarchive"
        )
    if not status.up_to_date:
        raise SchemaError(
            f"the archive at {where} is at schema revision {status.current}, behind {status.head}: "
            "run `newsarchive db upgrade`"
        )
