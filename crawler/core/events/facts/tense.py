"""Step 3 of the cascade: is the page a preview (future tense) or a report? Also the tense of one
sentence, which decides whether its weekdays resolve backwards or forwards."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crawler.core.events.dates import find_date_mentions
from crawler.core.events.facts import weights as w
from crawler.core.events.native import future_word, looks_english
from crawler.core.events.text import (
    FUTURE_RE,
    HEADLINE_FUTURE_RE,
    LEAD_MAX_PARAGRAPH,
    MEETING_RE,
    OTHER_ROUND_RE,
    PAST_RE,
    Document,
    Sentence,
    is_prose,
)

_REPORTED_MEETING_RE = re.compile(
    r"\b(?:held|met|co-?chaired|co-?led|discussed|reviewed|agreed|signed|concluded|took place|was held|were held|"
    r"opened|began|got underway|kicked off)\b|\b(?:said|announced|told reporters)\b[^.;]{0,40}\bafter (?:a|the|their|its)\b",
    re.IGNORECASE,
)
# "India will open a consulate, the minister said on Tuesday as the two countries held ...".
_SAID_AFTER_RE = re.compile(r"\b(?:said|says|announced|told)\b", re.IGNORECASE)
_REPORTED_SPEECH_RE = re.compile(
    r"\b(?:said|say|says|agreed|pledged|vowed|promised|decided|announced|stated|noted)\b[^.;]{0,40}$",
    re.IGNORECASE,
)
# "X on Monday said that the ... dialogue will turn into ...": a speaker's forecast about the format, unless what
# "will" happen is the meeting itself ("said the talks will be held / the ministers will discuss ...").
_SAID_THAT_BEFORE_RE = re.compile(r"\b(?:said|says|stated|added)\s+that\b[^.;]{0,80}$", re.IGNORECASE)
_MEETING_VERB_AFTER_RE = re.compile(
    r"\s+(?:also\s+|then\s+|now\s+)?(?:be\s+held|hold|meet|take\s+place|visit|attend|co-?chair|begin|start|open|"
    r"discuss|review|sign|arrive|travel|lead|head|participate|take\s+part|focus|cover|address|deliberate|exchange|"
    r"explore|convene|be\s+(?:co-?chaired|led|attended|hosted))\b",
    re.IGNORECASE,
)
_PASSIVE_BEFORE_RE = re.compile(r"\b(?:be|been|being|to)\s+$")
# "Wong arrived in the national capital to participate in the second India-Australia 2+2 Ministerial
# Dialogue", "... touched down in Delhi for the ... Dialogue scheduled later in the day": the lead reports the
# trip to the round, which lies ahead (unless the same sentence reports the meeting held).
_TRAVEL_TO_ROUND_RE = re.compile(
    r"\b(?:arrived|arrives|arriving|landed|lands|touched down|touches down|reached)\b[^.;]{0,80}?"
    r"\b(?:for|to (?:attend|participate in|take part in|co-?chair|hold))\b",
    re.IGNORECASE,
)


# Cues that only frame the time ("high on the agenda of the talks that began Monday", "Ahead of the talks, X
# said"): they make the lead a preview only when it reports nothing in the past.
_WEAK_FUTURE_RE = re.compile(r"(?:on the agenda|on agenda|[Aa]head of|upcoming)")
# "have agreed to hold their second dialogue early next year": the agreement is past, the meeting ahead.
_AGREED_TO_MEET_RE = re.compile(
    r"\s+to (?:hold|convene|host)\s+(?:[\w'’+-]+\s+){0,5}?(?:dialogue|talks|meeting|round|session|consultations)\b",
    re.IGNORECASE,
)


def lead_past_verb(text: str) -> re.Match[str] | None:
    """The first past-tense report verb of ``text`` that is not an agreement to meet ("agreed to hold")."""
    for match in PAST_RE.finditer(text):
        if match.group(0).lower() in ("agreed", "decided") and _AGREED_TO_MEET_RE.match(text, match.end()):
            continue
        return match
    return None


@dataclass(frozen=True)
class Tense:
    """The page's tense and the reason shown to users."""

    future: bool
    reason: str


_ANY_DAY = date(2000, 1, 1)  # any reference: only whether a sentence names a day is asked
def _paragraph_texts(doc: Document) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    for sentence in doc.sentences:
        if 0 <= sentence.paragraph <= LEAD_MAX_PARAGRAPH + 1:
            texts.setdefault(sentence.paragraph, []).append(sentence.text)
    return {index: " ".join(parts) for index, parts in texts.items()}


def lead_paragraph(doc: Document, after: int = -1) -> int | None:
    """The first body paragraph after ``after`` that is prose (``text.is_prose``), among the first
    ``LEAD_MAX_PARAGRAPH``: site furniture stored in front of the story ("Home / World News / ...", a
    headline repeated, "ANI", "Updated: Nov 20, 2023") is not the lead."""
    texts = _paragraph_texts(doc)
    return next((i for i in sorted(texts) if i > after and is_prose(texts[i])), None)


def lead_sentences(doc: Document) -> list[Sentence]:
    """The first two sentences of the lead paragraph (``lead_paragraph``)."""
    index = lead_paragraph(doc) or 0
    body = [s for s in doc.sentences if s.paragraph == index]
    return body[:2]


def future_cue(text: str) -> re.Match[str] | None:
    """The first future-tense cue of ``text``, skipping the "would"/"will" of reported speech when the
    sentence also reports the meeting in the past ("the two sides said they would work more closely after
    their ministers met"); "officials said the talks would be held on Friday" stays a preview."""
    reported_meeting = any(
        not _PASSIVE_BEFORE_RE.search(text[max(0, m.start() - 8) : m.start()])
        for m in _REPORTED_MEETING_RE.finditer(text)
    )
    for match in FUTURE_RE.finditer(text):
        modal = match.group(0).lower() in ("would", "will")
        if (
            reported_meeting
            and modal
            and (_REPORTED_SPEECH_RE.search(text[: match.start()]) or _SAID_AFTER_RE.search(text, match.end()))
        ):
            continue
        if modal and _SAID_THAT_BEFORE_RE.search(text[: match.start()]) and not _MEETING_VERB_AFTER_RE.match(text, match.end()):
            continue  # "Lavrov said that the new 2+2 mechanism will turn into an efficient platform": a forecast
        return match
    return None


def sentence_is_future(text: str) -> bool:
    """A future cue before any past-tense report verb."""
    future = future_cue(text)
    if future is None:
        return False
    past = PAST_RE.search(text)
    return past is None or future.start() < past.start()


def read_tense(doc: Document) -> Tense:
    """Is the page a preview? The headline's tense, unless the lead plainly reports the meeting in the past
    tense ("Japan, Australia to deepen defence ties" over "… agreed on Friday to deepen …"); else the
    lead's tense. A lead sentence about another round ("The next meeting will be held in 2019") says
    nothing about this one's tense."""
    lead = [s for s in lead_sentences(doc) if not OTHER_ROUND_RE.search(s.text)]
    if not looks_english(doc.text):
        # Another language: a future word of its own in the headline or the lead's first sentence ("将于",
        # "akan digelar", "terranno").
        opening = [s for s in doc.sentences if s.paragraph == -1] + lead[:1]
        for sentence in opening:  # its first clause: "AS.Dalam ..." runs sentences together
            if (cue := future_word(re.split(r"[.。!?！？]", sentence.text)[0])) is not None:
                return Tense(True, f"headline/lead is in the future tense ({cue.group(0)!r})")
    lead_index = lead_paragraph(doc) or 0
    standfirst = [s for s in doc.sentences if s.paragraph == lead_index]
    # the news lead: the next paragraph, or the next prose one when furniture ("ANI", "Updated: ...") intervenes
    next_index = lead_paragraph(doc, lead_index) if lead_index > 0 else None
    next_index = lead_index + 1 if next_index is None else next_index
    news_lead = next((s for s in doc.sentences if s.paragraph == next_index), None)
    if (
        len(standfirst) == 1
        and len(standfirst[0].text) <= w.STANDFIRST_MAX_CHARS
        and news_lead is not None
        and not find_date_mentions(standfirst[0].text, _ANY_DAY)
        and not (MEETING_RE.search(standfirst[0].text) and (future_cue(standfirst[0].text) or PAST_RE.search(standfirst[0].text)))
    ):
        # A one-sentence standfirst over the news lead ("The annex will let firms share classified data."
        # then "India and the US on Wednesday signed ..."): the news lead carries the tense. A sentence that
        # dates itself ("Wong arrived ... to participate in the ... Dialogue on Monday morning.") or gives the
        # meeting a tense ("... have agreed to hold their second strategic dialogue early next year") is the lead.
        lead = [news_lead]
    lead_past = False
    if lead:
        first = lead[0].text
        future = future_cue(first)
        past = lead_past_verb(first)
        weak = future is not None and _WEAK_FUTURE_RE.fullmatch(future.group(0)) is not None
        if future is not None and (past is None or (future.start() < past.start() and not weak)):
            return Tense(True, f"lead is in the future tense ({future.group(0)!r})")
        # A report of the meeting before any future cue overrides the headline ("agreed on Thursday to hold
        # their first fighter exercise"); travel to it does not ("arrived ... to attend").
        reported = _REPORTED_MEETING_RE.search(first)
        lead_past = reported is not None and (future is None or reported.start() < future.start())
        travel = _TRAVEL_TO_ROUND_RE.search(first)
        if travel is not None and reported is None:
            return Tense(True, f"lead reports the trip to the round ({travel.group(0)[:60]!r})")
    title = next((s for s in doc.sentences if s.paragraph == -1), None)
    if title is not None and not lead_past:
        future = HEADLINE_FUTURE_RE.search(title.text)
        if future is not None:
            return Tense(True, f"headline is about the future ({future.group(0)!r})")
    return Tense(False, "headline and lead report a meeting")
