"""Date expressions in news text: explicit dates, ranges, weekdays and relative words.

``find_date_mentions(text, reference, future=...)`` returns every expression it can resolve, with its span
and kind. Resolution is against ``reference`` (the dateline date or the local publication date):

- a month-day without a year takes the year that puts it nearest the reference date;
- a weekday ("on Wednesday") is the latest such day on or before the reference date for past-tense text
  (``future=False``) and the first such day on or after it for future-tense text (``future=True``);
- "today", "yesterday", "tomorrow" shift the reference date; "this week"/"next week" are not dates.

Kinds: ``range`` (two days: "From February 27 to February 29", "March 1-2", "Wednesday and Thursday"),
``date`` (one explicit day), ``weekday``, ``relative``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.core.reference import calendar

# Month and weekday names from dateparser's language data (crawler/core/reference/data/months.json).
MONTHS: dict[str, int] = calendar().month_numbers
WEEKDAYS: dict[str, int] = {name: i for i, name in enumerate(calendar().weekday_names)}


@dataclass(frozen=True)
class DateMention:
    """A resolved date expression: ``text[start:end]`` gave ``first``..``last`` (equal for one day)."""

    start: int
    end: int
    text: str
    first: date
    last: date
    kind: str  # 'range' | 'date' | 'weekday' | 'relative'


_M = r"(?P<{name}>" + calendar().month_pattern + r")\.?"  # used with re.IGNORECASE only
_D = r"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?"
_Y = r"(?:,?\s*(?P<{name}>(?:19|20)\d\d))?"
_TO = r"\s*(?:-|–|—|to|till|until|through|and)\s*"


def _m(name: str) -> str:
    return _M.format(name=name)


def _d(name: str) -> str:
    return _D.format(name=name)


def _y(name: str) -> str:
    return _Y.format(name=name)


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2024-02-27 (first: "2023-01-05 January 05" is not the range "01-05 January")
    ("date", re.compile(r"\b(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)\b")),
    # From February 27 to February 29, 2024 / between Feb 27 and March 1
    (
        "range",
        re.compile(
            rf"\b(?:from|between)\s+{_m('m1')}\s+{_d('d1')}{_y('y1')}{_TO}{_m('m2')}\s+{_d('d2')}{_y('y2')}\b",
            re.IGNORECASE,
        ),
    ),
    # from 27 February to 29 February 2024
    (
        "range",
        re.compile(
            rf"\b(?:from|between)\s+{_d('d1')}\s+(?:of\s+)?{_m('m1')}{_y('y1')}{_TO}{_d('d2')}\s+(?:of\s+)?{_m('m2')}{_y('y2')}\b",
            re.IGNORECASE,
        ),
    ),
    # February 27-29, 2024 / October 26 to 27 / March 1 and 2 / "September23-24" (space lost in the page)
    (
        "range",
        re.compile(rf"\b{_m('m1')}\s*{_d('d1')}{_TO}{_d('d2')}\b(?!\s*(?:pct|per|%|km|p\.?m|a\.?m)){_y('y2')}", re.IGNORECASE),
    ),
    # 27-29 February 2024 / 27 to 29 February
    (
        "range",
        re.compile(rf"\b{_d('d1')}{_TO}{_d('d2')}\s+(?:of\s+)?{_m('m2')}{_y('y2')}", re.IGNORECASE),
    ),
    # February 27, 2024 / Feb. 27 / Sept 4
    ("date", re.compile(rf"\b{_m('m1')}\s+{_d('d1')}\b{_y('y1')}", re.IGNORECASE)),
    # 27 February 2024 / 27th of February
    ("date", re.compile(rf"\b{_d('d1')}\s+(?:of\s+)?{_m('m1')}\b{_y('y1')}", re.IGNORECASE)),
]

_WEEKDAY_NAME = "(?:" + "|".join(name.capitalize() for name in WEEKDAYS) + ")"  # case-sensitive: "Monday"
_WEEKDAY_PAIR_RE = re.compile(rf"\b(?P<w1>{_WEEKDAY_NAME})\s*(?:and|to|-|–|through)\s*(?P<w2>{_WEEKDAY_NAME})\b")
_WEEKDAY_RE = re.compile(rf"\b(?P<pre>(?:last|next|this|on|late|early)\s+)?(?P<w1>{_WEEKDAY_NAME})\b")
_RELATIVE_RE = re.compile(
    r"\b(?P<word>day after tomorrow|day before yesterday|today|yesterday|tomorrow|tonight|earlier today|later today)\b",
    re.IGNORECASE,
)
_RELATIVE_SHIFT = {
    "today": 0, "tonight": 0, "earlier today": 0, "later today": 0, "yesterday": -1, "tomorrow": 1,
    "day after tomorrow": 2, "day before yesterday": -2,
}  # fmt: skip


def _month(token: str | None) -> int | None:
    if token is None:
        return None
    if token.isdigit():
        value = int(token)
        return value if 1 <= value <= 12 else None
    return MONTHS.get(token.lower().rstrip("."))


def _day(year: int, month: int, day: int) -> date | None:
    """The date, or ``None`` when it does not exist ("February 30", "September 31": ``ValueError`` is the
    documented signal of a day that is not in the calendar)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, reference: date | None, year: int | None) -> date | None:
    if year is not None:
        return _day(year, month, day)
    if reference is None:
        return None
    options = [
        found for candidate_year in (reference.year - 1, reference.year, reference.year + 1)
        if (found := _day(candidate_year, month, day)) is not None
    ]  # fmt: skip
    if not options:
        return None
    return min(options, key=lambda d: abs((d - reference).days))


def _explicit(kind: str, match: re.Match[str], reference: date | None) -> DateMention | None:
    groups = match.groupdict()
    m1 = _month(groups.get("m1")) or _month(groups.get("m2"))
    m2 = _month(groups.get("m2")) or m1
    y1 = groups.get("y1")
    y2 = groups.get("y2")
    year1 = int(y1) if y1 else (int(y2) if y2 else None)
    year2 = int(y2) if y2 else year1
    if m1 is None or m2 is None:
        return None
    d1 = int(groups["d1"])
    first = _nearest_year(m1, d1, reference, year1)
    if first is None:
        return None
    if kind == "range":
        d2 = int(groups["d2"])
        last = _nearest_year(m2, d2, first, year2)
        if last is None or last < first or (last - first).days > 31:
            return None
    else:
        last = first
    return DateMention(match.start(), match.end(), match.group(0), first, last, kind)


def shift_day(day: date, days: int) -> date | None:
    """``day`` moved by ``days``; ``None`` when that leaves the calendar (a reference date in year 1 or
    9999 from a bad page: ``OverflowError`` is the documented signal of a date that does not exist)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def resolve_weekday(weekday: int, reference: date, *, future: bool) -> date:
    """The date of ``weekday`` (0=Monday) nearest ``reference`` in the given direction (same day allowed).
    Raises ``OverflowError`` when that day lies beyond the calendar."""
    if future:
        return reference + timedelta(days=(weekday - reference.weekday()) % 7)
    return reference - timedelta(days=(reference.weekday() - weekday) % 7)


def _resolve_weekday(weekday: int, reference: date | None, *, future: bool) -> date | None:
    if reference is None:
        return None
    try:
        return resolve_weekday(weekday, reference, future=future)
    except OverflowError:  # a reference at the calendar's edge: no such day
        return None


def find_date_mentions(text: str | None, reference: date | None, *, future: bool = False) -> list[DateMention]:
    """Every resolvable date expression in ``text`` (see the module docstring), in text order, without
    overlaps (ranges win over the single dates inside them). An expression naming a day that does not
    exist ("February 30", a weekday beyond the calendar) is skipped."""
    if not text:
        return []
    return _find(text, reference, future)


def _find(text: str, reference: date | None, future: bool) -> list[DateMention]:
    found: list[DateMention] = []

    def free(start: int, end: int) -> bool:
        return not any(start < m.end and m.start < end for m in found)

    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            months = [match.groupdict().get(k) for k in ("m1", "m2")]
            if any(m is not None and m.lower() == "may" and m != "May" for m in months):
                continue  # the modal verb, not the month
            mention = _explicit(kind, match, reference)
            if mention is not None:
                found.append(mention)
    if reference is not None:
        for match in _WEEKDAY_PAIR_RE.finditer(text):
            if not free(match.start(), match.end()):
                continue
            first = _resolve_weekday(WEEKDAYS[match.group("w1").lower()], reference, future=future)
            second_day = WEEKDAYS[match.group("w2").lower()]
            last = shift_day(first, (second_day - first.weekday()) % 7) if first is not None else None
            if first is not None and last is not None and not future and last > reference:
                # Past text: both days lie before the reference ("held Wednesday and Thursday").
                last = _resolve_weekday(second_day, reference, future=False)
                first = shift_day(last, -((last.weekday() - first.weekday()) % 7)) if last is not None else None
            if first is None or last is None:
                continue
            found.append(DateMention(match.start(), match.end(), match.group(0), first, last, "range"))
        for match in _WEEKDAY_RE.finditer(text):
            if not free(match.start(), match.end()):
                continue
            # "Wednesday, Feb 28" is an explicit date already; skip the weekday glued to it.
            if re.match(r",?\s*(?:\d|" + _M.format(name="x") + ")", text[match.end() : match.end() + 12], re.IGNORECASE):
                continue
            pre = (match.group("pre") or "").strip().lower()
            day = WEEKDAYS[match.group("w1").lower()]
            if pre == "next":
                resolved = _resolve_weekday(day, shift_day(reference, 1), future=True)
            elif pre == "last":
                resolved = _resolve_weekday(day, shift_day(reference, -1), future=False)
            else:
                resolved = _resolve_weekday(day, reference, future=future)
            if resolved is None:
                continue
            found.append(DateMention(match.start(), match.end(), match.group(0), resolved, resolved, "weekday"))
        for match in _RELATIVE_RE.finditer(text):
            if not free(match.start(), match.end()):
                continue
            shift = _RELATIVE_SHIFT[match.group("word").lower()]
            resolved = shift_day(reference, shift)
            if resolved is None:
                continue
            found.append(DateMention(match.start(), match.end(), match.group(0), resolved, resolved, "relative"))
    found.sort(key=lambda m: m.start)
    return found
