"""Streaming exports of events, articles and documents as CSV (RFC 4180, UTF-8) or JSON lines.

Filters (:class:`storage.search.ArchiveFilter`: --since/--until/--series/--country/--agency/--event/--query)
narrow every kind the same way; docs/exports.md says which time each kind's --since/--until applies to.

Column order is part of the contract (docs/exports.md): new columns are only ever appended. Rows are
streamed from the database (server-side cursor on PostgreSQL, ``yield_per``), so memory stays flat
whatever the archive's size. Times are ISO 8601 in UTC with a ``Z`` suffix; dates are ``YYYY-MM-DD``;
lists (co-chairs, agencies, authors) are ``; ``-joined in CSV and arrays in JSON lines.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any, Protocol

from sqlalchemy import Date, Engine, Select, func, select

from storage.models import Article, Document, Event, Source
from storage.search import (
    ArchiveFilter,
    agency_condition,
    article_query_condition,
    event_article_condition,
    event_conditions,
    needs_event,
    time_bounds,
)
from storage.types import UTCDateTime

EXPORT_KINDS = ("events", "articles", "documents")


class TextSink(Protocol):
    """Where an export goes: anything with ``write(str)`` (a file, sys.stdout, a socket wrapper)."""

    def write(self, s: str, /) -> int: ...
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
            Event.agencies,
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
            Source.name.label("publisher"),
            Document.fetched_via,
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
    """The export's columns, in their contractual order (docs/exports.md)."""
    return [c.name for c in QUERIES[kind]().selected_columns]


def filtered_query(kind: str, dialect: str, f: ArchiveFilter | None = None) -> Select[*tuple[Any, ...]]:
    """The export query of ``kind`` narrowed by ``f`` (see storage.search for each filter's meaning).

    --since/--until apply to: events → start_date; articles → first_published_at; documents →
    published_at. Rows outside any event drop out when --series, --country or --event is given.
    """
    query = QUERIES[kind]()
    if f is None:
        return query
    conds = list(event_conditions(f))
    if kind == "events":
        if f.since is not None:
            conds.append(Event.start_date >= f.since)
        if f.until is not None:
            conds.append(Event.start_date <= f.until)
        if (c := event_article_condition(dialect, f)) is not None:
            conds.append(c)
    else:
        conds += time_bounds(Article.first_published_at if kind == "articles" else Document.published_at, f)
        for c in (agency_condition(f), article_query_condition(dialect, f)):
            if c is not None:
                conds.append(c)
        if needs_event(f):
            conds.append(Event.id.is_not(None))
    return query.where(*conds) if conds else query


def _iso_datetime(value: Any) -> Any:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _iso_date(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _converters(query: Select[*tuple[Any, ...]]) -> list[Callable[[Any], Any] | None]:
    """Per column: how a database value becomes a JSON-ready value (None: as it is)."""
    out: list[Callable[[Any], Any] | None] = []
    for col in query.selected_columns:
        t = col.type
        if isinstance(t, UTCDateTime):
            out.append(_iso_datetime)
        elif isinstance(t, Date):
            out.append(_iso_date)
        else:
            out.append(None)
    return out


def iter_tuples(engine: Engine, kind: str, f: ArchiveFilter | None = None, *,
                batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Rows of an export as tuples of JSON-ready values, streamed (constant memory)."""
    query = filtered_query(kind, engine.dialect.name, f)
    conv = list(enumerate(_converters(query)))
    special = [(i, c) for i, c in conv if c is not None]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for part in result.partitions():
            for row in part:
                if special:
                    values = list(row)
                    for i, c in special:
                        values[i] = c(values[i])
                    yield tuple(values)
                else:
                    yield tuple(row)


def iter_rows(engine: Engine, kind: str, f: ArchiveFilter | None = None, *, batch: int = 2000
              ) -> Iterator[dict[str, Any]]:
    """Rows of an export as dicts (JSON-ready values), streamed."""
    names = columns(kind)
    for values in iter_tuples(engine, kind, f, batch=batch):
        yield dict(zip(names, values, strict=True))


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


def _csv_row(values: tuple[Any, ...], excel: bool) -> tuple[Any, ...] | list[Any]:
    # Fast path: plain scalars go to the csv module as they are (it writes None as an empty field).
    for v in values:
        if isinstance(v, (list, dict)) or (excel and isinstance(v, str) and v.startswith(FORMULA_PREFIXES)):
            return [_csv_cell(x, excel) for x in values]
    return values


def write_export(
    engine: Engine,
    kind: str,
    out: TextSink,
    *,
    fmt: str = "csv",
    excel: bool = False,
    filters: ArchiveFilter | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write one export to a text stream; returns the number of rows written.

    ``on_rows(n)`` is called after every few thousand rows with how many were written since the last
    call (a progress bar). Raises ValueError on an unknown format, QuerySyntaxError on a bad --query.
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format {fmt!r}")
    count = 0
    pending = 0
    names = columns(kind)
    rows = iter_tuples(engine, kind, filters)
    if fmt == "csv":
        if excel:
            out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(names)
        for values in rows:
            writer.writerow(_csv_row(values, excel))
            count += 1
            pending += 1
            if on_rows and pending >= 5000:
                on_rows(pending)
                pending = 0
    else:
        dumps = json.dumps
        for values in rows:
            out.write(dumps(dict(zip(names, values, strict=True)), ensure_ascii=False) + "\n")
            count += 1
            pending += 1
            if on_rows and pending >= 5000:
                on_rows(pending)
                pending = 0
    if on_rows and pending:
        on_rows(pending)
    return count
