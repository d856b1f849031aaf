"""Event facts: which round of which dialogue a page is about, and what it says about that round.

``cascade`` runs the steps in order; one module per fact (``mechanism`` and pair, ``tense``,
``round_dates``, ``relation``, ``venue``, ``co_chairs``, ``outcomes``, ``ordinal``); every weight and
threshold in ``weights``. The cases each rule is for: ``tests/cases/event_facts.jsonl``.
"""

from crawler.core.events.countries import alpha2_to_alpha3, alpha3_to_alpha2
from crawler.core.events.facts.cascade import extract_event_facts, facts_of_analysed
from crawler.core.events.facts.model import CoChair, EventFacts, make_event_key

__all__ = [
    "CoChair",
    "EventFacts",
    "alpha2_to_alpha3",
    "alpha3_to_alpha2",
    "extract_event_facts",
    "facts_of_analysed",
    "make_event_key",
]
