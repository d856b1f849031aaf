"""Per-source state the crawler records about registered sources: their registry facts (kind, country,
zone) and whether the last crawl met a bot wall (``sources.blocked_at`` / ``blocked_reason``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from storage.archive import insert_ignore
from storage.models import Source, table_of
from storage.types import utcnow


@dataclass(frozen=True)
class SourceFacts:
    """What the source registry says about a source, as the ``sources`` row keeps it."""

    name: str
    domain: str
    kind: str | None = None
    country: str | None = None
    timezone: str | None = None


def _ensure(conn: Connection, name: str, domain: str) -> None:
    insert_ignore(conn, table_of(Source), {"name": name, "domain": domain, "created_at": utcnow()}, ["name"])


def register_sources(engine: Engine, sources: Iterable[SourceFacts]) -> None:
    """Create missing ``sources`` rows for registered sources and fill their kind/country/timezone.

    Only empty columns are filled: a value already archived is never replaced."""
    with engine.begin() as conn:
        for s in sources:
            _ensure(conn, s.name, s.domain)
            row = conn.execute(select(Source.id, Source.kind, Source.country, Source.timezone)
                               .where(Source.name == s.name)).one()
            values = {k: v for k, v in (("kind", s.kind), ("country", s.country), ("timezone", s.timezone))
                      if v is not None and getattr(row, k) is None}
            if values:
                conn.execute(update(Source).where(Source.id == row.id).values(**values))


def record_source_access(
    engine: Engine,
    *,
    blocked: Mapping[str, tuple[str, datetime, str]],
    answered: Mapping[str, str],
) -> None:
    """Mark ``blocked`` sources (name → (reason, when, domain)) and clear the mark of sources that
    ``answered`` normally this run (name → domain; only rows that exist are touched)."""
    with engine.begin() as conn:
        for name, (reason, when, domain) in blocked.items():
            _ensure(conn, name, domain)
            conn.execute(update(Source).where(Source.name == name)
                         .values(blocked_at=when, blocked_reason=reason[:200]))
        for name in answered:
            conn.execute(update(Source).where(Source.name == name, Source.blocked_at.is_not(None))
                         .values(blocked_at=None, blocked_reason=None))
