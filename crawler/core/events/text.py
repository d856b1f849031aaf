"""Text plumbing shared by the topic rules and the event-facts extractor: the document view (title plus
clean paragraphs, with sentence spans) and the vocabulary both modules reason with.

Every rule that says "this word means a meeting", "this phrase means the future" lives here, once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from crawler.core.reference import calendar

# Abbreviations after which a full stop does not end a sentence (month abbreviations from months.json).
_NO_BREAK_BEFORE = {
    "u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "st", "no", "gen", "lt", "col", "maj", "capt", "adm", "sen",
    "rep", "gov", "jr", "sr", "co", "inc", "ltd",
    "vs", "v", "s", "n", "e", "w", "k.d", "p", "r", "a", "j", "m", "h", "d", "t", "b", "c",
    "g", "l", "i", "k", "vice", "prof", "hon", "rt", "messrs", "approx", "etc", "d.c", "e.u",
} | set(calendar().month_abbreviations)  # fmt: skip
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(‘']?[A-Z0-9])|(?<=[。！？])[」』”)]?|(?<=[।۔])\s+")
# Scripts written without spaces between words (Chinese, Japanese, Thai): a paragraph's length is its letters.
_DENSE_LETTER_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f]")
DENSE_MIN_LETTERS = 8


@dataclass(frozen=True)
class Sentence:
    """A sentence of the document: ``doc.text[start:end]``; ``paragraph`` is -1 for the title."""

    start: int
    end: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Document:
    """Title and paragraphs joined into one text (title first, blank line between parts)."""

    text: str
    sentences: tuple[Sentence, ...]
    title_end: int
    lead_end: int  # end of the first body paragraph
    second_end: int  # end of the second body paragraph

    @cached_property
    def _starts(self) -> list[int]:
        return [sentence.start for sentence in self.sentences]

    def sentence_at(self, position: int) -> Sentence | None:
        # Sentences are disjoint and in text order: the candidate is the last one starting at or before.
        index = bisect_right(self._starts, position) - 1
        if index >= 0 and position < self.sentences[index].end:
            return self.sentences[index]
        return None


def split_sentences(text: str, base: int = 0, paragraph: int = 0) -> list[Sentence]:
    """Sentences of one paragraph, with spans offset by ``base``."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        before = text[start : match.start()].rstrip(".!?\"”’)")
        last_word = re.split(r"[\s(]", before)[-1].lower() if before else ""
        if last_word in _NO_BREAK_BEFORE or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", last_word or "-"):
            continue
        end = match.start()
        if text[start:end].strip():
            sentences.append(Sentence(base + start, base + end, text[start:end], paragraph))
        start = match.end()
    if text[start:].strip():
        sentences.append(Sentence(base + start, base + len(text), text[start:], paragraph))
    return sentences


# How much of a page the topic rules and the facts extractor read: the title and the first body paragraphs.
# A report of a round states its facts (who met, when, where, what was signed) in its first paragraphs —
# the inverted pyramid of wire copy; on the labelled sets every gold fact sits in the first 10 paragraphs
# and the first 5 KB. The cap keeps a hostile or enormous page (a 5 MB text node, 50,000 paragraphs, a live
# blog of hundreds of updates) from costing more than an ordinary long article; see docs/performance.md.
MAX_PARAGRAPHS = 40
MAX_CHARS = 50_000


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space when there is one in the last 200."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[:limit]
    space = head.rfind(" ", max(0, limit - 200))
    return head[:space].rstrip() if space > 0 else head


def build_document(title: str | None, paragraphs: list[str] | None) -> Document:
    """The document view of a page: the title and the first ``MAX_PARAGRAPHS`` body paragraphs of four
    words or more, ``MAX_CHARS`` characters at most. ``None``/junk entries are skipped; never raises."""
    parts: list[str] = []
    sentences: list[Sentence] = []
    title_text = _cut(title.strip(), MAX_CHARS) if isinstance(title, str) else ""
    position = 0
    if title_text:
        parts.append(title_text)
        sentences.append(Sentence(0, len(title_text), title_text, -1))
        position = len(title_text)
    title_end = position
    lead_end = position
    second_end = position
    index = 0
    ends: list[int] = []
    lead: int | None = None
    for paragraph in paragraphs or []:
        if index >= MAX_PARAGRAPHS:
            break
        if not isinstance(paragraph, str) or (
            len(paragraph.split(None, 3)) < 4 and len(_DENSE_LETTER_RE.findall(paragraph, 0, 200)) < DENSE_MIN_LETTERS
        ):
            continue  # chrome left by extraction ("Asia-Pacific", "2023-01-12 07:30 KST"), never a sentence
        separator = "\n\n" if position else ""
        room = MAX_CHARS - position - len(separator)
        if room <= 0:
            break
        parts.append(separator)
        position += len(separator)
        paragraph_text = _cut(paragraph.strip(), room)
        base = position
        parts.append(paragraph_text)
        position += len(paragraph_text)
        sentences.extend(split_sentences(paragraph_text, base, index))
        ends.append(position)
        if lead is None and is_prose(paragraph_text):
            lead = index
        index += 1
    # The opening is the first two paragraphs, or up to the paragraph after the first prose one when site
    # furniture comes first ("Home / World News / ...", "ANI", "Updated: ...") — within LEAD_MAX_PARAGRAPH.
    lead = 0 if lead is None or lead > LEAD_MAX_PARAGRAPH else lead
    if ends:
        lead_end = ends[lead]
        second_end = ends[min(lead + 1, len(ends) - 1)]
    return Document("".join(parts), tuple(sentences), title_end, lead_end, second_end)


LEAD_MAX_PARAGRAPH = 8  # the lead is looked for among the first nine paragraphs ...
LEAD_MIN_WORDS = 8  # ... as the first of eight words or more that ends with a full stop
_PROSE_END_RE = re.compile(r"[.!?][\"'”’)]*\s*$")


def is_prose(paragraph: str) -> bool:
    """A paragraph of story text: LEAD_MIN_WORDS words or more, ending with a full stop (not a headline,
    section name, byline or time stamp)."""
    return _PROSE_END_RE.search(paragraph) is not None and len(paragraph.split()) >= LEAD_MIN_WORDS


# --- vocabulary ----------------------------------------------------------------------------------------

# A word that says people met, or will meet, in some format.
MEETING_RE = re.compile(
    r"\b(?:dialogue|talks|consultations?|meeting|meetings|met|meet|meets|held|hold|holds|holding|co-?chair(?:ed|ing|s)?|"
    r"co-?led|session|round|2\s*\+\s*2|two-plus-two|ministerial|summit|conference|mechanism|working group|"
    r"discuss(?:ed|es|ing)?|review(?:ed)?|consultative|visit)\b",
    re.IGNORECASE,
)
# Words that put a text in the security domain.
SECURITY_RE = re.compile(
    r"\b(?:secur\w*|defen[cs]e|military|terror\w*|counter-?terror\w*|border|strategic|maritime|nuclear|homeland|"
    r"deterrence|alliance|armed forces|troops|navy|naval|army|air force|intelligence|boundary|LAC|2\s*\+\s*2)\b",
    re.IGNORECASE,
)
# Stricter forms for "two countries meeting on security" without a named format.
TALKS_RE = re.compile(
    r"\b(?:talks?|met|meets?|meeting|dialogue|consultations|co-?chair\w*|2\s*\+\s*2|two-plus-two|discuss(?:es|ed)?|"
    r"counterparts?)\b",
    re.IGNORECASE,
)
SECURITY_STRICT_RE = re.compile(
    r"\b(?:secur\w*|defen[cs]e|military|terror\w*|counter-?terror\w*|nuclear|homeland|deterren\w*|alliance|troops|"
    r"strategic|maritime|armed forces|border)\b",
    re.IGNORECASE,
)
# Reporting verbs: a date right after them is when something was said, not when the round met.
REPORTING_BEFORE_DATE_RE = re.compile(
    r"\b(?:said|says|announced|told (?:\w+ )?reporters|told \w+|stated|reported|added|confirmed)\s+(?:on\s+)?$",
    re.IGNORECASE,
)
# Sentences that describe an earlier or a later round, not this one.
OTHER_ROUND_RE = re.compile(
    r"\b(?:previous|last|preceding|earlier|prior)\s+(?:\w+\s+){0,3}?(?:round|meeting|session|edition|dialogue|talks|"
    r"consultations|one)\b|\bfirst round of which\b|\bnext (?:round|meeting|session|edition)\b|\bwas first held\b|"
    r"\bfirst met\b|\bsince the\b|\bwas launched\b|\bwere launched\b|\bwas established\b|"
    r"\bthe (?:first|second|inaugural) (?:round|edition|meeting) (?:was held|took place)\b",
    re.IGNORECASE,
)
# Future tense about the meeting (previews).
FUTURE_RE = re.compile(
    r"\b(?:will|shall|would|Ahead of|to be held|to hold|to meet|to attend|to co-?chair|to arrive|will arrive|set to|poised to|"
    r"scheduled (?:to|for)|slated (?:to|for)|(?:is|are|was|were) expected to|likely to|is to|are to|next week|later this week|tomorrow|ahead of|upcoming|"
    r"arrives? in|arriving in|on the agenda|on agenda|preparing for|arranging to)\b|\bin [A-Z]\w+ [Ff]or\b",
)
# Past tense report verbs for the meeting itself.
PAST_RE = re.compile(
    r"\b(?:held|met|co-?chaired|co-?led|discussed|reviewed|agreed|signed|concluded|got underway|began|kicked off|"
    r"wrapped up|ended|closed|opened|"
    r"took place|was held|were held|called on|condemned|pledged|reaffirmed|exchanged|welcomed|underlined|"
    r"announced|reached|vowed|stressed|hailed|inked|arrived|landed)\b",
    re.IGNORECASE,
)
# Headline report verbs in the historical present ("India, US hold 2+2 talks").
HEADLINE_PRESENT_RE = re.compile(
    r"\b(?:hold|holds|discuss|discusses|review|reviews|agree|agrees|sign|signs|ink|begin|begins|condemn|"
    r"pledge|hail|call for|reach|vow|meet|meets|focus(?:es)? on|explores?|strengthen|welcome|bolster)\b",
    re.IGNORECASE,
)
HEADLINE_FUTURE_RE = re.compile(
    r"\b(?:[Tt]o [Hh]old|[Tt]o [Mm]eet|[Tt]o [Bb]e [Hh]eld|[Ww]ill|[Tt]o [Aa]rrive|[Aa]rrives?|[Aa]rriving|[Pp]oised to|"
    r"[Ss]et to|[Ee]yes?|[Tt]omorrow|[Tt]oday|[Nn]ext [Ww]eek|[Oo]n [Aa]genda|[Oo]n the [Aa]genda|[Cc]arries [Pp]romise|"
    r"[Ll]ikely|[Ee]xpected|[Ii]n [A-Z]\w+ [Ff]or)\b"
)
FOLLOWUP_RE = re.compile(
    r"\bjoint statement\b|\bjoint declaration\b|\bstatement (?:issued|released) after\b|"
    r"\b(?:a day|\w+ days) after (?:the |their |its |[\w'’\"“”().,&+-]+ ){0,16}?[\"“”']?(?:talks|dialogue|meeting|session|consultations|"
    r"2\s*\+\s*2|two-plus-two)\b",
    re.IGNORECASE,
)
VIRTUAL_RE = re.compile(
    r"\b(?:virtual(?:ly)?|video ?-?conferenc\w*|video link|via video|by video|online format|teleconference)\b",
    re.IGNORECASE,
)

# Generic dialogue names for series that are not in the registry.
_HEAD = r"(?:Dialogue|Talks|Consultations|Meeting|Committee|Group|Mechanism|Forum)"
_CAP = r"(?:[A-Z][\w'’&.-]*|2\+2|“2\+2”|\"2\+2\"|of|on|and|for|the|&|level|ministerial)"
# "... Dialogue on Sept. 15", "... Talks on Monday": a date after "on" is not part of the name ("... on Border Affairs" is).
_CALENDAR_WORD = "(?:" + "|".join(sorted({*calendar().month_numbers, *calendar().weekday_names}, key=len, reverse=True)) + r")\b"
GENERIC_NAME_RE = re.compile(
    rf"\b(?:(?:{_CAP})(?:[^\S\n]|-)+){{1,7}}{_HEAD}\b(?:\s+(?:on|of|for)\s+(?!(?i:{_CALENDAR_WORD}))(?:the\s+)?"
    rf"(?:(?:[A-Z][\w-]*|and|&)\s+){{0,5}}[A-Z][\w-]*)?"
)
GENERIC_PHRASE_RE = re.compile(
    r"(?:(?:\b(?:annual|bilateral|strategic|security|defen[cs]e|maritime|counter[- ]?terror(?:ism)?|"
    r"border|military|ministerial|policy|foreign office|home secretary[- ]level|secretary[- ]level|nsa[- ]level|"
    r"ministers'?)|[\"“”']?\b(?:2\s*\+\s*2|two[- ]plus[- ]two)\b[\"“”']?)[\s-]+){1,3}"
    r"(?:dialogue|talks|consultations|meeting|mechanism)\b",
    re.IGNORECASE,
)
_NAME_NEEDS = re.compile(
    r"dialogue|talks|consultations|consultative|2\+2|security|defen[cs]e|strategic|mechanism|working group|"
    r"ministerial|border|counter|maritime",
    re.IGNORECASE,
)
_NAME_REJECT = re.compile(
    r"^(?:The|A|An)\s*$|Ministry|Department|Council of|Office of|University|Committee on Foreign|"
    r"National Security Council|Security Council|Cabinet Committee",
    re.IGNORECASE,
)


# Everything up to the last lower-case connector that is followed by a hyphenated pair ("India-Germany",
# "Korea–Japan", "U.S.-China") which the dialogue's head word follows.
_PROSE_BEFORE_PAIR = re.compile(
    rf"^.*\b(?:on|for|the|of|and|in|at|with)\s+(?=[A-Z][\w.]*\s?[-–]\s?[A-Z][\w.]*\b.*\b{_HEAD}\b)"
)


@dataclass(frozen=True)
class GenericName:
    start: int
    end: int
    text: str


def find_generic_names(text: str) -> list[GenericName]:
    """Dialogue-like names and phrases ("India-Bhutan Border Management Meeting", "security talks"),
    in text order, for series that the registry may not know. Never raises."""
    found: list[GenericName] = []
    for pattern in (GENERIC_NAME_RE, GENERIC_PHRASE_RE):
        for match in pattern.finditer(text or ""):
            value = match.group(0).strip()
            value = re.sub(r"^(?:(?:the|a|an|on|in|at|for|and|of|&)\s+)+", "", value, flags=re.IGNORECASE)
            if pattern is GENERIC_NAME_RE:
                # Prose run into the name through lower-case connectors: "[met in] Berlin on Thursday for
                # the India-Germany Strategic Dialogue" → the name starts at the country pair.
                value = _PROSE_BEFORE_PAIR.sub("", value, count=1)
            if not _NAME_NEEDS.search(value) or _NAME_REJECT.search(value):
                continue
            start = match.end() - len(value)
            if any(start < g.end and g.start < match.end() for g in found):
                continue
            found.append(GenericName(start, match.end(), value))
    found.sort(key=lambda g: g.start)
    return found
