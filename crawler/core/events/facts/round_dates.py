"""Step 4 of the cascade: the round's dates.

Candidates come from sentences about the meeting (not about a previous or next round), within a window
around the reference date; an explicit date or range beats a weekday or "today" (so "From February 27 to
February 29" beats "on Wednesday"), then the earliest in the text wins. Weekdays resolve backwards for
reports and forwards for previews. A "two-day" round named by one day is widened to its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from crawler.core.events.dates import DateMention, find_date_mentions, shift_day
from crawler.core.events.facts import weights as w
from crawler.core.events.facts.mechanism import Mechanism
from crawler.core.events.facts.ordinal import round_ordinals
from crawler.core.events.facts.tense import sentence_is_future
from crawler.core.events.native import future_word, looks_english, native_date_mentions
from crawler.core.events.text import (
    FUTURE_RE,
    MEETING_RE,
    OTHER_ROUND_RE,
    PAST_RE,
    REPORTING_BEFORE_DATE_RE,
    Document,
    Sentence,
)

Candidate = tuple[DateMention, Sentence, float]

_BOUND_BEFORE_RE = re.compile(r"\b(?:since|until|till|by)\s*$")
# A date after "came two weeks after" / "days before" dates the other event the sentence compares with.
_OTHER_EVENT_BEFORE_DATE_RE = re.compile(
    r"\b(?:came|comes|come|days?|weeks?|months?|shortly|soon|just|hours?)\s+(?:\w+\s+){0,2}?"
    r"(?:after|before|ahead of)\b",
    re.IGNORECASE,
)
_TRAVEL_RE = re.compile(r"\barriv\w*|\bdepart\w*|\blanded\b", re.IGNORECASE)
_TRAVEL_FOR_MEETING_RE = re.compile(r"\bfor\b|\bto (?:attend|participate in|take part in|co-?chair)\b")
# "ahead of Bangladesh Prime Minister Sheikh Hasina's India visit beginning Dec 18": a date in a clause that
# opens with "ahead of" / "before" and names another occasion (a visit, a summit) dates that occasion.
_OTHER_EVENT_CLAUSE_RE = re.compile(
    r"\b(?:ahead of|in the run-up to|before)\b[^,;()]{0,80}?\b(?:visit|trip|tour|summit|election|arrival)\w*\b[^,;()]{0,40}$",
    re.IGNORECASE,
)
# "the External Affairs Ministry on Saturday said ...": the day something was said, in a preview.
_REPORTING_AFTER_DATE_RE = re.compile(r"^[,\s]*(?:said|says|told|announced|stated)\b", re.IGNORECASE)
_MULTI_DAY_RE = re.compile(
    r"\b(?P<n>two|three|four|2|3|4)[- ]day\b|\b(?P<m>two|three|four) days of\b", re.IGNORECASE
)
_CLOSING_RE = re.compile(r"\b(?:concluded|wrapped up|ended|closed|winds? up|wound up|conclude[sd]?)\b", re.IGNORECASE)
_OPENING_RE = re.compile(r"\b(?:began|begins|begin|opened|opens|kicked off|started|starts|got underway)\b", re.IGNORECASE)
_DAY_WORDS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_EVIDENCE_PREFIX_RE = re.compile(r"\b(on|from|between)\s+$", re.IGNORECASE)
# "... the US-India 2+2 Ministerial Dialogue got underway here in Delhi": the round is on the page's own day.
_UNDER_WAY_RE = re.compile(
    r"\b(?:got|gets|is|are) (?:under ?way|underway)\b|\b(?:is|are) (?:being held|taking place)\b", re.IGNORECASE
)
# "Marles will also attend the Cricket World Cup Final ... on November 19": another engagement of the trip.
_SIDE_ENGAGEMENT_RE = re.compile(r"\balso\s+(?:\w+\s+)?(?:attend|hold|meet|visit|call on|address)\w*\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
# A page's own time stamp, not a date of the round: an ISO date ("2023-11-20": prose never writes one), a date
# with a clock time after it ("January 05, 2023 09:39 pm | Updated"), or a line that is only a place and a
# date ("New Delhi, February 28, 2021"; "Updated: Nov 20, 2023").
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK_AFTER_RE = re.compile(r"^[,\s|]*\d{1,2}[:.]\d{2}\b")  # not "on August 17 at 9:45 a.m."
# "New Delhi [India], November 18 (ANI):", "BEIJING, March 12 (Xinhua) --": the dateline's date.
_AGENCY_AFTER_RE = re.compile(r"^,?\s*\([A-Z][\w .-]{1,24}\)\s*(?::|--|[-–—])")
# "New Delhi, Nov 3 (IANS) US Secretary of State ... will travel ...": a dateline run into its first sentence
# with no colon or dash after the agency; the date follows a place alone and "(Agency)" precedes the prose.
_AGENCY_THEN_PROSE_RE = re.compile(
    r"^,?\s*\((?!(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\))[A-Z][\w .-]{1,24}\)\s+(?=[A-Z])"
)
_PLACE_ONLY_BEFORE_RE = re.compile(r"^\W*[A-Z][\w .'’\[\]-]{0,40},\s*$")
_STAMP_WORDS = frozenset({"updated", "published", "posted", "last", "date", "read", "min", "on", "at", "and"})
_LOWER_WORD_RE = re.compile(r"\b[a-z][a-z]{2,}\b")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
STAMP_MAX_NATIVE_LETTERS = 12  # "Нью-Дели, 5 марта" may be a stamp; a sentence of prose has more letters


def is_page_stamp(sentence: Sentence, mention: DateMention) -> bool:
    """Is this explicit date the page's time stamp (publication or update) rather than a date in prose?"""
    if mention.kind != "date":
        return False
    if _ISO_DATE_RE.match(mention.text):
        return True
    text = sentence.text
    if _CLOCK_AFTER_RE.match(text[mention.end :]) or _AGENCY_AFTER_RE.match(text[mention.end :]):
        return True
    if _PLACE_ONLY_BEFORE_RE.match(text[: mention.start]) and _AGENCY_THEN_PROSE_RE.match(text[mention.end :]):
        return True
    rest = text[: mention.start] + " " + text[mention.end :]
    if sentence.paragraph < 0 or MEETING_RE.search(rest):
        return False  # a terse headline ("Talks On August 29") is not a stamp
    if sum(len(word) for word in _LETTERS_RE.findall(rest) if not word.isascii()) >= STAMP_MAX_NATIVE_LETTERS:
        return False  # prose in another script ("中国外交部发言人5日表示，...") is not a place and a date
    return not any(word not in _STAMP_WORDS for word in _LOWER_WORD_RE.findall(rest))


@dataclass
class RoundDates:
    """The round's first and last day, the phrase they come from, and the reasons shown to users."""

    start: date | None = None
    end: date | None = None
    evidence: str | None = None
    reasons: list[str] = field(default_factory=list)


def continues(previous: Sentence | None, sentence: Sentence) -> bool:
    """Does ``sentence`` open a new paragraph in lower case right after a paragraph that ends without a full
    stop (a line broken mid-sentence)?"""
    if previous is None or previous.paragraph < 0 or sentence.paragraph != previous.paragraph + 1:
        return False
    return sentence.text[:1].islower() and not previous.text.rstrip().endswith((".", "!", "?", ":"))


_WILL_MEET_RE = re.compile(
    r"\b(?:will|shall|is to|are to|(?:is|are) set to|(?:is|are) scheduled to)\s+(?:also\s+)?"
    r"(?:hold|meet|co-?chair|attend|lead|head|participate|take part|be held)\b",
    re.IGNORECASE,
)


def future_clause(sentence: Sentence, mention: DateMention, reference: date, mechanism: Mechanism) -> DateMention:
    """A weekday of a past-tense sentence that follows "will <verb> ... <the round named>" lies ahead: "Wang,
    who held talks on Monday, will hold the 24th round of the Special Representatives talks on Tuesday"."""
    if mention.kind != "weekday":
        return mention
    text = sentence.text
    cue = None
    for match in _WILL_MEET_RE.finditer(text, 0, mention.start):
        cue = match
    if cue is None or any(m.start() > cue.start() for m in PAST_RE.finditer(text, 0, mention.start)):
        return mention
    if not any(sentence.start + cue.end() <= start < sentence.start + mention.start for start, _ in mechanism.spans):
        return mention
    ahead = [m for m in find_date_mentions(text, reference, future=True) if m.start == mention.start]
    return ahead[0] if ahead else mention


# "The two-plus-two session is set for Wednesday, a government spokesman said": the day it is set for lies ahead.
_SET_FOR_BEFORE_RE = re.compile(r"\b(?:is|are)\s+(?:now\s+)?set\s+for\s*$", re.IGNORECASE)


def set_for_ahead(text: str, mention: DateMention, reference: date) -> DateMention:
    """A weekday right after "is set for" in a sentence read as past resolves forward."""
    if mention.kind != "weekday" or _SET_FOR_BEFORE_RE.search(text[: mention.start]) is None:
        return mention
    ahead = [m for m in find_date_mentions(text, reference, future=True) if m.start == mention.start]
    return ahead[0] if ahead else mention


def date_candidates(
    doc: Document, reference: date | None, future_doc: bool, mechanism: Mechanism | None,
    month_hint: date | None = None, round_number: int | None = None,
) -> list[Candidate]:
    """Dates that may be this round's, each with a score (higher is better evidence). ``month_hint`` (a
    month the page's address files it under) gives a month and day without a year their year when the
    page has no date of its own. ``round_number`` (the page's round ordinal) tells the inaugural round's date
    in a page about a later round (``_other_round_date``)."""
    candidates: list[Candidate] = []
    previous: Sentence | None = None
    mechanism_spans = mechanism.spans if mechanism is not None else ()
    native = not looks_english(doc.text)  # another language: its own dates and future words too
    for sentence in doc.sentences:
        text = sentence.text
        named = mechanism is not None and mechanism.named_in(sentence)
        # "... Security Consultative Meeting (SCM) was held" / "in Seoul on October 28, 2017.": a line broken
        # mid-sentence (print layouts) continues the sentence before it.
        joined = text
        continued = continues(previous, sentence)
        if continued:
            assert previous is not None
            named = named or (mechanism is not None and mechanism.named_in(previous))
            joined = f"{previous.text} {text}"
        previous = sentence
        # The headline and first three paragraphs are about the round; later ones must say "meeting".
        if sentence.paragraph > w.DATE_ANY_SENTENCE_PARAGRAPHS and not named and MEETING_RE.search(joined) is None:
            continue
        if OTHER_ROUND_RE.search(text) and not (named and sentence.paragraph <= 0):
            continue
        future = sentence_is_future(text) if sentence.paragraph >= 0 else future_doc
        if native and sentence.paragraph >= 0 and future_word(text) is not None:
            future = True
        mentions = find_date_mentions(text, reference, future=future)
        if native:
            mentions += [
                m for m in native_date_mentions(text, reference, future=future)
                if not any(m.start < o.end and o.start < m.end for o in mentions)
            ]  # fmt: skip
            mentions.sort(key=lambda m: m.start)
        ahead_clause: set[int] = set()  # weekdays of a future clause ("..., will hold the talks on Tuesday")
        if not future and reference is not None and mechanism is not None:
            resolved = [set_for_ahead(text, future_clause(sentence, m, reference, mechanism), reference) for m in mentions]
            ahead_clause = {new.start for new, old in zip(resolved, mentions, strict=True) if new is not old}
            mentions = resolved
        if reference is None and (year := _YEAR_RE.search(text)) is not None:
            # No page date: "the defence policy dialogue 2017 in Washington on October 17" — a month and day
            # take the year the sentence writes (explicit dates only: a weekday needs the page's day).
            mid_year = date(int(year.group(0)), 7, 1)
            mentions = [m for m in find_date_mentions(text, mid_year, future=future) if m.kind in ("date", "range")]
        elif reference is None and month_hint is not None:
            # "/2023/03/" in the address: "talks on March 6-7" are of March 2023 (explicit dates only).
            mentions = [
                m for m in find_date_mentions(text, month_hint, future=future)
                if m.kind in ("date", "range") and abs((m.first - month_hint).days) <= w.DATE_MONTH_HINT_WINDOW_DAYS
            ]  # fmt: skip
        if not continued:
            mentions = [m for m in mentions if not is_page_stamp(sentence, m)]  # "date 2023-11-20", "Updated: ..."
        under_way = _UNDER_WAY_RE.search(text)
        if under_way is not None and reference is not None and not mentions and named and not future_doc:
            # "... the 2+2 Ministerial Dialogue got underway here": no date but the page's own day.
            day = DateMention(sentence.start + under_way.start(), sentence.start + under_way.end(), under_way.group(0),
                              reference, reference, "under_way")  # fmt: skip
            candidates.append((day, sentence, w.DATE_UNDER_WAY))
        for mention in mentions:
            before = text[: mention.start]
            if _BOUND_BEFORE_RE.search(before):
                continue
            if _other_round_date(text, before, round_number):
                continue  # "the second such meeting, as the inaugural meeting of the ... was held on November 30, 2019"
            compared = _OTHER_EVENT_BEFORE_DATE_RE.search(before)
            if compared is not None and not (
                FUTURE_RE.search(before, compared.end()) is not None
                and any(sentence.start + compared.end() <= start < sentence.start + mention.start
                        for start, _ in mechanism_spans)
            ):
                continue  # "The meeting came two weeks after Erdogan and Biden met ... on Oct. 31" (unless the round
                # is named after it in a clause of its own: "soon after he arrived ..., will hold the ... talks on Tuesday")
            other = _OTHER_EVENT_CLAUSE_RE.search(before)
            if other is not None and mechanism is not None and not any(
                sentence.start + other.start() <= start < sentence.start + mention.start for start, _ in mechanism.spans
            ):
                continue  # "ahead of Hasina's India visit beginning Dec 18": the visit's date
            score = w.DATE_STRENGTH.get(mention.kind, w.DATE_STRENGTH_OTHER)
            if REPORTING_BEFORE_DATE_RE.search(before):
                score += w.DATE_AFTER_REPORTING_VERB  # "officials said Monday", unless nothing better is found
            elif future_doc and _REPORTING_AFTER_DATE_RE.match(text[mention.end :]):
                score += w.DATE_AFTER_REPORTING_VERB  # a preview's "the ministry on Saturday said ..."
            if not named and _SIDE_ENGAGEMENT_RE.search(text):
                score += w.DATE_SIDE_ENGAGEMENT
            if reference is not None:
                delta = (mention.first - reference).days
                if delta < w.DATE_WINDOW_BEFORE_DAYS or delta > w.DATE_WINDOW_AFTER_DAYS:
                    continue
                if (not future and not future_doc and delta > w.DATE_PAST_TEXT_MAX_AHEAD_DAYS and mention.kind != "range"
                        and mention.start not in ahead_clause):
                    continue
                if future_doc and delta < 0:
                    score += w.DATE_PREVIEW_IN_PAST
            if sentence.paragraph == -1:
                score += w.DATE_IN_HEADLINE
            if named:
                score += w.DATE_SERIES_NAMED
            elif sentence.paragraph > w.DATE_ANY_SENTENCE_PARAGRAPHS:
                score += w.DATE_LATE_UNNAMED  # "The prime ministers are expected to meet on Dec 19" further down
            if _TRAVEL_RE.search(text) and not _TRAVEL_FOR_MEETING_RE.search(text):
                score += w.DATE_TRAVEL
            shifted = DateMention(
                sentence.start + mention.start, sentence.start + mention.end, mention.text, mention.first,
                mention.last, mention.kind,
            )  # fmt: skip
            candidates.append((shifted, sentence, score))
    return candidates


def pick_date(candidates: list[Candidate]) -> DateMention | None:
    """The best-scored candidate, the earliest in the text among equals."""
    if not candidates:
        return None
    return max(candidates, key=lambda item: (item[2], -item[0].start))[0]


def multi_day(doc: Document, mention: DateMention) -> tuple[int, bool] | None:
    """(days, closing) when the date's sentence says the round lasted several days and whether the date is
    its last day ("wrapped up two days of talks on Thursday") or its first ("began two-day talks on
    Wednesday"); None otherwise."""
    sentence = doc.sentence_at(mention.start)
    if sentence is None:
        return None
    m = _MULTI_DAY_RE.search(sentence.text)
    if m is None:
        return None
    days = _DAY_WORDS[(m.group("n") or m.group("m")).lower()]
    if _CLOSING_RE.search(sentence.text):
        return days, True
    if _OPENING_RE.search(sentence.text):
        return days, False
    return None


def evidence_phrase(doc: Document, mention: DateMention) -> str:
    """The date's words as the page wrote them, with the "on/from/between" in front."""
    before = doc.text[max(0, mention.start - 5) : mention.start]
    prefix = _EVIDENCE_PREFIX_RE.search(before)
    text = doc.text[mention.start : mention.end]
    if prefix is not None and not text.lower().startswith(prefix.group(1).lower()):
        return f"{prefix.group(1)} {text}"
    return text


def _other_round_date(text: str, before: str, round_number: int | None) -> bool:
    """Is the date after ``before`` the inaugural round's, on a page about a later one? The last round ordinal
    within ``DATE_OTHER_ORDINAL_CHARS`` before it is "first"/"inaugural" and the page's round number (else the
    first the sentence gives) is higher. (Other ordinals are not read so: "the 18th meeting of the Joint
    Working Group and the fourth session of the Designations Dialogue were held on ..." dates both.)"""
    near = round_ordinals(before[-w.DATE_OTHER_ORDINAL_CHARS :])
    if not near or near[-1] != 1:
        return False
    own = round_number if round_number is not None else round_ordinals(text)[0]
    return own > 1


def find_round_dates(
    doc: Document, reference: date | None, future: bool, mechanism: Mechanism, month_hint: date | None = None,
    round_number: int | None = None,
) -> RoundDates:
    """The round's dates: the best candidate, widened to the round's length when the sentence gives one."""
    mention = pick_date(date_candidates(doc, reference, future, mechanism, month_hint, round_number))
    if mention is None:
        return RoundDates()
    start, end, evidence = mention.first, mention.last, evidence_phrase(doc, mention)
    reasons = [f"start date {start.isoformat()} from {evidence!r}"]
    span = multi_day(doc, mention)
    if span is not None and start == end:
        days, closing = span
        if closing:  # "wrapped up two days of talks on Thursday": Thursday is the last day
            start = shift_day(end, -(days - 1)) or start
        else:  # "began two-day talks on Wednesday"
            end = shift_day(start, days - 1) or end
        reasons.append(f"a {days}-day round: {start.isoformat()} to {end.isoformat()}")
    return RoundDates(start, end, evidence, reasons)
