"""What the report shows, read from the archive's tables (not its views) in a few queries, on SQLite and
PostgreSQL alike: the rounds of each series, each round's first report, coverage by agency and publisher
over time, and the archive's health.

Previews are kept apart: an article whose ``relation`` is ``preview`` (written before the round) is not a
report of it, so it never counts as the first report and never sets the lag; it is counted on its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Date, Engine, cast, func, select

from storage.models import Article, CrawlRun, DialogueSeries, Document, Event, Source
from storage.runs import RunSummary, recent_runs
from storage.search import ArchiveFilter, day_start, event_conditions

PREVIEW = "preview"
HEALTH_DAYS = 90  # documents per day: the last N days with archived documents


@dataclass
class FirstReport:
    publisher: str
    agency: str | None
    published_at: datetime
    lag_days: float  # from midnight UTC of the start date


@dataclass
class Round:
    event_id: int
    event_key: str
    start: date
    end: date | None
    ordinal: int | None
    venue: str | None
    co_chairs: list[str]
    documents: int = 0
    previews: int = 0
    first: FirstReport | None = None


@dataclass
class Series:
    name: str
    countries: str
    mechanism: str
    rounds: list[Round] = field(default_factory=list)

    def missing(self) -> list[tuple[Round, Round, list[int], int]]:
        """Rounds known to be absent: for consecutive rounds with ordinals (in date order) a and b, the
        ordinals between them that no round in the archive has, and how many of those are missing for sure —
        rounds between a and b in time without an ordinal may be some of them. Only stretches with at least
        one sure miss: (round a, round b, the ordinals, how many are missing)."""
        have = {r.ordinal for r in self.rounds if r.ordinal is not None}
        out = []
        numbered = [i for i, r in enumerate(self.rounds) if r.ordinal is not None]
        for i, j in pairwise(numbered):
            a, b = self.rounds[i], self.rounds[j]
            assert a.ordinal is not None and b.ordinal is not None
            gap = [n for n in range(a.ordinal + 1, b.ordinal) if n not in have]
            unnumbered = j - i - 1
            if len(gap) > unnumbered:
                out.append((a, b, gap, len(gap) - unnumbered))
        return out


@dataclass
class Health:
    documents_per_day: list[tuple[date, int]]
    drop_reasons: list[tuple[str, int]]
    runs: list[RunSummary]
    documents: int
    articles: int
    events: int


@dataclass
class ReportData:
    filters: ArchiveFilter
    generated_at: datetime
    series: list[Series]
    months: list[str]  # the periods of the coverage charts (YYYY-MM, or YYYY when the span is long)
    by_agency: dict[str, list[int]]  # agency -> articles per period
    by_publisher: dict[str, list[int]]  # publisher -> documents per period
    health: Health

    @property
    def rounds(self) -> list[Round]:
        return [r for s in self.series for r in s.rounds]


def _chair(c: Any) -> str:
    if isinstance(c, dict):
        name = str(c.get("name") or "").strip()
        extra = ", ".join(str(v) for v in (c.get("title"), c.get("country")) if v)
        return f"{name} ({extra})" if extra and name else name
    return str(c)


def _venue(city: str | None, country: str | None) -> str | None:
    return ", ".join(v for v in (city, country) if v) or None


def _lag(published: datetime, start: date) -> float:
    return round((published - day_start(start)).total_seconds() / 86400, 2)


def _events(conn: Any, f: ArchiveFilter) -> dict[int, tuple[Series, Round]]:
    name = func.coalesce(Event.series_name, DialogueSeries.name)
    q = (select(Event.id, Event.event_key, Event.country_a, Event.country_b, Event.mechanism, name,
                Event.start_date, Event.end_date, Event.round_ordinal, Event.venue_city, Event.venue_country,
                Event.co_chairs)
         .outerjoin(DialogueSeries, DialogueSeries.id == Event.series_id)
         .where(*event_conditions(f))
         .order_by(Event.start_date, Event.id))
    if f.since is not None:
        q = q.where(Event.start_date >= f.since)
    series: dict[tuple[str, str], Series] = {}
    out: dict[int, tuple[Series, Round]] = {}
    for row in conn.execute(q):
        countries = f"{row.country_a}-{row.country_b}"
        s = series.setdefault((countries, row.mechanism), Series(row[5] or row.mechanism, countries, row.mechanism))
        chairs = row.co_chairs if isinstance(row.co_chairs, list) else []
        r = Round(row.id, row.event_key, row.start_date, row.end_date,
                  int(row.round_ordinal) if row.round_ordinal is not None else None,
                  _venue(row.venue_city, row.venue_country), [_chair(c) for c in chairs if c])
        s.rounds.append(r)
        out[row.id] = (s, r)
    return out


def _periods(days: list[date]) -> tuple[list[str], Any]:
    """The coverage charts' periods: months, or years when the documents span more than four years."""
    if not days:
        return [], lambda d: ""
    lo, hi = min(days), max(days)
    if (hi.year - lo.year) * 12 + hi.month - lo.month >= 48:
        return [str(y) for y in range(lo.year, hi.year + 1)], lambda d: str(d.year)
    months = []
    y, m = lo.year, lo.month
    while (y, m) <= (hi.year, hi.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months, lambda d: f"{d.year:04d}-{d.month:02d}"


def _coverage(conn: Any, f: ArchiveFilter, events: dict[int, tuple[Series, Round]]
              ) -> tuple[list[str], dict[str, list[int]], dict[str, list[int]]]:
    """Documents of the selected events (the whole archive's when no series/country filter is given):
    fills each round's counts and first report, and returns the coverage over time."""
    q = (select(Document.published_at, Source.name, Article.id, Article.agency, Article.relation, Article.event_id)
         .join(Source, Source.id == Document.source_id)
         .outerjoin(Article, Article.id == Document.article_id))
    if f.series or f.country:
        q = q.where(Article.event_id.in_(list(events)) if len(events) < 900 else
                    Article.event_id.in_(select(Event.id).where(*event_conditions(f))))
    if f.since is not None:
        q = q.where(Document.published_at >= day_start(f.since))
    rows = conn.execute(q).all()
    for published, publisher, _article, agency, relation, event_id in rows:
        if event_id not in events:
            continue
        _, r = events[event_id]
        r.documents += 1
        if relation == PREVIEW:
            r.previews += 1
        elif published is not None and (r.first is None or (published, publisher) < (r.first.published_at,
                                                                                       r.first.publisher)):
            r.first = FirstReport(publisher, agency, published, _lag(published, r.start))
    dated = [(p.date(), pub, art, agency) for p, pub, art, agency, _, _ in rows if p is not None]
    periods, period_of = _periods([d for d, *_ in dated])
    index = {p: i for i, p in enumerate(periods)}
    agencies: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    publishers: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    seen_articles: set[tuple[int, str]] = set()
    for day, publisher, article, agency, in dated:
        i = index[period_of(day)]
        publishers[publisher][i] += 1
        if article is not None and (article, period_of(day)) not in seen_articles:  # articles, not copies
            seen_articles.add((article, period_of(day)))
            agencies[agency or "no agency"][i] += 1
    return periods, dict(agencies), dict(publishers)


def _health(conn: Any, engine: Engine) -> Health:
    day = func.date(Document.fetched_at) if engine.dialect.name == "sqlite" else cast(Document.fetched_at, Date)
    per_day = conn.execute(select(day, func.count()).group_by(day).order_by(day.desc()).limit(HEALTH_DAYS)).all()
    days = sorted((d if isinstance(d, date) else date.fromisoformat(str(d)), int(n)) for d, n in per_day)
    drops: Counter[str] = Counter()
    for reasons in conn.scalars(select(CrawlRun.drop_reasons)):
        if isinstance(reasons, dict):
            drops.update({str(k): int(v) for k, v in reasons.items() if isinstance(v, int)})
    counts = [conn.scalar(select(func.count()).select_from(m)) or 0 for m in (Document, Article, Event)]
    return Health(days, drops.most_common(), [], *counts)


def gather(engine: Engine, f: ArchiveFilter | None = None, *, last_runs: int = 10) -> ReportData:
    f = f or ArchiveFilter()
    with engine.connect() as conn:
        events = _events(conn, f)
        periods, by_agency, by_publisher = _coverage(conn, f, events)
        health = _health(conn, engine)
    health.runs = recent_runs(engine, last_runs)
    series = sorted({id(s): s for s, _ in events.values()}.values(), key=lambda s: (s.countries, s.name))
    return ReportData(f, datetime.now(UTC), series, periods, by_agency, by_publisher, health)

