"""Streaming exports of events, articles and documents as CSV (RFC 4180, UTF-8) or JSON lines.

Column order is part of the contract (docs/exports.md): new columns are only ever appended. Rows are
streamed from the database (server-side cursor on PostgreSQL, ``yield_per``), so memory stays flat
whatever the archive's size. Times are ISO 8601 in UTC with a ``Z`` suffix; dates are ``YYYY-MM-DD``;
lists (co-chairs, agencies, authors) are ``; ``-joined in CSV and arrays in JSON lines.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlalchemy import Engine, Select, func, select

from storage.models import Article, Document, Event, Source

EXPORT_KINDS = ("events", "articles", "documents")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def events_query() -> Select[*tuple[Any, ...]]:
    doc_counts = (
        select(
            Article.event_id.label("event_id"),
            func.count(func.distinct(Document.id)).label("documents"),
            func.count(func.distinct(Article.id)).label("articles"),
            func.count(func.distinct(Document.source_id)).label("sources"),
            func.min(Document.published_at).label("first_report_at"),
            func.max(Document.published_at).label("last_report_at"),
        )
        .join(Document, Document.article_id == Article.id)
        .where(Article.event_id.is_not(None))
        .group_by(Article.event_id)
        .subquery()
    )
    return (
        select(
            Event.event_key,
            Event.id.label("event_id"),
            Event.country_a,
            Event.country_b,
            Event.mechanism,
            Event.series_name,
            Event.start_date,
            Event.end_date,
            Event.venue_city,
            Event.venue_country,
            Event.round_ordinal,
            Event.co_chairs,
            Event.outcomes,
            func.coalesce(doc_counts.c.documents, 0).label("documents"),
            func.coalesce(doc_counts.c.articles, 0).label("articles"),
            func.coalesce(doc_counts.c.sources, 0).label("sources"),
            doc_counts.c.first_report_at,
            doc_counts.c.last_report_at,
        )
        .outerjoin(doc_counts, doc_counts.c.event_id == Event.id)
        .order_by(Event.start_date, Event.event_key)
    )


def articles_query() -> Select[*tuple[Any, ...]]:
    doc_counts = (
        select(Document.article_id.label("article_id"), func.count().label("documents"))
        .group_by(Document.article_id)
        .subquery()
    )
    return (
        select(
            Article.id.label("article_id"),
            Event.event_key,
            Article.title,
            Article.agency,
            Article.agency_source,
            Article.dateline_raw,
            Article.dateline_city,
            Article.dateline_region,
            Article.dateline_country,
            Article.dateline_date,
            Article.language,
            Article.topic,
            Article.relation,
            Article.first_published_at,
            func.coalesce(doc_counts.c.documents, 0).label("documents"),
            Article.content_hash,
            Article.body,
        )
        .outerjoin(Event, Event.id == Article.event_id)
        .outerjoin(doc_counts, doc_counts.c.article_id == Article.id)
        .order_by(Article.id)
    )


def documents_query() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Document.id.label("document_id"),
            Document.canonical_url,
            Document.url,
            Source.domain.label("source"),
            Document.article_id,
            Event.event_key,
            Document.topic,
            Article.relation,
            Document.title,
            Document.published_at,
            Document.published_offset_minutes,
            Document.published_source,
            Document.published_precision,
            Article.agency,
            Article.dateline_raw,
            Document.language,
            Document.authors,
            Document.http_status,
            Document.fetched_at,
            Document.extractor_version,
        )
        .join(Source, Source.id == Document.source_id)
        .outerjoin(Article, Article.id == Document.article_id)
        .outerjoin(Event, Event.id == Article.event_id)
        .order_by(Document.id)
    )


QUERIES: dict[str, Callable[[], Select[*tuple[Any, ...]]]] = {
    "events": events_query,
    "articles": articles_query,
    "documents": documents_query,
}


def columns(kind: str) -> list[str]:
    return [c.name for c in QUERIES[kind]().selected_columns]


def iter_rows(engine: Engine, kind: str, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Rows of an export as dicts (JSON-ready values), streamed."""
    query = QUERIES[kind]()
    names = [c.name for c in query.selected_columns]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for row in result:
            yield {name: _iso(value) for name, value in zip(names, row, strict=True)}


def _csv_cell(value: Any, excel: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(_list_item(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    if excel and isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value


def _list_item(v: Any) -> str:
    if isinstance(v, dict):
        name = v.get("name") or ""
        extra = ", ".join(str(v[k]) for k in ("title", "country") if v.get(k))
        return f"{name} ({extra})" if extra else str(name)
    return str(v)


def write_export(
    engine: Engine,
    kind: str,
    out: IO[str],
    *,
    fmt: str = "csv",
    excel: bool = False,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Write one export to a text stream; returns the number of rows written."""
    count = 0
    if fmt == "csv":
        if excel:
            out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns(kind))
        for row in iter_rows(engine, kind):
            writer.writerow([_csv_cell(v, excel) for v in row.values()])
            count += 1
            if on_row:
                on_row()
    elif fmt == "jsonl":
        for row in iter_rows(engine, kind):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
            if on_row:
                on_row()
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count
