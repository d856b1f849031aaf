"""page context and rule versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 17:30:00

- ``documents.discovery`` (JSON): what discovery said about the page (sitemap/feed time as printed,
  publication, how it was found). It is part of the page's context (crawler.core.context), so
  ``newsarchive reprocess`` rebuilds the context the crawl had instead of guessing it.
- ``seen_urls.rule_version``: the rules version that rejected the URL; a crawl under other rules fetches it
  again. Existing rows keep NULL (version unknown: fetched again once).

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both dialects (no batch table rebuild, so the FTS triggers of 0002 are untouched).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('discovery', sa.JSON(), nullable=True))
    op.add_column('seen_urls', sa.Column('rule_version', sa.String(length=40), nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild of ``documents`` would break the views of 0002
    op.execute('ALTER TABLE seen_urls DROP COLUMN rule_version')
    op.execute('ALTER TABLE documents DROP COLUMN discovery')
