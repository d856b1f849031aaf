"""Event assignment: the one place the "same round" rule lives.

Block by (country pair, mechanism). Within a block, a page belongs to the event whose date window (start
to end, widened by ``SAME_ROUND_DAYS`` on each side) contains the page's start date. Nothing merges outside a
block, so two series between the same pair in the same month, or two rounds of one series, stay apart.

The start date an event carries is the one backed by the strongest evidence seen so far (``date_rank``:
explicit date 3 > relative day 2 > preview announcement 1); ties go to the earlier date. That makes the
result independent of the order pages arrive in. When stronger evidence moves the start date, the event
keeps its id and its old key is written to ``event_aliases``.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from storage.models import Event, EventAlias, table_of
from storage.records import EventFactsRecord
from storage.types import utcnow

SAME_ROUND_DAYS = 3
# A page with no start date of its own attaches to a round of its block that began this close to its
# publication (reports and follow-ups look back, previews look forward).
UNDATED_LOOKBACK_DAYS = 21
UNDATED_LOOKAHEAD_DAYS = 60


def make_event_key(countries: tuple[str, str], mechanism: str, start: date) -> str:
    """``{A3}-{A3}:{mechanism}:{start}`` with the pair sorted (a meeting has no direction)."""
    a, b = sorted(c.upper() for c in countries)
    return f"{a}-{b}:{mechanism}:{start.isoformat()}"


@dataclass(frozen=True)
class Assignment:
    event_id: int | None
    created: bool = False
    rekeyed: bool = False


def _window_contains(ev: Any, day: date, slack: int = SAME_ROUND_DAYS) -> bool:
    end = ev.end_date or ev.start_date
    return ev.start_date - timedelta(days=slack) <= day <= end + timedelta(days=slack)


def _lock_block(conn: Connection, block: str) -> None:
    """Serialise assignment within one block across concurrent PostgreSQL writers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(block.encode()) - 2**31})


def assign_event(conn: Connection, facts: EventFactsRecord, published: datetime | None) -> Assignment:
    """Attach a page's facts to an event of its block, creating or re-keying the event as needed."""
    a, b = sorted(c.upper() for c in facts.countries)
    block = f"{a}-{b}:{facts.mechanism}"
    _lock_block(conn, block)
    events = conn.execute(
        select(table_of(Event)).where(
            Event.country_a == a, Event.country_b == b, Event.mechanism == facts.mechanism
        )
    ).all()
    match = _pick(events, facts, published)
    if match is None:
        if facts.start_date is None:
            return Assignment(event_id=None)
        key = make_event_key((a, b), facts.mechanism, facts.start_date)
        now = utcnow()
        result = conn.execute(
            insert(Event)
            .values(
                event_key=key,
                country_a=a,
                country_b=b,
                mechanism=facts.mechanism,
                series_name=facts.series_name,
                start_date=facts.start_date,
                end_date=facts.end_date or facts.start_date,
                date_evidence=facts.date_evidence,
                date_rank=facts.date_rank,
                venue_city=facts.venue_city,
                venue_country=facts.venue_country,
                round_ordinal=facts.round_ordinal,
                co_chairs=facts.co_chairs or None,
                outcomes=facts.outcomes or None,
                created_at=now,
                updated_at=now,
            )
            .returning(Event.id)
        )
        return Assignment(event_id=int(result.scalar_one()), created=True)
    return _merge(conn, match, facts)


def _pick(events: Sequence[Any], facts: EventFactsRecord, published: datetime | None) -> Any | None:
    if facts.start_date is not None:
        hits = [e for e in events if _window_contains(e, facts.start_date)]
        return min(hits, key=lambda e: abs((e.start_date - facts.start_date).days)) if hits else None
    if published is None:
        return None
    anchor = published.date()
    if facts.relation == "preview":
        lo, hi = anchor - timedelta(days=1), anchor + timedelta(days=UNDATED_LOOKAHEAD_DAYS)
    else:
        lo, hi = anchor - timedelta(days=UNDATED_LOOKBACK_DAYS), anchor + timedelta(days=1)
    hits = [e for e in events if lo <= e.start_date <= hi]
    return min(hits, key=lambda e: abs((e.start_date - anchor).days)) if hits else None


def _merge(conn: Connection, ev: Any, facts: EventFactsRecord) -> Assignment:
    values: dict[str, Any] = {}
    rekeyed = False
    stronger = facts.start_date is not None and (
        facts.date_rank > ev.date_rank
        or (facts.date_rank == ev.date_rank and facts.start_date < ev.start_date)
    )
    if stronger and facts.start_date is not None and facts.start_date != ev.start_date:
        new_key = make_event_key((ev.country_a, ev.country_b), ev.mechanism, facts.start_date)
        conn.execute(insert(EventAlias).values(event_id=ev.id, alias_key=ev.event_key, created_at=utcnow()))
        # The new key may itself be an old alias of this event (evidence moved the date back).
        conn.execute(table_of(EventAlias).delete().where(EventAlias.alias_key == new_key))
        values.update(event_key=new_key, start_date=facts.start_date, date_rank=facts.date_rank,
                      date_evidence=facts.date_evidence, end_date=facts.end_date or facts.start_date)
        rekeyed = True
    elif stronger:
        values.update(date_rank=facts.date_rank, date_evidence=facts.date_evidence)
        if facts.end_date:
            values["end_date"] = facts.end_date
    elif facts.end_date and facts.date_rank >= ev.date_rank and (ev.end_date or ev.start_date) < facts.end_date:
        values["end_date"] = facts.end_date
    for col in ("venue_city", "venue_country", "round_ordinal", "series_name"):
        if getattr(ev, col) is None and getattr(facts, col) is not None:
            values[col] = getattr(facts, col)
    chairs = _merge_chairs(ev.co_chairs or [], facts.co_chairs)
    if chairs != (ev.co_chairs or []):
        values["co_chairs"] = chairs
    outcomes = list(ev.outcomes or [])
    for o in facts.outcomes:
        if o.casefold() not in {x.casefold() for x in outcomes}:
            outcomes.append(o)
    if outcomes != (ev.outcomes or []):
        values["outcomes"] = outcomes
    if values:
        values["updated_at"] = utcnow()
        conn.execute(update(Event).where(Event.id == ev.id).values(**values))
    return Assignment(event_id=int(ev.id), rekeyed=rekeyed)


def _merge_chairs(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = list(old)
    names = {str(c.get("name", "")).casefold() for c in merged}
    for c in new:
        name = str(c.get("name", "")).casefold()
        if name and name not in names:
            merged.append(c)
            names.add(name)
    return merged
