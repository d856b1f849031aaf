"""Event facts fused across the event's documents (pure functions, no database).

Each document of an event keeps the facts its own page stated (``documents.event_facts``, an
``EventFactsRecord`` as JSON). The event's venue, ``virtual`` flag, round ordinal, co-chairs and outcomes are
recomputed from all of them whenever a document joins or leaves the event (``storage.events.refresh_coverage``
calls :func:`fuse` for every event a batch touched), so they do not depend on the order documents arrive in:
every rule below is a function of the multiset of documents, with a total order to break ties.

Rules (docs/events.md, "Event facts fused across documents"):

- **evidence weight** of a document: 2 for a report or follow-up, 1 for a preview (plans change: talks
  announced in Dhaka were held by video conference);
- **venue** by agreement: each document votes for what it says (virtual, a city, a country alone); a
  country-alone vote also supports every city of that country. The venue with the most weight wins; ties go
  to a city over a country alone, then alphabetical. ``virtual`` is its own flag: the event is virtual when the
  virtual votes outweigh the physical ones; ``venue_country`` then stays NULL unless a city is also agreed;
- **round ordinal** by the explicit ordinals most documents give (weighted); a tie goes to the larger number
  (the usual false reading is a "first" that is a gap: "the first talks in five years");
- **co-chairs as persons**: the chairs of all documents grouped by :func:`person_keys` (case, accents,
  honorifics, middle initials and "Jr."/"III" ignored: "Lloyd J. Austin III" = "Lloyd Austin"); per person
  the country most documents give (a tie: no country), the title most documents give (a tie: the longest),
  the fullest name without honorifics (original letters over a transliteration: "Yaşar Güler" over
  "Yasar Guler");
- **outcomes**: the union, each once (case-folded), the most reported first.

Each fused fact that documents disagreed on gets a line in ``FusedFacts.reasons`` (stored in
``events.fusion_reasons``): what won, by how much, against what.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REPORT_WEIGHT = 2  # a report or a follow-up
PREVIEW_WEIGHT = 1  # a preview: what was announced

_HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "shri", "smt", "sri", "sir", "dame", "lord", "gen", "general", "maj", "major",
    "lt", "lieutenant", "col", "colonel", "brig", "adm", "admiral", "rear", "vice", "air", "marshal", "prof", "he",
    "hon", "amb", "ambassador",
})  # fmt: skip
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_FOLD = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower case without accents ("Yaşar Güler" → "yasar guler"; the dotless ı becomes i)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def person_keys(name: str) -> frozenset[str]:
    """The keys of a person however the name is written: the first name's initial and the surname, with
    honorifics, suffixes and middle initials set aside ("Lloyd J. Austin III", "Lloyd Austin" → "l austin";
    "Maj. Gen. İlkay Altındağ" → "i altindag"); a name of two full words also in the other order, for the
    family name written first ("Hayashi Yoshimasa" = "Yoshimasa Hayashi"). Two names share a key: one person."""
    tokens = re.findall(r"[^\W\d_]+", fold(name))
    while len(tokens) > 1 and tokens[0] in _HONORIFICS:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens = tokens[:-1]
    if not tokens:
        return frozenset({fold(name).strip()})
    if len(tokens) == 1:
        return frozenset(tokens)
    first, last = tokens[0], tokens[-1]
    keys = {f"{first[0]} {last}"}
    if len(first) > 1 and len(tokens) == 2:
        keys.add(f"{last[0]} {first}")
    return frozenset(keys)


def group_people(names: Iterable[str]) -> dict[str, str]:
    """Each name → one representative key of its person (names sharing a key, directly or through another
    name, are one person). The result depends only on the set of names."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    unique = sorted(set(names))
    for name in unique:
        keys = sorted(person_keys(name))
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {name: find(min(person_keys(name))) for name in unique}


def _weight(facts: Mapping[str, Any]) -> int:
    return PREVIEW_WEIGHT if facts.get("relation") == "preview" else REPORT_WEIGHT


@dataclass
class FusedFacts:
    """The event's facts fused over its documents (see the module docstring)."""

    venue_city: str | None = None
    venue_country: str | None = None
    virtual: bool = False
    round_ordinal: int | None = None
    co_chairs: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _venue(documents: list[Mapping[str, Any]], reasons: list[str]) -> tuple[str | None, str | None, bool]:
    virtual_weight = 0
    cities: Counter[tuple[str, str | None]] = Counter()
    countries: Counter[str] = Counter()
    for facts in documents:
        weight = _weight(facts)
        city, country = facts.get("venue_city"), facts.get("venue_country")
        if facts.get("virtual") or country == "virtual":  # "virtual" as a country: rows before migration 0006
            virtual_weight += weight
        elif city:
            cities[(city, country)] += weight
        elif country:
            countries[country] += weight
    scored = []
    for (city, country), weight in cities.items():
        scored.append((weight + countries.get(country or "", 0), True, city, country or ""))
    for country, weight in countries.items():
        scored.append((weight, False, "", country))
    physical = sum(cities.values()) + sum(countries.values())
    virtual = virtual_weight > 0 and virtual_weight >= physical
    if not scored:
        return None, None, virtual
    scored.sort(key=lambda s: (s[0], s[1], s[2], s[3]), reverse=True)
    best = scored[0]
    others = [s for s in scored[1:] if (s[2], s[3]) != (best[2], best[3]) and not (not s[1] and s[3] == best[3])]
    if others or virtual_weight:
        against = ", ".join(f"{s[2] or s[3]} {s[0]}" for s in others)
        if virtual_weight:
            against = ", ".join(x for x in (against, f"virtual {virtual_weight}") if x)
        reasons.append(f"venue {best[2] or best[3]}: weight {best[0]} against {against}")
    if virtual:
        return None, None, True
    return best[2] or None, best[3] or None, False


def _ordinal(documents: list[Mapping[str, Any]], reasons: list[str]) -> int | None:
    votes: Counter[int] = Counter()
    for facts in documents:
        value = facts.get("round_ordinal")
        if isinstance(value, int):
            votes[value] += _weight(facts)
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    if len(ranked) > 1:
        reasons.append("round ordinal " + f"{ranked[0][0]}: weight {ranked[0][1]} against "
                       + ", ".join(f"{value} {weight}" for value, weight in ranked[1:]))
    return ranked[0][0]


def display_name(name: str) -> str:
    """The name without the honorifics in front ("Shri Rajnath Singh" → "Rajnath Singh")."""
    words = name.split()
    while len(words) > 2 and fold(words[0]).strip(".") in _HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _non_ascii(text: str) -> int:
    return sum(1 for ch in text if ord(ch) > 127)


def _chairs(documents: list[Mapping[str, Any]], reasons: list[str]) -> list[dict[str, Any]]:
    names: dict[str, Counter[str]] = defaultdict(Counter)
    titles: dict[str, Counter[str]] = defaultdict(Counter)
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    support: Counter[str] = Counter()
    people = group_people(str(c.get("name") or "").strip() for f in documents for c in f.get("co_chairs") or ())
    for facts in documents:
        weight = _weight(facts)
        seen: set[str] = set()
        for chair in facts.get("co_chairs") or ():
            name = str(chair.get("name") or "").strip()
            if not name:
                continue
            key = people[name]
            name = display_name(name)
            names[key][name] += weight
            if chair.get("title"):
                titles[key][str(chair["title"])] += weight
            if chair.get("country"):
                countries[key][str(chair["country"])] += weight
            if key not in seen:
                support[key] += weight
                seen.add(key)
    out = []
    for key in sorted(support, key=lambda k: (-support[k], k)):
        name = max(names[key], key=lambda n: (_non_ascii(n), len(n), n))
        title = max(titles[key].items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0] if titles[key] else None
        country = None
        ranked = countries[key].most_common()
        if ranked:
            top = [c for c, weight in ranked if weight == ranked[0][1]]
            if len(top) == 1:
                country = top[0]
            if len(ranked) > 1:
                reasons.append(f"co-chair {name}: country {country or 'unknown'} from "
                               + ", ".join(f"{c} {weight}" for c, weight in ranked))
        out.append({"name": name, "title": title, "country": country})
    return out


def _outcomes(documents: list[Mapping[str, Any]]) -> list[str]:
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for facts in documents:
        for outcome in facts.get("outcomes") or ():
            forms[str(outcome).casefold()][str(outcome)] += 1
    ranked = sorted(forms.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return [max(counter.items(), key=lambda kv: (kv[1], kv[0]))[0] for _key, counter in ranked]


def fuse(documents: Iterable[Mapping[str, Any]]) -> FusedFacts:
    """The event's facts from the facts of its documents (``EventFactsRecord`` fields as a mapping)."""
    docs = list(documents)
    reasons: list[str] = []
    city, country, virtual = _venue(docs, reasons)
    ordinal = _ordinal(docs, reasons)
    chairs = _chairs(docs, reasons)
    return FusedFacts(city, country, virtual, ordinal, chairs, _outcomes(docs), reasons)
