"""Event facts: which round of which dialogue a page is about, and what it says about that round.

``extract_event_facts`` reads the title and the CLEAN body paragraphs (dateline already removed) and
returns an ``EventFacts`` or ``None`` (no dialogue named or described). It never raises. The cascade:

1. mechanism — the primary registry mention (title > lead > body; a pair written in front wins), else a
   dialogue-like name in the text (slug by ``crawler.core.events.slug``), else a registry series of the
   country pair inferred from the participants (foreign + defence ministers → the pair's 2+2 format);
2. country pair — the registry series' pair, else the pair written in the name ("India-Bhutan ..."),
   else the two parties named most in the title and lead (capitals only as a last resort);
3. relation — ``followup`` when the lead rests on a joint statement/readout and the page is dated after
   the round; ``preview`` when the title/lead is in the future tense or the round's date lies after the
   reference date; otherwise ``report``;
4. dates — candidates from sentences about the meeting (not about a previous or next round), within a
   window around the reference date; an explicit date or range beats a weekday or "today" (so "From
   February 27 to February 29" beats "on Wednesday"), then the earliest in the text wins. Weekdays
   resolve backwards for reports and forwards for previews;
5. venue, co-chairs, outcomes, round ordinal — pattern rules over the sentences about the meeting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crawler.core.events.countries import (
    CountryMention,
    alpha2_to_alpha3,
    alpha3_to_alpha2,
    find_countries,
    sorted_pair,
)
from crawler.core.events.dates import DateMention, find_date_mentions
from crawler.core.events.places import find_venues, lookup_venue
from crawler.core.events.registry import DialogueRegistry, DialogueSeries, SeriesMention
from crawler.core.events.slug import mechanism_slug
from crawler.core.events.text import (
    FOLLOWUP_RE,
    FUTURE_RE,
    HEADLINE_FUTURE_RE,
    MEETING_RE,
    OTHER_ROUND_RE,
    PAST_RE,
    REPORTING_BEFORE_DATE_RE,
    VIRTUAL_RE,
    Document,
    GenericName,
    Sentence,
    build_document,
    find_generic_names,
)


@dataclass(frozen=True)
class CoChair:
    """A person who led a delegation: ``country`` is alpha-3 when known."""

    name: str
    title: str | None
    country: str | None


@dataclass
class EventFacts:
    """What a page says about one round of one dialogue (see the module docstring for the rules)."""

    mechanism: str
    series_name: str | None
    series_known: bool
    countries: tuple[str, str] | None
    start_date: date | None
    end_date: date | None
    date_evidence: str | None
    venue_city: str | None
    venue_country: str | None
    co_chairs: list[CoChair] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    round_ordinal: int | None = None
    relation: str = "report"
    level: str | None = None
    reasons: list[str] = field(default_factory=list)

    def event_key(self) -> str | None:
        """``"{A3}-{A3}:{mechanism}:{start}"`` or ``None`` when the pair or the start date is missing."""
        if self.countries is None or self.start_date is None or not self.mechanism:
            return None
        return make_event_key(self.countries, self.mechanism, self.start_date)


def make_event_key(countries: tuple[str, str], mechanism: str, start: date) -> str:
    """The event key: sorted alpha-3 pair, mechanism slug, ISO start date.

    >>> make_event_key(("USA", "IND"), "homeland-security-dialogue", date(2024, 2, 27))
    'IND-USA:homeland-security-dialogue:2024-02-27'
    """
    a, b = sorted_pair(countries[0].upper(), countries[1].upper())
    return f"{a}-{b}:{mechanism}:{start.isoformat()}"


# --- mechanism -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mechanism:
    slug: str
    name: str | None
    series: DialogueSeries | None
    countries: tuple[str, str] | None
    start: int  # position of the mention in the document (-1 when inferred)
    end: int
    reason: str
    spans: tuple[tuple[int, int], ...] = ()  # every mention of the same series

    def named_in(self, sentence: Sentence) -> bool:
        return any(sentence.start <= start < sentence.end for start, _ in self.spans)


def _title_parties(doc: Document, countries: list[CountryMention]) -> list[str]:
    seen: list[str] = []
    for mention in countries:
        if mention.start >= doc.title_end:
            break
        if mention.kind != "capital" and mention.code not in seen:
            seen.append(mention.code)
    return seen


def _party_counts(doc: Document, countries: list[CountryMention]) -> Counter[str]:
    """Weighted party counts: title ×3, lead ×2, body ×1; capitals count a quarter."""
    counts: Counter[str] = Counter()
    for mention in countries:
        weight = 3.0 if mention.start < doc.title_end else 2.0 if mention.start < doc.lead_end else 1.0
        if mention.kind == "capital":
            weight *= 0.25
        counts[mention.code] += int(weight * 4)
    return counts


def _choose_mention(doc: Document, mentions: list[SeriesMention], parties: Counter[str]) -> SeriesMention | None:
    if not mentions:
        return None

    def score(mention: SeriesMention) -> tuple[float, int]:
        value = 0.0
        if mention.start < doc.title_end:
            value += 3
        elif mention.start < doc.lead_end:
            value += 2
        if mention.pair_in_text:
            value += 1
        sentence = doc.sentence_at(mention.start)
        if sentence is not None:
            at = mention.start - sentence.start
            other = OTHER_ROUND_RE.search(sentence.text)
            # "the previous round of the X was held in ..." — not "the X, the first since the allies met".
            if other is not None and other.start() <= at:
                value -= 2
            if _COMPARED_EVENT_RE.search(sentence.text[:at]):
                value -= 2  # "The talks came a day after Austin and Kim held their annual SCM"
        if re.search(r"\b(?:after|following|since)\s+(?:the\s+|this\s+week's\s+|last\s+week's\s+)?$",
                     doc.text[max(0, mention.start - 30) : mention.start], re.IGNORECASE):
            value -= 3  # "to head to Tokyo for security talks after AUSMIN": the meeting before this one
        if mention.series.countries:
            top = [code for code, _ in parties.most_common(2)]
            value += 0.5 * sum(1 for code in mention.series.countries if code in top)
        return (value, -mention.start)

    return max(mentions, key=score)


def _pair_from_name(name: str) -> tuple[str, str] | None:
    found = [m for m in find_countries(name) if m.kind != "capital"]
    codes: list[str] = []
    for mention in found:
        if mention.code not in codes:
            codes.append(mention.code)
    if len(codes) >= 2:
        return sorted_pair(codes[0], codes[1])
    return None


def _choose_generic(doc: Document, names: list[GenericName]) -> GenericName | None:
    if not names:
        return None

    def score(name: GenericName) -> tuple[float, int]:
        value = 0.0
        if name.start < doc.title_end:
            value += 2
        elif name.start < doc.lead_end:
            value += 1.5
        if name.text[:1].isupper():
            value += 1
        if _pair_from_name(name.text):
            value += 1
        if re.search(r"dialogue|talks|consultations|2\+2", name.text, re.IGNORECASE):
            value += 0.5
        return (value, -name.start)

    return max(names, key=score)


_STOPWORDS = frozenset(
    ["the", "of", "and", "on", "for", "in", "at", "a", "an", "with", "level", "dialogue", "talks", "meeting", "consultations", "group", "committee"]
)


_GENERIC_FILLER = frozenset({"annual", "bilateral", "the", "of", "and", "dialogue", "talks", "meeting", "consultations",
                             "mechanism", "level", "top", "high", "senior", "regular", "latest", "new", "first"})


def _covered_by(slug: str, series: DialogueSeries) -> bool:
    """Does a registry series' own vocabulary cover the words of a lower-case description ("security talks"
    → the pair's Security Dialogue), or does the description name another format ("defence ministerial
    dialogue" is not the pair's 2+2 Ministerial Dialogue)?"""
    words = [w for w in slug.split("-") if w not in _GENERIC_FILLER]
    vocabulary = set(series.slug.split("-"))
    for form in (series.name, *series.aliases):
        vocabulary |= set((mechanism_slug(form) or "").split("-"))
    return all(w in vocabulary for w in words)


def _infer_from_pair(
    registry: DialogueRegistry, pair: tuple[str, str] | None, doc: Document
) -> DialogueSeries | None:
    """A registry series for a page that never names its format exactly ("talks in Washington with their
    Japanese counterparts", "talks between the two countries' special representatives"): the pair's
    series whose distinctive name words the text uses most; failing that, foreign + defence ministers
    mean the pair's ministerial (2+2-style) format; failing that, the pair's only series."""
    if pair is None:
        return None
    of_pair = [s for s in registry.series if s.countries == pair]
    if not of_pair:
        return None
    words = set(re.findall(r"[a-z]+", doc.text.lower()))

    def overlap(series: DialogueSeries) -> float:
        vocabulary = set()
        for form in (series.name, *series.aliases):
            stripped = re.sub(r"\([^)]*\)", " ", form)
            vocabulary |= {w for w in re.findall(r"[a-z]+", stripped.lower()) if w not in _STOPWORDS and len(w) > 3}
        vocabulary -= {w for c in pair for w in re.findall(r"[a-z]+", c.lower())}
        if not vocabulary:
            return 0.0
        return len(vocabulary & words) / len(vocabulary)

    scored = sorted(((overlap(s), i, s) for i, s in enumerate(of_pair)), key=lambda t: (-t[0], t[1]))
    if scored and scored[0][0] >= 0.5 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][2]
    two_plus_two = bool(
        re.search(r"foreign (?:minister|secretary)|secretary of state|external affairs minister", doc.text, re.I)
        and re.search(r"defen[cs]e (?:minister|secretary)|secretary of defen[cs]e", doc.text, re.I)
    )
    if two_plus_two:
        ministerial = [s for s in of_pair if (s.level or "").startswith("ministerial")]
        if ministerial:
            return ministerial[0]
    if len(of_pair) == 1:
        return of_pair[0]
    return None


def _best_pair(doc: Document, countries: list[CountryMention]) -> tuple[str, str] | None:
    title_parties = _title_parties(doc, countries)
    if len(title_parties) >= 2:
        # "US and South Korea condemn North Korean ...": the first two parties of the headline.
        return sorted_pair(title_parties[0], title_parties[1])
    counts = _party_counts(doc, countries)
    ranked = [code for code, _ in counts.most_common()]
    if title_parties:
        others = [code for code in ranked if code != title_parties[0]]
        if others:
            return sorted_pair(title_parties[0], others[0])
        return None
    if len(ranked) >= 2:
        return sorted_pair(ranked[0], ranked[1])
    return None


def _find_mechanism(doc: Document, registry: DialogueRegistry, countries: list[CountryMention]) -> _Mechanism | None:
    parties = _party_counts(doc, countries)
    mentions = registry.find_mentions(doc.text)
    title_parties = _title_parties(doc, countries)
    if len(title_parties) == 2:
        # "US, Japan poised to agree ..." over "... the allies' top-level security talks": a format named
        # without its pair is the headline's pair's, not another pair's whose countries the page also names.
        title_pair = sorted_pair(title_parties[0], title_parties[1])
        mentions = [m for m in mentions if m.pair_in_text or m.series.countries == title_pair]
    chosen = _choose_mention(doc, mentions, parties)
    generic_names = find_generic_names(doc.text)
    if chosen is not None and chosen.start >= doc.lead_end:
        # The headline or lead describes a meeting of another pair ("S. Korea, Australia hold 2+2 talks")
        # and a registry series turns up only further down ("... later this week for the annual AUSMIN"):
        # the page is about the headline's meeting.
        lead_generic = [g for g in generic_names if g.start < doc.lead_end]
        early = _choose_generic(doc, lead_generic)
        early_pair = (_pair_from_name(early.text) if early is not None else None) or (
            sorted_pair(title_parties[0], title_parties[1]) if len(title_parties) == 2 else None
        )
        if early is not None and early_pair is not None and early_pair != chosen.series.countries:
            chosen = None
    if chosen is not None:
        series = chosen.series
        spans = tuple((m.start, m.end) for m in mentions if m.series == series)
        return _Mechanism(
            series.slug, series.name, series, series.countries, chosen.start, chosen.end,
            f"names the registry series {series.name!r} ({chosen.text!r})", spans,
        )  # fmt: skip
    generic = _choose_generic(doc, generic_names)
    pair = _pair_from_name(generic.text) if generic is not None else None
    if pair is None:
        pair = _best_pair(doc, countries)
    inferred = _infer_from_pair(registry, pair, doc)
    if generic is not None:
        slug = mechanism_slug(generic.text)
        if inferred is not None and (
            slug is None
            or (len(slug.split("-")) <= 3 and not generic.text[:1].isupper() and _covered_by(slug, inferred))
        ):
            # "annual security talks" between a pair whose registry format is known: use the registry's.
            return _Mechanism(
                inferred.slug, inferred.name, inferred, inferred.countries, generic.start, generic.end,
                f"describes {generic.text!r}, taken as the registry series {inferred.name!r} of the pair",
                ((generic.start, generic.end),),
            )  # fmt: skip
        if slug:
            return _Mechanism(
                slug, generic.text, None, pair, generic.start, generic.end,
                f"names an unregistered dialogue {generic.text!r}", ((generic.start, generic.end),),
            )  # fmt: skip
    if inferred is not None and MEETING_RE.search(doc.text):
        return _Mechanism(
            inferred.slug, inferred.name, inferred, inferred.countries, -1, -1,
            f"no format named; participants imply the registry series {inferred.name!r}",
        )  # fmt: skip
    return None


# --- relation and dates ----------------------------------------------------------------------------------


def _lead_sentences(doc: Document) -> list[Sentence]:
    body = [s for s in doc.sentences if s.paragraph == 0]
    return body[:2]


_REPORTED_MEETING_RE = re.compile(
    r"\b(?:held|met|co-?chaired|co-?led|discussed|reviewed|agreed|signed|concluded|took place|was held|were held|"
    r"opened|began|got underway|kicked off)\b|\b(?:said|announced|told reporters)\b[^.;]{0,40}\bafter (?:a|the|their|its)\b",
    re.IGNORECASE,
)


_STANDFIRST_MAX = 200
# "India will open a consulate, the minister said on Tuesday as the two countries held ...".
_SAID_AFTER_RE = re.compile(r"\b(?:said|says|announced|told)\b", re.IGNORECASE)

_REPORTED_SPEECH_RE = re.compile(
    r"\b(?:said|say|says|agreed|pledged|vowed|promised|decided|announced|stated|noted)\b[^.;]{0,40}$",
    re.IGNORECASE,
)


def _future_cue(text: str) -> re.Match[str] | None:
    """The first future-tense cue of ``text``, skipping the "would"/"will" of reported speech when the
    sentence also reports the meeting in the past ("the two sides said they would work more closely after
    their ministers met"); "officials said the talks would be held on Friday" stays a preview."""
    reported_meeting = any(
        not re.search(r"\b(?:be|been|being|to)\s+$", text[max(0, m.start() - 8) : m.start()])
        for m in _REPORTED_MEETING_RE.finditer(text)
    )
    for match in FUTURE_RE.finditer(text):
        if (
            reported_meeting
            and match.group(0).lower() in ("would", "will")
            and (_REPORTED_SPEECH_RE.search(text[: match.start()]) or _SAID_AFTER_RE.search(text, match.end()))
        ):
            continue
        return match
    return None


def _is_future(doc: Document) -> tuple[bool, str]:
    """Is the page a preview? The headline's tense, unless the lead plainly reports the meeting in the past
    tense ("Japan, Australia to deepen defence ties" over "… agreed on Friday to deepen …"); else the
    lead's tense. A lead sentence about another round ("The next meeting will be held in 2019") says
    nothing about this one's tense."""
    lead = [s for s in _lead_sentences(doc) if not OTHER_ROUND_RE.search(s.text)]
    standfirst = [s for s in doc.sentences if s.paragraph == 0]
    news_lead = next((s for s in doc.sentences if s.paragraph == 1), None)
    if len(standfirst) == 1 and len(standfirst[0].text) <= _STANDFIRST_MAX and news_lead is not None:
        # A one-sentence standfirst over the news lead ("The annex will let firms share classified data."
        # then "India and the US on Wednesday signed ..."): the news lead carries the tense.
        lead = [news_lead]
    lead_past = False
    if lead:
        first = lead[0].text
        future = _future_cue(first)
        past = PAST_RE.search(first)
        if future is not None and (past is None or future.start() < past.start()):
            return True, f"lead is in the future tense ({future.group(0)!r})"
        # A report of the meeting before any future cue overrides the headline ("agreed on Thursday to hold
        # their first fighter exercise"); travel to it does not ("arrived ... to attend").
        reported = _REPORTED_MEETING_RE.search(first)
        lead_past = reported is not None and (future is None or reported.start() < future.start())
    title = next((s for s in doc.sentences if s.paragraph == -1), None)
    if title is not None and not lead_past:
        future = HEADLINE_FUTURE_RE.search(title.text)
        if future is not None:
            return True, f"headline is about the future ({future.group(0)!r})"
    return False, "headline and lead report a meeting"


def _is_followup(doc: Document) -> re.Match[str] | None:
    window = doc.text[: doc.second_end]
    return FOLLOWUP_RE.search(window)


_STATEMENT_TITLE_RE = re.compile(r"^\s*(?:joint statement|joint declaration|readout|statement)\b", re.IGNORECASE)


_GAP_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


# "..., a Foreign Ministry spokesperson said Thursday, a day after the two countries held their 2+2": a
# reaction story dates itself after the round.
_REACTION_BEFORE_RE = re.compile(
    r"\b(?:said|says|told|critici[sz]ed|slammed|condemned|reacted|protested)\b[^.;]{0,30},\s*$", re.IGNORECASE
)


def _opens_sentence(text: str, start: int) -> bool:
    """Does a sentence (or paragraph) begin at ``start``?"""
    before = text[max(0, start - 3) : start]
    return start == 0 or before.endswith("\n") or re.search(r"[.!?][\"'”’]?\s+$", before) is not None


def _days_after(phrase: str) -> int | None:
    """1 for "a day after ...", 3 for "three days after ..."; None for other follow-up cues."""
    m = re.match(r"\s*(\w+)\s+days?\s+after\b", phrase, re.IGNORECASE)
    if m is None:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() and 0 < int(word) <= 7 else _GAP_WORDS.get(word)


def _after_round(doc: Document, reference: date, end: date) -> bool:
    """Is the page dated after the round? One day later is often just the time-zone shift of a report
    (an IST dateline for a Washington meeting), so a day counts only for the statement itself."""
    days = (reference - end).days
    if days >= 2:
        return True
    return days >= 1 and _STATEMENT_TITLE_RE.match(doc.text[: doc.title_end] or "") is not None


_STRENGTH = {"range": 3, "date": 3, "weekday": 2, "relative": 2}


def _sentence_is_future(text: str) -> bool:
    future = _future_cue(text)
    if future is None:
        return False
    past = PAST_RE.search(text)
    return past is None or future.start() < past.start()


def _date_candidates(
    doc: Document, reference: date | None, future_doc: bool, mechanism: _Mechanism | None
) -> list[tuple[DateMention, Sentence, float]]:
    """Dates that may be this round's, each with a score (higher is better evidence)."""
    candidates: list[tuple[DateMention, Sentence, float]] = []
    for sentence in doc.sentences:
        text = sentence.text
        named = mechanism is not None and mechanism.named_in(sentence)
        # The headline and first three paragraphs are about the round; later ones must say "meeting".
        if sentence.paragraph > 2 and not named and MEETING_RE.search(text) is None:
            continue
        if OTHER_ROUND_RE.search(text) and not (named and sentence.paragraph <= 0):
            continue
        future = _sentence_is_future(text) if sentence.paragraph >= 0 else future_doc
        for mention in find_date_mentions(text, reference, future=future):
            before = text[: mention.start]
            if re.search(r"\b(?:since|until|till|by)\s*$", before):
                continue
            if _OTHER_EVENT_BEFORE_DATE_RE.search(before):
                continue  # "The meeting came two weeks after Erdogan and Biden met ... on Oct. 31"
            score = float(_STRENGTH.get(mention.kind, 1))
            if REPORTING_BEFORE_DATE_RE.search(before):
                score -= 1.5  # "officials said Monday": when it was said, unless nothing better is found
            if reference is not None:
                delta = (mention.first - reference).days
                if delta < -40 or delta > 120:
                    continue
                if not future and not future_doc and delta > 1 and mention.kind != "range":
                    continue
                if future_doc and delta < 0:
                    score -= 1  # a preview's round lies ahead; a past date is something else
            if sentence.paragraph == -1:
                score -= 0.5  # headlines are terse; a body date is better evidence
            if named:
                score += 0.75
            if re.search(r"\barriv\w*|\bdepart\w*|\blanded\b", text, re.IGNORECASE) and not re.search(
                r"\bfor\b|\bto attend\b", text
            ):
                score -= 1
            shifted = DateMention(
                sentence.start + mention.start, sentence.start + mention.end, mention.text, mention.first,
                mention.last, mention.kind,
            )  # fmt: skip
            candidates.append((shifted, sentence, score))
    return candidates


# A date after "came two weeks after" / "days before" dates the other event the sentence compares with.
_OTHER_EVENT_BEFORE_DATE_RE = re.compile(
    r"\b(?:came|comes|come|days?|weeks?|months?|shortly|soon|just|hours?)\s+(?:\w+\s+){0,2}?"
    r"(?:after|before|ahead of)\b",
    re.IGNORECASE,
)


# "The talks came a day after ...", "... was held two days before ...": what follows is another event
# (unlike a sentence-initial "A day after their 2+2 talks, ...", which frames a follow-up of this one).
_COMPARED_EVENT_RE = re.compile(
    r"\b(?:came|comes|come|was held|were held|took place|follows|followed)\s+(?:\w+\s+){0,3}?"
    r"(?:after|before|ahead of)\b",
    re.IGNORECASE,
)


_MULTI_DAY_RE = re.compile(
    r"\b(?P<n>two|three|four|2|3|4)[- ]day\b|\b(?P<m>two|three|four) days of\b", re.IGNORECASE
)
_CLOSING_RE = re.compile(r"\b(?:concluded|wrapped up|ended|closed|winds? up|wound up|conclude[sd]?)\b", re.IGNORECASE)
_OPENING_RE = re.compile(r"\b(?:began|begins|begin|opened|opens|kicked off|started|starts|got underway)\b", re.IGNORECASE)
_DAY_WORDS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}


def _multi_day(doc: Document, mention: DateMention) -> tuple[int, bool] | None:
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


def _pick_date(candidates: list[tuple[DateMention, Sentence, float]]) -> DateMention | None:
    if not candidates:
        return None
    return max(candidates, key=lambda item: (item[2], -item[0].start))[0]


def _evidence_phrase(doc: Document, mention: DateMention) -> str:
    before = doc.text[max(0, mention.start - 5) : mention.start]
    prefix = re.search(r"\b(on|from|between)\s+$", before, re.IGNORECASE)
    text = doc.text[mention.start : mention.end]
    if prefix is not None and not text.lower().startswith(prefix.group(1).lower()):
        return f"{prefix.group(1)} {text}"
    return text


# --- venue ---------------------------------------------------------------------------------------------

_HERE_RE = re.compile(r"\b(?:here|in the national capital|in the capital|in the city)\b", re.IGNORECASE)
_IN_PLACE_RE = re.compile(r"\b(?:in|at)\s+(?P<place>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b")


_PAST_YEAR_RE = re.compile(
    r"\bin (?:(?:January|February|March|April|May|June|July|August|September|October|November|December) )?(?:19|20)\d\d\b"
)


# "in the southwestern Chinese city of Chengdu", "at the port city of Busan".
_CITY_OF_RE = re.compile(
    r"\b(?:in|at)\s+the\s+(?:[\w'’-]+\s+){0,4}(?:city|capital|town|port|resort|island)\s+of\s+$"
)


def _venue(
    doc: Document, mechanism: _Mechanism | None, dateline_city: str | None, dateline_country: str | None
) -> tuple[str | None, str | None, str | None]:
    """(city, alpha-2 or "virtual", reason) from the sentences about the meeting: a video-conference
    cue, then a known city after "in/at/to", then "here"/"in the national capital" (the dateline city),
    then a country after "in/to" (city unknown). Sentences about other rounds or dated "in 2018" are
    skipped."""
    country_only: tuple[str | None, str | None, str | None] = (None, None, None)
    for sentence in doc.sentences:
        text = sentence.text
        if sentence.paragraph > 2 and not MEETING_RE.search(text):
            continue
        if OTHER_ROUND_RE.search(text) or _PAST_YEAR_RE.search(text):
            continue
        if re.search(r"\bnext (?:round|meeting)|\bmutually convenient\b", text, re.IGNORECASE):
            continue
        if VIRTUAL_RE.search(text) and sentence.paragraph <= 1:
            return None, "virtual", "held by video conference"
        for start, _end, city, country in find_venues(text):
            before = text[max(0, start - 60) : start].lower()
            if re.search(r"\b(?:in|at|to|inside)\s+(?:the\s+)?$", before) or _CITY_OF_RE.search(before):
                return city, country, f"venue {city!r} named next to the meeting"
        here = _HERE_RE.search(text)
        if here is not None and dateline_city and sentence.paragraph >= 0:
            known = lookup_venue(dateline_city)
            if known is not None:
                return known[0], known[1], f"{here.group(0)!r} refers to the dateline city"
            return dateline_city, dateline_country, f"{here.group(0)!r} refers to the dateline city"
        if country_only[1] is None:
            for mention in find_countries(text):
                if mention.kind == "name" and re.search(r"\b(?:in|to)\s+(?:the\s+)?$", text[max(0, mention.start - 8) : mention.start]):
                    alpha2 = alpha3_to_alpha2(mention.code)
                    if alpha2:
                        country_only = (None, alpha2, f"held in {mention.text!r} (city not named)")
                        break
    if country_only[1] is None:
        # A city the venue table lacks, only right after the meeting itself: "held in Cairo",
        # "talks in Vientiane" (a bare "in <City>" is too often the subject: "the marine unit in Okinawa").
        for sentence in doc.sentences:
            if sentence.paragraph > 1 or OTHER_ROUND_RE.search(sentence.text) or _PAST_YEAR_RE.search(sentence.text):
                continue
            for start, _end, city, country in find_venues(sentence.text, after_preposition=True):
                if _MEETING_BEFORE_CITY_RE.search(sentence.text[max(0, start - 40) : start]):
                    return city, country, f"venue {city!r} named right after the meeting"
    return country_only


_MEETING_BEFORE_CITY_RE = re.compile(
    r"\b(?:held|hosted|convened|took place|meeting|meet|met|talks|dialogue|consultations|session|round|"
    r"2\+2|(?:Dialogue|Talks|Consultations|Meeting|Committee|Group|Mechanism|Forum|Terrorism|Security|"
    r"Question|Affairs|Issues|Management|Cooperation))\s+(?:(?:on|last|this)\s+\w+\s+)?(?:in|at)\s+(?:the\s+)?$",
)


# --- co-chairs -----------------------------------------------------------------------------------------

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


def _co_chairs(doc: Document, pair: tuple[str, str] | None) -> list[CoChair]:
    found: list[CoChair] = []
    for sentence in doc.sentences:
        if sentence.paragraph < 0 or sentence.paragraph > 3:
            continue
        text = sentence.text
        if not _CHAIR_CONTEXT_RE.search(text) or OTHER_ROUND_RE.search(text):
            continue
        for pattern in (_TITLE_NAME_RE, _NAME_TITLE_RE):
            for match in pattern.finditer(text):
                name = match.group("name").strip()
                title = re.sub(r"\s+", " ", match.group("title")).strip(" ,")
                if _BAD_NAME_RE.search(name) or len(name) < 4 or _LEADS_ONLY.fullmatch(title):
                    continue
                if pattern is _NAME_TITLE_RE and len(title) > 90:
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
    chairs = list(merged.values())[:6]
    if pair is not None and len(chairs) == 2:
        known = [c.country for c in chairs if c.country]
        if len(known) == 1:
            other = pair[1] if known[0] == pair[0] else pair[0]
            chairs = [c if c.country else CoChair(c.name, c.title, other) for c in chairs]
    return chairs


# --- outcomes ------------------------------------------------------------------------------------------

_DOC_KIND = (
    r"Memorandum of (?:Understanding|Cooperation|Agreement|Intent)|MoU|MoC|Agreement|Joint Statement|"
    r"Joint Declaration|Declaration|Arrangement|Protocol|Treaty|Letter of Intent|Statement of Intent|Roadmap|"
    r"Framework|Action Plan"
)
# A document name, with a capitalised "on/for ..." tail kept ("Memorandum of Understanding on Cyber Security")
# and a lower-case one dropped ("Memorandum of Cooperation on law enforcement training").
_DOC_NAME = (
    rf"(?:(?:[A-Z][\w-]*|and|of|on|for|&)\s+){{0,8}}?(?:{_DOC_KIND})"
    r"(?:\s+(?:on|for|in)\s+(?:[A-Z][\w-]*\s+(?:and\s+|&\s+)?){0,5}[A-Z][\w-]*)?(?:\s*\([A-Z]{2,10}\))?"
)
_OUTCOME_ACTIVE_RE = re.compile(
    rf"\b(?:sign(?:ed|ing)?|ink(?:ed|ing)?|conclu(?:ded|sion of)|exchang(?:ed|e)|adopt(?:ed|ion of)|"
    rf"issu(?:ed|e)|finali[sz]ed|release[sd]?)(?:\s+(?:of|on))?\s+(?:a|an|the|two|three|several)?\s*(?P<doc>{_DOC_NAME})"
)
_OUTCOME_PASSIVE_RE = re.compile(rf"(?:The|the|a|A)\s+(?P<doc>{_DOC_NAME})\s+(?:was|were)\s+(?:signed|inked|exchanged|adopted)")
_JOINT_STATEMENT_RE = re.compile(r"\b(?:issued|adopted|released)\s+(?:a\s+)?joint\s+(statement|declaration)\b", re.I)
_NOT_YET_RE = re.compile(r"\b(?:expected to|likely to|will|would|to be|set to|plan to|poised to)\s+(?:\w+\s+){0,2}$", re.I)


def _outcomes(doc: Document) -> list[str]:
    outcomes: list[str] = []
    for sentence in doc.sentences:
        if sentence.paragraph < 0:
            continue
        text = sentence.text
        for pattern in (_OUTCOME_ACTIVE_RE, _OUTCOME_PASSIVE_RE):
            for match in pattern.finditer(text):
                if _NOT_YET_RE.search(text[max(0, match.start() - 40) : match.start() + 1]):
                    continue
                name = re.sub(r"^(?:and|of|on|for|&)\s+", "", match.group("doc")).strip()
                name = re.sub(r"\s+", " ", name)
                if name.lower() in {"agreement", "declaration", "arrangement", "framework", "roadmap"}:
                    continue
                if name not in outcomes:
                    outcomes.append(name)
        for match in _JOINT_STATEMENT_RE.finditer(text):
            name = f"Joint {match.group(1).title()}"
            if name not in outcomes:
                outcomes.append(name)
    return outcomes


# --- round ordinal -------------------------------------------------------------------------------------

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "inaugural": 1, "first-ever": 1, "maiden": 1,
}  # fmt: skip
_ORDINAL_RE = re.compile(
    r"\b(?:(?P<num>\d{1,3})(?:st|nd|rd|th)|(?P<word>first-ever|inaugural|maiden|first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
    r"eighteenth|nineteenth|twentieth))\b(?!\s+(?:such|time|day|week|year|anniversary|of (?:its|their) kind))",
    re.IGNORECASE,
)


_SINCE_GAP_RE = re.compile(
    r"\s+(?:in\s+(?:(?:more than|over|nearly|almost|about|the past|the last)\s+)?(?:a|\w+|\d+)\s+"
    r"(?:years?|decades?|months?)|since\b)",
    re.IGNORECASE,
)


def _round_ordinal(doc: Document, mechanism: _Mechanism | None) -> int | None:
    for sentence in doc.sentences:
        if sentence.paragraph > 1:
            break
        if OTHER_ROUND_RE.search(sentence.text):
            continue
        text = sentence.text
        for match in _ORDINAL_RE.finditer(text):
            after = text[match.end() : match.end() + 80]
            near_mechanism = mechanism is not None and 0 <= mechanism.start - (sentence.start + match.end()) <= 60
            noun = re.match(
                r"\s+(?:annual\s+)?(?:round|meeting|session|edition|[\w.'-]+\s+(?:round|meeting|session|edition)|"
                r"(?:[\w.'’&+\"“”-]+\s+){0,6}?(?:dialogue|talks|consultations|meeting|2\+2|group))",
                after,
                re.IGNORECASE,
            )
            # "their first security dialogue in six years" / "first talks since 2018": a gap, not a round.
            if noun and _SINCE_GAP_RE.match(after, noun.end()):
                continue
            if near_mechanism or noun:
                if match.group("num"):
                    value = int(match.group("num"))
                    if 0 < value < 200:
                        return value
                else:
                    return _ORDINAL_WORDS[match.group("word").lower()]
    return None


# --- the cascade ---------------------------------------------------------------------------------------


def _reference(reference_date: date | None, published: datetime | None) -> date | None:
    if reference_date is not None:
        return reference_date
    if isinstance(published, datetime):
        return published.date()
    return None


def extract_event_facts(
    title: str | None,
    paragraphs: list[str],
    *,
    registry: DialogueRegistry,
    reference_date: date | None,
    published: datetime | None,
    dateline_city: str | None = None,
    dateline_country: str | None = None,
) -> EventFacts | None:
    """The facts a page states about one dialogue round, or ``None`` when it names no dialogue.

    ``paragraphs`` are the clean body paragraphs (dateline removed); ``reference_date`` is the dateline's
    resolved date, else the local publication date; ``published`` is used only when ``reference_date``
    is ``None``. ``dateline_country`` is alpha-2. Never raises: junk input gives ``None``."""
    try:
        return _extract(title, paragraphs, registry, reference_date, published, dateline_city, dateline_country)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError, RecursionError):
        return None


def _extract(
    title: str | None,
    paragraphs: list[str],
    registry: DialogueRegistry,
    reference_date: date | None,
    published: datetime | None,
    dateline_city: str | None,
    dateline_country: str | None,
) -> EventFacts | None:
    doc = build_document(title, paragraphs if isinstance(paragraphs, list) else [])
    if not doc.text:
        return None
    countries = find_countries(doc.text)
    mechanism = _find_mechanism(doc, registry, countries)
    if mechanism is None:
        return None
    reasons = [mechanism.reason]
    pair = mechanism.countries or _best_pair(doc, countries)
    reference = _reference(reference_date, published)
    future, tense_reason = _is_future(doc)
    candidates = _date_candidates(doc, reference, future, mechanism)
    mention = _pick_date(candidates)
    start_date = end_date = None
    evidence = None
    if mention is not None:
        start_date, end_date = mention.first, mention.last
        evidence = _evidence_phrase(doc, mention)
        reasons.append(f"start date {start_date.isoformat()} from {evidence!r}")
        span = _multi_day(doc, mention)
        if span is not None and start_date == end_date:
            days, closing = span
            if closing:  # "wrapped up two days of talks on Thursday": Thursday is the last day
                start_date = end_date - timedelta(days=days - 1)
            else:  # "began two-day talks on Wednesday"
                end_date = start_date + timedelta(days=days - 1)
            reasons.append(f"a {days}-day round: {start_date.isoformat()} to {end_date.isoformat()}")
    relation = "report"
    followup = _is_followup(doc)
    if future:
        relation = "preview"
        reasons.append(tense_reason)
    elif reference is not None and start_date is not None and start_date > reference:
        relation = "preview"
        reasons.append("the round's date lies after the reference date")
    elif (
        followup is not None
        and reference is not None
        and (_opens_sentence(doc.text, followup.start()) or _REACTION_BEFORE_RE.search(
            doc.text[max(0, followup.start() - 60) : followup.start()]
        ))
        and (gap := _days_after(followup.group(0))) is not None
    ):
        # "A day after ... their two-plus-two talks, ...": the lead itself dates the page after the round.
        relation = "followup"
        reasons.append(f"lead says the page comes {followup.group(0).split(' after ')[0]!r} after the round")
        if start_date is None:
            start_date = end_date = reference - timedelta(days=gap)
            evidence = followup.group(0)
            reasons.append(f"start date {start_date.isoformat()} from {evidence!r}")
    elif followup is not None and reference is not None and end_date is not None and _after_round(
        doc, reference, end_date
    ):
        relation = "followup"
        reasons.append(f"lead cites a {followup.group(0)!r} and the page is dated after the round")
    venue_city, venue_country, venue_reason = _venue(doc, mechanism, dateline_city, dateline_country)
    if venue_reason:
        reasons.append(venue_reason)
    return EventFacts(
        mechanism=mechanism.slug,
        series_name=mechanism.series.name if mechanism.series is not None else mechanism.name,
        series_known=mechanism.series is not None,
        countries=pair,
        start_date=start_date,
        end_date=end_date,
        date_evidence=evidence,
        venue_city=venue_city,
        venue_country=venue_country,
        co_chairs=_co_chairs(doc, pair),
        outcomes=_outcomes(doc),
        round_ordinal=_round_ordinal(doc, mechanism),
        relation=relation,
        level=mechanism.series.level if mechanism.series is not None else None,
        reasons=reasons,
    )


__all__ = [
    "CoChair",
    "EventFacts",
    "alpha2_to_alpha3",
    "alpha3_to_alpha2",
    "extract_event_facts",
    "make_event_key",
]

# A date more than this far from the reference is not this round's (kept for callers that re-check).
PLAUSIBLE_WINDOW = (timedelta(days=-40), timedelta(days=120))
