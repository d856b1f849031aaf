"""One reading of a page's text, shared by the topic rules and the event-facts cascade.

``analyse_text(title, paragraphs, registry)`` builds the document view (title + clean paragraphs, with
sentence spans) and finds, once, what both consumers ask about: the countries named, the registry series
named and the dialogue-like names. ``crawler.core.process`` builds it once per page and hands it to
``classify_analysed`` (topic) and ``facts_of_analysed`` (event facts); nothing is cached behind the
callers' backs. ``screen_text`` is its first half (no country lookup): on a page it shows to name no
dialogue, the topic is settled without the second (``analyse_screened``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.core.events.countries import CountryMention, find_countries
from crawler.core.events.native import looks_english, native_names
from crawler.core.events.registry import DialogueRegistry, SeriesMention
from crawler.core.events.text import Document, GenericName, build_document, find_generic_names


@dataclass(frozen=True)
class AnalysedText:
    """A page's text and what was found in it (every span is an offset into ``doc.text``)."""

    doc: Document
    registry: DialogueRegistry = field(compare=False, repr=False)
    countries: tuple[CountryMention, ...]  # every country reference in the whole text
    opening_countries: tuple[CountryMention, ...]  # ... in the headline and first two paragraphs alone
    mentions: tuple[SeriesMention, ...]  # registry series named, in text order
    generic_names: tuple[GenericName, ...]  # dialogue-like names the registry may not know
    english: bool = True  # False: the text is in another language, read with ``crawler.core.events.native`` too


@dataclass(frozen=True)
class ScreenedText:
    """A page's text and what it names before its countries are read: enough for the topic rules to say
    ``unrelated`` at a glance (``crawler.core.events.topic.unrelated_at_a_glance``) on most pages."""

    doc: Document
    registry: DialogueRegistry = field(compare=False, repr=False)
    generic_names: tuple[GenericName, ...]
    english: bool
    may_name_series: bool  # False: no registry form matches anywhere, so ``find_mentions`` finds nothing


def screen_text(title: str | None, paragraphs: list[str] | None, registry: DialogueRegistry) -> ScreenedText:
    """The first half of ``analyse_text``: the document, its dialogue-like names and language, and whether
    any registry form matches at all (no country lookup)."""
    doc = build_document(title, paragraphs if isinstance(paragraphs, list) else [])
    generic = find_generic_names(doc.text)
    english = looks_english(doc.text)
    if not english:
        # "中美安全对话", "diálogo de seguridad": the name glossed in English ("security dialogue").
        for start, end, gloss in native_names(doc.text):
            if not any(start < g.end and g.start < end for g in generic):
                generic.append(GenericName(start, end, gloss))
        generic.sort(key=lambda g: g.start)
    return ScreenedText(doc, registry, tuple(generic), english, registry.may_mention(doc.text))


def analyse_screened(screened: ScreenedText) -> AnalysedText:
    """The second half of ``analyse_text``: the countries named and the registry series named."""
    doc, registry = screened.doc, screened.registry
    countries = tuple(find_countries(doc.text))
    # The opening is read on its own: a mention's kind can depend on the words that follow it.
    opening = tuple(find_countries(doc.text[: doc.second_end]))
    mentions = tuple(registry.find_mentions(doc.text, countries)) if screened.may_name_series else ()
    return AnalysedText(doc, registry, countries, opening, mentions, screened.generic_names, screened.english)


def analyse_text(title: str | None, paragraphs: list[str] | None, registry: DialogueRegistry) -> AnalysedText:
    """The analysed text of a page: title plus clean body paragraphs (dateline removed). Junk entries
    (``None``, non-strings, a non-list) are skipped by ``build_document``."""
    return analyse_screened(screen_text(title, paragraphs, registry))


__all__ = ["AnalysedText", "ScreenedText", "analyse_screened", "analyse_text", "screen_text"]
