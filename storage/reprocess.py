"""Re-deriving archived rows from their stored raw HTML (the storage half of ``newsarchive reprocess``).

``stored_pages`` reads documents (with their raw HTML, decompressed) in id order, one page of rows at a time;
``apply_rederived`` writes what the current code derived for one batch in ONE transaction and returns what
changed, per field. Only changed columns are written, so a second run changes nothing (idempotent), and an
interrupted run loses at most its current batch (safe to interrupt; run it again).

Rules: document fields are re-derived per document. An article's fields come from its earliest document
(lowest id) with raw HTML, so syndicated copies do not overwrite each other. Event assignment goes through
``storage.events.assign_event`` (the one "same round" rule): an article moves to the event its facts now
point at, and a moved start date re-keys the event (old key → event_aliases). A changed body text is
reported (``documents.content_hash``) but does not split or merge articles: that needs a re-crawl-grade
decision and is left to the operator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from storage.archive import decompress_html
from storage.events import assign_event
from storage.models import Article, Document, Source
from storage.records import DocumentRecord
from storage.types import utcnow

DOCUMENT_FIELDS = ("title", "published_at", "published_offset_minutes", "published_source", "published_precision",
                   "language", "authors", "topic", "topic_reasons")
ARTICLE_FIELDS = ("agency", "agency_source", "dateline_raw", "dateline_city", "dateline_region", "dateline_country",
                  "dateline_date", "topic", "relation")


@dataclass(frozen=True)
class StoredPage:
    """One archived document as reprocessing needs it."""

    document_id: int
    article_id: int | None
    url: str
    raw_html: bytes
    source_name: str
    fetched_via: str | None
    published_at: datetime | None  # as archived, in its original offset
    published_source: str | None
    fetched_at: datetime
    http_status: int


@dataclass
class ReprocessResult:
    documents_seen: int = 0
    documents_changed: int = 0
    articles_changed: int = 0
    events_new: int = 0
    events_rekeyed: int = 0
    batches: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    rekeyed: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)

    def add(self, other: ReprocessResult) -> None:
        for name in ("documents_seen", "documents_changed", "articles_changed", "events_new", "events_rekeyed",
                     "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.fields.update(other.fields)
        self.rekeyed.extend(other.rekeyed)


def stored_pages(
    engine: Engine,
    *,
    since: datetime | None = None,
    source: str | None = None,
    batch_size: int = 100,
) -> Iterator[list[StoredPage]]:
    """Batches of archived documents that have raw HTML, in id order (keyset paging: safe while writing).

    ``since`` filters on the archived published time (documents without one are kept); ``source`` on the
    source name."""
    last = 0
    while True:
        stmt = (
            select(Document.id, Document.article_id, Document.url, Document.raw_html, Document.raw_html_codec,
                   Source.name, Document.fetched_via, Document.published_at, Document.published_offset_minutes,
                   Document.published_source, Document.fetched_at, Document.http_status)
            .join(Source, Source.id == Document.source_id)
            .where(Document.id > last, Document.raw_html.is_not(None))
            .order_by(Document.id)
            .limit(batch_size)
        )
        if since is not None:
            stmt = stmt.where((Document.published_at >= since) | Document.published_at.is_(None))
        if source is not None:
            stmt = stmt.where(Source.name == source)
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return
        batch = []
        for r in rows:
            raw = decompress_html(r.raw_html, r.raw_html_codec)
            published = r.published_at
            if published is not None and r.published_offset_minutes is not None:
                published = published.astimezone(timezone(timedelta(minutes=r.published_offset_minutes)))
            batch.append(StoredPage(int(r.id), r.article_id, r.url, raw or b"", r.name, r.fetched_via, published,
                                    r.published_source, r.fetched_at, r.http_status))
        last = int(rows[-1].id)
        yield batch


def _offset_minutes(value: datetime | None) -> int | None:
    off = value.utcoffset() if value is not None else None
    return None if off is None else int(off.total_seconds() // 60)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return (a or None) == (b or None)


def apply_rederived(
    engine: Engine, pages: Sequence[tuple[StoredPage, DocumentRecord]]
) -> ReprocessResult:
    """Write one batch of re-derived records in one transaction; return what changed."""
    result = ReprocessResult(documents_seen=len(pages), batches=1)
    with engine.begin() as conn:
        for page, record in pages:
            _apply_one(conn, page, record, result)
    return result


def _apply_one(conn: Connection, page: StoredPage, record: DocumentRecord, result: ReprocessResult) -> None:
    doc = conn.execute(select(Document).where(Document.id == page.document_id)).one()
    new_doc = {
        "title": record.title, "published_at": record.published_at,
        "published_offset_minutes": _offset_minutes(record.published_at),
        "published_source": record.published_source, "published_precision": record.published_precision,
        "language": record.language, "authors": record.authors or None, "topic": record.topic,
        "topic_reasons": record.topic_reasons or None,
    }
    changes = {k: v for k, v in new_doc.items() if not _same(getattr(doc, k), v)}
    for k in changes:
        result.fields[f"documents.{k}"] += 1
    version_moved = doc.extractor_version != record.extractor_version
    if changes or version_moved:
        changes.update(extractor_version=record.extractor_version, processed_at=utcnow())
        conn.execute(update(Document).where(Document.id == page.document_id).values(**changes))
        result.documents_changed += 1
    if page.article_id is None:
        return
    article = conn.execute(select(Article).where(Article.id == page.article_id)).one()
    first_doc = conn.scalar(select(func.min(Document.id)).where(Document.article_id == page.article_id,
                                                               Document.raw_html.is_not(None)))
    if first_doc != page.document_id:
        return  # the article's fields come from its earliest copy
    stored_hash = article.content_hash
    if stored_hash != record.content_hash:
        result.fields["documents.content_hash"] += 1  # reported, not acted on (see module docstring)
    new_art: dict[str, Any] = {k: getattr(record, k) for k in ARTICLE_FIELDS}
    art_changes = {k: v for k, v in new_art.items() if not _same(getattr(article, k), v)}
    if record.event is not None and record.topic == "dialogue_event":
        before = _event_key(conn, article.event_id)
        assignment = assign_event(conn, record.event, record.published_at)
        result.events_new += assignment.created
        if assignment.rekeyed:
            result.events_rekeyed += 1
            after = _event_key(conn, assignment.event_id)
            if before and after and before != after:
                result.rekeyed.append((before, after))
        if assignment.event_id is not None and assignment.event_id != article.event_id:
            art_changes["event_id"] = assignment.event_id
    for k in art_changes:
        result.fields[f"articles.{k}"] += 1
    if art_changes:
        conn.execute(update(Article).where(Article.id == article.id).values(**art_changes))
        result.articles_changed += 1


def _event_key(conn: Connection, event_id: int | None) -> str | None:
    if event_id is None:
        return None
    from storage.models import Event

    return conn.scalar(select(Event.event_key).where(Event.id == event_id))
