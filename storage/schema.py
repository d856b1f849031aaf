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

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


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
