"""Plausible publication times: the one place the "could this page really have been published then?" rule
lives (pure code).

A publication time is implausible when it falls before the source's era (``DEFAULT_ERA_START``, 1990, unless
the source registry sets ``era_start`` for a source) or more than ``FUTURE_TOLERANCE`` after the page was
fetched. Such a time is not archived: the page keeps no publication time and records why
(``published_rejected``), and the crawl counts it (``newsarchive/published/implausible``). A year-1000 page
date or a page dated 2031 must not create an event ``…:2031-05-27`` that genuine copies then attach to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DEFAULT_ERA_START = date(1990, 1, 1)
# The reason a page keeps no publication time when its only date is relative ("2 hours ago") and the crawl
# gave no reference to read it against (crawler.core.extract.relative); counted apart from implausible times.
RELATIVE_ONLY = "relative_only"
FUTURE_TOLERANCE = timedelta(days=1)


def published_rejection(value: datetime, fetched_at: datetime, floor: date | None = None) -> str | None:
    """Why ``value`` is not a plausible publication time for a page fetched at ``fetched_at`` from a source
    whose era starts at ``floor`` (default ``DEFAULT_ERA_START``), or None when it is plausible.

    Naive datetimes are read as UTC. The reason is ``before_era:<floor>`` or ``after_fetch:<fetch day>``."""
    era = floor or DEFAULT_ERA_START
    fetched = _utc(fetched_at)
    if fetched is None:
        raise ValueError(f"fetch time out of range: {fetched_at!r}")
    when = _utc(value)
    if when is None:  # its UTC instant is beyond datetime's range: year 1 or year 9999
        return f"before_era:{era.isoformat()}" if value.year < era.year else f"after_fetch:{fetched.date().isoformat()}"
    if when.date() < era:
        return f"before_era:{era.isoformat()}"
    if when > fetched + FUTURE_TOLERANCE:
        return f"after_fetch:{fetched.date().isoformat()}"
    return None


def plausible_published(value: datetime, fetched_at: datetime, floor: date | None = None) -> bool:
    """Whether ``value`` is a plausible publication time (see ``published_rejection``)."""
    return published_rejection(value, fetched_at, floor) is None


def _utc(value: datetime) -> datetime | None:
    """``value`` in UTC (naive read as UTC); None when its UTC instant is outside ``datetime``'s range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


__all__ = ["DEFAULT_ERA_START", "FUTURE_TOLERANCE", "RELATIVE_ONLY", "plausible_published", "published_rejection"]
