"""Why a page has no publication time: its only date line is relative ("2 hours ago", "vor 3 Tagen").

Such a line is read only against a trustworthy reference the crawl gives for the page (its HTTP
``Last-Modified``, the sitemap's ``lastmod`` / ``news:publication_date``; crawler.core.extract.published),
never against the wall clock. Without one the page keeps no publication time, and this module finds the
line that says why (``published_rejected = "relative_only (...)"``, counted by the crawl as
``newsarchive/published/relative_only``).
"""

from __future__ import annotations

from itertools import islice

from lxml.html import HtmlElement

from crawler.core.extract.dates import is_relative_phrase
from crawler.core.extract.published import date_hint

__all__ = ["relative_date_line"]

_MAX_LINES = 20
_MAX_CHARS = 60
# A date line stands in the page's header: the first elements only (a 50,000-paragraph page costs no more).
_MAX_ELEMENTS = 5_000


def relative_date_line(tree: HtmlElement, languages: list[str] | None = None) -> str | None:
    """The first short text of a ``<time>`` or of an element whose class/id names a date that is a relative
    expression (among the first ``_MAX_ELEMENTS`` elements), or None."""
    seen = 0
    for el in islice(tree.iter(), _MAX_ELEMENTS):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "html", "body", "head"):
            continue
        if el.tag != "time" and not date_hint(el):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > _MAX_CHARS:
            continue
        if is_relative_phrase(text, languages):
            return text
        seen += 1
        if seen >= _MAX_LINES:
            break
    return None
