"""The project's one home for turning time strings into aware datetimes.

Three entry points, all pure and all total (they return ``None`` on anything they cannot read, never raise):

- :func:`parse_iso` — machine dates from JSON-LD, ``<meta>``, ``<time datetime>``, sitemaps, feeds.
- :func:`parse_time_string` — any printed or machine date: ISO first, then the visible forms newsrooms print
  (``Updated: 24-03-2021 08:52 IST``, ``Posted On: 28 FEB 2024 8:04PM by PIB Delhi``,
  ``Release Date: March 1, 2024``, ``Last Updated : 03 Jun 2025, 8:11 PM``...), then ``dateparser`` as a
  last resort.
- :func:`resolve_zone_abbreviation` — the zone-abbreviation table, resolved by the source's country
  (``IST`` is India unless the source is Israeli or Irish; ``CST`` is China for CN/TW sources, else US
  Central; ``BST`` is Bangladesh for BD sources, else British Summer Time).

A value is always timezone-aware and kept in the offset it was printed in. When no zone was printed the
zone comes from ``default_tz``, else from the country's usual zone, else UTC — and ``offset_assumed`` is
set so downstream code knows the offset is a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.core.reference import calendar, reference

__all__ = [
    "PublishedTime",
    "country_timezone",
    "find_printed_date",
    "is_relative_phrase",
    "parse_iso",
    "parse_time_string",
    "resolve_zone_abbreviation",
]


@dataclass(frozen=True)
class PublishedTime:
    """A point in time read from a page, with where it came from.

    ``value`` is timezone-aware, in the offset as printed or declared. ``precision`` is ``'datetime'`` or
    ``'day'``; a day-precision value sits at 00:00 of that day in its zone. ``raw`` is the string it was
    parsed from. ``offset_assumed`` is True when the zone was not printed and came from a default or a
    country rule.
    """

    value: datetime
    source: str
    precision: str
    raw: str
    offset_assumed: bool = False


# Plausible publication years; anything outside is a parse accident (phone numbers, IDs, "0001-01-01").
MIN_YEAR = 1990
MAX_YEAR = 2100


@lru_cache(maxsize=64)
def _fixed(offset: timedelta) -> timezone:
    return timezone(offset)


def resolve_zone_abbreviation(abbr: str, country: str | None = None) -> tzinfo | None:
    """Map a printed zone abbreviation to a fixed offset, using the source country for ambiguous ones.

    ``country`` is an ISO 3166-1 alpha-2 code (any case) or None. Returns None for unknown abbreviations.
    The table is ``crawler/core/reference/data/zones.json``: "IST" is India's unless the source is in
    Israel or Ireland (that is where most "IST" wire copy comes from), "CST" China's for CN/TW sources.
    """
    key = abbr.strip().upper().rstrip(".")
    zones = reference().zones
    rule = zones.ambiguous.get(key)
    if rule is not None:
        return _fixed(rule.get((country or "").upper(), rule["default"]))
    offset = zones.abbreviations.get(key)
    return _fixed(offset) if offset is not None else None


@lru_cache(maxsize=128)
def country_timezone(country: str | None) -> tzinfo | None:
    """The usual zone of a source country (ISO alpha-2), or None when unknown."""
    name = reference().zones.countries.get((country or "").upper())
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # tzdata missing on this host: fall back to "no rule"
        return None


def _assumed_zone(default_tz: tzinfo | None, country: str | None) -> tzinfo:
    return default_tz or country_timezone(country) or UTC


def _localise(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a naive datetime and freeze it to a fixed offset (keeps the printed wall time)."""
    aware = naive.replace(tzinfo=zone)
    offset = aware.utcoffset()
    return naive.replace(tzinfo=timezone(offset)) if offset is not None else naive.replace(tzinfo=UTC)


def _plausible(value: datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


# --------------------------------------------------------------------------------------------- ISO

_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{8}$")
# Fractions longer than microseconds, offsets written "+05" / "+0530" / " +05:30", trailing "UTC"/"GMT".
_ISO_FRACTION = re.compile(r"(\.\d{6})\d+")
_ISO_LOOSE = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?"
    r"\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$",
    re.IGNORECASE,
)


def _iso_candidates(text: str) -> list[str]:
    cleaned = _ISO_FRACTION.sub(r"\1", text.strip())
    out = [cleaned]
    match = _ISO_LOOSE.match(cleaned)
    if match:
        y, m, d = (int(p) for p in match["date"].split("-"))
        rebuilt = f"{y:04d}-{m:02d}-{d:02d}"
        if match["time"]:
            hh, rest = match["time"].replace(",", ".").split(":", 1)
            rebuilt += f"T{int(hh):02d}:{rest}"
        zone = (match["zone"] or "").upper()
        if zone in ("UTC", "GMT", "Z"):
            rebuilt += "+00:00"
        elif zone:
            rebuilt += zone
        out.append(rebuilt)
    return out


def parse_iso(
    text: str | None,
    *,
    source: str = "meta",
    country: str | None = None,
    default_tz: tzinfo | None = None,
) -> PublishedTime | None:
    """Parse an ISO-8601-like machine date (``Z``, ``+0530``, date-only, long fractions all accepted).

    Date-only strings give day precision. A value without an offset gets ``default_tz`` / the country's
    zone / UTC and ``offset_assumed=True``. Returns None for anything else or an implausible year.
    """
    if not isinstance(text, str):
        return None
    raw = text.strip()
    if not raw or len(raw) > 64 or not raw[:4].isdigit():
        return None
    for candidate in _iso_candidates(raw):
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if not _plausible(value):
            return None
        day_only = bool(_ISO_DATE_ONLY.match(candidate))
        if value.tzinfo is None:
            value = _localise(value, _assumed_zone(default_tz, country))
            return PublishedTime(value, source, "day" if day_only else "datetime", raw, True)
        return PublishedTime(value, source, "day" if day_only else "datetime", raw, False)
    return None


# ------------------------------------------------------------------------------------ visible forms

# Month names from dateparser's language data (crawler/core/reference/data/months.json).
_MONTHS: dict[str, int] = calendar().month_numbers
_MONTH_RE = calendar().month_pattern + r"\.?"
_WEEKDAY_RE = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"

# Each date form names its groups: y, m (number) or mon (name), d.
_DATE_FORMS: list[re.Pattern[str]] = [
    # 2024-03-01, 2024/03/01, 2024.03.01
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    # 28 FEB 2024, 03 Jun 2025, 1st March 2024, 28-Feb-2024
    re.compile(
        _WEEKDAY_RE
        + r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+|-|\s*/\s*)(?:of\s+)?(?P<mon>"
        + _MONTH_RE
        + r")(?:\s+|-|,\s*)(?P<y>(?:19|20)\d{2})(?!\d)",
        re.IGNORECASE,
    ),
    # March 1, 2024 / Feb. 28 2024 / Sept 28, 2024
    re.compile(
        _WEEKDAY_RE
        + r"(?<![a-z])(?P<mon>"
        + _MONTH_RE
        + r")\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})(?!\d)",
        re.IGNORECASE,
    ),
    # 24-03-2021, 24/03/2021, 24.03.2021 (day-first unless the source country writes month-first)
    re.compile(r"(?<![\d.])(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>(?:19|20)\d{2})(?!\d)"),
    # 30.10.23: day, month and a two-digit year with dots, the short form of the day-first countries
    # (slashes with two digits are left alone: 10/11/12 is read three ways)
    re.compile(r"(?<![\w.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2})(?![\w.])"),
]

_MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW"})
# "4/2/2025 11:05:27 AM": unpadded numbers plus a 12-hour clock with seconds is the en-US (.NET / JS
# toLocaleString) machine format, so it is read month-first when the source country is unknown.
_US_MACHINE_CLOCK = re.compile(r"^,?\s+\d{1,2}:\d{2}:\d{2}\s?[AP]M\b", re.IGNORECASE)

# Time after the date: "08:52", "8:04PM", "8:11 PM", "20.15 hrs", "10:30:15", optional "at"/","/"|"/"-".
_TIME_RE = re.compile(
    r"^[\s,|\-–—@/]*(?:at\s+|,\s*)?(?P<h>\d{1,2})[:.](?P<min>\d{2})(?::(?P<s>\d{2}))?\s*"
    r"(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*(?:hrs|hours|h)\b\.?)?",
    re.IGNORECASE,
)
# Time before the date: "8:04 PM, 28 Feb 2024", "10:30 IST, Feb 28".
_TIME_BEFORE_RE = re.compile(
    r"(?P<h>\d{1,2})[:.](?P<min>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
    r"(?:\s*(?:hrs|hours|h)\b\.?)?\s*(?P<zone>\(?[A-Z]{2,5}\)?)?[\s,|\-–—]*(?:on\s+)?$",
    re.IGNORECASE,
)
_ZONE_RE = re.compile(
    r"^\s*\(?(?P<abbr>[A-Za-z]{1,5})?\s*(?P<off>[+-−]\s?\d{1,2}(?::?\d{2})?)?\)?(?![A-Za-z])",
)


def _zone_from(abbr: str | None, off: str | None, country: str | None) -> tzinfo | None:
    if off:
        sign = -1 if off.strip()[0] in "-−" else 1
        digits = re.sub(r"\D", "", off)
        if len(digits) <= 2:
            hours, minutes = int(digits), 0
        else:
            hours, minutes = int(digits[:-2]), int(digits[-2:])
        if hours > 14 or minutes >= 60:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        if abbr and abbr.upper() not in ("GMT", "UTC"):
            return None  # "EST+5" and similar: not a form we trust
        return timezone(sign * delta)
    if abbr:
        if not abbr.isupper() and abbr.lower() not in ("utc", "gmt"):
            return None  # lowercase words after a time ("by", "in") are not zones
        return resolve_zone_abbreviation(abbr, country)
    return None


def _read_zone(text: str, country: str | None) -> tuple[tzinfo | None, str]:
    """Read a zone at the start of ``text``; returns (zone, matched text)."""
    match = _ZONE_RE.match(text)
    if not match or not (match["abbr"] or match["off"]):
        return None, ""
    zone = _zone_from(match["abbr"], match["off"], country)
    return zone, match.group(0) if zone else ""


def _hour24(hour: int, ampm: str | None) -> int | None:
    if ampm:
        if not 1 <= hour <= 12:
            return None
        pm = ampm.lower().startswith("p")
        return (hour % 12) + (12 if pm else 0)
    return hour if 0 <= hour <= 23 else None


def _find_date(text: str, country: str | None) -> tuple[date, int, int] | None:
    """The earliest printed calendar date in ``text``: (date, start, end) or None."""
    best: tuple[date, int, int] | None = None
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            if best is not None and match.start() >= best[1]:
                break
            groups = match.groupdict()
            year = int(groups["y"])
            if year < 100:  # a two-digit year is this century's
                year += 2000
            if groups.get("mon"):
                month = _MONTHS.get(groups["mon"].lower().rstrip("."))
                day = int(groups["d"])
            elif "m" in groups and groups.get("m"):
                month, day = int(groups["m"]), int(groups["d"])
            else:
                a, b = int(groups["a"]), int(groups["b"])
                month_first = (country or "").upper() in _MONTH_FIRST_COUNTRIES or (
                    country is None
                    and _US_MACHINE_CLOCK.match(text[match.end() :]) is not None
                    and not groups["a"].startswith("0")
                    and not groups["b"].startswith("0")
                )
                if a > 12 >= b:
                    day, month = a, b
                elif b > 12 >= a:
                    month, day = a, b
                else:
                    month, day = (a, b) if month_first else (b, a)
            if month is None:
                continue
            try:
                found = date(year, month, day)
            except ValueError:
                continue
            if not MIN_YEAR <= found.year <= MAX_YEAR:
                continue
            best = (found, match.start(), match.end())
            break
    return best


def _parse_visible(
    text: str, country: str | None, default_tz: tzinfo | None, source: str
) -> PublishedTime | None:
    found = _find_date(text, country)
    if found is None:
        return None
    day, start, end = found
    after = text[end : end + 40]
    hour = minute = second = None
    zone: tzinfo | None = None
    tmatch = _TIME_RE.match(after)
    if tmatch:
        hour = _hour24(int(tmatch["h"]), tmatch["ampm"])
        minute, second = int(tmatch["min"]), int(tmatch["s"] or 0)
        zone, _ = _read_zone(after[tmatch.end() :], country)
    else:
        bmatch = _TIME_BEFORE_RE.search(text[max(0, start - 40) : start])
        if bmatch:
            hour = _hour24(int(bmatch["h"]), bmatch["ampm"])
            minute, second = int(bmatch["min"]), int(bmatch["s"] or 0)
            if bmatch["zone"]:
                zone = _zone_from(bmatch["zone"].strip("()"), None, country)
    if hour is None or minute is None or minute > 59 or (second or 0) > 59:
        naive = datetime.combine(day, time())
        zone_for_day = default_tz or country_timezone(country) or UTC
        return PublishedTime(_localise(naive, zone_for_day), source, "day", text, True)
    naive = datetime.combine(day, time(hour, minute, second or 0))
    if zone is not None:
        return PublishedTime(naive.replace(tzinfo=zone), source, "datetime", text, False)
    return PublishedTime(_localise(naive, _assumed_zone(default_tz, country)), source, "datetime", text, True)


# --------------------------------------------------------------------------------- dateparser last

_HAS_CLOCK = re.compile(r"\d{1,2}\s?[:.h]\s?\d{2}(?!\d)")
_RELATIVE_CLOCK = re.compile(r"\b(?:hours?|hrs?|minutes?|mins?|seconds?|secs?)\b", re.IGNORECASE)
# Labels in front of a printed date that dateparser cannot skip by itself ("Published 2 hours ago").
_LEADING_LABEL = re.compile(
    r"^(?:(?:last\s+)?updated|published|posted|released?|release date|first published|date|on|at)\b[\s:,\-–—]*",
    re.IGNORECASE,
)
_ZONE_TOKEN = re.compile(r"\b([A-Z]{2,5})\b")
_NUMERIC_OFFSET = re.compile(r"(?:UTC|GMT)?\s?[+-]\d{2}:?\d{2}\b")


# A printed date with a month word in any language: "17. März 2021", "17 de marzo de 2021, 10:30",
# "marzo 17, 2021", "17 марта 2021 г." (the word is read by dateparser, not by a table of ours).
_WORDED_DATE = re.compile(
    r"(?<!\w)(?:\d{1,2}\.?\s*(?:de\s+)?[^\W\d_]{3,}\.?,?\s*(?:de\s+)?(?:19|20)\d{2}"
    r"|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+(?:19|20)\d{2})(?!\d)(?:[,\s\-–]+(?:um\s+|à\s+|a las\s+)?\d{1,2}[:.h]\d{2})?"
)


@lru_cache(maxsize=64)
def _dateparser_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The page's declared languages that dateparser knows (an unknown code would make it raise), as
    primary subtags: "de-CH" → "de"."""
    from dateparser.data.languages_info import language_order

    known = set(language_order)
    out: list[str] = []
    for lang in languages:
        code = (lang or "").replace("_", "-").split("-", 1)[0].lower()
        if code in known and code not in out:
            out.append(code)
    return tuple(out)


def _parse_with_dateparser(
    text: str,
    country: str | None,
    default_tz: tzinfo | None,
    source: str,
    languages: list[str] | None,
    relative_base: datetime | None,
) -> PublishedTime | None:
    try:
        import dateparser
    except ImportError:  # the fallback is optional at runtime
        return None
    printed_zone: tzinfo | None = None
    prepared = text
    while True:
        stripped = _LEADING_LABEL.sub("", prepared, count=1)
        if stripped == prepared or not stripped:
            break
        prepared = stripped
    # Resolve abbreviations ourselves (dateparser reads IST as Israel) and hand it a numeric offset.
    for token in _ZONE_TOKEN.findall(text):
        zone = resolve_zone_abbreviation(token, country)
        if zone is not None:
            printed_zone = zone
            offset = zone.utcoffset(None) or timedelta(0)
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            prepared = re.sub(
                rf"\b{token}\b", f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}", prepared
            )
            break
    has_numeric = printed_zone is not None or bool(_NUMERIC_OFFSET.search(text))
    langs = ["en"] + [lang for lang in _dateparser_languages(tuple(languages or ())) if lang != "en"]
    # Never invent a date: dateparser fills what a string lacks from the wall clock ("Jul 10" → this year,
    # "21:00" → today, "2 hours ago" → now). A full day, month and year is required, and relative phrases
    # are read only against a trustworthy base the caller gives (the page's Last-Modified, its sitemap date).
    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": has_numeric,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PARSERS": ["custom-formats", "absolute-time"],
    }
    if relative_base is not None:
        settings["RELATIVE_BASE"] = relative_base.replace(tzinfo=None)
        settings["PARSERS"] = ["relative-time", "custom-formats", "absolute-time"]
        del settings["REQUIRE_PARTS"]  # a missing year comes from the trustworthy base, not the clock
    value = dateparser.parse(prepared, languages=langs, settings=settings)
    if value is None and len(langs) > 1:
        # A label dateparser cannot skip ("Veröffentlicht am 17. März 2021", "Publicado el 17 de marzo de
        # 2021"): hand it the day-word-year span alone, read in the page's declared language.
        span = _WORDED_DATE.search(prepared)
        if span is not None and span.group(0) != prepared:
            value = dateparser.parse(span.group(0), languages=langs, settings=settings)
    if value is None or not _plausible(value):
        return None
    precision = "datetime" if _HAS_CLOCK.search(text) or _RELATIVE_CLOCK.search(text) else "day"
    if precision == "day":
        value = value.replace(hour=0, minute=0, second=0, microsecond=0)
    if value.tzinfo is not None and has_numeric:
        offset = value.utcoffset() or timedelta(0)
        return PublishedTime(value.replace(tzinfo=timezone(offset)), source, precision, text, False)
    naive = value.replace(tzinfo=None)
    # A relative phrase ("2 hours ago") lives in the zone of the moment it is relative to.
    base_zone = relative_base.tzinfo if relative_base is not None else None
    zone = base_zone or _assumed_zone(default_tz, country)
    return PublishedTime(_localise(naive, zone), source, precision, text, True)


def parse_time_string(
    text: str | None,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    source: str = "visible_text",
    languages: list[str] | None = None,
    relative_base: datetime | None = None,
    use_dateparser: bool = True,
) -> PublishedTime | None:
    """Parse a machine or printed date/time string into a :class:`PublishedTime`.

    Order: ISO (:func:`parse_iso`) → the visible forms of this module → ``dateparser`` (only if
    ``use_dateparser``; English plus ``languages``; dates from the past preferred; ``relative_base`` for
    relative phrases). ``country`` (ISO alpha-2) resolves ambiguous zone abbreviations and gives the
    assumed zone; ``default_tz`` wins over the country when the text prints no zone. ``source`` is copied
    into the result for the caller. Returns None when nothing plausible is found; never raises.
    """
    if not isinstance(text, str):
        return None
    raw = " ".join(text.split())
    if not raw or len(raw) > 400:
        return None
    try:
        iso = parse_iso(raw, source=source, country=country, default_tz=default_tz)
        if iso is not None:
            return iso
        visible = _parse_visible(raw, country, default_tz, source)
        if visible is not None:
            return visible
        if use_dateparser and any(ch.isdigit() for ch in raw):
            return _parse_with_dateparser(raw, country, default_tz, source, languages, relative_base)
    except (ValueError, OverflowError):  # a date that does not exist (Feb 30), a year out of range
        return None
    return None


def find_printed_date(
    text: str,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    languages: list[str] | None = None,
    source: str = "headline",
) -> tuple[PublishedTime, int, int] | None:
    """The earliest full date (day, month and year) printed in running ``text``, with where it stands:
    ``(time, start, end)``, or None.

    Our own forms (numeric, English month names; a clock right after or before it) and a
    day-word-year span in one of the page's ``languages`` (dateparser's data: "01. November 2021",
    "13 de octubre de 2020"), whichever begins first. Relative phrases are never read here."""
    numeric = _find_date(text, country)
    worded = _WORDED_DATE.search(text) if languages else None
    try:
        if worded is not None and (numeric is None or worded.start() < numeric[1]):
            found = _parse_with_dateparser(worded.group(0), country, default_tz, source, languages, None)
            if found is not None:
                return found, worded.start(), worded.end()
        if numeric is not None:
            _, start, end = numeric
            found = _parse_visible(text[max(0, start - 40) : end + 40], country, default_tz, source)
            if found is not None:
                return PublishedTime(found.value, source, found.precision, text[start:end], found.offset_assumed), start, end
    except (ValueError, OverflowError):  # a date that does not exist (Feb 30), a year out of range
        return None
    return None


_ANY_BASE = datetime(2000, 1, 1, 12, 0)


def is_relative_phrase(text: str, languages: list[str] | None = None) -> bool:
    """Whether ``text`` is a date only a reference "now" can fix ("2 hours ago", "Gestern, 10:30",
    "vor 3 Tagen", "today"): dateparser's relative-time parser reads it against an arbitrary base. Used to
    say why a page has no publication time, never to give it one."""
    raw = " ".join(text.split())
    if not raw or len(raw) > 80:
        return False
    try:
        import dateparser
    except ImportError:  # the fallback is optional at runtime
        return False
    while True:
        stripped = _LEADING_LABEL.sub("", raw, count=1)
        if stripped == raw or not stripped:
            break
        raw = stripped
    langs = ["en"] + [lang for lang in _dateparser_languages(tuple(languages or ())) if lang != "en"]
    settings: dict[str, object] = {"RELATIVE_BASE": _ANY_BASE, "PARSERS": ["relative-time"]}
    return dateparser.parse(raw, languages=langs, settings=settings) is not None
