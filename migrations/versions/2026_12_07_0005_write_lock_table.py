"""archive write lock table (PostgreSQL)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 17:30:00

An empty table ``archive_write_lock`` that writers lock (``LOCK TABLE ... IN EXCLUSIVE MODE``, see
storage/locks.py) instead of taking an advisory lock that any connected role, a read-only analyst included,
could take and hold. PostgreSQL only: SQLite serialises writers with ``BEGIN IMMEDIATE``. The table is not a
model (storage.schema.UNMODELLED_PREFIXES keeps it out of ``alembic check``); readers get no privilege on it.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE archive_write_lock (id integer PRIMARY KEY)")
    op.execute("COMMENT ON TABLE archive_write_lock IS "
               "'newsarchive: writers LOCK it IN EXCLUSIVE MODE to serialise write batches; always empty'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE archive_write_lock")
