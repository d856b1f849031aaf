"""The published/modified time cascade (htmldate-style: one small named function per step).

Order, first hit wins: JSON-LD article object → ``<meta>`` (OpenGraph ``article:published_time`` and the
common names) / ``itemprop`` → ``<time datetime>`` in the article → visible date lines near the headline
→ a date in the URL path (day precision). Each step returns a :class:`PublishedTime` or None and never
raises. All strings go through :mod:`crawler.core.extract.dates`, the one home of time parsing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, tzinfo
from itertools import islice
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.core.extract.dates import PublishedTime, find_printed_date, parse_iso, parse_time_string
from crawler.core.extract.url_dates import date_from_url

__all__ = [
    "date_from_headline",
    "date_from_htmldate",
    "date_from_jsonld",
    "date_from_meta",
    "date_from_time_tag",
    "date_from_visible_text",
    "date_hint",
    "find_modified",
    "find_published",
    "meta_values",
]

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published-date",
    "publication_date",
    "publication-date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "cxenseparse:recs:publishtime",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "created",
    "citation_publication_date",
    "citation_date",
    "rnews:datepublished",
    "vr:published_time",
    "bt:pubdate",
    "datecreated",
    "displaydate",
    "pub_date",
    "article:post_date",
    "last-modified-date",  # some CMSs write the first-publish date here; only reached after the above
)
_MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
    "sailthru.lastmodified",
    "modified_time",
)


def meta_values(tree: HtmlElement) -> dict[str, str]:
    """name/property/itemprop/http-equiv of every <meta> → its content (first occurrence wins)."""
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in values:
                values[key] = content.strip()
    return values


def _jsonld_value(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("@value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _parse_machine(
    text: str | None, source: str, country: str | None, default_tz: tzinfo | None
) -> PublishedTime | None:
    if not text:
        return None
    found = parse_iso(text, source=source, country=country, default_tz=default_tz)
    if found is None:
        # Machine fields that are not ISO ("Fri, 01 Mar 2024 09:12:00 +0530", "March 1, 2024 9:12 am").
        found = parse_time_string(
            text, source=source, country=country, default_tz=default_tz, use_dateparser=False
        )
    return found


def date_from_jsonld(
    articles: list[dict[str, Any]],
    key: str = "datePublished",
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
) -> PublishedTime | None:
    """``key`` of the best JSON-LD article object that has a readable one (objects ranked by caller)."""
    for obj in articles:
        found = _parse_machine(_jsonld_value(obj, key), "jsonld", country, default_tz)
        if found is not None:
            return found
    return None


def date_from_meta(
    meta: dict[str, str],
    names: tuple[str, ...] = _PUBLISHED_META,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
) -> PublishedTime | None:
    """The first readable ``<meta>`` value among ``names`` (OpenGraph, Dublin Core, Parse.ly, ...)."""
    for name in names:
        found = _parse_machine(meta.get(name), "meta", country, default_tz)
        if found is not None:
            return found
    return None


# compiled once (an f-string XPath was compiled on every call, twice a page)
_ITEMPROP = etree.XPath("//*[@itemprop=$prop]")


def _itemprop_date(
    tree: HtmlElement, prop: str, country: str | None, default_tz: tzinfo | None
) -> PublishedTime | None:
    for el in _ITEMPROP(tree, prop=prop)[:5]:
        raw = el.get("datetime") or el.get("content") or el.text_content()
        found = _parse_machine(raw, "meta", country, default_tz)
        if found is not None:
            return found
    return None


def _article_scope(tree: HtmlElement) -> list[HtmlElement]:
    """Containers most likely to hold the article's own header: <article> holding the h1, then <main>."""
    scopes: list[HtmlElement] = []
    for h1 in tree.iter("h1"):
        for ancestor in h1.iterancestors():
            if ancestor.tag in ("article", "main"):
                scopes.append(ancestor)
                break
        if scopes:
            break
    scopes.extend(tree.xpath("//article[1] | //main[1]"))
    scopes.append(tree)
    return scopes


_PUB_HINT = re.compile(r"publish|pubdate|posted|created|date-?pub", re.IGNORECASE)
_MOD_HINT = re.compile(r"modif|updat", re.IGNORECASE)


def date_from_time_tag(
    tree: HtmlElement, *, country: str | None = None, default_tz: tzinfo | None = None
) -> PublishedTime | None:
    """``<time datetime>`` in the article header: a tag marked as published first, else the first tag.

    Tags marked as "updated"/"modified" are skipped, unless they are all there is.
    """
    for scope in _article_scope(tree):
        tags = [t for t in scope.iter("time") if t.get("datetime")][:20]
        if not tags:
            continue

        def hint(tag: HtmlElement) -> str:
            parent = tag.getparent()
            parent_hint = (
                " ".join((parent.get("class") or "", parent.get("id") or "")) if parent is not None else ""
            )
            return " ".join(
                (tag.get("class") or "", tag.get("itemprop") or "", tag.get("pubdate") or "", parent_hint)
            )

        marked = [t for t in tags if _PUB_HINT.search(hint(t)) or t.get("pubdate") is not None]
        plain = [t for t in tags if not _MOD_HINT.search(hint(t))]
        for tag in marked + plain + tags:
            found = _parse_machine(tag.get("datetime"), "time_tag", country, default_tz)
            if found is not None:
                return found
    return None


_DATE_CONTAINER_HINT = re.compile(
    r"date|time|publish|posted|byline|dateline|timestamp|meta-?info|updated"
    r"|(?:article|story|post|entry|news|content)[-_]?(?:info|meta|header|details)"
    r"|datum|fecha|tarih|zeit|czas|dato|aika",
    re.IGNORECASE,
)


def date_hint(el: HtmlElement) -> bool:
    """Does the element's class or id name a date, a byline or an article's meta line?"""
    return bool(_DATE_CONTAINER_HINT.search((el.get("class") or "") + " " + (el.get("id") or "")))


_LINE_PREFIX = re.compile(
    r"(?:published|posted|release date|released|first published|date|created)\s*(?:on|at)?\s*:?",
    re.IGNORECASE,
)
_UPDATED_PREFIX = re.compile(
    r"\b(?:updated|modified|edited|aktualisiert|actualizado|mis à jour|güncelleme)\b", re.IGNORECASE
)
_MAX_VISIBLE_CANDIDATES = 60
_LONG_META_LINE = 160
# Elements this close after the <h1> (in document order) are date-line candidates whatever their class:
# many templates print "Source: X | 2024-03-28 17:32:00" in an unnamed or oddly named block.
_NEAR_H1 = 25


# A government board's "Date 2024-05-03", "Posted On: 20 NOV 2023", "Release Date: March 1, 2024".
_DATE_LABEL = re.compile(r"^\s*(?:date|dated|posted(?: on)?|published(?: on)?|release date|released|issued)\s*:?\s*$",
                         re.IGNORECASE)


def _labelled_date(el: HtmlElement) -> bool:
    """Does the element open with a date label, in its own text or its first child's ("<li><span>Date</span>
    2024-05-03</li>")?"""
    if el.tag not in ("li", "dd", "dt", "td", "p", "div", "span") or len(el) > 3:
        return False
    own = (el.text or "").strip()
    if own:
        return bool(_DATE_LABEL.match(own.split(" ")[0] if len(own) > 30 else re.sub(r"[\d/.:-].*$", "", own)))
    first = el[0] if len(el) else None
    return first is not None and isinstance(first.tag, str) and bool(_DATE_LABEL.match(first.text or ""))


def _visible_candidates(tree: HtmlElement) -> tuple[list[tuple[int, str]], int | None]:
    """Short texts of elements whose class/id names a date or byline, with their document position,
    and the position of the first <h1> (None when there is none)."""
    found: list[tuple[int, str]] = []
    h1_at: int | None = None
    for index, el in enumerate(tree.iter()):
        tag = el.tag
        if not isinstance(tag, str) or tag in ("script", "style", "noscript", "a", "time", "html", "body"):
            continue
        if tag == "h1" and h1_at is None:
            h1_at = index
        near_h1 = h1_at is not None and 0 < index - h1_at <= _NEAR_H1 and tag not in ("p", "h1", "h2", "li")
        if not (near_h1 or date_hint(el) or _labelled_date(el)):
            continue
        text = " ".join(el.text_content().split())
        if len(text) > _LONG_META_LINE and date_hint(el) and not near_h1:
            # A blog theme's "post meta" paragraph ("This entry was posted on Saturday, 3 December 2011 and
            # filed under ... You can follow any responses ..."): its opening line carries the date.
            text = text[:_LONG_META_LINE]
        if text and len(text) <= _LONG_META_LINE and any(ch.isdigit() for ch in text):
            found.append((index, text))
            if len(found) >= _MAX_VISIBLE_CANDIDATES:
                break
    return found, h1_at


def date_from_visible_text(
    tree: HtmlElement,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    languages: list[str] | None = None,
    relative_base: datetime | None = None,
) -> PublishedTime | None:
    """A printed date in a short element whose class/id names a date or byline, nearest the headline.

    Candidates are tried by distance (in document order) from the first ``<h1>``, those after it first, so
    the article's own date line beats the dates of teasers and related links. Lines that say
    "Updated"/"Modified" are used only when no other printed date exists.
    """
    candidates, h1_at = _visible_candidates(tree)
    if h1_at is not None:
        candidates.sort(key=lambda item: (item[0] - h1_at) if item[0] >= h1_at else 3 * (h1_at - item[0]))
    updated: PublishedTime | None = None
    for _, text in candidates:
        found = parse_time_string(
            text,
            source="visible_text",
            country=country,
            default_tz=default_tz,
            languages=languages,
            relative_base=relative_base,
            use_dateparser=True,
        )
        if found is None:
            continue
        if _UPDATED_PREFIX.search(text) and not _LINE_PREFIX.search(text):
            updated = updated or found
            continue
        return found
    return updated


# How much text after the <h1> is the article's header: its date line ("04.02.2022 | 15:33 Uhr | A. Author",
# "Von A. Author (21. November 2022)", "By A. Author November 8, 2023, 11:15 PM") stands within it.
_HEADLINE_WINDOW = 300
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "select", "option", "button"})


def _texts_after(el: HtmlElement) -> Iterator[str]:
    """The text of the document after ``el`` (not inside it), in reading order, without scripts/styles."""
    node: HtmlElement | None = el
    while node is not None:
        if node.tail:
            yield node.tail
        for sibling in node.itersiblings():
            for event, sub in etree.iterwalk(sibling, events=("start", "end")):
                tag = sub.tag if isinstance(sub.tag, str) else ""
                if event == "start" and tag and tag not in _NO_TEXT and sub.text:
                    yield sub.text
                elif event == "end" and sub is not sibling and sub.tail:
                    yield sub.tail
            if sibling.tail:
                yield sibling.tail
        node = node.getparent()


def date_from_headline(
    tree: HtmlElement,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    languages: list[str] | None = None,
) -> PublishedTime | None:
    """The first date printed in the ``_HEADLINE_WINDOW`` characters of text after the first ``<h1>``,
    whatever its markup: the date line a reader sees under the headline. One labelled "Updated" there is
    passed over ("Last updated 04 Jun 2020, originally created 17 Jun 2019" → 17 Jun 2019)."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return None
    pieces: list[str] = []
    size = 0
    for text in _texts_after(h1):
        text = " ".join(text.split())
        if text:
            pieces.append(text)
            size += len(text) + 1
            if size >= _HEADLINE_WINDOW:
                break
    window = " ".join(pieces)[:_HEADLINE_WINDOW]
    while window:
        found = find_printed_date(window, country=country, default_tz=default_tz, languages=languages)
        if found is None:
            return None
        value, start, end = found
        if not _UPDATED_PREFIX.search(window[max(0, start - 25) : start]):
            return value
        window = window[end:]
    return None


def _printed_numerically(tree: HtmlElement, day: date) -> bool:
    """Does the page's text print ``day`` in full with digits ("01.02.2022", "1.2.2022", "2022-02-01",
    "01/02/2022")? Then a 1st of the month from htmldate is a day the page states, not a fallback."""
    text = tree.text_content()
    y, m = day.year, day.month
    forms = (f"{y}-{m:02d}-01", f"{y}/{m:02d}/01", f"01.{m:02d}.{y}", f"1.{m}.{y}", f"01/{m:02d}/{y}",
             f"{m:02d}/01/{y}", f"01-{m:02d}-{y}")
    return any(form in text for form in forms)


# Real pages have a few thousand elements (web-dev: median 718, largest 10,106).
_HTMLDATE_MAX_ELEMENTS = 20_000


def date_from_htmldate(
    tree: HtmlElement,
    url: str | None,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    max_date: datetime | None = None,
) -> PublishedTime | None:
    """htmldate's ``find_date(extensive_search=True, original_date=True)``, the last step of the cascade:
    its header, element and text heuristics read dates our steps do not (other languages' forms, date
    attributes of odd names, free-text patterns). Day precision.

    htmldate falls back to lower granularity (the copyright year as ``YYYY-01-01``, a year and month as
    ``YYYY-MM-01``); such a day is not the page's, so an answer on the 1st of a month is not used.
    ``max_date`` (the fetch time, when known) bounds its search; htmldate otherwise bounds it by today.
    """
    from htmldate import find_date

    if next(islice(tree.iter(), _HTMLDATE_MAX_ELEMENTS, None), None) is not None:
        return None  # its extensive search is linear but slow (1.5 s on 50,000 paragraphs): bounded
    found = find_date(tree, url=url, extensive_search=True, original_date=True,
                      max_date=max_date.strftime("%Y-%m-%d") if max_date is not None else None)
    if not found:
        return None
    day = date.fromisoformat(found)
    if day.day == 1 and not _printed_numerically(tree, day):
        return None
    parsed = parse_iso(day.isoformat(), source="htmldate", country=country, default_tz=default_tz)
    return PublishedTime(parsed.value, "htmldate", "day", found, True) if parsed else None


def find_published(
    tree: HtmlElement,
    articles: list[dict[str, Any]],
    meta: dict[str, str],
    url: str | None,
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
    languages: list[str] | None = None,
    relative_base: datetime | None = None,
) -> PublishedTime | None:
    """Run the published-time cascade; the first step that answers wins, unless the page's other
    witnesses agree on another day (:func:`_by_agreement`). None when nothing is found.

    ``relative_base`` is a trustworthy "now" for the page (its HTTP ``Last-Modified``, the sitemap's
    date); without one a relative expression ("2 hours ago", "vor 3 Tagen") is not read at all."""
    steps: tuple[Callable[[], PublishedTime | None], ...] = (
        lambda: date_from_jsonld(articles, "datePublished", country=country, default_tz=default_tz),
        lambda: date_from_meta(meta, country=country, default_tz=default_tz),
        lambda: _itemprop_date(tree, "datePublished", country, default_tz),
        lambda: date_from_time_tag(tree, country=country, default_tz=default_tz),
        lambda: date_from_visible_text(tree, country=country, default_tz=default_tz, languages=languages,
                                       relative_base=relative_base),
        lambda: date_from_headline(tree, country=country, default_tz=default_tz, languages=languages),
        lambda: date_from_url(url, country=country, default_tz=default_tz),
        lambda: date_from_htmldate(tree, url, country=country, default_tz=default_tz, max_date=relative_base),
    )
    answers: dict[int, PublishedTime | None] = {}

    def answer(index: int) -> PublishedTime | None:
        if index not in answers:
            answers[index] = steps[index]()  # None on input it cannot read; it raises only on a bug
        return answers[index]

    winner = next((index for index in range(len(steps)) if answer(index) is not None), None)
    if winner is None:
        return None
    if winner < _URL_STEP:
        # htmldate reads the address first: as a tie-breaker it is asked about the page alone
        winner = _by_agreement(winner, answer, len(steps) - 1, lambda: date_from_htmldate(
            tree, None, country=country, default_tz=default_tz, max_date=relative_base))
    chosen = answers[winner]
    assert chosen is not None
    found = _local_offset(chosen, steps[winner + 1 : 4])
    if winner < _URL_STEP:
        found = _url_day(found, answer(_URL_STEP))
    return found


_URL_STEP = 6  # the address's day; the page's own steps come before it, htmldate after
# Witnesses cheapest first (the date lines' dateparser last); a second one for the first answer settles it.
_AGREEMENT_ORDER = (0, 1, 6, 3, 2, 5, 4)


def _by_agreement(
    winner: int,
    answer: Callable[[int], PublishedTime | None],
    count: int,
    tie_breaker: Callable[[], PublishedTime | None],
) -> int:
    """The step whose day the page's witnesses agree on: the cascade's first answer, unless it stands
    alone and another day has at least two witnesses and more than it.

    The witnesses are the cascade's steps (JSON-LD, ``<meta>``, microdata, ``<time>``, date lines, the
    line under the headline, the address: the first ``count`` steps) and, only when they disagree,
    ``tie_breaker`` (htmldate on the page without its address).
    A JSON-LD ``datePublished`` of 2020 on a page whose ``<meta name="date">``, header line and htmldate
    all say 2023-01-01 is a template's stale value; a ``<time>`` of a teaser printed before the article's
    own date yields to the date line and htmldate that agree. Returns the first step of the chosen day."""
    first = answer(winner)
    assert first is not None
    days: dict[int, date] = {}
    instants: dict[datetime, date] = {}  # one instant written in two offsets is one day, the first's
    votes: Counter[date] = Counter()
    for index in (i for i in _AGREEMENT_ORDER if i < count):
        found = answer(index)
        if found is None:
            continue
        day = found.value.date()
        days[index] = instants.setdefault(found.value, day) if found.precision == "datetime" else day
        votes[days[index]] += 1
        if votes[first.value.date()] >= 2:
            return winner
    extra = tie_breaker() if len(votes) > 1 else None
    if extra is not None:
        votes[extra.value.date()] += 1
    first_step = {day: min(i for i, d in days.items() if d == day) for day in set(days.values())}
    best = max(first_step, key=lambda day: (votes[day], -first_step[day]))
    # a day next to the first answer's is a zone or a print edition's date, not a stale value: it stands
    if votes[best] >= 2 and votes[best] > votes[first.value.date()] and abs((best - first.value.date()).days) > 1:
        return first_step[best]
    return winner


def _url_day(found: PublishedTime, from_url: PublishedTime | None) -> PublishedTime:
    """The address's day, when the page's time is a day away from it only because of the zone it was
    written in: a UTC time ("2020-02-18T02:18:11Z") at an hour where the publisher's local day is still
    the day before (before 08:00 UTC, the Americas) or already the next one (from 14:00 UTC, Asia and
    the Pacific), or a printed day without a zone. The address (``/2020/02/17/``) was written in the
    publisher's own day. Otherwise ``found`` unchanged."""
    if from_url is None:
        return found
    url_day, value = from_url.value.date(), found.value
    if (value.date() - url_day).days > 1:
        return from_url  # later than the day the address was minted: a modification posing as the publication
    offset = value.utcoffset()
    utc = offset is not None and offset.total_seconds() == 0
    if found.precision == "day" or not utc:
        if found.precision == "day" and abs((value.date() - url_day).days) == 1:
            return from_url
        return found
    if (value.date() - url_day).days == 1 and value.hour < 8:
        return from_url
    if (url_day - value.date()).days == 1 and value.hour >= 14:
        return from_url
    return found


def _local_offset(found: PublishedTime, later: tuple[Any, ...]) -> PublishedTime:
    """A UTC ("Z") time keeps its instant but takes the publisher's local offset when a later machine
    source on the page (meta, microdata, ``<time datetime>``) states the same instant with one: the
    JSON-LD serializer wrote UTC, the page printed ``+11:00``."""
    offset = found.value.utcoffset()
    if found.precision != "datetime" or offset is None or offset.total_seconds() != 0:
        return found
    for step in later:
        other = step()
        other_offset = other.value.utcoffset() if other is not None else None
        if (
            other is not None
            and other.precision == "datetime"
            and not other.offset_assumed
            and other_offset is not None
            and other_offset.total_seconds() != 0
            and other.value == found.value
        ):
            return PublishedTime(other.value, found.source, found.precision, found.raw, found.offset_assumed)
    return found


def find_modified(
    tree: HtmlElement,
    articles: list[dict[str, Any]],
    meta: dict[str, str],
    *,
    country: str | None = None,
    default_tz: tzinfo | None = None,
) -> PublishedTime | None:
    """The last-modified time: JSON-LD ``dateModified`` → modified ``<meta>`` → ``itemprop``; else None."""
    return (
        date_from_jsonld(articles, "dateModified", country=country, default_tz=default_tz)
        or date_from_meta(meta, _MODIFIED_META, country=country, default_tz=default_tz)
        or _itemprop_date(tree, "dateModified", country, default_tz)
    )
