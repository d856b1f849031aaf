"""Step 7 of the cascade: who led the delegations.

"<Country> <Title> <Name>" and "<Name>, <Title>" in the headline and first paragraphs' sentences that
say someone led, met or hosted (not sentences about other rounds); the country from a hint in front of
the title, in the title, or in the clause around the name; de-duplicated by surname; when two chairs
and one country are known, the other takes the pair's other country.
"""

from __future__ import annotations

import re

from crawler.core.events.countries import find_countries
from crawler.core.events.facts import weights as w
from crawler.core.events.facts.model import CoChair
from crawler.core.events.text import OTHER_ROUND_RE, Document

_TITLES = (
    r"National Security Advis[eo]r|NSA|External Affairs Minister|Foreign Minister|Defen[cs]e Minister|Home Minister|"
    r"Foreign Secretary|Defen[cs]e Secretary|Home Secretary|Secretary of State|Secretary of Defen[cs]e|"
    r"Secretary of Homeland Security|Acting Deputy Secretary|Deputy Secretary|Under ?-?Secretary|"
    r"Principal Deputy Assistant Secretary|Assistant Secretary|Joint Secretary|Additional Secretary|"
    r"Permanent Under-Secretary|Permanent Secretary|Vice Foreign Minister|Vice Minister|Deputy Foreign Minister|"
    r"Deputy Minister|Director[- ]General|Director|Ambassador|Special Representative|"
    r"(?:Acting )?Coordinator for Counterterrorism|Diplomatic Advis[eo]r|Chief of Defen[cs]e Staff|"
    r"Senior Secretary|Minister|Secretary"
)
_NAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?:\s+(?:[A-Z]\.\s*)*(?:[A-Z]\s)?[A-Z][a-z]+(?:-[a-z]+)?){1,3}|(?:[A-Z]\.){1,3}\s?[A-Z][a-z]+"
_HONORIFIC = r"(?:Shri|Smt\.?|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|Sir|Dame|Gen\.?|General|Admiral|Adm\.?)\s+"
_TITLE_NAME_RE = re.compile(
    rf"(?P<cty>\b(?:US|U\.S\.|American|Indian|Union|Japanese|Chinese|Australian|French|British|UK|Russian|"
    rf"Pakistani|Bangladeshi|South Korean|Korean|Turkish|Vietnamese|Maldivian|Nepali|EU)\s+)?"
    rf"(?P<title>(?:{_TITLES}))(?:\s+\([^)]*\))?,?\s+(?:{_HONORIFIC})?(?P<name>{_NAME})"
)
_NAME_TITLE_RE = re.compile(rf"(?:{_HONORIFIC})?(?P<name>{_NAME}),\s+(?:the\s+)?(?P<title>[^,.;]{{0,60}}?\b(?:{_TITLES})\b[^,.;]{{0,70}})")
_CHAIR_CONTEXT_RE = re.compile(
    r"\bco-?chair\w*|\bco-?led\b|\bled\b|\bheaded\b|\bheld\b|\bhold\b|\bmet\b|\bmeet\b|\bhosted\b|\bhost\b|"
    r"\brepresented\b|\bdelegation\b|\btalks with\b|\bcounterparts?\b|\bmeeting\b",
    re.IGNORECASE,
)
_BAD_NAME_RE = re.compile(
    r"Department|Ministry|Affairs|Office|Service|Council|House|Dialogue|Group|Security|State|Defen[cs]e|Staff|"
    r"Prime|President|Minister|Secretary|Government|Agency|Academy|Centre|Center|Police|Homeland|Federal|"
    r"National|Republic|Union|Foreign|External|Policy|Affair|Bureau|Indo|Pacific|Counter|Terrorism",
)
_COUNTRY_HINTS = {
    "us": "USA", "u.s.": "USA", "american": "USA", "indian": "IND", "union": "IND", "japanese": "JPN",
    "chinese": "CHN", "australian": "AUS", "french": "FRA", "british": "GBR", "uk": "GBR", "russian": "RUS",
    "pakistani": "PAK", "bangladeshi": "BGD", "south korean": "KOR", "korean": "KOR", "turkish": "TUR",
    "vietnamese": "VNM", "maldivian": "MDV", "nepali": "NPL", "eu": "EUU",
}  # fmt: skip
_LEADS_ONLY = re.compile(r"Prime Minister|President|Chief Minister", re.IGNORECASE)


def _country_near(text: str, start: int, end: int, pair: tuple[str, str] | None) -> str | None:
    """A party named in the phrase just before the title or in the clause right after the name
    ("..., US Department of ..."), never across an "and" that joins two people."""
    before = re.split(r"\band\b|,|;", text[max(0, start - 30) : start])[-1]
    after = re.split(r"\band\b|;|\.\s|\bwhile\b", text[end : end + 90])[0]
    for window in (before, after):
        for mention in find_countries(window):
            if mention.kind == "capital":
                continue
            if pair is None or mention.code in pair:
                return mention.code
    return None


def co_chairs(doc: Document, pair: tuple[str, str] | None) -> list[CoChair]:
    """The delegation leaders the page names (see the module docstring)."""
    found: list[CoChair] = []
    for sentence in doc.sentences:
        if sentence.paragraph < 0 or sentence.paragraph > w.CHAIR_MAX_PARAGRAPH:
            continue
        text = sentence.text
        if not _CHAIR_CONTEXT_RE.search(text) or OTHER_ROUND_RE.search(text):
            continue
        for pattern in (_TITLE_NAME_RE, _NAME_TITLE_RE):
            for match in pattern.finditer(text):
                name = match.group("name").strip()
                title = re.sub(r"\s+", " ", match.group("title")).strip(" ,")
                if _BAD_NAME_RE.search(name) or len(name) < w.CHAIR_MIN_NAME_CHARS or _LEADS_ONLY.fullmatch(title):
                    continue
                if pattern is _NAME_TITLE_RE and len(title) > w.CHAIR_MAX_TITLE_CHARS:
                    continue
                country = None
                groups = match.groupdict()
                if groups.get("cty"):
                    country = _COUNTRY_HINTS.get(groups["cty"].strip().lower())
                if country is None:
                    hint = re.search(r"\b(US|U\.S\.|Indian|Japanese|Chinese|Australian|French|British|UK)\b", title)
                    if hint is not None:
                        country = _COUNTRY_HINTS.get(hint.group(1).lower())
                if country is None:
                    country = _country_near(text, match.start(), match.end(), pair)
                if pair is not None and country is not None and country not in pair:
                    country = None
                found.append(CoChair(name, title, country))
    # De-duplicate by surname, keeping the longest form of the name.
    merged: dict[str, CoChair] = {}
    for chair in found:
        surname = chair.name.split()[-1].lower()
        existing = merged.get(surname)
        if existing is None or (len(chair.name) > len(existing.name) and chair.country is not None):
            merged[surname] = chair if existing is None or chair.country else CoChair(chair.name, chair.title, existing.country)
        elif existing.country is None and chair.country is not None:
            merged[surname] = CoChair(existing.name, existing.title, chair.country)
    chairs = list(merged.values())[: w.CHAIR_MAX_COUNT]
    if pair is not None and len(chairs) == 2:
        known = [c.country for c in chairs if c.country]
        if len(known) == 1:
            other = pair[1] if known[0] == pair[0] else pair[0]
            chairs = [c if c.country else CoChair(c.name, c.title, other) for c in chairs]
    return chairs
