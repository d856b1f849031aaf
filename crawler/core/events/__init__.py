"""Dialogue registry, topic classification and event facts (pure code: text in, values out).

See ``docs/events.md`` for the registry format, the slug rule, and the topic and relation rules.
"""

from crawler.core.events.facts import CoChair, EventFacts, extract_event_facts, make_event_key
from crawler.core.events.registry import (
    DialogueRegistry,
    DialogueSeries,
    RegistryError,
    SeriesMention,
    default_registry,
    load_registry,
)
from crawler.core.events.slug import mechanism_slug
from crawler.core.events.topic import TopicDecision, classify_topic

__all__ = [
    "CoChair",
    "DialogueRegistry",
    "DialogueSeries",
    "EventFacts",
    "RegistryError",
    "SeriesMention",
    "TopicDecision",
    "classify_topic",
    "default_registry",
    "extract_event_facts",
    "load_registry",
    "make_event_key",
    "mechanism_slug",
]
