"""documents.http_last_modified: the response's Last-Modified, kept for reprocessing

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:30:00

A relative date line ("2 hours ago", "vor 3 Tagen") is read only against a reference the fetch or discovery
gives for the page, among them the response's HTTP ``Last-Modified`` (crawler.core.process). Discovery's
reference is archived (``documents.discovery``), the header was not, so ``newsarchive reprocess`` left such a
page undated where the crawl had dated it. This column keeps it. A plain nullable column: ``documents`` is
not recreated, so SQLite keeps its triggers and views; rows archived before stay NULL (the header is gone).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("http_last_modified", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "http_last_modified")  # plain ALTER TABLE: the views stay in place
