"""``extract_page``: one HTML page → :class:`ExtractedPage` (header fields, body, published time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from lxml.html import HtmlElement

from crawler.core.extract.body import extract_body_paragraphs
from crawler.core.extract.dates import PublishedTime
from crawler.core.extract.fields import (
    extract_authors,
    extract_canonical_url,
    extract_dateline_text,
    extract_description,
    extract_language,
    extract_site_name,
)
from crawler.core.extract.jsonld import jsonld_objects, pick_article
from crawler.core.extract.published import find_modified, find_published, meta_values
from crawler.core.extract.relative import relative_date_line
from crawler.core.extract.title import extract_title, h1_full_text

logger = logging.getLogger(__name__)

__all__ = ["ExtractedPage", "extract_page", "parse_html"]


@dataclass
class ExtractedPage:
    """What one fetched page says about itself. See docs/extraction.md for the data contract."""

    url: str | None
    canonical_url: str | None = None
    title: str | None = None
    body_paragraphs: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    author_organizations: list[str] = field(default_factory=list)
    language: str | None = None
    published: PublishedTime | None = None
    modified: PublishedTime | None = None
    description: str | None = None
    site_name: str | None = None
    dateline_text: str | None = None
    # a relative date line ("2 hours ago") left unread for want of a reference (crawler.core.extract.relative)
    relative_date: str | None = None

    @property
    def body(self) -> str:
        """The main text: paragraphs joined by a blank line."""
        return "\n\n".join(self.body_paragraphs)


def parse_html(html: str | bytes) -> HtmlElement | None:
    """Parse a page once (encoding sniffed for bytes, broken markup repaired); None when unparseable."""
    if not isinstance(html, str | bytes) or not html:
        return None
    # Imported outside the try: a broken install (say, lxml.html.clean missing) must fail loudly, not
    # make every page look unparseable.
    from trafilatura.utils import load_html

    # load_html handles lxml's own parse failures (no tree: None); anything else it raises is a bug
    tree = load_html(html)
    return tree if isinstance(tree, HtmlElement) else None


def extract_page(
    html: str | bytes,
    url: str | None = None,
    *,
    default_tz: tzinfo | None = None,
    country: str | None = None,
    relative_base: datetime | None = None,
) -> ExtractedPage:
    """Extract the fields of an article page.

    ``url`` is where the page was fetched (absolutises links, last-resort date). ``country`` is the
    source's ISO alpha-2 country, used for ambiguous zone abbreviations and the assumed zone;
    ``default_tz`` is the zone of printed times that carry none. ``relative_base`` is a trustworthy "now"
    for the page (its sitemap/feed date, its HTTP Last-Modified): relative phrases ("2 hours ago") are read
    against it and, without one, not at all — never against the wall clock. Garbage in → an ExtractedPage with
    only ``url`` set; never raises.
    """
    page = ExtractedPage(url=url)
    tree = parse_html(html)
    if tree is None:
        return page
    # No catch-all: each rule handles the malformed input it documents; an exception here is a bug in a
    # rule, and the crawl counts it (drop reason ``extract_error``) instead of archiving a half-read page.
    objects = jsonld_objects(tree)
    articles = pick_article(objects)
    meta = meta_values(tree)
    page.site_name = extract_site_name(articles, meta)
    page.title = extract_title(tree, articles, meta, page.site_name, url)
    page.authors, page.author_organizations = extract_authors(tree, articles, meta)
    page.language = extract_language(tree, articles, meta)
    page.canonical_url = extract_canonical_url(tree, meta, url)
    page.description = extract_description(articles, meta)
    marked = b"dateline" in html.lower() if isinstance(html, bytes) else "dateline" in html.lower()
    page.dateline_text = extract_dateline_text(tree, articles) if marked else None
    languages = [page.language] if page.language else None
    page.published = find_published(
        tree, articles, meta, url, country=country, default_tz=default_tz, languages=languages,
        relative_base=relative_base,
    )
    if page.published is None and relative_base is None:
        page.relative_date = relative_date_line(tree, languages)
    page.modified = find_modified(tree, articles, meta, country=country, default_tz=default_tz)
    paragraphs = extract_body_paragraphs(tree, url)
    # trafilatura keeps the article's own <h1> as the first line; the headline is page.title (or, where the
    # metadata chose another variant, the <h1> itself), not body.
    headlines = {t.casefold() for t in (page.title, h1_full_text(tree)) if t}
    if paragraphs and paragraphs[0].casefold() in headlines:
        paragraphs = paragraphs[1:]
    page.body_paragraphs = paragraphs
    return page
