"""The page context: everything about a page that is not in its HTML, built in ONE place.

``process_page(html, url, context)`` derives every field from the HTML and a ``PageContext``: the registered
source the page came from (its name, country, default zone and default agency), the dialogue registry, and
what discovery said about the page (the ``Link``: news-sitemap/feed time, publication name, how it was
found), and when it was fetched. ``Registries.context_for`` is the only function that builds one; the crawl
(inline and in the extraction workers), ``newsarchive reprocess`` and ``newsarchive extract`` all call it, so
the same page with the same discovery metadata gets the same fields whichever entry point runs it.

``load_registries`` is the only code that reads the environment (``$NEWSARCHIVE_DIALOGUES``,
``$NEWSARCHIVE_SOURCES``): the dialogue registry and the source registry, each the shipped file plus the
user's files.

Discovery metadata is archived with each document (``documents.discovery``, ``link_to_json``) so that
reprocessing rebuilds the very context the crawl had (``link_from_json``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.core.discovery import Link
from crawler.core.events import DialogueRegistry, load_registry
from crawler.core.sources import Source, SourceRegistry, load_sources

DIALOGUES_ENV = "NEWSARCHIVE_DIALOGUES"
SOURCES_ENV = "NEWSARCHIVE_SOURCES"


@dataclass(frozen=True)
class PageContext:
    """What the pipeline knows about a page besides its HTML (see the module docstring)."""

    dialogues: DialogueRegistry
    source_name: str | None = None  # the registered source, else the name the caller knows it by
    country: str | None = None  # ISO alpha-2: ambiguous zone abbreviations, day-first dates
    timezone: str | None = None  # IANA zone for page times printed without an offset
    agency: str | None = None  # the source's own agency, for a page that names none
    link: Link | None = None
    fetched_at: datetime | None = None  # publication times after it (+1 day) are implausible
    era_start: date | None = None  # ... and before it (the source's era; crawler.core.plausible)
    last_modified: datetime | None = None  # the response's HTTP Last-Modified: a reference for relative dates

    @property
    def zone(self) -> tzinfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


@dataclass(frozen=True)
class Registries:
    """The dialogue registry and the source registry, loaded once per process."""

    dialogues: DialogueRegistry
    sources: SourceRegistry

    def source_for(self, url: str, source_name: str | None = None) -> Source | None:
        """The registered source called ``source_name``, else the one whose domains include ``url``'s host."""
        if source_name and source_name.strip().lower() in self.sources.names():
            return self.sources.get(source_name)
        return self.sources.for_url(url)  # an archived publisher name that is not a registered source

    def context_for(
        self,
        url: str,
        source_name: str | None = None,
        link: Link | None = None,
        fetched_at: datetime | None = None,
        last_modified: datetime | None = None,
    ) -> PageContext:
        """THE page context (the one place it is built): the source's facts from the registry, plus discovery
        and the fetch (its time, the response's ``Last-Modified``)."""
        source = self.source_for(url, source_name)
        return PageContext(
            dialogues=self.dialogues,
            source_name=source.name if source is not None else source_name,
            country=source.country if source is not None else None,
            timezone=source.timezone.value if source is not None else None,
            agency=source.agency.value if source is not None else None,
            link=link,
            fetched_at=fetched_at,
            era_start=source.era_start if source is not None else None,
            last_modified=last_modified,
        )


def _paths(raw: str) -> list[Path]:
    return [Path(p.strip()) for p in raw.split(os.pathsep) if p.strip()]


def load_registries(environ: Mapping[str, str] | None = None) -> Registries:
    """The shipped registries plus the user's files named in ``$NEWSARCHIVE_DIALOGUES`` and
    ``$NEWSARCHIVE_SOURCES`` (``os.pathsep``-separated; ``environ`` defaults to the process environment).

    Raises ``RegistryError`` / ``SourceRegistryError`` (both ``ValueError``) or ``OSError`` with a clear
    message for a bad user file."""
    env = os.environ if environ is None else environ
    dialogues = load_registry(_paths(env.get(DIALOGUES_ENV, "")))
    merged = {s.name: s for s in load_sources()}
    for path in _paths(env.get(SOURCES_ENV, "")):
        merged.update({s.name: s for s in load_sources(path)})  # a user source replaces a same-named one
    return Registries(dialogues=dialogues, sources=SourceRegistry(list(merged.values())))


# -- discovery metadata as archived (documents.discovery) --------------------------------------------------
def link_to_json(link: Link | None) -> dict[str, Any] | None:
    """The discovery metadata of a page as a JSON object (times as ISO 8601 with their offset)."""
    if link is None:
        return None
    out: dict[str, Any] = {
        "published": link.published.isoformat() if link.published is not None else None,
        "published_raw": link.published_raw,
        "publication": link.publication,
        "title": link.title,
        "language": link.language,
        "via": link.via,
    }
    return {k: v for k, v in out.items() if v is not None}


def link_from_json(url: str, data: Mapping[str, Any]) -> Link:
    """The ``Link`` archived by ``link_to_json`` (inverse; the URL is the document's)."""
    published = data.get("published")
    return Link(
        url=url,
        title=data.get("title"),
        published=datetime.fromisoformat(published) if published else None,
        published_raw=data.get("published_raw"),
        language=data.get("language"),
        publication=data.get("publication"),
        via=str(data.get("via") or "url"),
    )


__all__ = [
    "DIALOGUES_ENV",
    "SOURCES_ENV",
    "PageContext",
    "Registries",
    "link_from_json",
    "link_to_json",
    "load_registries",
]
