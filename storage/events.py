"""Event assignment: the one place the "same round" rule lives.

Block by (country pair, mechanism). Within a block, a page belongs to the event whose date window (start
to end, widened by ``SAME_ROUND_DAYS`` on each side) contains the page's start date. Nothing merges outside a
block, so two series between the same pair in the same month, or two rounds of one series, stay apart.

The dates an event carries are a join over its evidence, so they do not depend on the order pages arrive
in: the strongest ``date_rank`` wins (explicit date 3 > relative day 2 > preview announcement 1 > none 0);
among evidence of the best rank the start is the earliest start and the end the latest end. A preview
therefore sets an event's date only while no report or follow-up with a date has been seen; the first
dated report replaces it. When the start date moves, the event keeps its id and its old key is written
to ``event_aliases``. A page with no start date joins a round of its block near its publication date, else
the one round of its block that has the round ordinal it states (``_by_ordinal``).

``refresh_coverage`` recomputes the coverage columns (documents, articles, sources, agencies, first and
last report time) of the events a batch touched, from the documents themselves, in the batch's
transaction — exact under concurrent writers, unlike increments — and fuses their venue, ``virtual``,
round ordinal, co-chairs and outcomes from the facts each document states (``documents.event_facts``,
storage/fusion.py): the same facts whichever document arrived first, recomputed when one joins or leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.fusion import fuse
from storage.locks import lock_archive_writes
from storage.models import Article, Document, Event, EventAlias, table_of
from storage.records import EventFactsRecord
from storage.series import series_id_for
from storage.types import utcnow

SAME_ROUND_DAYS = 3
# A page with no start date of its own attaches to a round of its block that began this close to its
# publication (reports and follow-ups look back, previews look forward).
UNDATED_LOOKBACK_DAYS = 21
UNDATED_LOOKAHEAD_DAYS = 60
# Longest round the candidate read allows for (start to end); longer events are matched by start only.
MAX_ROUND_DAYS = 14


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
    """Serialise assignment within one block across concurrent PostgreSQL writers: the archive's write lock
    (storage/locks.py; re-taking it in the same transaction is free), not a per-block advisory lock that any
    connected role could hold to stall the crawls."""
    lock_archive_writes(conn)


def assign_event(conn: Connection, facts: EventFactsRecord, published: datetime | None) -> Assignment:
    """Attach a page's facts to an event of its block, creating or re-keying the event as needed."""
    a, b = sorted(c.upper() for c in facts.countries)
    block = f"{a}-{b}:{facts.mechanism}"
    _lock_block(conn, block)
    lo, hi = _candidate_starts(facts, published)
    if lo is None or hi is None:
        return _by_ordinal(conn, a, b, facts)
    events = conn.execute(
        select(table_of(Event)).where(
            Event.country_a == a, Event.country_b == b, Event.mechanism == facts.mechanism,
            Event.start_date >= lo, Event.start_date <= hi,  # the block index bounds the read
        )
    ).all()
    match = _pick(events, facts, published)
    if match is None and facts.start_date is not None:
        described = _described_round(conn, a, b, facts)
        if described is not None:
            return described
    if match is None:
        if facts.start_date is None:
            return _by_ordinal(conn, a, b, facts)
        key = make_event_key((a, b), facts.mechanism, facts.start_date)
        now = utcnow()
        result = conn.execute(
            insert(Event)
            .values(
                event_key=key,
                country_a=a,
                country_b=b,
                mechanism=facts.mechanism,
                series_id=series_id_for(conn, (a, b), facts.mechanism, facts.series_name),
                series_name=facts.series_name,
                start_date=facts.start_date,
                end_date=max(facts.end_date or facts.start_date, facts.start_date),
                date_evidence=facts.date_evidence,
                date_rank=facts.date_rank,
                venue_city=facts.venue_city,
                venue_country=facts.venue_country,
                virtual=facts.virtual,
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


def _by_ordinal(conn: Connection, a: str, b: str, facts: EventFactsRecord) -> Assignment:
    """An undated page that numbers its round ("the 31st meeting of the WMCC", "the second India-Australia
    2+2") joins the one event of its block with that round ordinal: the number names the round whatever the
    page's date (a press release with no year, a report whose publication date is unknown). No event, or two
    of the block with that ordinal (an ordinal misread somewhere), attaches nothing: undated facts never
    create an event."""
    if facts.start_date is not None or facts.round_ordinal is None:
        return Assignment(event_id=None)
    events = conn.execute(
        select(table_of(Event)).where(
            Event.country_a == a, Event.country_b == b, Event.mechanism == facts.mechanism,
            Event.round_ordinal == facts.round_ordinal,
        ).limit(2)
    ).all()
    if len(events) != 1:
        return Assignment(event_id=None)
    return _merge(conn, events[0], facts)


def _described_round(conn: Connection, a: str, b: str, facts: EventFactsRecord) -> Assignment | None:
    """A round one page describes without a name ("the 18th China-US defence ministry working meeting": facts
    with no series name, the extractor's one unnamed mechanism) and another page names (the Defense Policy
    Coordination Talks) is one round when the pair's events leave no doubt: the described page joins the one
    named event of its pair whose dates contain its start; a named page finding the one described event of its
    pair there renames it (mechanism, key; the old key becomes an alias), so the result does not depend on which
    page came first. None when there is no such event or more than one."""
    assert facts.start_date is not None
    day = facts.start_date
    described = facts.series_name is None
    rows = conn.execute(
        select(table_of(Event)).where(
            Event.country_a == a, Event.country_b == b, Event.mechanism != facts.mechanism,
            Event.start_date >= _shift(day, -(SAME_ROUND_DAYS + MAX_ROUND_DAYS)), Event.start_date <= _shift(day, SAME_ROUND_DAYS),
        )
    ).all()
    hits = [e for e in rows if _window_contains(e, day) and (e.series_name is None) != described]
    if len(hits) != 1:
        return None
    ev = hits[0]
    if described:
        return _merge(conn, ev, facts)
    new_key = make_event_key((a, b), facts.mechanism, ev.start_date)
    _add_alias(conn, ev.id, ev.event_key)
    conn.execute(update(Event).where(Event.id == ev.id).values(
        event_key=new_key, mechanism=facts.mechanism, series_name=facts.series_name,
        series_id=series_id_for(conn, (a, b), facts.mechanism, facts.series_name), updated_at=utcnow()))
    renamed = conn.execute(select(table_of(Event)).where(Event.id == ev.id)).one()
    merged = _merge(conn, renamed, facts)
    return replace(merged, rekeyed=True)


def _candidate_starts(facts: EventFactsRecord, published: datetime | None) -> tuple[date | None, date | None]:
    """The start dates an event must have to be a candidate for these facts (a superset of what ``_pick``
    accepts), so assignment reads a few rows of the block, not all its rounds."""
    if facts.start_date is not None:
        day = facts.start_date
        return _shift(day, -(SAME_ROUND_DAYS + MAX_ROUND_DAYS)), _shift(day, SAME_ROUND_DAYS)
    if published is None:
        return None, None
    anchor = published.date()
    return _shift(anchor, -UNDATED_LOOKBACK_DAYS), _shift(anchor, UNDATED_LOOKAHEAD_DAYS)


def _shift(day: date, days: int) -> date:
    """``day`` moved by ``days``, clamped to ``date``'s range (a year-1 date is bad data, not a crash)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def add_evidence(conn: Connection, event_id: int, facts: EventFactsRecord) -> Assignment:
    """Merge another copy's facts into the event its article already has.

    Copies of one story can differ in what they yield (an aggregator strips the dateline, so "here" no
    longer names the venue), so their facts count as evidence, but only for that event: facts of another
    block are ignored, and a start date outside the event's window is ignored (the text is the same; a
    different date there comes from a different reference date, not from new information). The copy's
    venue, ordinal, co-chairs and outcomes reach the event through the fusion at the end of the batch
    (``refresh_coverage``), which reads the copy's ``documents.event_facts``."""
    a, b = sorted(c.upper() for c in facts.countries)
    _lock_block(conn, f"{a}-{b}:{facts.mechanism}")
    ev = conn.execute(select(table_of(Event)).where(Event.id == event_id)).first()
    if ev is None or (ev.country_a, ev.country_b, ev.mechanism) != (a, b, facts.mechanism):
        return Assignment(event_id=event_id)
    if facts.start_date is not None and not _window_contains(ev, facts.start_date):
        facts = replace(facts, start_date=None, end_date=None, date_rank=0)
    return _merge(conn, ev, facts)


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


def join_dates(
    rank: int, start: date, end: date | None, new_rank: int, new_start: date | None, new_end: date | None
) -> tuple[int, date, date]:
    """The event's (rank, start, end) after one more piece of date evidence.

    Commutative and associative (a join), so the result does not depend on arrival order: the best rank
    wins; within it, the earliest start, and the latest end among evidence that states a range. A single
    day is evidence about when the round began, not about how long it ran ("held today" on a page dated
    the day after says nothing about a second day). Evidence without a start date never moves the dates."""
    end = end or start
    if new_start is None or new_rank < rank:
        return rank, start, end
    stated_end = new_end if new_end is not None and new_end > new_start else None
    if new_rank > rank:
        return new_rank, new_start, stated_end or new_start
    first = min(start, new_start)
    ends = [e for e in (end if end > start else None, stated_end) if e is not None]
    return rank, first, max([first, *ends])


def _merge(conn: Connection, ev: Any, facts: EventFactsRecord) -> Assignment:
    values: dict[str, Any] = {}
    rekeyed = False
    rank, start, end = join_dates(ev.date_rank, ev.start_date, ev.end_date, facts.date_rank, facts.start_date,
                                  facts.end_date)
    if start != ev.start_date:
        new_key = make_event_key((ev.country_a, ev.country_b), ev.mechanism, start)
        _add_alias(conn, ev.id, ev.event_key)
        # The new key may itself be an old alias of this event (evidence moved the date back).
        conn.execute(table_of(EventAlias).delete().where(EventAlias.alias_key == new_key,
                                                         EventAlias.event_id == ev.id))
        values.update(event_key=new_key, start_date=start)
        rekeyed = True
    if end != (ev.end_date or ev.start_date):
        values["end_date"] = end
    if rank != ev.date_rank:
        values["date_rank"] = rank
    if facts.date_evidence and facts.start_date == start and facts.date_rank == rank and (
        ev.date_evidence is None or rank != ev.date_rank or start != ev.start_date
    ):
        values["date_evidence"] = facts.date_evidence
    if ev.series_id is None:
        values["series_id"] = series_id_for(conn, (ev.country_a, ev.country_b), ev.mechanism, ev.series_name)
    if facts.series_name is not None and (ev.series_name is None or facts.series_name < ev.series_name):
        values["series_name"] = facts.series_name
    if values:
        values["updated_at"] = utcnow()
        conn.execute(update(Event).where(Event.id == ev.id).values(**values))
    return Assignment(event_id=int(ev.id), rekeyed=rekeyed)


def _add_alias(conn: Connection, event_id: int, key: str) -> None:
    """Record an old key; a key already recorded (for this or, rarely, an older event) stays as it is."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table_of(EventAlias)).values(event_id=event_id, alias_key=key, created_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["alias_key"]))


def refresh_coverage(conn: Connection, event_ids: Iterable[int]) -> None:
    """Recompute the coverage columns of these events from their documents (one aggregate query for all).

    A document counts for the event of its article. ``agencies`` is the sorted list of distinct wire
    agencies of the event's articles; ``first_report_at``/``last_report_at`` span the documents' published
    times (previews included: they report on the round too)."""
    ids = sorted(set(event_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = conn.execute(
            select(
                Article.event_id,
                func.count(Document.id).label("documents"),
                func.count(func.distinct(Article.id)).label("articles"),
                func.count(func.distinct(Document.source_id)).label("sources"),
                func.min(Document.published_at).label("first"),
                func.max(Document.published_at).label("last"),
            )
            .join(Document, Document.article_id == Article.id)
            .where(Article.event_id.in_(chunk))
            .group_by(Article.event_id)
        ).all()
        agencies: dict[int, set[str]] = {}
        for event_id, agency in conn.execute(
            select(Article.event_id, Article.agency).distinct()
            .where(Article.event_id.in_(chunk), Article.agency.is_not(None))
        ):
            if event_id is not None:
                agencies.setdefault(int(event_id), set()).add(str(agency))
        seen = set()
        for r in rows:
            seen.add(int(r.event_id))
            conn.execute(
                update(Event).where(Event.id == r.event_id).values(
                    documents_count=int(r.documents), articles_count=int(r.articles), sources_count=int(r.sources),
                    agencies=sorted(agencies.get(int(r.event_id), ())) or None,
                    first_report_at=r.first, last_report_at=r.last,
                )
            )
        for event_id in set(chunk) - seen:  # touched but (still) without documents
            conn.execute(update(Event).where(Event.id == event_id).values(
                documents_count=0, articles_count=0, sources_count=0, agencies=None,
                first_report_at=None, last_report_at=None))
        _refuse(conn, chunk)


def event_facts_json(facts: EventFactsRecord | None) -> dict[str, Any] | None:
    """A page's event facts as stored in ``documents.event_facts`` (dates as ISO strings)."""
    if facts is None:
        return None
    out = asdict(facts)
    out["countries"] = sorted(c.upper() for c in facts.countries)
    for name in ("start_date", "end_date"):
        out[name] = out[name].isoformat() if out[name] is not None else None
    return out


def _refuse(conn: Connection, event_ids: Sequence[int]) -> None:
    """Fuse the venue, ``virtual``, round ordinal, co-chairs and outcomes of these events from the facts of
    their documents (storage/fusion.py). Only documents whose facts are of the event's block count; an event
    none of whose documents carries facts (archived before migration 0006) keeps what it has."""
    events = {int(r.id): r for r in conn.execute(
        select(Event.id, Event.country_a, Event.country_b, Event.mechanism, Event.venue_city, Event.venue_country,
               Event.virtual, Event.round_ordinal, Event.co_chairs, Event.outcomes, Event.fusion_reasons)
        .where(Event.id.in_(list(event_ids))))}
    evidence: dict[int, list[dict[str, Any]]] = {}
    rows = conn.execute(
        select(Article.event_id, Document.id, Document.event_facts)
        .join(Document, Document.article_id == Article.id)
        .where(Article.event_id.in_(list(events)))
        .order_by(Document.id)
    )
    for event_id, _doc_id, facts in rows:
        ev = events[int(event_id)]
        if isinstance(facts, dict) and facts.get("countries") == [ev.country_a, ev.country_b] \
                and facts.get("mechanism") == ev.mechanism:
            evidence.setdefault(int(event_id), []).append(facts)
    for event_id, documents in evidence.items():
        ev = events[event_id]
        fused = fuse(documents)
        values = {
            "venue_city": fused.venue_city, "venue_country": fused.venue_country, "virtual": fused.virtual,
            "round_ordinal": fused.round_ordinal, "co_chairs": fused.co_chairs or None,
            "outcomes": fused.outcomes or None, "fusion_reasons": fused.reasons or None,
        }
        changed = {k: v for k, v in values.items() if getattr(ev, k) != v}
        if changed:
            conn.execute(update(Event).where(Event.id == event_id).values(**changed, updated_at=utcnow()))
