"""Incremental-crawl state kept in the archive: conditional-fetch validators per discovery URL
(``feed_states``) and the per-source publication watermark (``sources.watermark_published_at``).

The one place these rules live:

- a discovery URL's ETag / Last-Modified are stored as the server sent them, and sent back as
  ``If-None-Match`` / ``If-Modified-Since`` on the next fetch;
- a watermark only ever moves forward (a conditional UPDATE, atomic per row, so concurrent crawlers
  cannot move it back), and a publication time more than a day in the future is not trusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import FeedState, Source, table_of
from storage.types import utcnow

FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class Validators:
    """What a server said about a discovery document, to make the next fetch conditional."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class FeedFetch:
    """One fetch of a discovery URL: its status and, on 200, the validators to store."""

    url: str
    status: int
    validators: Validators
    fetched_at: datetime


def load_validators(engine: Engine, urls: Iterable[str]) -> dict[str, Validators]:
    """Stored validators for these discovery URLs (URLs never fetched, or without validators, are absent)."""
    wanted = list(dict.fromkeys(urls))
    out: dict[str, Validators] = {}
    with engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = conn.execute(
                select(FeedState.url, FeedState.etag, FeedState.last_modified).where(FeedState.url.in_(chunk))
            )
            for url, etag, last_modified in rows:
                v = Validators(etag, last_modified)
                if v:
                    out[url] = v
    return out


def record_fetches(engine: Engine, fetches: Iterable[FeedFetch]) -> int:
    """Upsert ``feed_states`` for these fetches in one transaction; returns how many rows were written.

    A 200 replaces the validators (and sets ``last_changed_at``); a 304 only updates status and fetch time.
    """
    fetches = list(fetches)
    if not fetches:
        return 0
    table = table_of(FeedState)
    with engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for f in fetches:
            values = {"url": f.url[:2000], "last_status": f.status, "last_fetched_at": f.fetched_at}
            if f.status == 200:
                values.update(etag=(f.validators.etag or None) and f.validators.etag[:500],
                              last_modified=(f.validators.last_modified or None)
                              and f.validators.last_modified[:100],
                              last_changed_at=f.fetched_at)
            stmt = dialect.insert(table).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["url"], set_={k: stmt.excluded[k] for k in values if k != "url"})
            conn.execute(stmt)
    return len(fetches)


def advance_watermarks(engine: Engine, newest: Mapping[str, datetime], *, now: datetime | None = None) -> int:
    """Move each named source's ``watermark_published_at`` forward to ``newest[name]`` (never back).

    Times more than FUTURE_TOLERANCE after ``now`` are ignored (a mis-parsed date must not freeze the
    watermark in the future). Returns the number of sources whose watermark moved.
    """
    limit = (now or utcnow()) + FUTURE_TOLERANCE
    moved = 0
    with engine.begin() as conn:
        for name, when in sorted(newest.items()):
            if when > limit:
                continue
            result = conn.execute(
                update(Source)
                .where(Source.name == name)
                .where(or_(Source.watermark_published_at.is_(None), Source.watermark_published_at < when))
                .values(watermark_published_at=when)
            )
            moved += result.rowcount or 0
    return moved


def newest_by_source(pairs: Iterable[tuple[str, datetime | None]]) -> dict[str, datetime]:
    """The newest time per source name from (source name, published time) pairs; None times ignored."""
    out: dict[str, datetime] = {}
    for name, when in pairs:
        if when is None or when.tzinfo is None:
            continue
        if name not in out or when > out[name]:
            out[name] = when
    return out
