"""Step 9 of the cascade: the round's ordinal ("the 12th round", "the inaugural dialogue").

An ordinal in the headline or first three paragraphs, followed by a round/meeting noun or just before the
dialogue's name (further down, only just before the name occurrence the page's series was matched on); not in sentences about other rounds, and not "the first ... in six years" (a gap). "The second
such dialogue" counts rounds; "the first such meeting", "a ... such meeting after ..." do not. On a page in another
language, the round numbers of ``meeting_words.json`` ("ke-27", "第27次", "32ª") next to a format or round word.
"""

from __future__ import annotations

import re

from crawler.core.events.facts import weights as w
from crawler.core.events.facts.mechanism import Mechanism
from crawler.core.events.native import looks_english, native_ordinal
from crawler.core.events.text import OTHER_ROUND_RE, Document

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "inaugural": 1, "first-ever": 1, "maiden": 1,
}  # fmt: skip
_ORDINAL_RE = re.compile(
    r"\b(?:(?P<num>\d{1,3})(?:st|nd|rd|th)|(?P<word>first-ever|inaugural|maiden|first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
    r"eighteenth|nineteenth|twentieth))\b(?!\s+(?:time|day|week|year|anniversary|of (?:its|their) kind))",
    re.IGNORECASE,
)


_SINCE_GAP_RE = re.compile(
    r"\s+(?:in\s+(?:(?:more than|over|nearly|almost|about|the past|the last)\s+)?(?:a|\w+|\d+)\s+"
    r"(?:years?|decades?|months?)|since\b)",
    re.IGNORECASE,
)
# "This is the second such 2+2 dialogue between the two countries" counts rounds; "the first such meeting after
# the agreement was signed" is a claim of kind, and so is any "such" followed by "after".
_SUCH_RE = re.compile(r"\s+such\b", re.IGNORECASE)
_AFTER_RE = re.compile(r"\s+after\b", re.IGNORECASE)


_ROUND_NOUN_RE = re.compile(
    r"\s+(?:annual\s+)?(?:round|meeting|session|edition|[\w.'-]+\s+(?:round|meeting|session|edition)|"
    r"(?:[\w.'’&+\"“”-]+\s+){0,6}?(?:dialogue|talks|consultations|meeting|2\+2|group))",
    re.IGNORECASE,
)


def _value(match: re.Match[str]) -> int | None:
    if match.group("num"):
        value = int(match.group("num"))
        return value if 0 < value < w.ORDINAL_MAX else None
    return _ORDINAL_WORDS[match.group("word").lower()]


def _read(text: str, match: re.Match[str], near_series: bool) -> int | None:
    """The round number ``match`` gives in ``text``: followed ("such" aside) by a round noun or next to the
    series' name, and not a gap ("first ... in six years") nor a claim of kind ("the first such ...")."""
    after = text[match.end() : match.end() + 80]
    such = _SUCH_RE.match(after)
    if such is not None:
        if match.group("num") is None and _ORDINAL_WORDS[match.group("word").lower()] == 1:
            return None
        after = after[such.end() :]
    noun = _ROUND_NOUN_RE.match(after)
    # "their first security dialogue in six years" / "first talks since 2018": a gap, not a round.
    if noun and (_SINCE_GAP_RE.match(after, noun.end()) or (such and _AFTER_RE.match(after, noun.end()))):
        return None
    return _value(match) if near_series or noun else None


def round_ordinal(doc: Document, mechanism: Mechanism | None) -> int | None:
    """The first round ordinal of the opening (see the module docstring), or ``None``."""
    for sentence in doc.sentences:
        late = sentence.paragraph > w.ORDINAL_MAX_PARAGRAPH
        if late and (mechanism is None or mechanism.start < sentence.start):
            break
        if OTHER_ROUND_RE.search(sentence.text):
            continue
        matches = list(_ORDINAL_RE.finditer(sentence.text))
        # Past the first three paragraphs only the ordinal nearest before the name the page was matched on
        # numbers the round: "the first bilateral meet of this year for the 36th session of the Indo-French
        # Strategic Dialogue".
        for match in reversed(matches) if late else matches:
            near = mechanism is not None and 0 <= mechanism.start - (sentence.start + match.end()) <= w.ORDINAL_NEAR_SERIES_CHARS
            value = _read(sentence.text, match, near)
            if value is not None and (near or not late):
                return value
            if late and near:
                break
    if not looks_english(doc.text):  # "KIDD putaran ke-27", "第27次 ... 对话", "32mo round di consultazioni"
        for sentence in doc.sentences:
            if sentence.paragraph > w.ORDINAL_MAX_PARAGRAPH:
                break
            value = native_ordinal(sentence.text, w.ORDINAL_NEAR_SERIES_CHARS)
            if value is not None and 0 < value < w.ORDINAL_MAX:
                return value
    return None


def round_ordinals(text: str) -> list[int]:
    """The round numbers of every "<ordinal> <round noun>" in ``text``, in order ("This will be the second such
    meeting, as the inaugural meeting of the ... Dialogue was held ..." → [2, 1])."""
    values = (_read(text, match, near_series=False) for match in _ORDINAL_RE.finditer(text))
    return [value for value in values if value is not None]
