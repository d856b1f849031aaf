"""The data contract of a processed page: every field it carries, its type, what it means, where it comes from.

This tuple is the one description of a page's fields. ``ProcessedPage.to_dict`` (what ``newsarchive extract``
prints, and what tests/snapshots hold) and ``ProcessedPage.to_record`` (the ``DocumentRecord`` the archive
stores) are both derived from it, and ``docs/contract.md`` is generated from it::

    python -m crawler.core.contract > docs/contract.md

A field is described once: ``get`` reads its Python value from the object it belongs to (the
``ProcessedPage``, or for the parts of ``dateline`` and ``event`` the ``Dateline`` / ``EventFacts``);
``to_dict`` renders that value as JSON (dates and times as ISO 8601, tuples as lists) and ``to_record``
stores it unchanged under the field's ``record`` name. ``record=None``: shown, not archived.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class PageField:
    """One field of a processed page.

    ``record``: the ``DocumentRecord`` field (for a part of ``event``: the ``EventFactsRecord`` field) it is
    archived as; None when it is not archived. ``parts``: the fields of a nested object (``dateline``,
    ``event``). ``stored``: when the archived value is not the shown one, how to get it (``event`` is only
    archived for a dialogue_event page with a country pair).
    """

    name: str
    type: str
    meaning: str
    origin: str
    get: Getter = dataclasses.field(repr=False, compare=False)
    record: str | None = None
    parts: tuple[PageField, ...] = ()
    stored: Getter | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class FetchField:
    """A field of the stored record that the page does not carry: it comes from the fetch or the source."""

    name: str
    type: str
    meaning: str
    origin: str


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _pub(p: Any, attr: str) -> Any:
    return None if p.published is None else getattr(p.published, attr)


def _event_facts(p: Any) -> Any:
    """The facts archived with the document: only for a dialogue_event page whose country pair is known."""
    facts = p.facts
    if facts is None or facts.countries is None or p.topic.topic != "dialogue_event":
        return None
    return facts


def _relation(p: Any) -> str | None:
    return p.facts.relation if p.facts is not None and p.topic.topic == "dialogue_event" else None


def _co_chairs(facts: Any) -> list[dict[str, Any]]:
    return [{"name": c.name, "title": c.title, "country": c.country} for c in facts.co_chairs]


def _date_rank(facts: Any) -> int:
    from crawler.core.process import date_rank

    return date_rank(facts)


DATELINE_FIELDS: tuple[PageField, ...] = (
    PageField("raw", "str", "The dateline as printed, wrapper and agency tag included.",
              "`Dateline.raw` (normalize/dateline.py)", lambda d: d.raw, "dateline_raw"),
    PageField("city", "str | None", "The place it was filed from, as printed; ALL CAPS turned to title case; "
              "several places joined with \"/\".", "`Dateline.city`", lambda d: d.city, "dateline_city"),
    PageField("region", "str | None", "State or province, abbreviations expanded (\"Wis.\" → \"Wisconsin\").",
              "`Dateline.region`", lambda d: d.region, "dateline_region"),
    PageField("country", "str | None", "ISO 3166-1 alpha-2: printed (\"[India]\") or inferred from the city.",
              "`Dateline.country` (normalize/gazetteer.py)", lambda d: d.country, "dateline_country"),
    PageField("agency", "str | None", "The agency the dateline credits (normalised code), or the printed name "
              "of one the table does not know.", "`Dateline.agency` (normalize/agency.py)", lambda d: d.agency),
    PageField("agency_inferred", "bool", "True when the agency comes from a house style, not print.",
              "`Dateline.agency_inferred`", lambda d: d.agency_inferred),
    PageField("month", "int | None", "Month as printed.", "`Dateline.month`", lambda d: d.month),
    PageField("day", "int | None", "Day of month as printed.", "`Dateline.day`", lambda d: d.day),
    PageField("year", "int | None", "Year, only when printed.", "`Dateline.year`", lambda d: d.year),
    PageField("date", "date | None", "The dateline's date, the year resolved against the publication time.",
              "`Dateline.date`", lambda d: d.date, "dateline_date"),
)

EVENT_FIELDS: tuple[PageField, ...] = (
    PageField("key", "str | None", "`{A3}-{A3}:{mechanism}:{start}`; None without a pair or a start date "
              "(the archive computes its own key from the stored parts).", "`EventFacts.event_key()`",
              lambda f: f.event_key()),
    PageField("mechanism", "str", "Registry slug of the dialogue, or a slug derived from the name in the text.",
              "`EventFacts.mechanism` (events/facts.py, events/registry.py)", lambda f: f.mechanism, "mechanism"),
    PageField("series_name", "str | None", "The dialogue's name (registry name, or as printed).",
              "`EventFacts.series_name`", lambda f: f.series_name, "series_name"),
    PageField("series_known", "bool", "True when the dialogue is in the registry.",
              "`EventFacts.series_known`", lambda f: f.series_known, "series_known"),
    PageField("countries", "[str, str] | None", "ISO alpha-3 pair of the dialogue, sorted.",
              "`EventFacts.countries` (events/countries.py)", lambda f: f.countries, "countries"),
    PageField("start_date", "date | None", "First day of the round.", "`EventFacts.start_date` (events/dates.py)",
              lambda f: f.start_date, "start_date"),
    PageField("end_date", "date | None", "Last day of the round (= start for a one-day round).",
              "`EventFacts.end_date`", lambda f: f.end_date, "end_date"),
    PageField("date_evidence", "str | None", "The words the start date was read from.",
              "`EventFacts.date_evidence`", lambda f: f.date_evidence, "date_evidence"),
    PageField("date_rank", "int", "Strength of the start-date evidence: 0 none, 1 preview, 2 relative "
              "(\"on Wednesday\"), 3 explicit (a month word or ISO date); the archive keeps the strongest.",
              "`process.date_rank(facts)`", _date_rank, "date_rank"),
    PageField("venue_city", "str | None", "Where the round met.", "`EventFacts.venue_city`",
              lambda f: f.venue_city, "venue_city"),
    PageField("venue_country", "str | None", "ISO alpha-2 of the venue (None when not named or virtual).",
              "`EventFacts.venue_country`", lambda f: f.venue_country, "venue_country"),
    PageField("virtual", "bool", "True when the round met by video conference (then no venue).",
              "`EventFacts.virtual`", lambda f: f.virtual, "virtual"),
    PageField("co_chairs", "list[{name, title, country}]", "People who led the delegations; `country` alpha-3.",
              "`EventFacts.co_chairs`", _co_chairs, "co_chairs"),
    PageField("outcomes", "list[str]", "Outcome sentences the page reports.", "`EventFacts.outcomes`",
              lambda f: list(f.outcomes), "outcomes"),
    PageField("round_ordinal", "int | None", "The round's number when printed (\"17th\").",
              "`EventFacts.round_ordinal`", lambda f: f.round_ordinal, "round_ordinal"),
    PageField("relation", "str", "`report` | `preview` | `followup`: the page's tense towards the round.",
              "`EventFacts.relation`", lambda f: f.relation, "relation"),
    PageField("reasons", "list[str]", "Which rule fixed the dialogue, the dates, the relation and the venue, "
              "human-readable (shown by `newsarchive extract`; not archived).", "`EventFacts.reasons`",
              lambda f: list(f.reasons)),
)

PAGE_FIELDS: tuple[PageField, ...] = (
    PageField("url", "str", "The URL the page was fetched from, as given.", "the caller (spider, CLI)",
              lambda p: p.url, "url"),
    PageField("canonical_url", "str", "The URL the archive keys the page on: the page's canonical when "
              "trusted, tracking parameters removed.", "`ExtractedPage.canonical_url` → `urls.canonical_url`",
              lambda p: p.canonical_url, "canonical_url"),
    PageField("source_domain", "str", "Host of the canonical URL (else of the URL).", "`urls.host_of`",
              lambda p: p.source_domain, "source_domain"),
    PageField("title", "str | None", "The headline as the publisher shows it, without site name or section.",
              "`ExtractedPage.title` (extract/fields.py; docs/extraction.md)", lambda p: p.page.title, "title"),
    PageField("published_at", "datetime | None", "First publication, in the offset the page printed.",
              "`choose_published`: page metadata, else news sitemap/feed, else dateline (docs/extraction.md)",
              lambda p: _pub(p, "value"), "published_at"),
    PageField("published_utc", "str | None", "`published_at` in UTC, `Z` suffix.", "derived from published_at",
              lambda p: _utc(_pub(p, "value"))),
    PageField("published_source", "str | None", "Where published_at came from: `jsonld`, `meta`, `time_tag`, "
              "`visible_text`, `url`, `sitemap`, `feed`, `dateline`.", "`PublishedTime.source`",
              lambda p: _pub(p, "source"), "published_source"),
    PageField("published_precision", "str | None", "`datetime`, or `day` when only a date is known (then "
              "00:00 of that day).", "`PublishedTime.precision`", lambda p: _pub(p, "precision"),
              "published_precision"),
    PageField("published_raw", "str | None", "The string published_at was parsed from.", "`PublishedTime.raw`",
              lambda p: _pub(p, "raw")),
    PageField("published_rejected", "str | None", "Why the page keeps no publication time: one found was "
              "outside the plausible window (before the source's era, 1990 by default, or after the fetch + "
              "1 day), with the evidence it came from; or `relative_only ('2 hours ago')`, a relative date "
              "line with no sitemap date or HTTP Last-Modified to read it against.",
              "`crawler.core.plausible.published_rejection`, `ExtractedPage.relative_date`",
              lambda p: p.published_rejected, "published_rejected"),
    PageField("modified_at", "datetime | None", "Last modification the page declares.",
              "`ExtractedPage.modified` (extract/published.py)",
              lambda p: p.page.modified.value if p.page.modified else None),
    PageField("language", "str | None", "ISO 639-1 as the page declares it (not detected).",
              "`ExtractedPage.language`", lambda p: p.page.language, "language"),
    PageField("authors", "list[str]", "People credited as authors, in page order.", "`ExtractedPage.authors`",
              lambda p: list(p.page.authors), "authors"),
    PageField("site_name", "str | None", "og:site_name, else JSON-LD publisher name.",
              "`ExtractedPage.site_name`", lambda p: p.page.site_name),
    PageField("source", "str", "The publisher: news-sitemap publication name → site_name → host (a spider "
              "may name the source instead).", "`ProcessedPage.source_name`", lambda p: p.source_name,
              "source_name"),
    PageField("agency", "str | None", "The wire agency whose copy this is (normalised code, e.g. `IANS`).",
              "`CleanBody.agency`, else `normalize.agency.detect_agency`", lambda p: p.agency, "agency"),
    PageField("agency_source", "str | None", "Evidence for agency: `dateline`, `wrapper`, `byline`, `trailer`, "
              "`jsonld`, `house_style`.", "`AgencyEvidence.source`", lambda p: p.agency_source, "agency_source"),
    PageField("dateline", "object | None", "The body's dateline (\"NEW DELHI, Feb 28 (IANS) -\"); parts below.",
              "`CleanBody.dateline`, else the element the page marks as one (`ExtractedPage.dateline_text`)",
              lambda p: p.clean.dateline, None, DATELINE_FIELDS),
    PageField("wrapper", "str | None", "A syndication wrapper taken off the body (\"(MENAFN- IANS)\").",
              "`CleanBody.wrapper` (normalize/body.py)", lambda p: p.clean.wrapper),
    PageField("disclaimers", "list[str]", "Auto-publish notices taken off the body.", "`CleanBody.disclaimers`",
              lambda p: list(p.clean.disclaimers)),
    PageField("trailer", "str | None", "A credit line taken off the end of the body (\"--IANS sd/vd\").",
              "`CleanBody.trailer`", lambda p: p.clean.trailer),
    PageField("topic", "str", "`dialogue_event` | `dialogue_other` | `unrelated` (unrelated pages are not "
              "archived: they become a rejected URL).", "`events.topic.classify_topic`",
              lambda p: p.topic.topic, "topic"),
    PageField("topic_reasons", "list[str]", "Why the topic was chosen, human-readable.", "`TopicDecision.reasons`",
              lambda p: list(p.topic.reasons), "topic_reasons"),
    PageField("relation", "str | None", "The event's relation when the page is a dialogue_event, else None.",
              "`EventFacts.relation`", _relation, "relation"),
    PageField("event", "object | None", "What the page says about one round of one dialogue; parts below. "
              "Archived only for a dialogue_event page with a country pair.",
              "`events.extract_event_facts` on the title and body (after the description when it is a "
              "standfirst the body lacks: `ExtractedPage.description`)",
              lambda p: p.facts, "event", EVENT_FIELDS, _event_facts),
    PageField("discovery", "dict | None", "What discovery knew of the page (its news-sitemap or feed time, "
              "publication name, how it was found), kept so `reprocess` rebuilds the crawl's context.",
              "`Link` (discovery.py) via `link_to_json`", lambda p: _discovery(p), "discovery"),
    PageField("fetched_via", "str | None", "How the URL was found: `sitemap` | `feed` | `listing` | `url`.",
              "`Link.via` (discovery.py)", lambda p: p.link.via if p.link is not None else None, "fetched_via"),
    PageField("content_hash", "str", "Hash of the clean body: syndicated copies differing only in wrapper, "
              "dateline punctuation, case or spacing hash alike.", "`normalize.body.content_hash`",
              lambda p: p.content_hash(), "content_hash"),
    PageField("extractor_version", "str", "Version of the rules that produced these fields (re-process "
              "stored HTML when it changes).", "`process.PIPELINE_VERSION`", lambda p: p.extractor_version,
              "extractor_version"),
    PageField("body", "str", "The clean main text: paragraphs joined by a blank line, wrapper, dateline, "
              "disclaimers and trailer removed.", "`ExtractedPage.body_paragraphs` → `CleanBody.paragraphs`",
              lambda p: p.body, "body"),
)

FETCH_FIELDS: tuple[FetchField, ...] = (
    FetchField("fetched_at", "datetime", "When the page was fetched (aware, UTC).", "the spider / reprocess",
               ),
    FetchField("http_status", "int", "HTTP status of the fetch.", "the response"),
    FetchField("http_last_modified", "datetime | None",
               "The response's `Last-Modified` header (aware, UTC): the reference a crawl resolved relative dates "
               "against, kept so `reprocess` resolves them the same way.", "the response"),
    FetchField("raw_html", "bytes | None", "The page as fetched, when the run keeps raw HTML (re-processing).",
               "the response (`NEWSARCHIVE_KEEP_RAW`)"),
    FetchField("source_kind", "str | None", "Kind of the source, when the caller knows it (new source rows).",
               "the caller (the crawler leaves it None)"),
    FetchField("source_country", "str | None", "Country of the source, when the caller knows it.",
               "the caller (the crawler leaves it None)"),
)

# Fields of ExtractedPage read as evidence for the fields above but not shown or archived themselves.
EVIDENCE_ONLY: dict[str, str] = {
    "author_organizations": "organisations credited as author in JSON-LD: evidence for `agency`",
    "description": "og:description / JSON-LD description: a standfirst for `event` when the body lacks it",
    "dateline_text": "an element the page marks as the dateline: `dateline` when the body has none",
    "published": "the page's own time: one candidate of `published_at`",
    "url": "the URL passed in (the same as `url`)",
    "body_paragraphs": "the main text before cleaning: `body`",
}


def jsonable(value: Any) -> Any:
    """A field value as JSON: dates and times in ISO 8601, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def field_dict(fields: tuple[PageField, ...], obj: Any) -> dict[str, Any]:
    """The fields of ``obj`` (a ProcessedPage, Dateline or EventFacts) as a JSON-ready dict, contract order."""
    out: dict[str, Any] = {}
    for f in fields:
        value = f.get(obj)
        if f.parts:
            out[f.name] = None if value is None else field_dict(f.parts, value)
        else:
            out[f.name] = jsonable(value)
    return out


def record_values(page: Any) -> dict[str, Any]:
    """The archived fields of a ProcessedPage by ``DocumentRecord`` name (``event``: a dict of the
    ``EventFactsRecord`` fields, or None)."""
    out: dict[str, Any] = {}
    for f in PAGE_FIELDS:
        value = (f.stored or f.get)(page)
        if f.parts and f.record is None:  # flattened into the document: dateline_city, ...
            for part in f.parts:
                if part.record is not None:
                    out[part.record] = None if value is None else part.get(value)
        elif f.parts:
            assert f.record is not None
            out[f.record] = None if value is None else {
                part.record: part.get(value) for part in f.parts if part.record is not None
            }
        elif f.record is not None:
            out[f.record] = value
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(fields: tuple[PageField, ...], prefix: str = "") -> list[str]:
    lines = ["| field | type | meaning | origin | archived as |", "|---|---|---|---|---|"]
    for f in fields:
        archived = f"`{f.record}`" if f.record else ("flattened (see parts)" if f.parts else "—")
        lines.append(f"| `{prefix}{f.name}` | `{_cell(f.type)}` | {_cell(f.meaning)} | {_cell(f.origin)} | "
                     f"{archived} |")
    return lines


def render_markdown() -> str:
    """docs/contract.md."""
    lines = [
        "# Data contract: the fields of a processed page",
        "",
        "<!-- Generated by `python -m crawler.core.contract > docs/contract.md` from crawler/core/contract.py;",
        "     tests/test_contract.py fails when this file is out of date. Do not edit by hand. -->",
        "",
        "One page in, these fields out. `newsarchive extract` prints them (`ProcessedPage.to_dict`), the",
        "snapshots under tests/snapshots/ hold them, and the archive stores the ones with an *archived as*",
        "name (`ProcessedPage.to_record` → `storage.records.DocumentRecord`). All three are derived from",
        "`crawler/core/contract.py`. A field the page does not state is null (or an empty list): nothing is",
        "invented. In JSON, `date` is `YYYY-MM-DD` and `datetime` is ISO 8601 with the offset.",
        "",
        "## Page fields",
        "",
        *_table(PAGE_FIELDS),
        "",
        "## `dateline` parts",
        "",
        "Archived flattened into the document row as `dateline_*`.",
        "",
        *_table(DATELINE_FIELDS, "dateline."),
        "",
        "## `event` parts",
        "",
        "Archived as `storage.records.EventFactsRecord` (the *archived as* names are its fields).",
        "",
        *_table(EVENT_FIELDS, "event."),
        "",
        "## Stored, not on the page",
        "",
        "`DocumentRecord` fields that come from the fetch or the source, passed to `to_record`.",
        "",
        "| field | type | meaning | origin |",
        "|---|---|---|---|",
        *[f"| `{f.name}` | `{_cell(f.type)}` | {_cell(f.meaning)} | {_cell(f.origin)} |" for f in FETCH_FIELDS],
        "",
        "## Evidence only",
        "",
        "`ExtractedPage` fields (docs/extraction.md) read by the rules above but neither shown nor archived.",
        "",
        *[f"- `{name}`: {why}" for name, why in EVIDENCE_ONLY.items()],
        "",
    ]
    return "\n".join(lines)


def _discovery(page: Any) -> dict[str, Any] | None:
    from crawler.core.context import link_to_json

    return link_to_json(page.link)


__all__ = ["DATELINE_FIELDS", "EVENT_FIELDS", "EVIDENCE_ONLY", "FETCH_FIELDS", "PAGE_FIELDS", "FetchField",
           "PageField", "field_dict", "jsonable", "record_values", "render_markdown"]

if __name__ == "__main__":
    print(render_markdown(), end="")
