"""analyst views and full-text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:00:00

Views for analysts (docs/schema.md describes every column): ``v_events``, ``v_articles``, ``v_documents``,
``v_event_publishers``, ``v_event_agencies``. Column names and meanings are the same on SQLite and
PostgreSQL; the SQL differs only where the dialects do (JSON functions, date arithmetic, string
aggregation), so the cookbook (docs/queries.md) runs unchanged on both.

Full-text search over article titles and bodies, kept in sync by triggers on ``articles``:

- SQLite: FTS5 external-content table ``articles_fts`` (tokenizer ``porter unicode61 remove_diacritics 2``:
  stemmed, accents and case folded).
- PostgreSQL: table ``articles_fts(article_id, document tsvector)`` with a GIN index, built with the text
  search configuration ``newsarchive_english`` = the stock ``english`` stemmer behind the ``unaccent``
  dictionary (the stock configuration keeps accents). ``unaccent`` is a trusted extension (PostgreSQL 13+):
  a role with CREATE on the database can install it; otherwise a superuser runs
  ``CREATE EXTENSION unaccent SCHEMA public`` once before ``newsarchive db upgrade``.

Everything here is named ``v_*`` / ``articles_fts*`` so that ``alembic check`` ignores it (migrations/env.py).
This SQL is frozen: a later change to a view is a new migration that replaces it.

NOTE for later migrations: a SQLite batch operation that recreates ``articles`` drops the triggers below;
such a migration must recreate them (copy ``_SQLITE_FTS_TRIGGERS``).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = ("v_event_agencies", "v_event_publishers", "v_documents", "v_articles", "v_events")

# -- pieces that differ between the dialects ----------------------------------------------------------
# names of a JSON list of co-chair objects ({"name", "title", "country"}), '; '-joined in list order
_SQLITE_CO_CHAIRS = """CASE WHEN json_valid(e.co_chairs) AND json_type(e.co_chairs) = 'array' THEN
        (SELECT group_concat(json_extract(j.value, '$.name'), '; ') FROM json_each(e.co_chairs) AS j) END"""
_PG_CO_CHAIRS = """CASE WHEN json_typeof(e.co_chairs) = 'array' THEN
        (SELECT string_agg(j.value ->> 'name', '; ' ORDER BY j.n)
           FROM json_array_elements(e.co_chairs) WITH ORDINALITY AS j(value, n)) END"""
_SQLITE_OUTCOMES = """CASE WHEN json_valid(e.outcomes) AND json_type(e.outcomes) = 'array' THEN
        (SELECT group_concat(j.value, '; ') FROM json_each(e.outcomes) AS j) END"""
_PG_OUTCOMES = """CASE WHEN json_typeof(e.outcomes) = 'array' THEN
        (SELECT string_agg(j.value, '; ' ORDER BY j.n)
           FROM json_array_elements_text(e.outcomes) WITH ORDINALITY AS j(value, n)) END"""
# distinct wire agencies of the event's articles, alphabetical, '; '-joined
_SQLITE_AGENCIES = """(SELECT group_concat(x.agency, '; ') FROM
        (SELECT DISTINCT a.agency FROM articles a WHERE a.event_id = e.id AND a.agency IS NOT NULL
          ORDER BY a.agency) AS x)"""
_PG_AGENCIES = """(SELECT string_agg(DISTINCT a.agency, '; ' ORDER BY a.agency) FROM articles a
        WHERE a.event_id = e.id AND a.agency IS NOT NULL)"""


def _sqlite_lag(ts: str, day: str) -> str:
    """Days (fractional, 2 decimals) from midnight UTC of ``day`` to the instant ``ts``."""
    return f"round(julianday({ts}) - julianday({day}), 2)"


def _pg_lag(ts: str, day: str) -> str:
    return f"round((EXTRACT(EPOCH FROM ({ts} - ({day})::timestamp AT TIME ZONE 'UTC')) / 86400.0)::numeric, 2)"


def _views(dialect: str) -> dict[str, str]:
    sqlite = dialect == "sqlite"
    lag = _sqlite_lag if sqlite else _pg_lag
    year = "CAST(strftime('%Y', e.start_date) AS INTEGER)" if sqlite else "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
    return {
        "v_events": f"""
CREATE VIEW v_events AS
SELECT e.id AS event_id,
       e.event_key,
       e.country_a,
       e.country_b,
       e.country_a || '-' || e.country_b AS countries,
       e.mechanism,
       COALESCE(e.series_name, s.name) AS series_name,
       e.start_date,
       e.end_date,
       {year} AS start_year,
       e.venue_city,
       e.venue_country,
       e.round_ordinal,
       {_SQLITE_CO_CHAIRS if sqlite else _PG_CO_CHAIRS} AS co_chairs,
       {_SQLITE_OUTCOMES if sqlite else _PG_OUTCOMES} AS outcomes,
       COALESCE(c.documents, 0) AS documents,
       COALESCE(c.articles, 0) AS articles,
       COALESCE(c.sources, 0) AS sources,
       {_SQLITE_AGENCIES if sqlite else _PG_AGENCIES} AS agencies,
       c.first_report_at,
       c.last_report_at,
       {lag('c.first_report_at', 'e.start_date')} AS first_report_lag_days,
       e.date_evidence,
       e.series_id
  FROM events e
  LEFT JOIN dialogue_series s ON s.id = e.series_id
  LEFT JOIN (SELECT a.event_id,
                    COUNT(d.id) AS documents,
                    COUNT(DISTINCT a.id) AS articles,
                    COUNT(DISTINCT d.source_id) AS sources,
                    MIN(d.published_at) AS first_report_at,
                    MAX(d.published_at) AS last_report_at
               FROM articles a JOIN documents d ON d.article_id = a.id
              WHERE a.event_id IS NOT NULL
              GROUP BY a.event_id) c ON c.event_id = e.id""",
        "v_articles": """
CREATE VIEW v_articles AS
SELECT a.id AS article_id,
       a.event_id,
       e.event_key,
       a.title,
       a.agency,
       a.agency_source,
       a.dateline_raw,
       a.dateline_city,
       a.dateline_region,
       a.dateline_country,
       a.dateline_date,
       a.language,
       a.topic,
       a.relation,
       a.first_published_at,
       COALESCE(c.documents, 0) AS documents,
       COALESCE(c.sources, 0) AS sources,
       a.content_hash,
       a.body
  FROM articles a
  LEFT JOIN events e ON e.id = a.event_id
  LEFT JOIN (SELECT d.article_id, COUNT(*) AS documents, COUNT(DISTINCT d.source_id) AS sources
               FROM documents d WHERE d.article_id IS NOT NULL GROUP BY d.article_id) c
    ON c.article_id = a.id""",
        "v_documents": """
CREATE VIEW v_documents AS
SELECT d.id AS document_id,
       d.canonical_url,
       d.url,
       s.name AS publisher,
       s.domain AS publisher_domain,
       d.article_id,
       a.event_id,
       e.event_key,
       d.topic,
       a.relation,
       d.title,
       d.published_at,
       d.published_offset_minutes,
       d.published_source,
       d.published_precision,
       a.agency,
       a.dateline_raw,
       d.language,
       d.http_status,
       d.fetched_at,
       d.fetched_via,
       d.extractor_version,
       d.crawl_run_id
  FROM documents d
  JOIN sources s ON s.id = d.source_id
  LEFT JOIN articles a ON a.id = d.article_id
  LEFT JOIN events e ON e.id = a.event_id""",
        "v_event_publishers": f"""
CREATE VIEW v_event_publishers AS
SELECT e.id AS event_id,
       e.event_key,
       s.name AS publisher,
       s.domain AS publisher_domain,
       COUNT(d.id) AS documents,
       COUNT(DISTINCT a.id) AS articles,
       MIN(d.published_at) AS first_report_at,
       MAX(d.published_at) AS last_report_at,
       {lag('MIN(d.published_at)', 'e.start_date')} AS first_report_lag_days
  FROM events e
  JOIN articles a ON a.event_id = e.id
  JOIN documents d ON d.article_id = a.id
  JOIN sources s ON s.id = d.source_id
 GROUP BY e.id, e.event_key, e.start_date, s.id, s.name, s.domain""",
        "v_event_agencies": f"""
CREATE VIEW v_event_agencies AS
SELECT e.id AS event_id,
       e.event_key,
       a.agency,
       COUNT(DISTINCT a.id) AS articles,
       COUNT(d.id) AS documents,
       COUNT(DISTINCT d.source_id) AS sources,
       MIN(d.published_at) AS first_report_at,
       MAX(d.published_at) AS last_report_at,
       {lag('MIN(d.published_at)', 'e.start_date')} AS first_report_lag_days
  FROM events e
  JOIN articles a ON a.event_id = e.id
  JOIN documents d ON d.article_id = a.id
 GROUP BY e.id, e.event_key, e.start_date, a.agency""",
    }


# -- full-text search --------------------------------------------------------------------------------------
_SQLITE_FTS_TABLE = """
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content='articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2')"""
_SQLITE_FTS_TRIGGERS = (
    """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END""",
    """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END""",
    """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END""",
)

PG_TS_CONFIG = "newsarchive_english"


def _pg_unaccent_schema(conn: sa.Connection) -> str:
    """The schema holding the unaccent extension, installing it into ``public`` when absent."""
    find = sa.text("SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace "
                   "WHERE x.extname = 'unaccent'")
    schema = conn.scalar(find)
    if schema is None:
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
        except sa.exc.DBAPIError as exc:
            schema = conn.scalar(find)  # a concurrent migration may have just installed it
            if schema is None:
                raise RuntimeError(
                    "newsarchive needs the PostgreSQL extension 'unaccent': ask a superuser to run "
                    f"CREATE EXTENSION unaccent SCHEMA public; ({exc.orig})") from None
        schema = conn.scalar(find)
    return str(schema)


def _pg_fts(conn: sa.Connection) -> list[str]:
    ext = _pg_unaccent_schema(conn)
    cfg = PG_TS_CONFIG
    return [
        f"CREATE TEXT SEARCH CONFIGURATION {cfg} (COPY = pg_catalog.english)",
        f'ALTER TEXT SEARCH CONFIGURATION {cfg} ALTER MAPPING FOR hword, hword_part, word '
        f'WITH "{ext}".unaccent, english_stem',
        """CREATE TABLE articles_fts (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document tsvector NOT NULL)""",
        "CREATE INDEX articles_fts_document_gin ON articles_fts USING gin (document)",
        f"""CREATE FUNCTION articles_fts_document(title text, body text) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('{cfg}', coalesce(title, '')), 'A')
        || setweight(to_tsvector('{cfg}', coalesce(body, '')), 'B') $$""",
        """CREATE FUNCTION articles_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_fts (article_id, document)
    VALUES (NEW.id, articles_fts_document(NEW.title, NEW.body))
    ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END $$""",
        """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_fts_sync()""",
        """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_fts_sync()""",
        """INSERT INTO articles_fts (article_id, document)
    SELECT id, articles_fts_document(title, body) FROM articles""",
    ]


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for sql in _views(dialect).values():
        op.execute(sql)
    if dialect == "sqlite":
        op.execute(_SQLITE_FTS_TABLE)
        for sql in _SQLITE_FTS_TRIGGERS:
            op.execute(sql)
        op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    else:
        for sql in _pg_fts(conn):
            op.execute(sql)


def downgrade() -> None:
    conn = op.get_bind()
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    if conn.dialect.name == "sqlite":
        for name in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS articles_fts_ai ON articles")
        op.execute("DROP TRIGGER IF EXISTS articles_fts_au ON articles")
        op.execute("DROP TABLE IF EXISTS articles_fts")
        op.execute("DROP FUNCTION IF EXISTS articles_fts_sync()")
        op.execute("DROP FUNCTION IF EXISTS articles_fts_document(text, text)")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_TS_CONFIG}")
