"""The schema's length limits, checked before a write, identically on SQLite and PostgreSQL.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` ("value too long"); SQLite stores it. Checked
here, from the models' own column lengths (``storage.models``), a record breaks the same limit on both
databases and is refused alone, with a reason naming the column (``too_long:sources.name``), before its batch
is written. A refused record is not shortened: nothing archived differs from what was extracted
(docs/decisions.md, "Silent loss").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, String

from storage.models import Article, Document, Event, SeenUrl, Source
from storage.records import DocumentRecord, EventFactsRecord, RejectedUrl

TOO_LONG = "too_long"

# (how to read the value off a DocumentRecord, the column it is written to)
_DOCUMENT_FIELDS: tuple[tuple[Callable[[DocumentRecord], Any], Any], ...] = (
    (lambda d: d.canonical_url, Document.canonical_url),
    (lambda d: d.published_source, Document.published_source),
    (lambda d: d.published_precision, Document.published_precision),
    (lambda d: d.published_rejected, Document.published_rejected),
    (lambda d: d.language, Document.language),
    (lambda d: d.topic, Document.topic),
    (lambda d: d.extractor_version, Document.extractor_version),
    (lambda d: d.fetched_via, Document.fetched_via),
    (lambda d: d.source_name or d.source_domain, Source.name),
    (lambda d: d.source_domain, Source.domain),
    (lambda d: d.source_kind, Source.kind),
    (lambda d: d.source_country, Source.country),
    (lambda d: d.content_hash, Article.content_hash),
    (lambda d: d.agency, Article.agency),
    (lambda d: d.agency_source, Article.agency_source),
    (lambda d: d.dateline_raw, Article.dateline_raw),
    (lambda d: d.dateline_city, Article.dateline_city),
    (lambda d: d.dateline_region, Article.dateline_region),
    (lambda d: d.dateline_country, Article.dateline_country),
    (lambda d: d.relation, Article.relation),
)
_EVENT_FIELDS: tuple[tuple[Callable[[EventFactsRecord], Any], Any], ...] = (
    (lambda e: e.mechanism, Event.mechanism),
    (lambda e: e.series_name, Event.series_name),
    (lambda e: e.venue_city, Event.venue_city),
    (lambda e: e.venue_country, Event.venue_country),
    (lambda e: e.countries[0], Event.country_a),
    (lambda e: e.countries[1], Event.country_b),
    # the key: "{A3}-{A3}:{mechanism}:{YYYY-MM-DD}" (storage.events.make_event_key)
    (lambda e: f"{'X' * len(e.countries[0])}-{'X' * len(e.countries[1])}:{e.mechanism}:YYYY-MM-DD", Event.event_key),
)


def max_length(attribute: Any) -> int | None:
    """The declared length of a model attribute's String column (None: unbounded)."""
    column: Column[Any] = attribute.property.columns[0]
    return column.type.length if isinstance(column.type, String) else None


def _over(value: Any, attribute: Any) -> str | None:
    limit = max_length(attribute)
    if isinstance(value, str) and limit is not None and len(value) > limit:
        column: Column[Any] = attribute.property.columns[0]
        return f"{TOO_LONG}:{column.table.name}.{column.name}"
    return None


def document_problems(doc: DocumentRecord) -> list[str]:
    """Every column limit ``doc`` (with its source, article and event facts) would break; empty: it fits."""
    out = [p for read, attr in _DOCUMENT_FIELDS if (p := _over(read(doc), attr))]
    if doc.event is not None:
        out.extend(p for read, attr in _EVENT_FIELDS if (p := _over(read(doc.event), attr)))
    return out


def rejected_problems(rej: RejectedUrl) -> list[str]:
    """Every column limit a rejected URL's ``seen_urls`` row would break."""
    return [p for p in (_over(rej.canonical_url, SeenUrl.canonical_url), _over(rej.reason, SeenUrl.reason)) if p]


__all__ = ["TOO_LONG", "document_problems", "max_length", "rejected_problems"]
