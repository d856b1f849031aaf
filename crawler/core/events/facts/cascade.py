"""The event-facts cascade: which round of which dialogue a page is about, and what it says about it.

``extract_event_facts`` reads the title and the CLEAN body paragraphs (dateline already removed) and
returns an ``EventFacts`` or ``None`` (no dialogue named or described). ``facts_of_analysed`` does the
same from an ``AnalysedText`` the topic rules have read already. The steps, in order (each a named
function in its own module, every weight in ``weights``):

1. ``find_mechanism`` (mechanism) — the dialogue: a registry series, a dialogue-like name, or the pair's
   series implied by the participants; none → ``None``;
2. ``best_pair`` (mechanism) — the country pair, when the dialogue does not fix one;
3. ``read_tense`` (tense) — is the headline/lead about the future;
4. ``find_round_dates`` (round_dates) — the round's first and last day;
5. ``decide_relation`` (relation) — report, preview or follow-up (a follow-up cue may date the round);
6. ``find_venue`` (venue) — city and country, or ``virtual`` (a video conference);
7. ``co_chairs`` (co_chairs) — who led the delegations;
8. ``outcomes`` (outcomes) — documents signed, statements issued;
9. ``round_ordinal`` (ordinal) — "the 12th round".

Pure code: junk entries in ``paragraphs`` are skipped, a date beyond the calendar is no date; a bug
raises.
"""

from __future__ import annotations

from datetime import date, datetime

from crawler.core.events.analysis import AnalysedText, analyse_text
from crawler.core.events.facts import round_dates
from crawler.core.events.facts.co_chairs import co_chairs
from crawler.core.events.facts.mechanism import best_pair, find_mechanism
from crawler.core.events.facts.model import EventFacts
from crawler.core.events.facts.ordinal import round_ordinal
from crawler.core.events.facts.outcomes import outcomes
from crawler.core.events.facts.relation import decide_relation, record_day
from crawler.core.events.facts.round_dates import RoundDates
from crawler.core.events.facts.tense import read_tense
from crawler.core.events.facts.venue import find_venue
from crawler.core.events.registry import DialogueRegistry


def reference_day(reference_date: date | None, published: datetime | None) -> date | None:
    """The day the page speaks from: the dateline's date, else the local publication date."""
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
    is ``None``. ``dateline_country`` is alpha-2."""
    return facts_of_analysed(
        analyse_text(title, paragraphs, registry),
        reference_date=reference_date,
        published=published,
        dateline_city=dateline_city,
        dateline_country=dateline_country,
    )


def facts_of_analysed(
    text: AnalysedText,
    *,
    reference_date: date | None,
    published: datetime | None,
    dateline_city: str | None = None,
    dateline_country: str | None = None,
    month_hint: date | None = None,
) -> EventFacts | None:
    """``extract_event_facts`` on a page analysed once (``crawler.core.events.analysis.analyse_text``)."""
    doc = text.doc
    if not doc.text:
        return None
    mechanism = find_mechanism(text)  # 1
    if mechanism is None:
        return None
    pair = mechanism.countries or best_pair(doc, text.countries)  # 2
    reference = reference_day(reference_date, published)
    tense = read_tense(doc)  # 3
    ordinal = round_ordinal(doc, mechanism)  # 9, read first: a date right after another round's ordinal is not this round's
    dates = round_dates.find_round_dates(doc, reference, tense.future, mechanism, month_hint, ordinal)  # 4
    relation = decide_relation(doc, reference, tense, dates)  # 5
    if relation.start is not None:  # "a day after the talks" is the only date the page gives
        dates = RoundDates(relation.start, relation.start, relation.evidence)
    elif dates.start is None and relation.relation != "preview" and (record := record_day(doc, reference)):
        dates = record  # the round's own statement or transcript, no date in its text: the page's day
    venue = find_venue(doc, dateline_city, dateline_country)  # 6
    reasons = [mechanism.reason, *dates.reasons, *relation.reasons]
    if venue.reason:
        reasons.append(venue.reason)
    return EventFacts(
        mechanism=mechanism.slug,
        series_name=mechanism.series.name if mechanism.series is not None else mechanism.name,
        series_known=mechanism.series is not None,
        countries=pair,
        start_date=dates.start,
        end_date=dates.end,
        date_evidence=dates.evidence,
        venue_city=venue.city,
        venue_country=venue.country,
        virtual=venue.virtual,
        co_chairs=co_chairs(doc, pair),  # 7
        outcomes=outcomes(doc),  # 8
        round_ordinal=ordinal,  # 9
        relation=relation.relation,
        level=mechanism.series.level if mechanism.series is not None else None,
        reasons=reasons,
    )
