"""Re-deriving archived rows from their stored raw HTML (the storage half of ``newsarchive reprocess``).

``stored_pages`` reads documents (with their raw HTML, decompressed) in id order, one page of rows at a time;
``apply_rederived`` writes what the current code derived for one batch in ONE transaction and returns what
changed, per field. Only changed columns are written, so a second run changes nothing (idempotent), and an
interrupted run loses at most its current batch (safe to interrupt; run it again).

Rules: document fields are re-derived per document. An article's fields come from its earliest document
(lowest id) with raw HTML, its gaps filled from its later copies in id order by the crawl's own rule
(``storage.archive.article_fields`` / ``gap_fill``), so syndicated copies do not overwrite each other and a
reprocess right after a crawl changes nothing. The caller passes the re-derived records of those later
copies (``copies``); a copy it did not pass is left out of the fill. Event assignment goes through
``storage.events.assign_event`` (the one "same round" rule): an article moves to the event its facts now
point at, and a moved start date re-keys the event (old key → event_aliases). A changed clean text is
applied with the crawl's dedup rules (``_article_for_text``): a copy whose text now equals another
article's moves there (an article left without documents is removed), a copy no longer the same story is
split off, and the earliest copy's article takes the new text, keeping its id. An event whose only article
this is takes its dates from the re-derived facts (re-keyed in place, old key aliased; ``_redate``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from storage.archive import article_fields, decompress_html, insert_ignore
from storage.dedup import Fingerprint, pack, same_story, shingles, store_bands
from storage.events import (
    SAME_ROUND_DAYS,
    Assignment,
    add_evidence,
    assign_event,
    event_facts_json,
    make_event_key,
    refresh_coverage,
)
from storage.locks import lock_archive_writes
from storage.models import Article, ArticleBand, Document, Event, EventAlias, Source, table_of
from storage.records import DocumentRecord, EventFactsRecord
from storage.types import utcnow

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
    discovery: dict[str, Any] | None = None  # documents.discovery: the page's discovery metadata
    http_last_modified: datetime | None = None  # documents.http_last_modified: the fetch's Last-Modified


@dataclass
class ReprocessResult:
    documents_seen: int = 0
    documents_changed: int = 0
    articles_changed: int = 0
    events_new: int = 0
    events_rekeyed: int = 0
    documents_merged: int = 0  # moved to the article whose text theirs now equals
    articles_split: int = 0  # a copy whose new text is no longer the same story: a new article
    articles_removed: int = 0  # left without any document by a merge
    batches: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    rekeyed: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)

    def add(self, other: ReprocessResult) -> None:
        for name in ("documents_seen", "documents_changed", "articles_changed", "events_new", "events_rekeyed",
                     "documents_merged", "articles_split", "articles_removed", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.fields.update(other.fields)
        self.rekeyed.extend(other.rekeyed)


def stored_pages(
    engine: Engine,
    *,
    since: datetime | None = None,
    source: str | None = None,
    batch_size: int = 100,
    document_ids: Sequence[int] | None = None,
) -> Iterator[list[StoredPage]]:
    """Batches of archived documents that have raw HTML, in id order (keyset paging: safe while writing).

    ``since`` filters on the archived published time (documents without one are kept); ``source`` on the
    source name; ``document_ids`` to those documents."""
    last = 0
    while True:
        stmt = (
            select(Document.id, Document.article_id, Document.url, Document.raw_html, Document.raw_html_codec,
                   Source.name, Document.fetched_via, Document.published_at, Document.published_offset_minutes,
                   Document.published_source, Document.fetched_at, Document.http_status, Document.discovery,
                   Document.http_last_modified)
            .join(Source, Source.id == Document.source_id)
            .where(Document.id > last, Document.raw_html.is_not(None))
            .order_by(Document.id)
            .limit(batch_size)
        )
        if since is not None:
            stmt = stmt.where((Document.published_at >= since) | Document.published_at.is_(None))
        if source is not None:
            stmt = stmt.where(Source.name == source)
        if document_ids is not None:
            stmt = stmt.where(Document.id.in_(list(document_ids)))
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
                                    r.published_source, r.fetched_at, r.http_status, r.discovery,
                                    r.http_last_modified))
        last = int(rows[-1].id)
        yield batch


def _offset_minutes(value: datetime | None) -> int | None:
    off = value.utcoffset() if value is not None else None
    return None if off is None else int(off.total_seconds() // 60)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return (a or None) == (b or None)


def copies_of(engine: Engine, article_ids: Sequence[int]) -> list[int]:
    """The ids of the documents with raw HTML of these articles (their copies), in id order."""
    if not article_ids:
        return []
    with engine.connect() as conn:
        return [int(i) for i in conn.scalars(
            select(Document.id).where(Document.article_id.in_(list(article_ids)), Document.raw_html.is_not(None))
            .order_by(Document.id))]


def apply_rederived(
    engine: Engine,
    pages: Sequence[tuple[StoredPage, DocumentRecord]],
    copies: Mapping[int, DocumentRecord] | None = None,
) -> ReprocessResult:
    """Write one batch of re-derived records in one transaction; return what changed.

    ``copies``: re-derived records by document id of the other copies of the batch's articles (gap filling)."""
    result = ReprocessResult(documents_seen=len(pages), batches=1)
    touched: set[int] = set()
    records = dict(copies or {})
    records.update((page.document_id, record) for page, record in pages)
    with engine.begin() as conn:
        lock_archive_writes(conn)  # the crawl's write lock: dedup must not race a crawl
        for page, record in pages:
            _apply_one(conn, page, record, result, touched, records)
        refresh_coverage(conn, touched)
    return result


def _apply_one(
    conn: Connection, page: StoredPage, record: DocumentRecord, result: ReprocessResult, touched: set[int],
    records: Mapping[int, DocumentRecord],
) -> None:
    doc = conn.execute(select(Document).where(Document.id == page.document_id)).one()
    new_doc = {
        "title": record.title, "published_at": record.published_at,
        "published_offset_minutes": _offset_minutes(record.published_at),
        "published_source": record.published_source, "published_precision": record.published_precision,
        "published_rejected": record.published_rejected, "language": record.language, "authors": record.authors or None, "topic": record.topic,
        "topic_reasons": record.topic_reasons or None,
        "event_facts": event_facts_json(record.event) if record.topic == "dialogue_event" else None,
    }
    changes = {k: v for k, v in new_doc.items() if not _same(getattr(doc, k), v)}
    for k in changes:
        result.fields[f"documents.{k}"] += 1
    version_moved = doc.extractor_version != record.extractor_version
    if changes or version_moved:
        changes.update(extractor_version=record.extractor_version, processed_at=utcnow())
        conn.execute(update(Document).where(Document.id == page.document_id).values(**changes))
        result.documents_changed += 1
    if doc.article_id is None:
        return
    if "event_facts" in changes:  # the event this copy counts for fuses its facts again
        held = conn.scalar(select(Article.event_id).where(Article.id == doc.article_id))
        if held is not None:
            touched.add(int(held))
    article_id = _article_for_text(conn, doc, record, result, touched)
    article = conn.execute(select(Article).where(Article.id == article_id)).one()
    if _first_document(conn, article.id) != page.document_id:
        return  # the article's fields come from its earliest copy
    later = [records[i] for i in _copies(conn, int(article.id)) if i != page.document_id and i in records]
    new_art: dict[str, Any] = article_fields([record, *later], ARTICLE_FIELDS)
    if article.content_hash != record.content_hash:
        # the earliest copy's clean text changed and no other article has it: the article keeps its id
        # and takes the new text (the old text is re-derivable from the stored raw HTML)
        fingerprint = Fingerprint.of(record.body)
        new_art.update(content_hash=record.content_hash, body=record.body, minhash=pack(fingerprint.signature))
        conn.execute(delete(ArticleBand).where(ArticleBand.article_id == article.id))
        store_bands(conn, int(article.id), fingerprint)
    art_changes = {k: v for k, v in new_art.items() if not _same(getattr(article, k), v)}
    if "body" not in art_changes:
        art_changes.pop("minhash", None)
    if record.event is not None and record.topic == "dialogue_event":
        assignment = _assign(conn, article.event_id, record.event, record.published_at, result)
        if assignment.event_id is not None and assignment.event_id != article.event_id:
            art_changes["event_id"] = assignment.event_id
        for ev in (article.event_id, assignment.event_id):
            if ev is not None:
                touched.add(int(ev))
    for k in art_changes:
        if k != "minhash":
            result.fields[f"articles.{k}"] += 1
    if art_changes:
        conn.execute(update(Article).where(Article.id == article.id).values(**art_changes))
        result.articles_changed += 1
        if article.event_id is not None:
            touched.add(int(article.event_id))


def _copies(conn: Connection, article_id: int) -> list[int]:
    return [int(i) for i in conn.scalars(select(Document.id).where(
        Document.article_id == article_id, Document.raw_html.is_not(None)).order_by(Document.id))]


def _first_document(conn: Connection, article_id: int) -> int | None:
    return conn.scalar(select(func.min(Document.id)).where(Document.article_id == article_id,
                                                           Document.raw_html.is_not(None)))


def _article_for_text(
    conn: Connection, doc: Any, record: DocumentRecord, result: ReprocessResult, touched: set[int]
) -> int:
    """The article ``doc`` belongs to once its clean text is re-derived (dedup kept consistent).

    - Text unchanged, or equal to its article's (new) text: stays.
    - Text now equal to ANOTHER article's text (exact content hash): moves there (merge); its old
      article, if no document references it any more, is removed (its text is re-derivable).
    - Otherwise, a later copy stays while its new text is still the same story as its article's
      (storage.dedup containment, the crawl's near-duplicate test), else it is split into a new article.
    - The earliest copy keeps its article, which takes the new text (done by the caller)."""
    current = conn.execute(select(Article.id, Article.content_hash, Article.body, Article.event_id)
                           .where(Article.id == doc.article_id)).one()
    if current.content_hash == record.content_hash:
        return int(current.id)
    other = conn.scalar(select(Article.id).where(Article.content_hash == record.content_hash))
    if other is not None:
        _move(conn, doc.id, int(current.id), int(other), result, touched)
        result.documents_merged += 1
        return int(other)
    if _first_document(conn, int(current.id)) == doc.id:
        return int(current.id)
    if same_story(shingles(record.body), shingles(current.body)):
        return int(current.id)  # still a near-duplicate copy of its article
    new_id = _new_article(conn, record)
    _move(conn, doc.id, int(current.id), new_id, result, touched)
    result.articles_split += 1
    return new_id


def _move(conn: Connection, doc_id: int, old: int, new: int, result: ReprocessResult, touched: set[int]) -> None:
    conn.execute(update(Document).where(Document.id == doc_id).values(article_id=new))
    result.fields["documents.article_id"] += 1
    old_event = conn.scalar(select(Article.event_id).where(Article.id == old))
    new_event = conn.scalar(select(Article.event_id).where(Article.id == new))
    touched.update(int(e) for e in (old_event, new_event) if e is not None)
    if conn.scalar(select(func.count()).select_from(Document).where(Document.article_id == old)) == 0:
        # nothing references it any more (documents are the only table that does; bands cascade)
        conn.execute(delete(ArticleBand).where(ArticleBand.article_id == old))
        conn.execute(delete(Article).where(Article.id == old))
        result.articles_removed += 1


def _new_article(conn: Connection, record: DocumentRecord) -> int:
    fingerprint = Fingerprint.of(record.body)
    new_id = conn.execute(insert(Article).values(
        content_hash=record.content_hash, title=record.title, body=record.body, language=record.language,
        topic=record.topic, first_published_at=record.published_at, minhash=pack(fingerprint.signature),
        created_at=utcnow(),
    ).returning(Article.id)).scalar_one()
    store_bands(conn, int(new_id), fingerprint)
    return int(new_id)


def _assign(
    conn: Connection, event_id: int | None, facts: EventFactsRecord, published: datetime | None,
    result: ReprocessResult,
) -> Assignment:
    """Event assignment for an article's re-derived facts.

    An event whose only article this is takes its dates from these facts (they are all its evidence), so a
    rule change that moves the start date either way re-keys the event in place: same id, old key in
    ``event_aliases`` — unless another round of the block already covers the new date (then the article
    moves there). Other events go through ``assign_event`` (the join over evidence: a start moves earlier,
    never later, since the other articles' old evidence is still in the event)."""
    before = _event_key(conn, event_id)
    assignment: Assignment | None = None
    if event_id is not None and facts.start_date is not None and _sole_article(conn, event_id):
        assignment = _redate(conn, event_id, facts)
    if assignment is None:
        assignment = assign_event(conn, facts, published)
    result.events_new += assignment.created
    if assignment.rekeyed:
        result.events_rekeyed += 1
        after = _event_key(conn, assignment.event_id)
        if before and after and before != after:
            result.rekeyed.append((before, after))
    return assignment


def _sole_article(conn: Connection, event_id: int) -> bool:
    return conn.scalar(select(func.count()).select_from(Article).where(Article.event_id == event_id)) == 1


def _redate(conn: Connection, event_id: int, facts: EventFactsRecord) -> Assignment | None:
    """Re-key a single-article event to ``facts``' dates; None when ``assign_event`` should decide (the
    block changed, the dates did not move, or another round covers the new date)."""
    ev = conn.execute(select(table_of(Event)).where(Event.id == event_id)).one()
    a, b = sorted(c.upper() for c in facts.countries)
    start = facts.start_date
    assert start is not None
    end = max(facts.end_date or start, start)
    if (ev.country_a, ev.country_b, ev.mechanism) != (a, b, facts.mechanism):
        return None
    if (start, end, facts.date_rank) == (ev.start_date, ev.end_date or ev.start_date, ev.date_rank):
        return None
    slack = timedelta(days=SAME_ROUND_DAYS)
    other = conn.scalar(select(func.count()).select_from(Event).where(
        Event.country_a == a, Event.country_b == b, Event.mechanism == facts.mechanism, Event.id != event_id,
        Event.start_date <= start + slack,
        func.coalesce(Event.end_date, Event.start_date) >= start - slack))
    if other:
        return None
    values: dict[str, Any] = {"end_date": end, "date_rank": facts.date_rank,
                              "date_evidence": facts.date_evidence, "updated_at": utcnow()}
    rekeyed = start != ev.start_date
    if rekeyed:
        new_key = make_event_key((a, b), facts.mechanism, start)
        insert_ignore(conn, table_of(EventAlias), {"event_id": event_id, "alias_key": ev.event_key,
                                                   "created_at": utcnow()}, ["alias_key"])
        conn.execute(delete(EventAlias).where(EventAlias.alias_key == new_key, EventAlias.event_id == event_id))
        values.update(event_key=new_key, start_date=start)
    conn.execute(update(Event).where(Event.id == event_id).values(**values))
    merged = add_evidence(conn, event_id, facts)  # venue, chairs, outcomes; the dates now agree
    return Assignment(event_id=merged.event_id, rekeyed=rekeyed)


def _event_key(conn: Connection, event_id: int | None) -> str | None:
    if event_id is None:
        return None
    return conn.scalar(select(Event.event_key).where(Event.id == event_id))
