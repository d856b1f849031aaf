"""Dialogue series in the archive: the registry as rows, and the link from events to them.

``dialogue_series`` holds one row per (mechanism slug, country pair) — unique on ``(slug, country_a,
country_b)``; a registry entry that leaves the pair open is stored with ``country_a = country_b = ''``.

- ``sync_series`` upserts the registry a crawler runs with (``in_registry = true``; name, level, aliases and
  abbreviations follow the registry), then links every event still without a series whose (pair,
  mechanism) now has a row. A row is never turned back to ``in_registry = false``: crawlers sharing an
  archive may run with different user registry files (``NEWSARCHIVE_DIALOGUES``), and the flag means "some
  registry knew it", not "the last crawler's registry knew it".
- ``series_id_for`` gives an event its series when the event is created: the row of its (slug, pair); else,
  when the registry has the slug with an open pair, a registered row for this pair copied from it; else a
  new row with ``in_registry = false`` named after the text (a series the registry does not know yet).

storage does not import crawler: the crawler maps its ``DialogueSeries`` onto ``SeriesRecord``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import DialogueSeries, Event, table_of
from storage.records import SeriesRecord
from storage.types import utcnow

OPEN_PAIR = ("", "")


def _pair(countries: tuple[str, str] | None) -> tuple[str, str]:
    if countries is None:
        return OPEN_PAIR
    a, b = sorted(c.upper() for c in countries)
    return a, b


def _registry_values(record: SeriesRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "level": record.level,
        "aliases": list(record.aliases) or None,
        "abbreviations": list(record.abbreviations) or None,
        "in_registry": True,
    }


def _insert(conn: Connection, values: dict[str, Any], *, update_with: dict[str, Any] | None = None) -> None:
    """Portable ``INSERT ... ON CONFLICT (slug, country_a, country_b) DO NOTHING / DO UPDATE``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table_of(DialogueSeries)).values(**values)
    conflict = ["slug", "country_a", "country_b"]
    if update_with:
        conn.execute(stmt.on_conflict_do_update(index_elements=conflict, set_=update_with))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=conflict))


def sync_series(conn: Connection, series: Iterable[SeriesRecord]) -> int:
    """Upsert the registry; link unlinked events. Returns how many rows were inserted or changed.

    Rows whose registry values are unchanged are not written (concurrent crawlers all sync at start)."""
    current = {
        (r.slug, r.country_a, r.country_b): r
        for r in conn.execute(select(table_of(DialogueSeries)))
    }
    written = 0
    for record in series:
        a, b = _pair(record.countries)
        values = _registry_values(record)
        row = current.get((record.slug, a, b))
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        _insert(conn, {"slug": record.slug, "country_a": a, "country_b": b, "created_at": utcnow(), **values},
                update_with=values)
        written += 1
    link_events(conn)
    return written


def link_events(conn: Connection) -> int:
    """Set ``events.series_id`` where it is empty and a row of the event's (mechanism, pair) exists."""
    s = table_of(DialogueSeries)
    match = and_(s.c.slug == Event.mechanism, s.c.country_a == Event.country_a, s.c.country_b == Event.country_b)
    result = conn.execute(
        update(Event)
        .where(Event.series_id.is_(None), exists(select(s.c.id).where(match)))
        .values(series_id=select(s.c.id).where(match).scalar_subquery())
    )
    return int(result.rowcount or 0)


def series_id_for(conn: Connection, pair: tuple[str, str], mechanism: str, name: str | None) -> int:
    """The ``dialogue_series`` id of (mechanism, pair), creating the row when the archive has none."""
    a, b = _pair(pair)
    s = table_of(DialogueSeries)
    key = and_(s.c.slug == mechanism, s.c.country_a == a, s.c.country_b == b)
    found = conn.scalar(select(s.c.id).where(key))
    if found is not None:
        return int(found)
    open_pair = conn.execute(
        select(s).where(s.c.slug == mechanism, s.c.country_a == "", s.c.country_b == "", s.c.in_registry)
    ).first()
    if open_pair is not None:
        values = {"name": open_pair.name, "level": open_pair.level, "aliases": open_pair.aliases,
                  "abbreviations": open_pair.abbreviations, "in_registry": True}
    else:
        values = {"name": name or mechanism, "level": None, "aliases": None, "abbreviations": None,
                  "in_registry": False}
    _insert(conn, {"slug": mechanism, "country_a": a, "country_b": b, "created_at": utcnow(), **values})
    return int(conn.execute(select(s.c.id).where(key)).scalar_one())


__all__ = ["OPEN_PAIR", "link_events", "series_id_for", "sync_series"]
