"""Step 5 of the cascade: the page's relation to the round.

``preview`` when the title/lead is in the future tense or the round's date lies after the reference date;
``followup`` when the lead rests on a joint statement/readout, or says "a day after ... talks", and the
page is dated after the round, or when a paragraph near the top opens with the round's own document ("Joint
Statement", "Joint Communiqué", "Readout", "Transcript") and the page is not dated within a day of the
round's end, or when the page is a yearbook, white paper or annual report of a later year than the round;
otherwise ``report``. A follow-up that says "n days after" and gives no
date of its own dates the round n days before the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from crawler.core.events.dates import shift_day
from crawler.core.events.facts import weights as w
from crawler.core.events.facts.round_dates import RoundDates
from crawler.core.events.facts.tense import Tense
from crawler.core.events.text import FOLLOWUP_RE, Document

_STATEMENT_TITLE_RE = re.compile(r"^\s*(?:joint statement|joint declaration|readout|statement)\b", re.IGNORECASE)
_GAP_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_DAYS_AFTER_RE = re.compile(r"\s*(\w+)\s+days?\s+after\b", re.IGNORECASE)
_SENTENCE_END_BEFORE_RE = re.compile(r"[.!?][\"'”’]?\s+$")
# "..., a Foreign Ministry spokesperson said Thursday, a day after the two countries held their 2+2": a
# reaction story dates itself after the round.
_REACTION_BEFORE_RE = re.compile(
    r"\b(?:said|says|told|critici[sz]ed|slammed|condemned|reacted|protested)\b[^.;]{0,30},\s*$", re.IGNORECASE
)


# A paragraph that opens with the name of a document the round itself issued: the page carries the
# statement, communiqué or transcript, so it follows the round up whatever day it is dated.
_ROUND_DOCUMENT_RE = re.compile(
    r"^\s*(?:\[title\]\s*)?(?:joint (?:statement|communiqu[eé]|press statement|press release|declaration|press conference|"
    r"fact sheet)|readout|transcript)\b|"
    # a heading line that ends with the document's name: "56th Security Consultative Meeting Joint Communique"
    r"^[^\n.]{0,120}\bjoint (?:statement|communiqu[eé]|declaration|press statement|press availability|press conference)[ \t]*$|"
    # "The Governments of ... have released the following statement on the occasion of ..."
    r"\b(?:released|issued) the following (?:joint )?statement\b",
    re.IGNORECASE | re.MULTILINE,
)


# A yearbook that reprints the round's record: "Page 366 - 2018 Defense White Paper", "Diplomatic Bluebook 2020",
# "Annual Report 2019-20". Published in a later year than the round, it follows the round up.
_LATER_PUBLICATION_RE = re.compile(
    r"\b(?P<before>(?:19|20)\d\d)\s+(?:[A-Z][a-z]+\s+){0,2}(?:White Paper|Yearbook|Year Book|Annual Report|Blue ?book)\b|"
    r"\b(?:White Paper|Yearbook|Year Book|Annual Report|Blue ?book)\s+(?P<after>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def later_publication(doc: Document, start: date | None) -> re.Match[str] | None:
    """The page opens (first ``LATER_PUBLICATION_MAX_CHARS``) as a yearbook, white paper or annual report of a
    year after the round's (see above)."""
    if start is None:
        return None
    found = _LATER_PUBLICATION_RE.search(doc.text[: w.LATER_PUBLICATION_MAX_CHARS])
    if found is None or int(found.group("before") or found.group("after")) <= start.year:
        return None
    return found


# "SECRETARY BLINKEN: Well, good morning ...", "FOREIGN MINISTER WONG: Yes.": a speaker's turn in a transcript.
_SPEAKER_TURN_RE = re.compile(r"^(?:[A-Z][A-Z.'’-]*[ ,]+){0,6}[A-Z][A-Z.'’-]+:\s", re.MULTILINE)
_DOCUMENT_FIRST_RE = re.compile(r"\s*(?:\[title\]\s*)?(?:joint|readout|transcript)\b", re.IGNORECASE)


def round_document(doc: Document) -> re.Match[str] | None:
    """A paragraph near the top of the page opening with "Joint Statement", "Joint Communiqué", "Readout",
    "Transcript", ... (behind site boilerplate, so the first ``FOLLOWUP_DOCUMENT_MAX_CHARS``)."""
    return _ROUND_DOCUMENT_RE.search(doc.text[: max(doc.second_end, w.FOLLOWUP_DOCUMENT_MAX_CHARS)])


def is_transcript(doc: Document) -> bool:
    """Two or more paragraphs open with an upper-case speaker's name and a colon."""
    return len(_SPEAKER_TURN_RE.findall(doc.text)) >= w.TRANSCRIPT_MIN_TURNS


def record_day(doc: Document, reference: date | None) -> RoundDates | None:
    """The round's own record (a joint statement, press conference, readout or transcript of the round) that
    writes no date for the round speaks on the round's day: the page's date ("Release content 6 December
    2022" over "Our discussions today ..."). None for other pages."""
    if reference is None:
        return None
    document = round_document(doc)
    if document is None and not is_transcript(doc):
        return None
    what = document.group(0).strip()[:40] if document is not None else "a transcript"
    return RoundDates(reference, reference, "the record's date",
                      [f"start date {reference.isoformat()}: the page is the round's own record ({what!r}) and dates it"])


@dataclass
class Relation:
    """The relation, the reasons for it, and the round's date when only the follow-up cue gives one."""

    relation: str = "report"
    reasons: list[str] = field(default_factory=list)
    start: date | None = None  # set only when the cue "a day after the talks" dates the round
    evidence: str | None = None


def followup_cue(doc: Document) -> re.Match[str] | None:
    """A joint statement, or "a day after ... talks", in the headline or first two paragraphs."""
    return FOLLOWUP_RE.search(doc.text[: doc.second_end])


def opens_sentence(text: str, start: int) -> bool:
    """Does a sentence (or paragraph) begin at ``start``?"""
    before = text[max(0, start - 3) : start]
    return start == 0 or before.endswith("\n") or _SENTENCE_END_BEFORE_RE.search(before) is not None


def days_after(phrase: str) -> int | None:
    """1 for "a day after ...", 3 for "three days after ..."; None for other follow-up cues."""
    m = _DAYS_AFTER_RE.match(phrase)
    if m is None:
        return None
    word = m.group(1).lower()
    if word.isdigit():
        return int(word) if 0 < int(word) <= w.FOLLOWUP_MAX_GAP_DAYS else None
    return _GAP_WORDS.get(word)


def after_round(doc: Document, reference: date, end: date) -> bool:
    """Is the page dated after the round? One day later is often just the time-zone shift of a report
    (an IST dateline for a Washington meeting), so a day counts only for the statement itself."""
    days = (reference - end).days
    if days >= w.FOLLOWUP_MIN_DAYS:
        return True
    return days >= w.FOLLOWUP_STATEMENT_MIN_DAYS and _STATEMENT_TITLE_RE.match(doc.text[: doc.title_end] or "") is not None


def _lead_dates_page_after(doc: Document, cue: re.Match[str]) -> bool:
    """"A day after ... their two-plus-two talks, ..." opening a sentence, or after a reaction verb."""
    return opens_sentence(doc.text, cue.start()) or _REACTION_BEFORE_RE.search(
        doc.text[max(0, cue.start() - 60) : cue.start()]
    ) is not None


def decide_relation(doc: Document, reference: date | None, tense: Tense, dates: RoundDates) -> Relation:
    """``preview``, ``followup`` or ``report`` (see the module docstring), first rule that applies."""
    followup = followup_cue(doc)
    if tense.future:
        return Relation("preview", [tense.reason])
    if reference is not None and dates.start is not None and dates.start > reference:
        return Relation("preview", ["the round's date lies after the reference date"])
    if (later := later_publication(doc, dates.start)) is not None:
        return Relation("followup", [f"the page is a later publication ({later.group(0)!r}) that reprints the round's record"])
    if (
        followup is not None
        and reference is not None
        and _lead_dates_page_after(doc, followup)
        and (gap := days_after(followup.group(0))) is not None
    ):
        # "A day after ... their two-plus-two talks, ...": the lead itself dates the page after the round.
        found = Relation("followup", [f"lead says the page comes {followup.group(0).split(' after ')[0]!r} after the round"])
        if dates.start is None and (start := shift_day(reference, -gap)) is not None:
            found.start = start
            found.evidence = followup.group(0)
            found.reasons.append(f"start date {start.isoformat()} from {found.evidence!r}")
        return found
    if followup is not None and reference is not None and dates.end is not None and after_round(doc, reference, dates.end):
        return Relation("followup", [f"lead cites a {followup.group(0)!r} and the page is dated after the round"])
    document = round_document(doc)
    # The document opening the page (its title: "Joint Declaration on ... AUSMIN 2022") dated a day after the
    # round follows it up; a statement further down needs two days (a time-zone shift is not a follow-up).
    opens = document is not None and document.start() == 0 and _DOCUMENT_FIRST_RE.match(document.group(0)) is not None
    min_days = w.FOLLOWUP_STATEMENT_MIN_DAYS if opens else w.FOLLOWUP_MIN_DAYS
    near = reference is not None and dates.end is not None and (reference - dates.end).days < min_days
    if document is not None and not near:
        # A statement dated on the round's day (or the next, a time-zone shift) reports it: the round's release.
        return Relation("followup", [f"the page carries the round's own document ({document.group(0).strip()!r})"])
    return Relation("report")
