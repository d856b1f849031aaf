"""event facts fused across documents; virtual as its own flag; v_event_chairs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 20:00:00

- ``events.virtual`` (boolean, default false): the round met by video conference. Rows that held the word
  ``virtual`` in ``venue_country`` or ``venue_city`` become ``virtual = true`` with NULL there, so
  ``venue_country`` holds ISO alpha-2 or NULL only.
- ``events.fusion_reasons`` (JSON list of strings): why a fused fact won where the documents disagreed.
- ``documents.event_facts`` (JSON): the facts the page itself states, the input of the event's fusion
  (storage/fusion.py). Existing rows keep NULL: their events keep their facts until ``newsarchive reprocess``
  derives the documents' facts again; new documents fuse with what the others state.
- view ``v_event_chairs(event_key, name, title, country)``: one row per co-chair of an event (``events.co_chairs``
  as rows; ``country`` alpha-3, or NULL when unknown). Same columns on SQLite and PostgreSQL.

Plain ``ADD COLUMN`` / ``DROP COLUMN`` (no batch rebuild, so the FTS triggers and views of 0002 are untouched).
The downgrade writes ``virtual`` back into ``venue_country`` for virtual rounds.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_CHAIRS = """
CREATE VIEW v_event_chairs AS
SELECT e.event_key,
       json_extract(j.value, '$.name') AS name,
       json_extract(j.value, '$.title') AS title,
       json_extract(j.value, '$.country') AS country
  FROM events e,
       json_each(CASE WHEN json_valid(e.co_chairs) AND json_type(e.co_chairs) = 'array'
                      THEN e.co_chairs ELSE '[]' END) AS j
 WHERE json_type(j.value) = 'object'"""
_PG_CHAIRS = """
CREATE VIEW v_event_chairs AS
SELECT e.event_key,
       j.value ->> 'name' AS name,
       j.value ->> 'title' AS title,
       j.value ->> 'country' AS country
  FROM events e
 CROSS JOIN LATERAL json_array_elements(CASE WHEN json_typeof(e.co_chairs) = 'array'
                                             THEN e.co_chairs ELSE '[]'::json END) AS j(value)
 WHERE json_typeof(j.value) = 'object'"""


def upgrade() -> None:
    op.add_column('events', sa.Column('virtual', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('events', sa.Column('fusion_reasons', sa.JSON(), nullable=True))
    op.add_column('documents', sa.Column('event_facts', sa.JSON(), nullable=True))
    op.execute(sa.text("UPDATE events SET virtual = :yes, venue_country = NULL, "
                       "venue_city = CASE WHEN venue_city = 'virtual' THEN NULL ELSE venue_city END "
                       "WHERE venue_country = 'virtual' OR venue_city = 'virtual'").bindparams(yes=True))
    op.execute(_SQLITE_CHAIRS if op.get_bind().dialect.name == "sqlite" else _PG_CHAIRS)


def downgrade() -> None:
    op.execute("DROP VIEW v_event_chairs")
    op.execute(sa.text("UPDATE events SET venue_country = 'virtual' WHERE virtual = :yes").bindparams(yes=True))
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would break the views of 0002
    op.execute('ALTER TABLE documents DROP COLUMN event_facts')
    op.execute('ALTER TABLE events DROP COLUMN fusion_reasons')
    op.execute('ALTER TABLE events DROP COLUMN virtual')
