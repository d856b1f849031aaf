"""Streaming exports of events, articles and documents as CSV (RFC 4180, UTF-8) or JSON lines.

Filters (:class:`storage.search.ArchiveFilter`: --since/--until/--series/--country/--agency/--event/--query)
narrow every kind the same way; docs/exports.md says which time each kind's --since/--until applies to.

Column order is part of the contract (docs/exports.md): new columns are only ever appended. Rows are
streamed from the database (server-side cursor on PostgreSQL, ``yield_per``), so memory stays flat
whatever the archive's size. Times are ISO 8601 in UTC with a ``Z`` suffix; dates are ``YYYY-MM-DD``;
lists (co-chairs, agencies, authors) are ``; ``-joined in CSV and arrays in JSON lines.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Date,
    Engine,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    select,
    type_coerce,
)

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
# The most characters (UTF-16 code units) an Excel, LibreOffice or Google Sheets cell holds; --excel cuts
# longer text cells to it, ending them with CUT_MARKER so that the cut is visible in the cell.
EXCEL_CELL_LIMIT = 32_767
CUT_MARKER = " [… cut: {total:,} characters in all; export without --excel for the full text]"


def events_query() -> Select[*tuple[Any, ...]]:
    # report times count reports only (not previews), as in the views (docs/schema.md)
    preview = Article.relation == "preview"
    report_at = case((preview, None), else_=Document.published_at)
    doc_counts = (
        select(
            Article.event_id.label("event_id"),
            func.count(func.distinct(Document.id)).label("documents"),
            func.count(func.distinct(Article.id)).label("articles"),
            func.count(func.distinct(Document.source_id)).label("sources"),
            type_coerce(func.min(report_at), UTCDateTime).label("first_report_at"),
            type_coerce(func.max(report_at), UTCDateTime).label("last_report_at"),
            type_coerce(func.min(case((preview, Document.published_at))), UTCDateTime).label("first_preview_at"),
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
            doc_counts.c.first_preview_at,
        )
        .outerjoin(doc_counts, doc_counts.c.event_id == Event.id)
        .order_by(Event.start_date, Event.event_key)
    )


def articles_query() -> Select[*tuple[Any, ...]]:
    # A correlated count (one index probe per article) streams from the first row; a GROUP BY subquery
    # joined in would be materialised in full (memory and latency growing with the archive) on SQLite.
    documents = (select(func.count()).where(Document.article_id == Article.id)
                 .correlate(Article).scalar_subquery())
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
            documents.label("documents"),
            Article.content_hash,
            Article.body,
        )
        .outerjoin(Event, Event.id == Article.event_id)
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


def _sqlite_datetime(value: Any) -> Any:
    """SQLite's stored UTC text (``2024-02-28 14:34:00.000000``) → ``2024-02-28T14:34:00Z``."""
    if value is None:
        return None
    if len(value) == 26 and value[10] == " " and value.endswith(".000000"):
        return value[:10] + "T" + value[11:19] + "Z"
    return _iso_datetime(datetime.fromisoformat(value))


def _sqlite_date(value: Any) -> Any:
    if value is None or (len(value) == 10 and value[4] == "-"):
        return value
    return date.fromisoformat(value[:10]).isoformat()


def _prepared(query: Select[*tuple[Any, ...]], dialect: str
              ) -> tuple[Select[*tuple[Any, ...]], list[Callable[[Any], Any] | None]]:
    """The query to run and, per column, how its value becomes a JSON-ready value (None: as it is).

    On SQLite, times and dates are fetched as the stored text and reformatted as strings: parsing them
    into datetimes only to print them again costs more than the rest of an export put together."""
    cols: list[Any] = []
    out: list[Callable[[Any], Any] | None] = []
    for col in query.selected_columns:
        t = col.type
        if isinstance(t, UTCDateTime):
            if dialect == "sqlite":
                cols.append(type_coerce(col, String).label(col.name))
                out.append(_sqlite_datetime)
            else:
                cols.append(col)
                out.append(_iso_datetime)
        elif isinstance(t, Date):
            if dialect == "sqlite":
                cols.append(type_coerce(col, String).label(col.name))
                out.append(_sqlite_date)
            else:
                cols.append(col)
                out.append(_iso_date)
        else:
            cols.append(col)
            out.append(None)
    if dialect == "sqlite":
        query = query.with_only_columns(*cols, maintain_column_froms=True)
    return query, out


def iter_tuples(engine: Engine, kind: str, f: ArchiveFilter | None = None, *,
                batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Rows of an export as tuples of JSON-ready values, streamed (constant memory)."""
    query, converters = _prepared(filtered_query(kind, engine.dialect.name, f), engine.dialect.name)
    special = [(i, c) for i, c in enumerate(converters) if c is not None]
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


def _quoted(s: str) -> str:
    if '"' in s:
        return '"' + s.replace('"', '""') + '"'
    if "," in s or "\n" in s or "\r" in s:
        return '"' + s + '"'
    return s


def _record(fields: tuple[str, ...] | list[str]) -> str:
    """One CSV record, without its line end, from cells that are already text.

    ``join``, ``in`` and ``count`` scan whole strings at memory speed, where the csv module copies every
    character one at a time; most records need no quoting and take the first path, most of the rest only
    hold commas (a dateline, a sentence) and need quotes around those cells alone."""
    line = ",".join(fields)
    if '"' in line or "\n" in line or "\r" in line:
        return ",".join([_quoted(f) for f in fields])
    if line.count(",") != len(fields) - 1:
        return ",".join([('"' + f + '"') if "," in f else f for f in fields])
    if len(fields) == 1 and not line:
        return '""'  # a lone empty field must be quoted, or the record is a blank line
    return line


def csv_line(values: tuple[Any, ...] | list[Any], excel: bool = False, json_columns: tuple[int, ...] = ()) -> str:
    """One CSV record (RFC 4180, CRLF-terminated): the text csv.writer (QUOTE_MINIMAL) writes for the
    same cells. ``json_columns``: positions that may hold lists or dicts (made text by ``_csv_cell``).

    Formatting here instead of in csv.writer more than doubles an export's speed (see ``_record``)."""
    if json_columns:
        values = list(values)
        for i in json_columns:
            values[i] = _csv_cell(values[i], False)
    if excel:
        values = [("'" + v) if type(v) is str and v.startswith(FORMULA_PREFIXES) else v for v in values]
    return _record(["" if v is None else v if type(v) is str else str(v) for v in values]) + "\r\n"


# -- SQLite: SQLite makes every cell text, Python only joins and quotes ---------------------------------------
def _json_cell(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode()
    return str(_csv_cell(json.loads(value) if isinstance(value, str) else value, False))


def _text_cell(value: Any) -> str:
    return "" if value is None else str(value)


_SQLITE_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "newsarchive_csv_datetime": lambda v: _text_cell(_sqlite_datetime(v)),
    "newsarchive_csv_date": lambda v: _text_cell(_sqlite_date(v)),
    "newsarchive_csv_json": _json_cell,
    "newsarchive_csv_text": _text_cell,
}


def _sqlite_text_cells(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """``query`` with every column made the text its CSV cell holds, before quoting (SQLite only).

    The common forms are converted by SQLite itself (stored times ``2024-02-28 14:34:00.000000`` →
    ``2024-02-28T14:34:00Z``, dates as stored, integers as digits, NULL as ``''``); anything else goes
    through the same Python conversion as the generic path (``_SQLITE_FUNCTIONS``), so the output is
    identical. A column is referenced once unless it is a plain column: a correlated count must not be
    evaluated twice."""
    cells: list[Any] = []
    for col in query.selected_columns:
        t, name = col.type, col.name
        inner = getattr(col, "element", col)  # the expression under a label
        if isinstance(t, UTCDateTime):
            cells.append(case(
                (and_(func.length(inner) == 26, func.substr(inner, 11, 1) == " ",
                      func.substr(inner, 20) == ".000000"),
                 func.substr(inner, 1, 10) + "T" + func.substr(inner, 12, 8) + "Z"),
                (inner.is_(None), ""),
                else_=func.newsarchive_csv_datetime(inner)).label(name))
        elif isinstance(t, Date):
            cells.append(case(
                (and_(func.length(inner) == 10, func.substr(inner, 5, 1) == "-"), type_coerce(inner, String)),
                (inner.is_(None), ""),
                else_=func.newsarchive_csv_date(inner)).label(name))
        elif isinstance(t, JSON):
            cells.append(func.newsarchive_csv_json(type_coerce(inner, String)).label(name))
        elif isinstance(t, Integer):
            cells.append(func.coalesce(cast(inner, String), "").label(name))
        else:
            cells.append(func.coalesce(type_coerce(inner, String), "").label(name))
    return query.with_only_columns(*cells, maintain_column_froms=True)


def _utf16_len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def excel_fit(value: str) -> str | None:
    """``value`` cut to EXCEL_CELL_LIMIT UTF-16 units, marker included; None when it fits already."""
    if len(value) <= EXCEL_CELL_LIMIT // 2 or (total := _utf16_len(value)) <= EXCEL_CELL_LIMIT:
        return None
    marker = CUT_MARKER.format(total=total)
    room = EXCEL_CELL_LIMIT - _utf16_len(marker)
    head = value[:room]
    while (excess := _utf16_len(head) - room) > 0:  # characters outside the BMP count twice
        head = head[:len(head) - (excess + 1) // 2]
    return head + marker


class ExcelCells:
    """What --excel does to a row of cell texts: times become ``YYYY-MM-DD HH:MM:SS`` (UTC), which
    spreadsheets read as date-times (they read ``…T…Z`` as text); text cells that a spreadsheet would run
    as a formula get a leading ``'``; text cells over EXCEL_CELL_LIMIT are cut with a visible marker and
    counted per column in ``cut``. Number, date and time columns are never neutralised: ``-240`` stays a
    number."""

    def __init__(self, query: Select[*tuple[Any, ...]], cut: Counter[str]) -> None:
        cols = list(query.selected_columns)
        self.names = [c.name for c in cols]
        self.times = [i for i, c in enumerate(cols) if isinstance(c.type, UTCDateTime)]
        self.texts = [i for i, c in enumerate(cols) if not isinstance(c.type, (Integer, Date, UTCDateTime))]
        self.cut = cut

    def __call__(self, row: tuple[Any, ...] | list[Any]) -> list[Any]:
        cells = list(row)
        for i in self.times:
            if v := cells[i]:
                cells[i] = v[:10] + " " + v[11:19]
        for i in self.texts:
            v = cells[i]
            if type(v) is str:
                if v.startswith(FORMULA_PREFIXES):
                    v = cells[i] = "'" + v
                if len(v) > EXCEL_CELL_LIMIT // 2 and (fit := excel_fit(v)) is not None:
                    cells[i] = fit
                    self.cut[self.names[i]] += 1
        return cells


def _sqlite_csv_chunks(engine: Engine, kind: str, f: ArchiveFilter | None, excel: ExcelCells | None,
                       batch: int = 2000) -> Iterator[tuple[int, str]]:
    """(rows, CSV text) per batch of an export on SQLite, read through the DBAPI cursor: SQLAlchemy's
    rows and per-value conversion cost more than reading the rows from SQLite."""
    query = _sqlite_text_cells(filtered_query(kind, "sqlite", f))
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for name, fn in _SQLITE_FUNCTIONS.items():
            raw.create_function(name, 1, fn, deterministic=True)
        cursor = conn.execute(query).cursor
        record = _record
        while rows := cursor.fetchmany(batch):
            if excel is not None:
                rows = [excel(r) for r in rows]
            lines = []
            for r in rows:
                try:
                    lines.append(record(r))
                except TypeError:  # a cell SQLite left untyped (a number in a text column)
                    lines.append(record([_text_cell(v) for v in r]))
            lines.append("")
            yield len(rows), "\r\n".join(lines)


def write_export(
    engine: Engine,
    kind: str,
    out: TextSink,
    *,
    fmt: str = "csv",
    excel: bool = False,
    filters: ArchiveFilter | None = None,
    on_rows: Callable[[int], None] | None = None,
    cut: Counter[str] | None = None,
) -> int:
    """Write one export to a text stream; returns the number of rows written.

    ``on_rows(n)`` is called after every few thousand rows with how many were written since the last
    call (a progress bar). ``cut`` (with ``excel``) counts, per column, the cells cut to EXCEL_CELL_LIMIT.
    Raises ValueError on an unknown format, QuerySyntaxError on a bad --query.
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format {fmt!r}")
    count = 0
    pending = 0
    names = columns(kind)
    cells = ExcelCells(QUERIES[kind](), Counter() if cut is None else cut) if excel and fmt == "csv" else None
    if fmt == "csv":
        if excel:
            out.write("\ufeff")
        out.write(csv_line(names, excel))
    if fmt == "csv" and engine.dialect.name == "sqlite":
        for n, text in _sqlite_csv_chunks(engine, kind, filters, cells):
            out.write(text)
            count += n
            pending += n
            if on_rows and pending >= 5000:
                on_rows(pending)
                pending = 0
    elif fmt == "csv":
        rows = iter_tuples(engine, kind, filters)
        json_columns = tuple(i for i, c in enumerate(QUERIES[kind]().selected_columns) if isinstance(c.type, JSON))
        buffer: list[str] = []
        for values in rows:
            if cells is None:
                buffer.append(csv_line(values, False, json_columns))
            else:
                buffer.append(csv_line(cells([_csv_cell(v, False) if i in json_columns else v
                                              for i, v in enumerate(values)])))
            if len(buffer) >= 1000:
                out.write("".join(buffer))
                count += len(buffer)
                pending += len(buffer)
                buffer.clear()
                if on_rows and pending >= 5000:
                    on_rows(pending)
                    pending = 0
        out.write("".join(buffer))
        count += len(buffer)
        pending += len(buffer)
    else:
        dumps = json.dumps
        for values in iter_tuples(engine, kind, filters):
            out.write(dumps(dict(zip(names, values, strict=True)), ensure_ascii=False) + "\n")
            count += 1
            pending += 1
            if on_rows and pending >= 5000:
                on_rows(pending)
                pending = 0
    if on_rows and pending:
        on_rows(pending)
    return count
