"""Country references in news text → ISO 3166-1 alpha-3 codes.

One home for "which countries does this text name": full names (from ``pycountry``), the short forms
and abbreviations wire copy uses ("U.S.", "UK", "ROK", "S. Korea"), demonyms ("Indian", "Japanese"),
alpha-2/alpha-3 codes inside hyphenated pairs ("BD-US"), and capitals used as metonyms ("Washington",
"New Delhi"). The European Union is ``EUU`` (it has no ISO alpha-3 code; the project's convention).
The short forms, capitals and demonyms are ``countries.json`` and ``demonyms.json`` under
``crawler/core/reference/data``; codes go through the one :class:`crawler.core.reference.Country`. A text
that is not English is also read with the names of the wires' other languages (``crawler.core.events.native``).

Capitals are reported with ``kind='capital'`` so that callers can weigh them lightly: "Washington said"
means the US, but "met in Washington" names a venue, not a party.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from crawler.core.events.native import looks_english, native_countries, trie_pattern
from crawler.core.reference import reference


@dataclass(frozen=True)
class CountryMention:
    """One reference to a country in a text: ``code`` is alpha-3 (or ``EUU``); ``kind`` is one of
    ``name``, ``demonym``, ``code`` (alpha-2/3 inside a hyphenated pair), ``capital`` (a place) or
    ``metonym`` (a capital standing for its government: "Delhi, Washington discuss ...")."""

    code: str
    start: int
    end: int
    text: str
    kind: str


# Alpha-2 codes accepted inside a hyphenated pair like "BD-US" or "IN-AU" (upper case only).
_PAIR_CODE_RE = re.compile(r"\b([A-Z]{2,3})\s?[-–/]\s?([A-Z]{2,3})\b")

@lru_cache(maxsize=1)
def _not_a_party_re() -> re.Pattern[str]:
    """Names that look like countries but are not, in this domain ("Indian Ocean", "South China Sea")."""
    return re.compile("(?:" + "|".join(re.escape(n) for n in reference().not_parties) + ")")


def _pycountry_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                names[value] = country.alpha_3
    return names


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    table: dict[str, tuple[str, str]]  # surface (case-folded) -> (code, kind)
    case_sensitive: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = reference()
    table: dict[str, tuple[str, str]] = {}
    for surface, code in _pycountry_names().items():
        table[surface.casefold()] = (code, "name")
    for code, surfaces in data.country_names.items():
        for surface in surfaces:
            table[surface.casefold()] = (code, "name")
    for code, surfaces in data.demonyms.items():
        for surface in surfaces:
            table[surface.casefold()] = (code, "demonym")
    for code, surfaces in data.capitals.items():
        for surface in surfaces:
            table[surface.casefold()] = (code, "capital")
    # Upper-case abbreviations must match in upper case only ("US" the country, not "us" the pronoun).
    case_sensitive = frozenset(s.casefold() for s in data.case_sensitive_names)
    # Word boundaries that also work after a trailing dot ("U.S.").
    pattern = re.compile(rf"(?<![\w.])(?:{trie_pattern(table)})(?![\w])", re.IGNORECASE)
    return _Lexicon(pattern=pattern, table=table, case_sensitive=case_sensitive)


def _alpha3_from_code(code: str) -> str | None:
    found = reference().from_alpha2(code) if len(code) == 2 else reference().from_alpha3(code)
    return found.alpha_3 if found is not None else None


def find_countries(text: str | None) -> list[CountryMention]:
    """Every country reference in ``text``, in order. Never raises; ``None``/empty gives ``[]``.

    The topic rules, the registry matcher and the facts extractor all ask about the same page text, so
    the last few answers are kept (a fresh list each call: callers may modify it)."""
    if not text or not isinstance(text, str):
        return []
    return list(_find_countries_cached(text))


@lru_cache(maxsize=16)
def _find_countries_cached(text: str) -> tuple[CountryMention, ...]:
    return tuple(_find_countries(text))


def _find_countries(text: str) -> list[CountryMention]:
    lex = _lexicon()
    found: list[CountryMention] = []
    for match in lex.pattern.finditer(text):
        surface = match.group(0)
        key = surface.casefold()
        entry = lex.table.get(key)
        if entry is None:
            continue
        if key in lex.case_sensitive and surface != surface.upper() and surface != "Male":
            continue
        if key == "male" and surface != "Male":
            continue
        if _not_a_party_re().match(text, match.start()) and entry[1] != "capital":
            continue
        code, kind = entry
        # "Washington" followed by "Post"/"state" is not the US government; keep it simple and cheap.
        found.append(CountryMention(code, match.start(), match.end(), surface, kind))
    # Codes in hyphenated pairs such as "BD-US", "IN-AU" (only when both halves are codes).
    for match in _PAIR_CODE_RE.finditer(text):
        left, right = _alpha3_from_code(match.group(1)), _alpha3_from_code(match.group(2))
        if left and right and left != right:
            if not any(m.start <= match.start(1) < m.end for m in found):
                found.append(CountryMention(left, match.start(1), match.end(1), match.group(1), "code"))
            if not any(m.start <= match.start(2) < m.end for m in found):
                found.append(CountryMention(right, match.start(2), match.end(2), match.group(2), "code"))
    if not looks_english(text):
        # A page in another language: CLDR's names in the wires' languages ("中国", "Индии", "Korea Selatan").
        for start, end, code, kind in native_countries(text):
            if not any(start < m.end and m.start < end for m in found):
                found.append(CountryMention(code, start, end, text[start:end], kind))
    found.sort(key=lambda m: m.start)
    return _mark_metonyms(text, found)


# Two country references joined like parties ("Delhi, Washington discuss", "Seoul and Washington").
_COORDINATION_RE = re.compile(r"\s*(?:,|and|&|-|–)\s*(?:the\s+)?$")


def _mark_metonyms(text: str, found: list[CountryMention]) -> list[CountryMention]:
    """A capital coordinated with another country reference is a party, not a place: kind ``metonym``."""
    result = list(found)
    for i, mention in enumerate(found):
        if mention.kind != "capital":
            continue
        neighbours = []
        if i > 0:
            neighbours.append((found[i - 1], text[found[i - 1].end : mention.start]))
        if i + 1 < len(found):
            neighbours.append((found[i + 1], text[mention.end : found[i + 1].start]))
        for other, gap in neighbours:
            if other.code != mention.code and len(gap) <= 8 and _COORDINATION_RE.match(gap + "") is not None:
                result[i] = CountryMention(mention.code, mention.start, mention.end, mention.text, "metonym")
                break
    return result


def alpha3_to_alpha2(code: str | None) -> str | None:
    """``IND`` → ``IN``; ``EUU`` → ``EU``; ``None`` when unknown."""
    found = reference().from_alpha3(code)
    return found.alpha_2 if found is not None else None


def alpha2_to_alpha3(code: str | None) -> str | None:
    """``IN`` → ``IND``; ``EU`` → ``EUU``; ``UK`` → ``GBR``; ``None`` when unknown."""
    if not code:
        return None
    return _alpha3_from_code(code.strip().upper())


def sorted_pair(a: str, b: str) -> tuple[str, str]:
    """The canonical (sorted) order of a pair: a meeting has no direction."""
    first, second = sorted((a, b))
    return (first, second)
