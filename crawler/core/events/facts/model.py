"""What the cascade returns: ``EventFacts`` (one round of one dialogue, as a page states it) and the
event key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crawler.core.events.countries import sorted_pair


@dataclass(frozen=True)
class CoChair:
    """A person who led a delegation: ``country`` is alpha-3 when known."""

    name: str
    title: str | None
    country: str | None


@dataclass
class EventFacts:
    """What a page says about one round of one dialogue (see ``cascade`` for the rules)."""

    mechanism: str
    series_name: str | None
    series_known: bool
    countries: tuple[str, str] | None
    start_date: date | None
    end_date: date | None
    date_evidence: str | None
    venue_city: str | None
    venue_country: str | None
    virtual: bool = False
    co_chairs: list[CoChair] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    round_ordinal: int | None = None
    relation: str = "report"
    level: str | None = None
    reasons: list[str] = field(default_factory=list)

    def event_key(self) -> str | None:
        """``"{A3}-{A3}:{mechanism}:{start}"`` or ``None`` when the pair or the start date is missing."""
        if self.countries is None or self.start_date is None or not self.mechanism:
            return None
        return make_event_key(self.countries, self.mechanism, self.start_date)


def make_event_key(countries: tuple[str, str], mechanism: str, start: date) -> str:
    """The event key: sorted alpha-3 pair, mechanism slug, ISO start date.

    >>> make_event_key(("USA", "IND"), "homeland-security-dialogue", date(2024, 2, 27))
    'IND-USA:homeland-security-dialogue:2024-02-27'
    """
    a, b = sorted_pair(countries[0].upper(), countries[1].upper())
    return f"{a}-{b}:{mechanism}:{start.isoformat()}"
