"""The archive's schema as typed SQLAlchemy 2 models.

Three layers (see docs/schema.md): ``documents`` (one per canonical URL) → ``articles`` (one per
distinct story text) → ``events`` (one per round of one dialogue). Alembic (``migrations/``) owns the
schema: change a model, then add a migration; ``alembic check`` must report no drift.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import NullableJSON, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so autoincrement keeps working.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: NullableJSON}


class Source(Base):
    """A publisher, identified by its name (news-sitemap publication name, og:site_name/JSON-LD publisher,
    else the host); ``domain`` is the host it was fetched from."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[str] = mapped_column(String(253), index=True)
    kind: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # newest publication time archived from this source (the incremental-crawl watermark)
    watermark_published_at: Mapped[datetime | None] = mapped_column()
    # set when the last crawl met a bot wall (401/403 challenge); cleared by a later successful fetch
    blocked_at: Mapped[datetime | None] = mapped_column()
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="source")


class DialogueSeries(Base):
    """A named, recurring bilateral format (the dialogue registry, as loaded into the archive)."""

    __tablename__ = "dialogue_series"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    # a series is one mechanism between one pair: "2plus2-ministerial-dialogue" exists for many pairs
    country_a: Mapped[str] = mapped_column(String(3), default="")
    country_b: Mapped[str] = mapped_column(String(3), default="")
    level: Mapped[str | None] = mapped_column(String(120))
    aliases: Mapped[list[str] | None] = mapped_column(NullableJSON)
    abbreviations: Mapped[list[str] | None] = mapped_column(NullableJSON)
    in_registry: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("slug", "country_a", "country_b"),)


class Event(Base):
    """One round of one dialogue. ``id`` is stable; ``event_key`` may move (old keys in event_aliases)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    country_a: Mapped[str] = mapped_column(String(3))
    country_b: Mapped[str] = mapped_column(String(3))
    mechanism: Mapped[str] = mapped_column(String(120))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("dialogue_series.id"))
    series_name: Mapped[str | None] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    date_evidence: Mapped[str | None] = mapped_column(Text)
    date_rank: Mapped[int] = mapped_column(Integer, default=0)
    venue_city: Mapped[str | None] = mapped_column(String(120))
    venue_country: Mapped[str | None] = mapped_column(String(10))  # ISO alpha-2 or NULL (never "virtual")
    # met by video conference; venue_city/venue_country are then NULL (migration 0006)
    virtual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    round_ordinal: Mapped[int | None] = mapped_column(Integer)
    co_chairs: Mapped[list[dict[str, Any]] | None] = mapped_column(NullableJSON)
    outcomes: Mapped[list[str] | None] = mapped_column(NullableJSON)
    # why the fused facts are what they are where the documents disagreed (storage/fusion.py)
    fusion_reasons: Mapped[list[str] | None] = mapped_column(NullableJSON)
    # lifetime coverage, maintained by the archive in the same transaction as the documents it counts
    documents_count: Mapped[int] = mapped_column(Integer, default=0)
    articles_count: Mapped[int] = mapped_column(Integer, default=0)
    sources_count: Mapped[int] = mapped_column(Integer, default=0)
    agencies: Mapped[list[str] | None] = mapped_column(NullableJSON)
    first_report_at: Mapped[datetime | None] = mapped_column()
    last_report_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_events_block", "country_a", "country_b", "mechanism", "start_date"),)


class EventAlias(Base):
    """A key an event was once known by (before new evidence moved its start date)."""

    __tablename__ = "event_aliases"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    alias_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Article(Base):
    """One distinct story text; syndicated copies are documents of the same article."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(12))
    agency: Mapped[str | None] = mapped_column(String(40), index=True)
    agency_source: Mapped[str | None] = mapped_column(String(40))
    dateline_raw: Mapped[str | None] = mapped_column(String(300))
    dateline_city: Mapped[str | None] = mapped_column(String(120))
    dateline_region: Mapped[str | None] = mapped_column(String(120))
    dateline_country: Mapped[str | None] = mapped_column(String(2))
    dateline_date: Mapped[date | None] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str | None] = mapped_column(String(20))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    first_published_at: Mapped[datetime | None] = mapped_column(index=True)
    # MinHash signature of the clean body's word shingles (near-duplicate confirmation), packed uint32s
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="article")


class ArticleBand(Base):
    """LSH band hashes of an article's MinHash: articles sharing a (band, hash) are near-dup candidates."""

    __tablename__ = "article_lsh_bands"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_article_lsh_bands_band_hash", "band", "hash"),)


class Document(Base):
    """One fetched page, after URL canonicalisation."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    fetched_at: Mapped[datetime] = mapped_column()
    http_status: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    published_source: Mapped[str | None] = mapped_column(String(20))
    published_precision: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str | None] = mapped_column(String(12))
    authors: Mapped[list[str] | None] = mapped_column(NullableJSON)
    topic: Mapped[str] = mapped_column(String(20))
    topic_reasons: Mapped[list[str] | None] = mapped_column(NullableJSON)
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_html_codec: Mapped[str | None] = mapped_column(String(10))
    extractor_version: Mapped[str] = mapped_column(String(40))
    processed_at: Mapped[datetime | None] = mapped_column()  # when the fields were last derived
    fetched_via: Mapped[str | None] = mapped_column(String(20))  # 'sitemap' | 'feed' | 'listing' | 'url'
    # what discovery said about the page ({"published", "published_raw", "publication", "via", ...}):
    # part of the page's context, so reprocessing rebuilds the context the crawl had
    discovery: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # why the page's publication time was not archived (crawler.core.plausible); published_at is then NULL
    published_rejected: Mapped[str | None] = mapped_column(String(200))
    # the event facts this page states (EventFactsRecord as JSON): the input of the event's fusion
    # (storage/fusion.py); NULL for pages that state none, and for pages archived before migration 0006
    event_facts: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    # the response's HTTP Last-Modified: the reference a relative date line ("2 hours ago") was read against
    http_last_modified: Mapped[datetime | None] = mapped_column()

    source: Mapped[Source] = relationship(back_populates="documents")
    article: Mapped[Article | None] = relationship(back_populates="documents")


class CrawlRun(Base):
    """One crawl: what was asked, when it ran, how it ended, and Scrapy's stats."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    spider: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    # 'running' | 'ok' | 'failed' (failed: did not finish, or a monitor failed)
    status: Mapped[str] = mapped_column(String(20), default="running")
    items_archived: Mapped[int] = mapped_column(Integer, default=0)
    items_dropped: Mapped[int] = mapped_column(Integer, default=0)
    http_errors: Mapped[int] = mapped_column(Integer, default=0)
    drop_reasons: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    monitor_results: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    blocked_sources: Mapped[list[str] | None] = mapped_column(NullableJSON)
    stats: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)


class FeedState(Base):
    """Conditional-fetch state of a discovery URL (sitemap, feed, listing): a 304 costs nothing."""

    __tablename__ = "feed_states"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))  # the header value, as sent
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_fetched_at: Mapped[datetime | None] = mapped_column()
    last_changed_at: Mapped[datetime | None] = mapped_column()


class SeenUrl(Base):
    """A URL rejected (e.g. as unrelated) so that later crawls do not fetch it again."""

    __tablename__ = "seen_urls"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    # the rules version (crawler.core.process.PIPELINE_VERSION) that rejected it; NULL: before migration 0003.
    # A crawl under other rules fetches the URL again.
    rule_version: Mapped[str | None] = mapped_column(String(40))


__all__ = [
    "NAMING_CONVENTION",
    "Article",
    "Base",
    "CrawlRun",
    "DialogueSeries",
    "Document",
    "Event",
    "EventAlias",
    "SeenUrl",
    "Source",
]


def table_of(model: type[Base]) -> Table:
    """The Core Table of a model (typed, for Core inserts and upserts)."""
    return cast(Table, model.__table__)
