"""documents.published_rejected: why a page's publication time was not archived

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:00:00

A publication time before the source's era or after the fetch (crawler.core.plausible) is not archived:
``published_at`` stays NULL and ``published_rejected`` says why (``before_era:1990-01-01 (meta 1000-01-01)``).
A plain nullable column: ``documents`` is not recreated, so SQLite keeps its triggers and views.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("published_rejected", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "published_rejected")  # plain ALTER TABLE: the 0002 views stay in place
