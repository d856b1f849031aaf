"""Step 6 of the cascade: where the round met.

From the sentences about the meeting: a video-conference cue (``virtual``, no city or country), then a known city after "in/at/to", then
"here"/"in the national capital" (the dateline city), then a country after "in/to" (city unknown); last, a
city the venue table lacks right after the meeting ("held in Cairo"). Sentences about other rounds or
dated "in 2018" are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.core.events.countries import alpha3_to_alpha2, find_countries
from crawler.core.events.facts import weights as w
from crawler.core.events.places import find_venues, lookup_venue
from crawler.core.events.text import MEETING_RE, OTHER_ROUND_RE, VIRTUAL_RE, Document

_HERE_RE = re.compile(r"\b(?:here|in the national capital|in the capital|in the city)\b", re.IGNORECASE)
_PAST_YEAR_RE = re.compile(
    r"\bin (?:(?:January|February|March|April|May|June|July|August|September|October|November|December) )?(?:19|20)\d\d\b"
)
_OTHER_MEETING_RE = re.compile(r"\bnext (?:round|meeting)|\bmutually convenient\b", re.IGNORECASE)
_PREPOSITION_BEFORE_RE = re.compile(r"\b(?:in|at|to|inside)\s+(?:the\s+)?$")
_COUNTRY_PREPOSITION_BEFORE_RE = re.compile(r"\b(?:in|to)\s+(?:the\s+)?$")
# "in the southwestern Chinese city of Chengdu", "at the port city of Busan".
_CITY_OF_RE = re.compile(
    r"\b(?:in|at)\s+the\s+(?:[\w'’-]+\s+){0,4}(?:city|capital|town|port|resort|island)\s+of\s+$"
)
_MEETING_BEFORE_CITY_RE = re.compile(
    r"\b(?:held|hosted|convened|took place|meeting|meet|met|talks|dialogue|consultations|session|round|"
    r"2\+2|(?:Dialogue|Talks|Consultations|Meeting|Committee|Group|Mechanism|Forum|Terrorism|Security|"
    r"Question|Affairs|Issues|Management|Cooperation))\s+(?:(?:on|last|this)\s+\w+\s+)?(?:in|at)\s+(?:the\s+)?$",
)


@dataclass(frozen=True)
class Venue:
    """City, alpha-2 country, whether the round met by video conference, and the reason shown to users."""

    city: str | None = None
    country: str | None = None
    reason: str | None = None
    virtual: bool = False


def _skipped(text: str) -> bool:
    return OTHER_ROUND_RE.search(text) is not None or _PAST_YEAR_RE.search(text) is not None


def find_venue(doc: Document, dateline_city: str | None, dateline_country: str | None) -> Venue:
    """The venue by the first rule that applies (see the module docstring)."""
    country_only = Venue()
    for sentence in doc.sentences:
        text = sentence.text
        if sentence.paragraph > w.VENUE_ANY_SENTENCE_PARAGRAPHS and not MEETING_RE.search(text):
            continue
        if _skipped(text) or _OTHER_MEETING_RE.search(text):
            continue
        if VIRTUAL_RE.search(text) and sentence.paragraph <= w.VENUE_VIRTUAL_MAX_PARAGRAPH:
            return Venue(None, None, "held by video conference", virtual=True)
        for start, _end, city, country in find_venues(text):
            before = text[max(0, start - 60) : start].lower()
            if _PREPOSITION_BEFORE_RE.search(before) or _CITY_OF_RE.search(before):
                return Venue(city, country, f"venue {city!r} named next to the meeting")
        here = _HERE_RE.search(text)
        if here is not None and dateline_city and sentence.paragraph >= 0:
            known = lookup_venue(dateline_city)
            if known is not None:
                return Venue(known[0], known[1], f"{here.group(0)!r} refers to the dateline city")
            return Venue(dateline_city, dateline_country, f"{here.group(0)!r} refers to the dateline city")
        if country_only.country is None:
            for mention in find_countries(text):
                if mention.kind == "name" and _COUNTRY_PREPOSITION_BEFORE_RE.search(text[max(0, mention.start - 8) : mention.start]):
                    alpha2 = alpha3_to_alpha2(mention.code)
                    if alpha2:
                        country_only = Venue(None, alpha2, f"held in {mention.text!r} (city not named)")
                        break
    if country_only.country is None:
        # A city the venue table lacks, only right after the meeting itself: "held in Cairo",
        # "talks in Vientiane" (a bare "in <City>" is too often the subject: "the marine unit in Okinawa").
        for sentence in doc.sentences:
            if sentence.paragraph > w.VENUE_AFTER_MEETING_MAX_PARAGRAPH or _skipped(sentence.text):
                continue
            for start, _end, city, country in find_venues(sentence.text, after_preposition=True):
                if _MEETING_BEFORE_CITY_RE.search(sentence.text[max(0, start - 40) : start]):
                    return Venue(city, country, f"venue {city!r} named right after the meeting")
    return country_only
