"""The mechanism slug rule: one home for turning a dialogue's name into the middle part of an event key.

The slug names the *mechanism*, not the pair (the event key carries the pair):

1. drop parentheticals ("(HSD)", "(2+2)") and leading ordinals/qualifiers ("17th", "annual", "inaugural");
2. drop the leading country pair ("India-US", "U.S.-India", "Japan-Australia", "Indo-French");
3. spell "2+2" / "two-plus-two" as ``2plus2``, "&" as ``and``, US "defense" as ``defence`` and
   "counterterrorism" as ``counter-terrorism`` so that US and Commonwealth copy give one slug;
4. fold to ASCII, lower case, and join the words with ``-``.

"India-US Homeland Security Dialogue" → ``homeland-security-dialogue``;
"fifth India-U.S. 2+2 Ministerial Dialogue" → ``2plus2-ministerial-dialogue``.
"""

from __future__ import annotations

import re
import unicodedata

from crawler.core.events.countries import find_countries

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_ORDINAL_WORDS = (
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
    "fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth"
)
_LEADING_QUALIFIERS_RE = re.compile(
    rf"^(?:(?:the|a|an|{_ORDINAL_WORDS}|\d+(?:st|nd|rd|th)|inaugural|first-ever|annual|\d{{4}}|"
    r"maiden|latest|next|new|bilateral|so-called)\b[\s,]*)+",
    re.IGNORECASE,
)
_TWO_PLUS_TWO_RE = re.compile(r"2\s*\+\s*2|two[\s-]*plus[\s-]*two|2[\s-]*plus[\s-]*2", re.IGNORECASE)
_PAIR_JOINER_RE = re.compile(r"[\s\-–—/]*(?:and\s+)?", re.IGNORECASE)


def strip_pair_prefix(name: str) -> str:
    """``name`` without a leading country pair such as "India-US " or "U.S.-Japan " (at most two
    country references joined by a hyphen, slash or "and"). Returns ``name`` unchanged otherwise."""
    rest = name.lstrip()
    offset = len(name) - len(rest)
    consumed = 0
    mentions = find_countries(name)
    position = offset
    for mention in mentions:
        if consumed == 2:
            break
        if mention.start != position:
            break
        position = mention.end
        consumed += 1
        joiner = _PAIR_JOINER_RE.match(name, position)
        if joiner is not None and consumed == 1:
            position = joiner.end()
    if consumed == 2:
        return name[position:].lstrip(" -–")
    return name


def mechanism_slug(name: str | None) -> str | None:
    """The slug for a dialogue name (see the module docstring); ``None`` when nothing is left."""
    if not name:
        return None
    text = re.sub(r"\([^)]*\)", " ", name)
    text = re.sub(r"[\"“”‘’']", "", text)
    text = _LEADING_QUALIFIERS_RE.sub("", text.strip())
    text = strip_pair_prefix(text)
    text = _LEADING_QUALIFIERS_RE.sub("", text.strip())
    text = _TWO_PLUS_TWO_RE.sub(" 2plus2 ", text)
    text = text.replace("&", " and ")
    text = re.sub(r"\bdefense\b", "defence", text, flags=re.IGNORECASE)
    text = re.sub(r"\bcounter[\s-]?terror(ism)?\b", "counter-terrorism", text, flags=re.IGNORECASE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text or None
