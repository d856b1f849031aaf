"""Step 1 and 2 of the cascade: which dialogue (mechanism) the page is about, and the country pair.

Mechanism: the primary registry mention (title > lead > body; a pair written in front wins), else a
dialogue-like name in the text (slug by ``crawler.core.events.slug``), else a registry series of the
country pair inferred from the participants (foreign + defence ministers → the pair's 2+2 format).

Pair: the registry series' pair, else the pair written in the name ("India-Bhutan ..."), else the two
parties named most in the title and lead (capitals only as a last resort).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.core.events.analysis import AnalysedText
from crawler.core.events.countries import CountryMention, find_countries, sorted_pair
from crawler.core.events.facts import weights as w
from crawler.core.events.registry import DialogueRegistry, DialogueSeries, SeriesMention
from crawler.core.events.slug import mechanism_slug
from crawler.core.events.text import (
    MEETING_RE,
    OTHER_ROUND_RE,
    SECURITY_STRICT_RE,
    Document,
    GenericName,
    Sentence,
)


@dataclass(frozen=True)
class Mechanism:
    """The dialogue a page is about, and where the page names it."""

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


# "The talks came a day after ...", "... was held two days before ...": what follows is another event
# (unlike a sentence-initial "A day after their 2+2 talks, ...", which frames a follow-up of this one).
_COMPARED_EVENT_RE = re.compile(
    r"\b(?:came|comes|come|was held|were held|took place|follows|followed)\s+(?:\w+\s+){0,3}?"
    r"(?:after|before|ahead of)\b",
    re.IGNORECASE,
)
# "to head to Tokyo for security talks after AUSMIN": the series right after "after/following/since".
_AFTER_PREPOSITION_RE = re.compile(
    r"\b(?:after|following|since)\s+(?:the\s+|this\s+week's\s+|last\s+week's\s+)?$", re.IGNORECASE
)
# "the 18th ... working meeting", "the annual ... talks", "a new round of ... consultations": a round of a series.
_SERIES_ROUND_RE = re.compile(
    r"\b(?:\d{1,3}(?:st|nd|rd|th)|annual|regular|periodic)\b[^.;]{0,60}?\b(?:meeting|talks|round|session|"
    r"consultations|dialogue)\b|\b(?:new|latest) round of\b[^.;]{0,40}?\b(?:talks|consultations|dialogue)\b",
    re.IGNORECASE,
)
_HEAD_WORD_RE = re.compile(r"dialogue|talks|consultations|2\+2", re.IGNORECASE)
_TWO_PLUS_TWO_FOREIGN_RE = re.compile(
    r"foreign (?:minister|secretary)|secretary of state|external affairs minister", re.IGNORECASE
)
_TWO_PLUS_TWO_DEFENCE_RE = re.compile(r"defen[cs]e (?:minister|secretary)|secretary of defen[cs]e", re.IGNORECASE)

_STOPWORDS = frozenset(
    ["the", "of", "and", "on", "for", "in", "at", "a", "an", "with", "level", "dialogue", "talks", "meeting", "consultations", "group", "committee"]
)
_GENERIC_FILLER = frozenset({"annual", "bilateral", "the", "of", "and", "dialogue", "talks", "meeting", "consultations",
                             "mechanism", "level", "top", "high", "senior", "regular", "latest", "new", "first"})


def title_parties(doc: Document, countries: Sequence[CountryMention]) -> list[str]:
    """The countries (not capitals) the headline names, in order."""
    seen: list[str] = []
    for mention in countries:
        if mention.start >= doc.title_end:
            break
        if mention.kind != "capital" and mention.code not in seen:
            seen.append(mention.code)
    return seen


def party_counts(doc: Document, countries: Sequence[CountryMention]) -> Counter[str]:
    """Weighted party counts: title ×3, lead ×2, body ×1; capitals count a quarter."""
    counts: Counter[str] = Counter()
    for mention in countries:
        weight = w.PARTY_IN_TITLE if mention.start < doc.title_end else w.PARTY_IN_LEAD if mention.start < doc.lead_end else w.PARTY_IN_BODY
        if mention.kind == "capital":
            weight *= w.PARTY_CAPITAL_FACTOR
        counts[mention.code] += int(weight * w.PARTY_COUNT_SCALE)
    return counts


def choose_mention(doc: Document, mentions: Sequence[SeriesMention], parties: Counter[str]) -> SeriesMention | None:
    """The registry mention the page is about: the best score, then the earliest."""
    if not mentions:
        return None

    def score(mention: SeriesMention) -> tuple[float, int]:
        value = 0.0
        if mention.start < doc.title_end:
            value += w.MENTION_IN_TITLE
        elif mention.start < doc.lead_end:
            value += w.MENTION_IN_LEAD
        if mention.pair_in_text:
            value += w.MENTION_PAIR_WRITTEN
        sentence = doc.sentence_at(mention.start)
        if sentence is not None:
            at = mention.start - sentence.start
            other = OTHER_ROUND_RE.search(sentence.text)
            # "the previous round of the X was held in ..." — not "the X, the first since the allies met".
            if other is not None and other.start() <= at:
                value += w.MENTION_AFTER_OTHER_ROUND
            if _COMPARED_EVENT_RE.search(sentence.text[:at]):
                value += w.MENTION_COMPARED_EVENT
        if _AFTER_PREPOSITION_RE.search(doc.text[max(0, mention.start - 30) : mention.start]):
            value += w.MENTION_AFTER_PREPOSITION
        if mention.series.countries:
            top = [code for code, _ in parties.most_common(2)]
            value += w.MENTION_PER_TOP_PARTY * sum(1 for code in mention.series.countries if code in top)
        return (value, -mention.start)

    return max(mentions, key=score)


def pair_from_name(name: str) -> tuple[str, str] | None:
    """The pair written in a dialogue's name ("India-Bhutan Border Management Meeting")."""
    found = [m for m in find_countries(name) if m.kind != "capital"]
    codes: list[str] = []
    for mention in found:
        if mention.code not in codes:
            codes.append(mention.code)
    if len(codes) >= 2:
        return sorted_pair(codes[0], codes[1])
    return None


def choose_generic(doc: Document, names: Sequence[GenericName]) -> GenericName | None:
    """The dialogue-like name the page is about: the best score, then the earliest."""
    if not names:
        return None

    def score(name: GenericName) -> tuple[float, int]:
        value = 0.0
        if name.start < doc.title_end:
            value += w.GENERIC_IN_TITLE
        elif name.start < doc.lead_end:
            value += w.GENERIC_IN_LEAD
        if name.text[:1].isupper():
            value += w.GENERIC_CAPITALISED
        if pair_from_name(name.text):
            value += w.GENERIC_PAIR_IN_NAME
        if _HEAD_WORD_RE.search(name.text):
            value += w.GENERIC_HEAD_WORD
        return (value, -name.start)

    return max(names, key=score)


def covered_by(slug: str, series: DialogueSeries) -> bool:
    """Does a registry series' own vocabulary cover the words of a lower-case description ("security talks"
    → the pair's Security Dialogue), or does the description name another format ("defence ministerial
    dialogue" is not the pair's 2+2 Ministerial Dialogue)?"""
    words = [word for word in slug.split("-") if word not in _GENERIC_FILLER]
    vocabulary = set(series.slug.split("-"))
    for form in (series.name, *series.aliases):
        vocabulary |= set((mechanism_slug(form) or "").split("-"))
    return all(word in vocabulary for word in words)


def infer_from_pair(
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
            vocabulary |= {
                word for word in re.findall(r"[a-z]+", stripped.lower())
                if word not in _STOPWORDS and len(word) >= w.INFER_MIN_WORD_LENGTH
            }  # fmt: skip
        vocabulary -= {word for c in pair for word in re.findall(r"[a-z]+", c.lower())}
        if not vocabulary:
            return 0.0
        return len(vocabulary & words) / len(vocabulary)

    scored = sorted(((overlap(s), i, s) for i, s in enumerate(of_pair)), key=lambda t: (-t[0], t[1]))
    if scored and scored[0][0] >= w.INFER_MIN_OVERLAP and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][2]
    if _TWO_PLUS_TWO_FOREIGN_RE.search(doc.text) and _TWO_PLUS_TWO_DEFENCE_RE.search(doc.text):
        ministerial = [s for s in of_pair if (s.level or "").startswith("ministerial")]
        if ministerial:
            return ministerial[0]
    if len(of_pair) == 1:
        return of_pair[0]
    return None


def series_for_gloss(registry: DialogueRegistry, pair: tuple[str, str] | None, slug: str | None) -> DialogueSeries | None:
    """The pair's registry series that an English gloss of a name in another language stands for ("日米2プラス2"
    → "2plus2-dialogue" → the pair's 2+2 series): the only series whose vocabulary covers the gloss, else the
    only one of those whose vocabulary also has the gloss's head word (dialogue, talks, ...)."""
    if pair is None or not slug:
        return None
    covered = [s for s in registry.series if s.countries == pair and covered_by(slug, s)]
    if len(covered) > 1:
        head = slug.split("-")[-1]
        covered = [s for s in covered if head in _series_words(s)]
    return covered[0] if len(covered) == 1 else None


def _series_words(series: DialogueSeries) -> set[str]:
    words = set(series.slug.split("-"))
    for form in (series.name, *series.aliases):
        words |= set((mechanism_slug(form) or "").split("-"))
    return words


def best_pair(doc: Document, countries: Sequence[CountryMention]) -> tuple[str, str] | None:
    """The pair of a page whose dialogue does not fix one: the headline's first two parties, else the
    headline's party and the most-named other, else the two most-named."""
    headline = title_parties(doc, countries)
    if len(headline) >= 2:
        # "US and South Korea condemn North Korean ...": the first two parties of the headline.
        return sorted_pair(headline[0], headline[1])
    counts = party_counts(doc, countries)
    ranked = [code for code, _ in counts.most_common()]
    if headline:
        others = [code for code in ranked if code != headline[0]]
        if others:
            return sorted_pair(headline[0], others[0])
        return None
    if len(ranked) >= 2:
        return sorted_pair(ranked[0], ranked[1])
    return None


def find_mechanism(text: AnalysedText) -> Mechanism | None:
    """The dialogue the page is about: a registry mention, else a dialogue-like name, else the pair's
    series implied by the participants; ``None`` when the page names or describes none."""
    doc, countries = text.doc, text.countries
    parties = party_counts(doc, countries)
    mentions = list(text.mentions)
    headline = title_parties(doc, countries)
    if len(headline) == 2:
        # "US, Japan poised to agree ..." over "... the allies' top-level security talks": a format named
        # without its pair is the headline's pair's, not another pair's whose countries the page also names.
        title_pair = sorted_pair(headline[0], headline[1])
        mentions = [m for m in mentions if m.pair_in_text or m.series.countries == title_pair]
    chosen = choose_mention(doc, mentions, parties)
    generic_names = text.generic_names
    if chosen is not None and chosen.start >= doc.lead_end:
        # The headline or lead describes a meeting of another pair ("S. Korea, Australia hold 2+2 talks")
        # and a registry series turns up only further down ("... later this week for the annual AUSMIN"):
        # the page is about the headline's meeting.
        lead_generic = [g for g in generic_names if g.start < doc.lead_end]
        early = choose_generic(doc, lead_generic)
        early_pair = (pair_from_name(early.text) if early is not None else None) or (
            sorted_pair(headline[0], headline[1]) if len(headline) == 2 else None
        )
        if early is not None and early_pair is not None and early_pair != chosen.series.countries:
            chosen = None
    if chosen is not None:
        series = chosen.series
        spans = tuple((m.start, m.end) for m in mentions if m.series == series)
        return Mechanism(
            series.slug, series.name, series, series.countries, chosen.start, chosen.end,
            f"names the registry series {series.name!r} ({chosen.text!r})", spans,
        )  # fmt: skip
    generic = choose_generic(doc, generic_names)
    pair = pair_from_name(generic.text) if generic is not None else None
    if pair is None:
        pair = best_pair(doc, countries)
    inferred = infer_from_pair(text.registry, pair, doc)
    if generic is not None and not text.english:
        inferred = series_for_gloss(text.registry, pair, mechanism_slug(generic.text)) or inferred
    if generic is not None:
        slug = mechanism_slug(generic.text)
        if inferred is not None and (
            slug is None
            or (len(slug.split("-")) <= 3 and not generic.text[:1].isupper() and covered_by(slug, inferred))
        ):
            # "annual security talks" between a pair whose registry format is known: use the registry's.
            return Mechanism(
                inferred.slug, inferred.name, inferred, inferred.countries, generic.start, generic.end,
                f"describes {generic.text!r}, taken as the registry series {inferred.name!r} of the pair",
                ((generic.start, generic.end),),
            )  # fmt: skip
        if slug:
            return Mechanism(
                slug, generic.text, None, pair, generic.start, generic.end,
                f"names an unregistered dialogue {generic.text!r}", ((generic.start, generic.end),),
            )  # fmt: skip
    if inferred is not None and MEETING_RE.search(doc.text):
        return Mechanism(
            inferred.slug, inferred.name, inferred, inferred.countries, -1, -1,
            f"no format named; participants imply the registry series {inferred.name!r}",
        )  # fmt: skip
    return described_round(doc, pair)


def described_round(doc: Document, pair: tuple[str, str] | None) -> Mechanism | None:
    """A numbered or annual round of security talks the page describes without a name ("the 18th China-US
    Ministry of Defense working meeting was held ... in Beijing"): the pair's unnamed security talks, with the
    fixed slug ``UNNAMED_SECURITY_SLUG`` so that every publisher's copy of the round gets the same key. Read
    in the headline and the first ``DESCRIBED_ROUND_MAX_PARAGRAPH`` + 1 paragraphs, in one sentence that
    says meeting and security."""
    if pair is None:
        return None
    for sentence in doc.sentences:
        if sentence.paragraph > w.DESCRIBED_ROUND_MAX_PARAGRAPH:
            break
        cue = _SERIES_ROUND_RE.search(sentence.text)
        if cue is None or not SECURITY_STRICT_RE.search(sentence.text) or OTHER_ROUND_RE.search(sentence.text):
            continue
        start = sentence.start + cue.start()
        return Mechanism(
            w.UNNAMED_SECURITY_SLUG, None, None, pair, start, sentence.start + cue.end(),
            f"describes a round of unnamed security talks of {'-'.join(pair)} ({cue.group(0)!r})",
            ((start, sentence.start + cue.end()),),
        )  # fmt: skip
    return None
