"""The archive write API: one transaction per batch, idempotent, safe beside other writers.

``Archive.write_batch`` takes DocumentRecords (and RejectedUrls) and, in ONE transaction:
document (one per canonical URL; an already-archived URL is left untouched) → article (one per distinct
story text: exact content hash, else a near-duplicate by MinHash/LSH candidates confirmed by containment, see
storage.dedup) → event (block match or new; see storage.events) → the coverage counts of every event the
batch touched → seen URLs. Either the whole batch lands or none of it does, so a crash mid-batch leaves no
partial rows. One bad record never takes the others with it: a record over a column limit is refused before
the write (storage.limits), and a batch the database refuses is written again one record per transaction,
refusing (counted, logged) only the records that fail alone.

Concurrent writers: SQLite serialises them with ``BEGIN IMMEDIATE``; on PostgreSQL every batch first locks
the table ``archive_write_lock`` in EXCLUSIVE mode (storage/locks.py; not an advisory lock, which any
connected role could take), so batches of concurrent crawlers are serialised the same way. Without it, two crawlers could each miss the other's uncommitted near-duplicate
(no unique constraint can catch "similar text") and twin articles would result. Batches are short (a few
ms per document); fetching, the slow part, stays parallel.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, StatementError

from storage.dedup import Fingerprint, find_near_duplicate, pack, store_bands
from storage.events import add_evidence, assign_event, event_facts_json, refresh_coverage
from storage.limits import document_problems, rejected_problems
from storage.locks import lock_archive_writes
from storage.models import Article, CrawlRun, Document, SeenUrl, Source, table_of
from storage.records import BatchResult, DocumentRecord, RejectedUrl, SeriesRecord
from storage.series import sync_series
from storage.types import utcnow

logger = logging.getLogger(__name__)

RAW_HTML_CODEC = "zlib"
WRITE_FAILED = "write_failed"  # a record the database refused even alone (counted, logged)
# A batch failing with one of these is retried one record per transaction ...
RECORD_ERRORS = (StatementError, OverflowError, ValueError, TypeError)
# ... unless the database itself is the problem (connection lost, locked, server error): that raises.
SERVER_ERRORS = (OperationalError, InterfaceError, InternalError)
FILLABLE_ARTICLE_COLUMNS = (
    Article.title, Article.language, Article.agency, Article.agency_source, Article.dateline_raw,
    Article.dateline_city, Article.dateline_region, Article.dateline_country, Article.dateline_date,
)
FILLABLE_ARTICLE_FIELDS = tuple(col.key for col in FILLABLE_ARTICLE_COLUMNS)


def gap_fill(article: Mapping[str, Any], copy: DocumentRecord) -> dict[str, Any]:
    """THE gap-filling rule (crawl and reprocess): the article fields a later copy fills.

    A later copy may carry what the first lacked (a tag-stripped dateline, no agency): it fills the
    article's EMPTY fillable fields only; a value once set is never replaced. Returns {field: value}."""
    return {
        key: getattr(copy, key)
        for key in FILLABLE_ARTICLE_FIELDS
        if key in article and article[key] is None and getattr(copy, key) is not None
    }


def article_fields(copies: Sequence[DocumentRecord], keys: Iterable[str]) -> dict[str, Any]:
    """An article's ``keys`` as the crawl leaves them after archiving ``copies`` in this order (the
    earliest copy's values, gaps filled from later copies by ``gap_fill``)."""
    first, *later = copies
    values = {key: getattr(first, key) for key in keys}
    for copy in later:
        values.update(gap_fill(values, copy))
    return values


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any], conflict: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING RETURNING id``; returns the new id or None."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return conn.execute(stmt.returning(table.c.id)).scalar_one_or_none()


def compress_html(raw: bytes | None) -> bytes | None:
    return None if raw is None else zlib.compress(raw, 6)


def decompress_html(blob: bytes | None, codec: str | None) -> bytes | None:
    if blob is None:
        return None
    if codec == RAW_HTML_CODEC:
        return zlib.decompress(blob)
    return blob


class Archive:
    """Writes to one archive database. Thread-compatible: one write_batch at a time per instance."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._source_ids: dict[str, int] = {}

    # -- crawl runs ---------------------------------------------------------------------------------
    def start_run(self, spider: str, arguments: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                table_of(CrawlRun).insert()
                .values(spider=spider, arguments=arguments, started_at=utcnow(), items_archived=0,
                        status="running")
                .returning(table_of(CrawlRun).c.id)
            )
            return int(result.scalar_one())

    # -- lookups used by the crawler before it fetches ------------------------------------------------
    def known_urls(self, canonical_urls: Iterable[str], rule_version: str | None = None) -> set[str]:
        """Which of these canonical URLs are already archived or already rejected (by rules of
        ``rule_version`` when given: a URL that other rules rejected is fetched again)."""
        urls = list(dict.fromkeys(canonical_urls))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(urls), 500):
                chunk = urls[i : i + 500]
                found.update(conn.scalars(select(Document.canonical_url).where(Document.canonical_url.in_(chunk))))
                seen = select(SeenUrl.canonical_url).where(SeenUrl.canonical_url.in_(chunk))
                if rule_version is not None:
                    seen = seen.where(SeenUrl.rule_version == rule_version)
                found.update(conn.scalars(seen))
        return found

    # -- the batch write ------------------------------------------------------------------------------
    def write_batch(
        self,
        documents: Sequence[DocumentRecord],
        rejected: Sequence[RejectedUrl] = (),
        *,
        crawl_run_id: int | None = None,
    ) -> BatchResult:
        """Write the batch in one transaction. A record over a column limit (storage.limits) is refused before
        the write; when the transaction fails on a record (a value the database refuses, a date arithmetic
        overflow), the batch is written again one record per transaction, so only the records that fail
        alone are refused. Refused records are counted in ``BatchResult.dropped`` by reason and logged;
        errors of the database itself (connection, lock) still raise."""
        result = BatchResult()
        docs: list[DocumentRecord] = []
        for doc in documents:
            problems = document_problems(doc)
            if problems:
                logger.warning("refused %s: %s", doc.canonical_url[:300], ", ".join(problems))
                result.drop(problems[0])
            else:
                docs.append(doc)
        rejs: list[RejectedUrl] = []
        for rej in rejected:
            problems = rejected_problems(rej)
            if problems:
                result.drop(problems[0])
            else:
                rejs.append(rej)
        try:
            result.add(self._transaction(docs, rejs, crawl_run_id))
        except RECORD_ERRORS as exc:
            if isinstance(exc, SERVER_ERRORS):
                raise
            logger.warning("batch of %d records failed (%s: %s); writing them one at a time", len(docs) + len(rejs),
                           type(exc).__name__, str(exc).splitlines()[0][:300] if str(exc) else "")
            for one_doc, one_rej in [*(([d], []) for d in docs), *(([], [r]) for r in rejs)]:
                try:
                    result.add(self._transaction(one_doc, one_rej, crawl_run_id))
                except RECORD_ERRORS as one_exc:
                    if isinstance(one_exc, SERVER_ERRORS):
                        raise
                    url = one_doc[0].canonical_url if one_doc else one_rej[0].canonical_url
                    logger.error("refused %s: %s: %s", url[:300], type(one_exc).__name__,
                                 str(one_exc).splitlines()[0][:300] if str(one_exc) else "")
                    result.drop(WRITE_FAILED)
        return result

    def _transaction(self, documents: Sequence[DocumentRecord], rejected: Sequence[RejectedUrl],
                     crawl_run_id: int | None) -> BatchResult:
        result = BatchResult()
        if not documents and not rejected:
            return result
        try:
            with self.engine.begin() as conn:
                self._write_all(conn, documents, rejected, crawl_run_id, result)
        except BaseException:
            self._source_ids.clear()  # ids cached inside a rolled-back transaction are void
            raise
        return result

    def sync_series(self, series: Iterable[SeriesRecord]) -> int:
        """Upsert the dialogue registry into ``dialogue_series`` and link events (storage.series)."""
        with self.engine.begin() as conn:
            _lock_writers(conn)
            return sync_series(conn, series)

    def _write_all(
        self,
        conn: Connection,
        documents: Sequence[DocumentRecord],
        rejected: Sequence[RejectedUrl],
        crawl_run_id: int | None,
        result: BatchResult,
    ) -> None:
        _lock_writers(conn)
        touched: set[int] = set()
        for doc in documents:
            self._write_document(conn, doc, crawl_run_id, result, touched)
        refresh_coverage(conn, touched)
        for rej in rejected:
            new_id = insert_ignore(
                conn,
                table_of(SeenUrl),
                {"canonical_url": rej.canonical_url, "reason": rej.reason, "first_seen_at": utcnow(),
                 "crawl_run_id": crawl_run_id, "rule_version": rej.rule_version},
                ["canonical_url"],
            )
            if new_id is None:  # rejected before, maybe by other rules: record the rules that rejected it now
                conn.execute(update(SeenUrl).where(SeenUrl.canonical_url == rej.canonical_url)
                             .values(reason=rej.reason, rule_version=rej.rule_version, crawl_run_id=crawl_run_id))
            result.rejected_new += new_id is not None

    def _source_id(self, conn: Connection, doc: DocumentRecord) -> int:
        name = doc.source_name or doc.source_domain
        cached = self._source_ids.get(name)
        if cached is not None:
            return cached
        insert_ignore(
            conn,
            table_of(Source),
            {"name": name, "domain": doc.source_domain, "kind": doc.source_kind,
             "country": doc.source_country, "created_at": utcnow()},
            ["name"],
        )
        sid = int(conn.execute(select(Source.id).where(Source.name == name)).scalar_one())
        self._source_ids[name] = sid
        return sid

    def _write_document(
        self, conn: Connection, doc: DocumentRecord, run_id: int | None, result: BatchResult, touched: set[int]
    ) -> None:
        exists = conn.scalar(select(Document.id).where(Document.canonical_url == doc.canonical_url))
        if exists is not None:
            result.documents_duplicate += 1
            return
        source_id = self._source_id(conn, doc)
        article_id, event_id = self._article_for(conn, doc, result)
        doc_id = insert_ignore(
            conn,
            table_of(Document),
            {
                "url": doc.url,
                "canonical_url": doc.canonical_url,
                "source_id": source_id,
                "article_id": article_id,
                "fetched_at": doc.fetched_at,
                "http_status": doc.http_status,
                "title": doc.title,
                "published_at": doc.published_at,
                "published_offset_minutes": _offset_minutes(doc),
                "published_source": doc.published_source,
                "published_precision": doc.published_precision,
                "published_rejected": doc.published_rejected,
                "language": doc.language,
                "authors": doc.authors or None,
                "topic": doc.topic,
                "topic_reasons": doc.topic_reasons or None,
                "raw_html": compress_html(doc.raw_html),
                "raw_html_codec": RAW_HTML_CODEC if doc.raw_html is not None else None,
                "extractor_version": doc.extractor_version,
                "processed_at": utcnow(),
                "fetched_via": doc.fetched_via,
                "discovery": doc.discovery,
                "http_last_modified": doc.http_last_modified,
                "event_facts": event_facts_json(doc.event) if doc.topic == "dialogue_event" else None,
                "crawl_run_id": run_id,
                "created_at": utcnow(),
            },
            ["canonical_url"],
        )
        if doc_id is None:  # another writer archived it between our check and insert
            result.documents_duplicate += 1
        else:
            result.documents_new += 1
        if event_id is not None:
            touched.add(event_id)

    def _article_for(self, conn: Connection, doc: DocumentRecord, result: BatchResult) -> tuple[int, int | None]:
        """The article of ``doc`` (existing: exact hash, else near-duplicate; or new) and that article's event."""
        columns = (Article.id, Article.event_id, Article.first_published_at, *FILLABLE_ARTICLE_COLUMNS)
        existing = conn.execute(select(*columns).where(Article.content_hash == doc.content_hash)).first()
        fingerprint: Fingerprint | None = None
        if existing is None:
            fingerprint = Fingerprint.of(doc.body)
            near = find_near_duplicate(conn, fingerprint, doc.published_at)
            if near is not None:
                existing = conn.execute(select(*columns).where(Article.id == near)).first()
                result.articles_near_duplicate += 1
        event_id: int | None = None
        if doc.event is not None and doc.topic == "dialogue_event":
            if existing is not None and existing.event_id is not None:
                # A copy of an article that has its event: evidence for that event only.
                assignment = add_evidence(conn, int(existing.event_id), doc.event)
            else:
                assignment = assign_event(conn, doc.event, doc.published_at)
            event_id = assignment.event_id
            result.events_new += assignment.created
            result.events_rekeyed += assignment.rekeyed
            result.events_attached += event_id is not None
        if existing is not None:
            result.articles_existing += 1
            values: dict[str, Any] = {}
            if existing.event_id is None and event_id is not None:
                values["event_id"] = event_id
            if doc.published_at is not None and (
                existing.first_published_at is None or doc.published_at < existing.first_published_at
            ):
                values["first_published_at"] = doc.published_at
            values.update(gap_fill(existing._asdict(), doc))
            if values:
                conn.execute(update(Article).where(Article.id == existing.id).values(**values))
            return int(existing.id), values.get("event_id", existing.event_id)
        assert fingerprint is not None
        new_id = insert_ignore(
            conn,
            table_of(Article),
            {
                "content_hash": doc.content_hash,
                "title": doc.title,
                "body": doc.body,
                "language": doc.language,
                "agency": doc.agency,
                "agency_source": doc.agency_source,
                "dateline_raw": doc.dateline_raw,
                "dateline_city": doc.dateline_city,
                "dateline_region": doc.dateline_region,
                "dateline_country": doc.dateline_country,
                "dateline_date": doc.dateline_date,
                "topic": doc.topic,
                "relation": doc.relation,
                "event_id": event_id,
                "first_published_at": doc.published_at,
                "minhash": pack(fingerprint.signature),
                "created_at": utcnow(),
            },
            ["content_hash"],
        )
        if new_id is None:  # unreachable while batches hold the write lock; kept as a safety net
            result.articles_existing += 1
            row = conn.execute(select(Article.id, Article.event_id).where(Article.content_hash == doc.content_hash)).one()
            return int(row.id), row.event_id
        store_bands(conn, int(new_id), fingerprint)
        result.articles_new += 1
        return int(new_id), event_id


def _lock_writers(conn: Connection) -> None:
    """Serialise write batches of concurrent crawlers on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    lock_archive_writes(conn)


def _offset_minutes(doc: DocumentRecord) -> int | None:
    if doc.published_at is None:
        return None
    off = doc.published_at.utcoffset()
    return None if off is None else int(off.total_seconds() // 60)
