"""Step 7 of the cascade: who led the delegations.

"<Country> <Title> <Name>" and "<Name>, <Title>" in the headline and first paragraphs' sentences that say
someone led, met or hosted (not sentences about other rounds). Names are letters of any cased script
("Yaşar Güler", "İlkay Altındağ"); a title runs to the end of its last word. Not a co-chair: a head of
state or government ("Prime Minister Narendra Modi"), a place ("New Delhi, where ..."), a name made of
office words.

The country of each person, first rule that applies (``_country_of``):

1. a country or demonym right in front of the title ("Australian Foreign Minister", "UK's Oliver Robbins");
2. a country in the title or in the apposition after the name ("Maciej Stadejek, Director ... of the
   European External Action Service"), also through an office only one government has
   (``reference/data/offices.json``: "External Affairs Minister", "Secretary of Defense");
3. the delegation: people joined by "and" on one side of "met"/"hosted"/"with" share a side (not when
   they are listed as co-chairs, "co-chaired by A and B", or meet each other, "A and B met"); a side
   without a country of its own takes the country its members have, and when the other side's country is
   known, the pair's other country ("Secretary of State Antony Blinken and Defense Secretary Lloyd Austin
   hosted Australian Foreign Minister Marise Payne and Defence Minister Peter Dutton").

A country outside the pair is no country. One person per surname (the fullest form of the name).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from crawler.core.events.countries import find_countries
from crawler.core.events.facts import weights as w
from crawler.core.events.facts.model import CoChair
from crawler.core.events.places import find_venues
from crawler.core.events.text import OTHER_ROUND_RE, Document
from crawler.core.reference.loader import DATA_DIR


def _letter_class(test: Callable[[str], bool]) -> str:
    """A character class of the letters below U+2000 ``test`` accepts, as ranges (Latin, Greek, Cyrillic
    and their extensions: the cased scripts)."""
    codes = [c for c in range(0x41, 0x2000) if unicodedata.category(chr(c)).startswith("L") and test(chr(c))]
    ranges: list[str] = []
    start = prev = codes[0]
    for c in [*codes[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        ranges.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
        start = prev = c
    return "[" + "".join(ranges) + "]"


_U = _letter_class(lambda ch: ch.isupper() or ch.istitle())
_L = _letter_class(lambda ch: ch.islower())
_TITLES = (
    r"National Security Advis[eo]r|NSA|External Affairs Minister|Foreign Minister|Defen[cs]e Minister|Home Minister|"
    r"Minister (?:for|of) (?:Foreign Affairs|(?:National )?Defen[cs]e|Home Affairs|External Affairs)|"
    r"Foreign Secretary|Defen[cs]e Secretary|Home Secretary|Secretary of State|Secretary of Defen[cs]e|"
    r"Secretary of Homeland Security|Acting Deputy Secretary|Deputy Secretary|Under ?-?Secretary|"
    r"Principal Deputy Assistant Secretary|Assistant Secretary|Joint Secretary|Additional Secretary|"
    r"Permanent Under-Secretary|Permanent Secretary|Vice Foreign Minister|Vice Minister|Deputy Foreign Minister|"
    r"Deputy Minister|Director[- ]General|Director|Ambassador|Special Representative|"
    r"(?:Acting )?Coordinator for Counterterrorism|Diplomatic Advis[eo]r|Chief of Defen[cs]e (?:Staff|Force)|"
    r"Senior Secretary|Minister|Secretary"
)
_WORD = rf"{_U}{_L}+(?:[-'’]{_U}?{_L}+)?"
# A name starts at a word's start ("MOTEGI Toshimitsu" is not "I Toshimitsu"); "MOTEGI Toshimitsu", "KAMIKAWA Yoko":
# the family name in capitals first, as Japanese government releases print it (shown given name first, ``_display``).
_CAPS_FAMILY_FIRST = rf"{_U}{{3,}}\s+{_WORD}(?![\w-])"
_NAME = (
    rf"(?<!\w)(?:{_WORD}(?:\s+(?:{_U}\.\s*)*(?:{_U}\s)?{_WORD}){{1,3}}"
    rf"|(?:{_U}\.\s?|{_U}\s){{1,3}}{_WORD}|{_CAPS_FAMILY_FIRST}(?!\s+{_U}))"
)
_PERSON_HONORIFIC_BEFORE_RE = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|H\.E)\.?\s+$")
_CAPS_FAMILY_FIRST_RE = re.compile(rf"(?P<family>{_U}{{3,}})\s+(?P<given>{_WORD})")


def _display(name: str) -> str:
    """"MOTEGI Toshimitsu" → "Toshimitsu Motegi" (family name in capitals first); other names as written."""
    caps = _CAPS_FAMILY_FIRST_RE.fullmatch(name)
    return f"{caps['given']} {caps['family'].title()}" if caps else name

_HONORIFIC = r"(?:Shri|Smt\.?|Senator|(?:the\s+)?Hon\.?|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|Sir|Dame|(?:Maj\.?|Major|Lt\.?|Brig\.?|Brigadier)\s+Gen(?:eral|\.)?|Gen\.?|General|Admiral|Adm\.?)\s+"
_TITLE_NAME_RE = re.compile(rf"(?P<title>(?:{_TITLES}))(?:\s+\([^)]*\))?,?\s+(?:{_HONORIFIC})*(?P<name>{_NAME})")
_NAME_TITLE_RE = re.compile(
    rf"(?:{_HONORIFIC})*(?P<name>{_NAME}),\s+(?:the\s+)?"
    r"(?!(?:met|meets?|held|holds|said|says|told|called|hosted|hosts|led|leads|and|who|which|where|when|while)\b)"
    rf"(?P<title>[^,.;]{{0,60}}?\b(?:{_TITLES})\b[^,.;]{{0,70}})"
)
# "the talks were co-chaired by Maj. Gen. İlkay Altındağ and ...", "the US side led by ...": a person without a title.
_LED_BY_RE = re.compile(
    rf"\b(?:(?:led|headed|co-?chaired|chaired)\s+by|co-?chairmanship\s+of)\s+(?:the\s+)?"
    rf"(?P<title>(?:{_HONORIFIC})*)(?P<name>{_NAME})"
)
# The country whose delegation a person led: "the Indian delegation was led by X", "X led the US side".
_DELEGATION_BEFORE_RE = re.compile(
    r"(?P<who>[\w.'’ ]{2,30}?)\s+(?:delegation|side|team)\s+(?:was\s+|were\s+|is\s+)?"
    r"(?:(?:led|co-?led|headed|represented|co-?chaired)\s+)?by\s+(?:the\s+)?(?:[\w.'’ ]{0,40}?\s)?$",
    re.IGNORECASE,
)
_DELEGATION_AFTER_RE = re.compile(
    r"^(?P<gap>[^;]{0,70}?)\b(?:led|leads|headed|heads|represented)\s+(?:the\s+)?(?P<who>[\w.'’ ]{2,30}?)\s+"
    r"(?:delegation|side|team)\b",
    re.IGNORECASE,
)
_CO_CHAIRED_BY_RE = re.compile(r"\b(?:co-?chair\w*\s+(?:by|of)|between)\s+[^;]*$", re.IGNORECASE)
# "A and B met in New Delhi to co-chair ...", "A and B led the respective delegations": one person per side.
_RECIPROCAL_AFTER_RE = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:met|meet)(?!\s+(?:with\s+)?[A-Z])|co-?chair\w*|held talks(?!\s+with)|"
    r"(?:led|leading|lead) (?:the|their) (?:respective|talks|delegations))\b"
)
_CHAIR_CONTEXT_RE = re.compile(
    r"\bco-?chair\w*|\bco-?led\b|\bled\b|\bheaded\b|\bheld\b|\bhold\b|\bmet\b|\bmeet\b|\bhosted\b|\bhost\b|"
    r"\brepresented\b|\bdelegation\b|\btalks with\b|\bcounterparts?\b|\bmeeting\b|\breceived\b",
    re.IGNORECASE,
)
_BAD_NAME_RE = re.compile(
    r"Department|Ministry|Affairs|Office|Service|Council|House|Dialogue|Group|Security|State|Defen[cs]e|Staff|"
    r"Prime|President|Minister|Secretary|Government|Agency|Academy|Centre|Center|Police|Homeland|Federal|"
    r"National|Republic|Union|Foreign|External|Policy|Affair|Bureau|Indo|Pacific|Counter|Terrorism",
)
# A head of state or government is not a delegation leader of a ministers' or officials' round.
_HEAD_BEFORE_RE = re.compile(r"(?:\bPrime|\bVice[- ]President|\bPresident|\bChief)\s*$")
_HEAD_TITLE_RE = re.compile(r"^(?:[\w'’.-]+\s+){0,2}?(?:Prime Minister|President|Chief Minister)\b", re.IGNORECASE)
# Between two people: a new delegation starts after a verb of meeting ("hosted", "met", "with").
_SIDE_BREAK_RE = re.compile(
    r"\b(?:met|meets?|meeting|hosted|hosts?|held talks with|talks with|with|received|receives|called on|calls on|"
    r"counterparts?|opposite numbers?|while|whereas)\b|;",
    re.IGNORECASE,
)
# "A and B and their US counterparts": A and B are the pair's other country.
_THEIR_COUNTERPARTS_RE = re.compile(r"^[^;]{0,40}?\b(?:their|his|her)\s+(?P<who>[\w.'’ ]{1,25}?)\s+counterparts?\b")
_LEADING_HONORIFIC_RE = re.compile(rf"^(?:{_HONORIFIC})+")


@lru_cache(maxsize=1)
def _offices() -> tuple[tuple[re.Pattern[str], str], ...]:
    data = json.loads((DATA_DIR / "offices.json").read_text(encoding="utf-8"))
    return tuple((re.compile(o["pattern"]), o["country"]) for o in data["offices"])


@dataclass
class _Mention:
    start: int  # the span of title and name
    end: int
    name_start: int
    name_end: int
    name: str
    title: str | None
    country: str | None  # from the words around the person (rules 1-2)


def _adjacent_country(text: str, title_start: int) -> str | None:
    """Rule 1: a country or demonym ending right before the title ("US ", "UK's ", "the Australian ")."""
    window = text[max(0, title_start - 40) : title_start]
    for mention in reversed(find_countries(window)):
        if mention.kind != "capital" and re.fullmatch(r"(?:'s|’s)?\s*", window[mention.end :]):
            return mention.code
    return None


def _delegation_country(text: str, start: int, end: int) -> str | None:
    """Rule 0: the delegation the sentence says the person led ("the Indian delegation was led by X",
    "X led the US side")."""
    before = _DELEGATION_BEFORE_RE.search(text[max(0, start - 90) : start])
    after = _DELEGATION_AFTER_RE.match(text[end : end + 120])
    candidates = []
    if after is not None and not _SIDE_BREAK_RE.search(after.group("gap")):
        candidates.append(after.group("who"))
    if before is not None:
        candidates.append(before.group("who"))
    for who in candidates:
        for mention in reversed(find_countries(who)):
            if mention.kind != "capital":
                return mention.code
    return None


def _stated_country(title: str, apposition: str) -> str | None:
    """Rule 2: a country named in the title or the apposition, or an office only one government has."""
    for part in (title, apposition):
        for mention in find_countries(part):
            if mention.kind != "capital":
                return mention.code
        for pattern, code in _offices():
            if pattern.search(part):
                return code
    return None


def _mentions(text: str) -> list[_Mention]:
    found: list[_Mention] = []
    for pattern in (_TITLE_NAME_RE, _NAME_TITLE_RE, _LED_BY_RE):
        for match in pattern.finditer(text):
            name = _LEADING_HONORIFIC_RE.sub("", match.group("name").strip())
            if _CAPS_FAMILY_FIRST_RE.fullmatch(name):
                if pattern is not _TITLE_NAME_RE and not _PERSON_HONORIFIC_BEFORE_RE.search(text[: match.start("name")]):
                    continue  # "HMS Queen", "NATO Allies": a person only after "Mr."/"Ms." or an office
                name = _display(name)
            if any(m.kind != "capital" for m in find_countries(name)):
                continue  # "US Defence": not a person
            title_start, title_end = match.span("title")
            while title_start < title_end < len(text) and text[title_end - 1].isalpha() and (
                text[title_end].isalpha() or text[title_end] == "-"
            ):
                title_end += 1  # "... External Action Servi" → the whole last word
            title = re.sub(r"\s+", " ", text[title_start:title_end]).strip(" ,")
            if _BAD_NAME_RE.search(name) or len(name) < w.CHAIR_MIN_NAME_CHARS:
                continue
            if _HEAD_BEFORE_RE.search(text[max(0, title_start - 15) : title_start]) or _HEAD_TITLE_RE.match(title):
                continue
            if any(s == 0 and e == len(name) for s, e, _c, _k in find_venues(name)):
                continue  # "New Delhi, where Foreign Minister ... hosted": a place
            if pattern is _NAME_TITLE_RE and len(title) > w.CHAIR_MAX_TITLE_CHARS:
                continue
            after = max(match.end(), title_end)
            apposition = re.split(r"\band\b|[;)]|\.\s|,\s(?=[a-z])", text[after : after + 90])[0]
            apposition = apposition if apposition.startswith((",", " (", " of ")) else ""
            start = min(match.start("name"), title_start)
            country = (
                _delegation_country(text, start, max(match.end("name"), title_end))
                or _adjacent_country(text, title_start)
                or _stated_country(text[max(0, title_start - 15) : title_end], apposition)
            )
            span = max(match.end("name"), title_end)
            found.append(_Mention(start, span, *match.span("name"), name, title or None, country))
    found.sort(key=lambda m: (m.name_start, -m.name_end))
    kept: list[_Mention] = []
    for mention in found:  # one mention per name (both patterns can read the same person)
        if kept and mention.name_start < kept[-1].name_end:
            if kept[-1].country is None and mention.country is not None:
                kept[-1].country = mention.country
            continue
        kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


def _sides(text: str, mentions: list[_Mention], pair: tuple[str, str] | None) -> None:
    """Rule 3: the country of each delegation (see the module docstring), in place."""
    sides: list[list[_Mention]] = []
    # "co-chaired by A, Joint Secretary, and B, Director": every person a delegation of their own.
    listed = bool(mentions) and _CO_CHAIRED_BY_RE.search(text[: mentions[0].start]) is not None
    for i, mention in enumerate(mentions):
        if i == 0 or _SIDE_BREAK_RE.search(text[mentions[i - 1].end : mention.start]):
            sides.append([])
        sides[-1].append(mention)
    after = text[mentions[-1].end :] if mentions else ""
    # ... unless the list goes on to their counterparts ("talks between A, B and their US counterparts").
    if len(sides) == 1 and len(mentions) > 1 and (
        _RECIPROCAL_AFTER_RE.match(after) or (listed and not _SIDE_BREAK_RE.search(after))
    ):
        sides = [[m] for m in mentions]

    def other(code: str) -> str | None:
        return None if pair is None or code not in pair else (pair[1] if code == pair[0] else pair[0])

    for i, side in enumerate(sides):
        follows = text[side[-1].end : sides[i + 1][0].start if i + 1 < len(sides) else len(text)]
        counterparts = _THEIR_COUNTERPARTS_RE.match(follows)
        named = [c.code for c in find_countries(counterparts.group("who"))] if counterparts else []
        for m in side if named else ():
            m.country = m.country or other(named[0])
        carry = None  # "Australian Foreign Minister X and Defence Minister Y": the demonym carries forward
        for mention in side:
            if mention.country is not None and (pair is None or mention.country in pair):
                carry = mention.country
            elif mention.country is None:
                mention.country = carry
        for i, mention in enumerate(side):  # "Adviser X and Chinese Foreign Minister Y": X is not Chinese
            later = {m.country for m in side[i + 1 :] if m.country is not None}
            if mention.country is None and len(later) == 1:
                mention.country = other(later.pop())
    side_country: list[str | None] = []
    for side in sides:
        known = {m.country for m in side if m.country is not None and (pair is None or m.country in pair)}
        side_country.append(known.pop() if len(known) == 1 else None)
    if len(sides) == 2 and side_country.count(None) == 1:
        known_country = next(c for c in side_country if c is not None)
        for side, country in zip(sides, side_country, strict=True):
            for mention in side if country is None else ():
                mention.country = other(known_country)


def co_chairs(doc: Document, pair: tuple[str, str] | None) -> list[CoChair]:
    """The delegation leaders the page names (see the module docstring)."""
    found: list[CoChair] = []
    for sentence in doc.sentences:
        if sentence.paragraph < 0 or sentence.paragraph > w.CHAIR_MAX_PARAGRAPH:
            continue
        text = sentence.text
        if not _CHAIR_CONTEXT_RE.search(text) or OTHER_ROUND_RE.search(text):
            continue
        mentions = _mentions(text)
        _sides(text, mentions, pair)
        for m in mentions:
            country = m.country if pair is None or m.country in pair else None
            found.append(CoChair(m.name, m.title, country))
    # One person per surname: the longest form of the name, the first country found.
    merged: dict[str, CoChair] = {}
    for chair in found:
        surname = chair.name.split()[-1].casefold()
        existing = merged.get(surname)
        if existing is None:
            merged[surname] = chair
            continue
        name = chair.name if len(chair.name) > len(existing.name) else existing.name
        title = existing.title if existing.title and len(existing.title) >= len(chair.title or "") else chair.title
        merged[surname] = CoChair(name, title, existing.country or chair.country)
    chairs = list(merged.values())[: w.CHAIR_MAX_COUNT]
    if pair is not None and len(chairs) == 2:
        known = [c.country for c in chairs if c.country]
        if len(known) == 1:
            other = pair[1] if known[0] == pair[0] else pair[0]
            chairs = [c if c.country else CoChair(c.name, c.title, other) for c in chairs]
    return chairs
