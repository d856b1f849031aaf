"""Dialogue registry, topic classification and event facts (pure code: text in, values out).

See ``docs/events.md`` for the registry format, the slug rule, and the topic and relation rules.
"""

from crawler.core.events.analysis import (
    AnalysedText,
    ScreenedText,
    analyse_screened,
    analyse_text,
    screen_text,
)
from crawler.core.events.facts import (
    CoChair,
    EventFacts,
    extract_event_facts,
    facts_of_analysed,
    make_event_key,
)
from crawler.core.events.registry import (
    DialogueRegistry,
    DialogueSeries,
    RegistryError,
    SeriesMention,
    default_registry,
    load_registry,
)
from crawler.core.events.slug import mechanism_slug
from crawler.core.events.topic import TopicDecision, classify_analysed, classify_topic, unrelated_at_a_glance

__all__ = [
    "AnalysedText",
    "CoChair",
    "DialogueRegistry",
    "DialogueSeries",
    "EventFacts",
    "RegistryError",
    "ScreenedText",
    "SeriesMention",
    "TopicDecision",
    "analyse_screened",
    "analyse_text",
    "classify_analysed",
    "classify_topic",
    "default_registry",
    "extract_event_facts",
    "facts_of_analysed",
    "load_registry",
    "make_event_key",
    "mechanism_slug",
    "screen_text",
    "unrelated_at_a_glance",
]
