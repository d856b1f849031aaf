"""SQL NULL for absent JSON values; analyst views that read right

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:30:00

Issue 17 ("SQL that analysts don't fight"):

- **NULL, not 'null'.** Before this revision the JSON columns stored an absent value as the JSON text
  ``null`` (SQLAlchemy's default), so ``authors IS NULL`` found nothing. The models now bind ``None`` as SQL
  NULL (storage.types.NullableJSON); this revision turns the rows already written into SQL NULL. Not undone
  by the downgrade: the older code reads SQL NULL and JSON null alike (as ``None``).
- **Times are ISO 8601 UTC text with ``Z``** (``2024-02-28T14:34:00Z``, whole seconds) in every view, the
  same on SQLite and PostgreSQL, so pandas, spreadsheets and ``sqlite3`` see the zone and both databases
  return the same text (the tables keep their native types and sub-second precision).
- **Previews apart from reports.** In ``v_events``, ``v_event_publishers`` and ``v_event_agencies``,
  ``first_report_at``, ``last_report_at`` and ``first_report_lag_days`` count only documents whose article is
  not a preview (relation ``report``, ``followup`` or unknown); ``first_preview_at`` and
  ``preview_documents`` (new, appended) say what the previews did.
- ``v_events`` gains the series' ``level``, ``series_aliases`` and ``series_abbreviations``, and the event's
  ``virtual`` flag of revision 0006 (appended).

Column order of the old columns is unchanged; new columns are appended (docs/schema.md). The downgrade
restores the views of revision 0002, read from that migration (its SQL is frozen).
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = ("v_event_agencies", "v_event_publishers", "v_documents", "v_articles", "v_events")

# Every JSON column of the schema at this revision.
JSON_COLUMNS = {
    "crawl_runs": ("arguments", "drop_reasons", "monitor_results", "blocked_sources", "stats"),
    "dialogue_series": ("aliases", "abbreviations"),
    "events": ("co_chairs", "outcomes", "agencies", "fusion_reasons"),
    "documents": ("authors", "topic_reasons", "discovery", "event_facts"),
}

# -- pieces that differ between the dialects ----------------------------------------------------------
_SQLITE_CO_CHAIRS = """CASE WHEN json_valid(e.co_chairs) AND json_type(e.co_chairs) = 'array' THEN
        (SELECT group_concat(json_extract(j.value, '$.name'), '; ') FROM json_each(e.co_chairs) AS j) END"""
_PG_CO_CHAIRS = """CASE WHEN json_typeof(e.co_chairs) = 'array' THEN
        (SELECT string_agg(j.value ->> 'name', '; ' ORDER BY j.n)
           FROM json_array_elements(e.co_chairs) WITH ORDINALITY AS j(value, n)) END"""
_SQLITE_AGENCIES = """(SELECT group_concat(x.agency, '; ') FROM
        (SELECT DISTINCT a.agency FROM articles a WHERE a.event_id = e.id AND a.agency IS NOT NULL
          ORDER BY a.agency) AS x)"""
_PG_AGENCIES = """(SELECT string_agg(DISTINCT a.agency, '; ' ORDER BY a.agency) FROM articles a
        WHERE a.event_id = e.id AND a.agency IS NOT NULL)"""


def _sqlite_list(col: str) -> str:
    """A JSON list of strings, '; '-joined in list order; NULL when absent or not a list."""
    return f"""CASE WHEN json_valid({col}) AND json_type({col}) = 'array' THEN
        (SELECT group_concat(j.value, '; ') FROM json_each({col}) AS j) END"""


def _pg_list(col: str) -> str:
    return f"""CASE WHEN json_typeof({col}) = 'array' THEN
        (SELECT string_agg(j.value, '; ' ORDER BY j.n)
           FROM json_array_elements_text({col}) WITH ORDINALITY AS j(value, n)) END"""


def _sqlite_iso(ts: str) -> str:
    """A stored UTC instant as ISO 8601 text with ``Z``, whole seconds (NULL stays NULL)."""
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {ts})"


def _pg_iso(ts: str) -> str:
    return f"""to_char(({ts}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def _sqlite_lag(ts: str, day: str) -> str:
    """Days (fractional, 2 decimals) from midnight UTC of ``day`` to the instant ``ts``."""
    return f"round(julianday({ts}) - julianday({day}), 2)"


def _pg_lag(ts: str, day: str) -> str:
    return f"round((EXTRACT(EPOCH FROM ({ts} - ({day})::timestamp AT TIME ZONE 'UTC')) / 86400.0)::numeric, 2)"


# A document is a report unless its article is a preview (a report, a follow-up, or not yet classified).
_REPORT = "CASE WHEN a.relation = 'preview' THEN NULL ELSE d.published_at END"
_PREVIEW = "CASE WHEN a.relation = 'preview' THEN d.published_at END"
_PREVIEW_COUNT = "SUM(CASE WHEN a.relation = 'preview' THEN 1 ELSE 0 END)"


def _views(dialect: str) -> dict[str, str]:
    sqlite = dialect == "sqlite"
    lag = _sqlite_lag if sqlite else _pg_lag
    iso = _sqlite_iso if sqlite else _pg_iso
    lst = _sqlite_list if sqlite else _pg_list
    year = "CAST(strftime('%Y', e.start_date) AS INTEGER)" if sqlite else "CAST(EXTRACT(YEAR FROM e.start_date) AS INTEGER)"
    coverage = f"""{iso(f'MIN({_REPORT})')} AS first_report_at,
       {iso(f'MAX({_REPORT})')} AS last_report_at,
       {lag(f'MIN({_REPORT})', 'e.start_date')} AS first_report_lag_days"""
    previews = f"""{iso(f'MIN({_PREVIEW})')} AS first_preview_at,
       {_PREVIEW_COUNT} AS preview_documents"""
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
       {lst('e.outcomes')} AS outcomes,
       COALESCE(c.documents, 0) AS documents,
       COALESCE(c.articles, 0) AS articles,
       COALESCE(c.sources, 0) AS sources,
       {_SQLITE_AGENCIES if sqlite else _PG_AGENCIES} AS agencies,
       {iso('c.first_report_at')} AS first_report_at,
       {iso('c.last_report_at')} AS last_report_at,
       {lag('c.first_report_at', 'e.start_date')} AS first_report_lag_days,
       e.date_evidence,
       e.series_id,
       s.level,
       {lst('s.aliases')} AS series_aliases,
       {lst('s.abbreviations')} AS series_abbreviations,
       {iso('c.first_preview_at')} AS first_preview_at,
       COALESCE(c.preview_documents, 0) AS preview_documents,
       e.virtual
  FROM events e
  LEFT JOIN dialogue_series s ON s.id = e.series_id
  LEFT JOIN (SELECT a.event_id,
                    COUNT(d.id) AS documents,
                    COUNT(DISTINCT a.id) AS articles,
                    COUNT(DISTINCT d.source_id) AS sources,
                    MIN({_REPORT}) AS first_report_at,
                    MAX({_REPORT}) AS last_report_at,
                    MIN({_PREVIEW}) AS first_preview_at,
                    {_PREVIEW_COUNT} AS preview_documents
               FROM articles a JOIN documents d ON d.article_id = a.id
              WHERE a.event_id IS NOT NULL
              GROUP BY a.event_id) c ON c.event_id = e.id""",
        "v_articles": f"""
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
       {iso('a.first_published_at')} AS first_published_at,
       COALESCE(c.documents, 0) AS documents,
       COALESCE(c.sources, 0) AS sources,
       a.content_hash,
       a.body
  FROM articles a
  LEFT JOIN events e ON e.id = a.event_id
  LEFT JOIN (SELECT d.article_id, COUNT(*) AS documents, COUNT(DISTINCT d.source_id) AS sources
               FROM documents d WHERE d.article_id IS NOT NULL GROUP BY d.article_id) c
    ON c.article_id = a.id""",
        "v_documents": f"""
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
       {iso('d.published_at')} AS published_at,
       d.published_offset_minutes,
       d.published_source,
       d.published_precision,
       a.agency,
       a.dateline_raw,
       d.language,
       d.http_status,
       {iso('d.fetched_at')} AS fetched_at,
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
       {coverage},
       {previews}
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
       {coverage},
       {previews}
  FROM events e
  JOIN articles a ON a.event_id = e.id
  JOIN documents d ON d.article_id = a.id
 GROUP BY e.id, e.event_key, e.start_date, a.agency""",
    }


def _revision_0002_views(dialect: str) -> dict[str, str]:
    path = Path(__file__).with_name("2026_11_27_0002_views_fts.py")
    spec = importlib.util.spec_from_file_location("newsarchive_migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    views: dict[str, str] = module._views(dialect)
    return views


def _replace_views(views: dict[str, str]) -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for sql in views.values():
        op.execute(sql)


def upgrade() -> None:
    conn = op.get_bind()
    for table, cols in JSON_COLUMNS.items():
        for col in cols:
            conn.execute(sa.text(f"UPDATE {table} SET {col} = NULL WHERE CAST({col} AS TEXT) = 'null'"))
    _replace_views(_views(conn.dialect.name))


def downgrade() -> None:
    _replace_views(_revision_0002_views(op.get_bind().dialect.name))
