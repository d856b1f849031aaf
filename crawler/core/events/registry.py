"""The dialogue registry: known recurring bilateral security dialogues, and finding them in text.

The registry ships as ``crawler/data/dialogues.json``; users add series without code through extra
JSON files of the same schema (``load_registry(extra_paths)``, which the CLI feeds from
``NEWSARCHIVE_DIALOGUES``). A series is identified by its country pair plus its slug (the slug names the
mechanism, the pair is part of the event key), so "2plus2-ministerial-dialogue" exists once per pair.

Matching rules (``DialogueRegistry.find_mentions``):

- every name, alias and abbreviation is stored *without* its country pair; a pair written in front of a
  form in the text ("India-US Homeland Security Dialogue", "U.S.-Japan 2+2") restricts the candidates to
  series of exactly that pair;
- a form with no pair in front of it ("Homeland Security Dialogue", "2+2", "HSD") matches a series
  only when *both* of the series' countries are named somewhere in the text (a capital counts only as
  a metonym: "Delhi, Washington discuss ..."), so "2+2" alone never matches anything; the exception is
  a distinctive abbreviation of a single series, four or more capitals long ("AUSMIN", "WMCC");
- names and aliases match case-insensitively with tolerant spelling (defence/defense, and/&, hyphens,
  quotes, "2+2"/"two-plus-two"); abbreviations match case-sensitively as whole words;
- overlapping matches keep the longest; among several candidate series for one span, the pair named
  nearest the span wins, then the pair named most often, then registry order.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from crawler.core.events.countries import CountryMention, find_countries
from crawler.core.events.slug import SLUG_RE, strip_pair_prefix

BUILTIN_REGISTRY = Path(__file__).resolve().parents[2] / "data" / "dialogues.json"

_ALPHA3_RE = re.compile(r"^[A-Z]{3}$")


class RegistryError(ValueError):
    """A registry file is unreadable or an entry is invalid; the message names the file and entry."""


@dataclass(frozen=True)
class DialogueSeries:
    """One recurring dialogue between two parties.

    ``slug`` names the mechanism (see ``crawler.core.events.slug``); ``countries`` is the sorted ISO alpha-3
    pair (``EUU`` for the European Union) or ``None`` when a user entry leaves it open; ``level`` is free
    text ("ministerial", "senior officials", ...).
    """

    slug: str
    name: str
    countries: tuple[str, str] | None
    level: str | None
    aliases: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesMention:
    """A registry series named in a text: ``text[start:end]`` is the matched form (including a country
    pair written in front of it, when there is one). ``pair_in_text`` says whether that pair was part of
    the match; ``candidates`` lists every series the form could have meant (``series`` is the best)."""

    series: DialogueSeries
    start: int
    end: int
    text: str
    pair_in_text: bool
    candidates: tuple[DialogueSeries, ...] = field(default=())


# --- surface forms → regular expressions -------------------------------------------------------------

_TOKEN_RE = re.compile(r"2\s*\+\s*2|[^\s\-–—/\"“”‘’'()]+")
_SEP = r"[\s\-–—/\"“”‘’'(),]*"


def _token_pattern(token: str) -> str:
    low = token.casefold().rstrip(".,;:")
    if re.fullmatch(r"2\s*\+\s*2", low):
        return r"(?:2\s*\+\s*2|two[\s-]*plus[\s-]*two|2[\s-]*plus[\s-]*2)"
    if low in {"and", "&"}:
        return r"(?:and|&)"
    if low in {"defence", "defense"}:
        return r"defen[cs]e"
    if low in {"counterterrorism", "counter-terrorism"}:
        return r"counter[\s-]*terrorism"
    if low.endswith("isation") or low.endswith("ization"):
        return re.escape(low[:-6]) + r"i[sz]ation"
    if low.endswith("s'"):
        return re.escape(low[:-1]) + r"['’]?"
    pattern = re.escape(low)
    if low.endswith("s") and len(low) > 3:
        pattern = re.escape(low) + r"['’]?"
    return pattern


def _form_pattern(form: str) -> str | None:
    tokens = _TOKEN_RE.findall(form)
    if not tokens:
        return None
    body = _SEP.join(_token_pattern(token) for token in tokens)
    return rf"(?<![\w+]){body}(?![\w+])"


# A country pair written in front of a form: "India-US ", "U.S.-India ", "Indo-French ", "India-EU ", and as
# official texts write it, each name with its abbreviation: "United States (U.S.)-Republic of Korea (ROK) ".
_PAIR_PREFIX_WINDOW = 60
_OWN_ABBREVIATION = r"(?:\s?\([^()\n]{1,12}\))?"


@dataclass(frozen=True)
class _Form:
    source: str  # the regular expression, compiled on first use (``pattern``)
    flags: int
    series: tuple[DialogueSeries, ...]
    is_abbreviation: bool
    self_sufficient: bool = False  # a distinctive abbreviation of one series ("AUSMIN", "WMCC")
    # A piece of text every match contains (lower-case ASCII for case-insensitive forms, exact for
    # abbreviations): a text without it is not scanned with ``pattern`` at all. None: always scan.
    literal: str | None = None

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled when a text first contains ``literal``: most forms never are in a process, and compiling
        all ~900 at start-up cost 0.7 s of CPU in every crawl, worker and CLI process."""
        return re.compile(self.source, self.flags)


def _token_literal(token: str) -> str:
    """The plain text that every match of ``_token_pattern(token)`` contains ("" when there is none)."""
    low = token.casefold().rstrip(".,;:")
    if re.fullmatch(r"2\s*\+\s*2", low) or low in {"and", "&"}:
        return ""
    if low in {"defence", "defense"}:
        return "defen"
    if low in {"counterterrorism", "counter-terrorism"}:
        return "terrorism"
    if low.endswith("isation") or low.endswith("ization"):
        return low[:-6]
    if low.endswith("s'"):
        return low[:-1]
    return low


def _form_literal(form: str) -> str | None:
    """The longest ASCII token literal of a case-insensitive form (three characters or more), or None."""
    literals = [lit for lit in map(_token_literal, _TOKEN_RE.findall(form)) if len(lit) >= 3 and lit.isascii()]
    return max(literals, key=len) if literals else None


@lru_cache(maxsize=1)
def _ignorecase_ascii_fold() -> dict[int, str]:
    """Non-ASCII characters that ``re.IGNORECASE`` matches to an ASCII letter ("ſ" ~ "s", Kelvin "K" ~ "k",
    "İ"/"ı" ~ "i"), found by asking the regex engine itself, so the prefilter never skips a real match."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    table: dict[int, str] = {}
    for code in range(0x80, 0x110000):
        ch = chr(code)
        if letter.fullmatch(ch):
            table[code] = next(x for x in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(x, ch, re.IGNORECASE))
    return table


def _prefilter_text(text: str) -> str:
    """``text`` lower-cased so that ``literal in _prefilter_text(text)`` holds whenever an ASCII literal
    matches somewhere in ``text`` under ``re.IGNORECASE``."""
    if not text.isascii():
        text = text.translate(_ignorecase_ascii_fold())
    return text.lower()


def _clean_form(form: str) -> str:
    """A registry form without its pair, parentheticals or leading qualifiers."""
    text = re.sub(r"\([^)]*\)", " ", form).strip()
    text = strip_pair_prefix(text)
    text = re.sub(r"^(?:the|annual|inaugural)\s+", "", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip(" -–")


class DialogueRegistry:
    """Known dialogue series and the matcher over them. Build with ``load_registry``."""

    def __init__(self, series: Iterable[DialogueSeries]) -> None:
        self.series: tuple[DialogueSeries, ...] = tuple(series)
        self._forms = self._compile(self.series)
        self._order = {s: i for i, s in enumerate(self.series)}

    def __len__(self) -> int:
        return len(self.series)

    def by_slug(self, slug: str, countries: tuple[str, str] | None = None) -> DialogueSeries | None:
        """The series with this slug (and pair, when given); the first one when the pair is omitted."""
        for series in self.series:
            if series.slug == slug and (countries is None or series.countries == countries):
                return series
        return None

    @staticmethod
    def _compile(all_series: Sequence[DialogueSeries]) -> list[_Form]:
        by_text: dict[tuple[str, bool], list[DialogueSeries]] = {}
        for series in all_series:
            texts: list[tuple[str, bool]] = []
            for form in (series.name, *series.aliases):
                cleaned = _clean_form(form)
                if cleaned:
                    texts.append((cleaned.casefold(), False))
                # Parenthesised abbreviations in names, e.g. "(AUSMIN)", are abbreviations too.
                for inner in re.findall(r"\(([A-Z][A-Za-z&+]{1,9})\)", form):
                    texts.append((inner, True))
            for abbreviation in series.abbreviations:
                if abbreviation.strip():
                    texts.append((abbreviation.strip(), "+" not in abbreviation))
            for key in dict.fromkeys(texts):
                bucket = by_text.setdefault(key, [])
                if series not in bucket:
                    bucket.append(series)
        forms: list[_Form] = []
        for (text, is_abbreviation), series_list in by_text.items():
            if is_abbreviation:
                source, flags = rf"(?<![\w-]){re.escape(text)}(?![\w-])", 0
            else:
                form_source = _form_pattern(text)
                if form_source is None:
                    continue
                source, flags = form_source, re.IGNORECASE
            distinctive = is_abbreviation and len(series_list) == 1 and len(text) >= 4 and text.isupper()
            literal = text if is_abbreviation else _form_literal(text)
            forms.append(_Form(source, flags, tuple(series_list), is_abbreviation, distinctive, literal or None))
        return forms

    def may_mention(self, text: str | None) -> bool:
        """False when no registry form matches anywhere in ``text``: ``find_mentions`` then finds nothing,
        whatever the countries (every mention starts from a form's match). The same literal prefilter as
        ``find_mentions``; a form whose literal is present is scanned until one matches."""
        if not text or not isinstance(text, str):
            return False
        return any(form.pattern.search(text) is not None for form in self._scannable(text))

    def _scannable(self, text: str) -> Iterator[_Form]:
        """The forms whose literal ``text`` contains: the others cannot match, so their regexes are not run
        (most forms, on most pages)."""
        folded = _prefilter_text(text)
        for form in self._forms:
            if form.literal is None or form.literal in (text if form.is_abbreviation else folded):
                yield form

    def find_mentions(
        self, text: str | None, countries: Sequence[CountryMention] | None = None
    ) -> list[SeriesMention]:
        """Which registry series ``text`` names, with spans, in text order (see the module docstring
        for the rules). ``None``/empty text gives ``[]``. ``countries`` is ``find_countries(text)`` when
        the caller has it already (``crawler.core.events.analysis`` reads a page's countries once)."""
        if not text or not isinstance(text, str):
            return []
        return self._find_mentions(text, find_countries(text) if countries is None else countries)

    def _find_mentions(self, text: str, found: Sequence[CountryMention]) -> list[SeriesMention]:
        countries = _Parties(found)
        party_counts = Counter(m.code for m in countries.mentions)
        named = set(party_counts)
        raw: list[tuple[int, int, tuple[DialogueSeries, ...], bool]] = []
        for form in self._scannable(text):
            for match in form.pattern.finditer(text):
                start, end = match.start(), match.end()
                pair, pair_start = _pair_before(text, start, countries)
                if pair is not None:
                    candidates = tuple(s for s in form.series if s.countries == pair)
                    if candidates:
                        raw.append((pair_start, end, candidates, True))
                    continue
                if _MULTILATERAL_BEFORE.search(text, max(0, start - 20), start):
                    continue  # "Asean Defence Ministers' Meeting-Plus": a multilateral body's name
                candidates = tuple(
                    s
                    for s in form.series
                    if s.countries is not None and (form.self_sufficient or set(s.countries) <= named)
                )
                if candidates and not form.self_sufficient:
                    # "S. Korea, Australia hold 2+2 talks" on a page that also names India: when the span's
                    # own sentence names exactly one pair, the span is that pair's, not another's.
                    low, high = _sentence_bounds(text, start, end)
                    own = {m.code for m in countries.starting_in(low, high)}
                    if len(own) == 2:
                        candidates = tuple(s for s in candidates if set(s.countries or ()) == own)
                if candidates:
                    raw.append((start, end, candidates, False))
        # Longest first, then leftmost: drop anything overlapping an already kept span. Kept spans are
        # disjoint, so the only one that can overlap a new span is the last kept one starting before its end.
        raw.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
        kept: list[tuple[int, int, tuple[DialogueSeries, ...], bool]] = []
        kept_starts: list[int] = []
        kept_ends: list[int] = []
        for item in raw:
            at = bisect_left(kept_starts, item[1])
            if at > 0 and kept_ends[at - 1] > item[0]:
                continue
            kept_starts.insert(at, item[0])
            kept_ends.insert(at, item[1])
            kept.append(item)
        kept.sort(key=lambda item: item[0])
        order = self._order
        mentions: list[SeriesMention] = []
        for start, end, candidates, pair_in_text in kept:
            best = min(
                candidates,
                key=lambda s: (
                    -_nearby_pair_score(s, start, end, countries),
                    -sum(party_counts[c] for c in (s.countries or ())),
                    order.get(s, 0),
                ),
            )
            mentions.append(SeriesMention(best, start, end, text[start:end], pair_in_text, candidates))
        return mentions


class _Parties:
    """The non-capital country mentions of a text, in text order, with their starts for bisection
    (a page can name thousands of countries and series; every lookup below is by offset window)."""

    def __init__(self, found: Sequence[CountryMention]) -> None:
        self.mentions = [m for m in found if m.kind != "capital"]
        self.starts = [m.start for m in self.mentions]

    def starting_in(self, low: int, high: int) -> list[CountryMention]:
        """Mentions with ``low <= start <= high``, in text order."""
        return self.mentions[bisect_left(self.starts, low) : bisect_right(self.starts, high)]


def _pair_before(text: str, start: int, countries: _Parties) -> tuple[tuple[str, str] | None, int]:
    """A hyphenated country pair ending right before ``start`` ("India-US ", "U.S.-Japan '"), if any."""
    window_start = max(0, start - _PAIR_PREFIX_WINDOW)
    before = [m for m in countries.starting_in(window_start, start) if m.end <= start]
    # A name's own abbreviation in parentheses right after it ("United States (U.S.)") is the same party.
    before = [m for i, m in enumerate(before) if not (
        i and before[i - 1].code == m.code and re.fullmatch(r"\s?\(", text[before[i - 1].end : m.start])
        and text.startswith(")", m.end))]
    if len(before) < 2:
        return None, start
    first, second = before[-2], before[-1]
    gap_after = text[second.end : start]
    joiner = text[first.end : second.start]
    if not re.fullmatch(_OWN_ABBREVIATION + r"[\s\"“”‘’']*", gap_after):
        # Allow the possessive/plural forms of demonyms only ("Indo-French ").
        return None, start
    if not re.fullmatch(_OWN_ABBREVIATION + r"\s?[-–/]\s?", joiner):
        return None, start
    if first.code == second.code:
        return None, start
    a, b = sorted((first.code, second.code))
    return (a, b), first.start


_SENTENCE_STOP = re.compile(r"\n|(?<=[.!?])\s+")


def _is_stop(text: str, match: re.Match[str]) -> bool:
    """A line break, or sentence punctuation not ending an abbreviation ("S. Korea", "U.S. and", "Mr. X")."""
    if match.group(0).startswith("\n") or "\n" in match.group(0):
        return True
    word = text[: match.start()].rsplit(None, 1)[-1] if text[: match.start()].strip() else ""
    return not (len(word.rstrip(".!?")) <= 3 and any(c.isupper() for c in word))


_MULTILATERAL_BEFORE = re.compile(r"\b(?:ASEAN|Asean|SCO|Quad|NATO|G20|G-20|G7|BRICS|SAARC|BIMSTEC|East Asia)\s*$")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence (or headline line) around ``text[start:end]``, looking at most 300
    characters either way."""
    low = max(0, start - 300)
    for match in _SENTENCE_STOP.finditer(text, low, start):
        if _is_stop(text, match):
            low = match.end()
    high = min(len(text), end + 300)
    for match in _SENTENCE_STOP.finditer(text, end, high):
        if _is_stop(text, match):
            high = match.start()
            break
    return low, high


def _nearby_pair_score(series: DialogueSeries, start: int, end: int, countries: _Parties) -> int:
    """How many of the series' countries are named within a sentence-sized window of the span."""
    if series.countries is None:
        return 0
    near = {m.code for m in countries.starting_in(start - 160, end + 80)}
    return sum(1 for code in series.countries if code in near)


# --- loading and validation ---------------------------------------------------------------------------


def _validate_entry(raw: object, where: str) -> DialogueSeries:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each series must be a JSON object, got {type(raw).__name__}")
    unknown = set(raw) - {"slug", "name", "countries", "level", "aliases", "abbreviations", "notes"}
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {sorted(unknown)}")
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise RegistryError(f"{where}: 'slug' must be lower-case words joined by '-' (e.g. 'homeland-security-dialogue'), got {slug!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where} ({slug}): 'name' must be a non-empty string")
    countries_raw = raw.get("countries")
    countries: tuple[str, str] | None
    if countries_raw is None:
        countries = None
    else:
        if (
            not isinstance(countries_raw, list)
            or len(countries_raw) != 2
            or not all(isinstance(c, str) and _ALPHA3_RE.match(c) for c in countries_raw)
            or countries_raw[0] == countries_raw[1]
        ):
            raise RegistryError(
                f"{where} ({slug}): 'countries' must be two different ISO alpha-3 codes such as [\"IND\", \"USA\"] "
                f"(EUU for the European Union), got {countries_raw!r}"
            )
        a, b = sorted(countries_raw)
        countries = (a, b)
    level = raw.get("level")
    if level is not None and not isinstance(level, str):
        raise RegistryError(f"{where} ({slug}): 'level' must be a string or null")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("aliases", "abbreviations"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise RegistryError(f"{where} ({slug}): '{key}' must be a list of non-empty strings")
        lists[key] = tuple(v.strip() for v in value)
    return DialogueSeries(slug, name.strip(), countries, level, lists["aliases"], lists["abbreviations"])


def parse_registry_document(document: object, source: str) -> list[DialogueSeries]:
    """Validate one registry document (``{"series": [...]}`` or a bare list) and return its series.

    Raises ``RegistryError`` with the source and entry index on any invalid entry."""
    entries = document.get("series") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise RegistryError(f"{source}: expected an object with a 'series' list (or a bare list of series)")
    return [_validate_entry(entry, f"{source}: series[{i}]") for i, entry in enumerate(entries)]


def _read(path: Path) -> list[DialogueSeries]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read dialogue registry file ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    return parse_registry_document(document, str(path))


def merge_series(base: Sequence[DialogueSeries], extra: Sequence[DialogueSeries]) -> list[DialogueSeries]:
    """``base`` with ``extra`` merged in: an extra entry with the same (countries, slug) replaces the base
    entry in place (so users can extend aliases); new entries are appended."""
    merged = list(base)
    index = {(s.countries, s.slug): i for i, s in enumerate(merged)}
    for series in extra:
        key = (series.countries, series.slug)
        if key in index:
            merged[index[key]] = series
        else:
            index[key] = len(merged)
            merged.append(series)
    return merged


def load_registry(extra_paths: Sequence[Path] = ()) -> DialogueRegistry:
    """The shipped registry merged with user files (same schema; later files win on (pair, slug)).

    Raises ``RegistryError`` with a clear message when a file is missing, not JSON, or has an invalid
    entry — a bad user file is a configuration error worth stopping for."""
    series = list(_builtin_series())
    for path in extra_paths:
        series = merge_series(series, _read(Path(path)))
    return DialogueRegistry(series)


@lru_cache(maxsize=1)
def _builtin_series() -> tuple[DialogueSeries, ...]:
    return tuple(_read(BUILTIN_REGISTRY))


@lru_cache(maxsize=1)
def default_registry() -> DialogueRegistry:
    """The shipped registry alone, built once per process."""
    return DialogueRegistry(_builtin_series())
