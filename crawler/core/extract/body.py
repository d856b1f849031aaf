"""Main text of an article page, via trafilatura on the tree the caller already parsed.

``trafilatura.bare_extraction`` accepts an ``lxml.html.HtmlElement`` and copies it before cleaning, so the
caller's tree is left intact and the HTML is parsed once (checked in trafilatura 2.3, ``core.py``).
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from itertools import islice
from typing import Any

from lxml.html import HtmlElement

__all__ = ["BODY_OPTIONS", "extract_body_paragraphs"]

# Chosen on the article-extraction benchmark (docs/extraction.md): comments off (they are not the
# article), tables on (wire copy puts lists of outcomes in tables), precision favoured (F1 0.964 vs 0.960
# balanced, 0.959 recall; docs/extraction.md).
BODY_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "favor_recall": False,
    "deduplicate": False,
}

# trafilatura logs "empty HTML tree"/"not enough text" at ERROR for pages without an article; those are
# expected outcomes here, not errors of the crawl.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def extract_body_paragraphs(
    tree: HtmlElement, url: str | None = None, options: dict[str, Any] | None = None
) -> list[str]:
    """Paragraphs of the main text, whitespace-normalised, in page order; [] when there is no main text."""
    try:
        from trafilatura import bare_extraction
    except ImportError:
        return []
    opts = dict(BODY_OPTIONS)
    if options:
        opts.update(options)
    tree = _bounded(tree)
    source = _pruned(tree)
    paragraphs = _run(bare_extraction, source, url, opts)
    chars = sum(len(p) for p in paragraphs)
    if opts.get("favor_precision") and chars < SHORT_BODY_CHARS and _may_have_missed(tree, chars):
        # Precision mode sometimes keeps only a notice ("This copy is for your personal use..."), or drops
        # whole sections of a short post (list items, a second text block); a balanced run then finds
        # them. Under VERY_SHORT_BODY_CHARS keep whichever is longer; above, only a balanced text at
        # least BALANCED_GAIN times as long (a few more lines are usually boilerplate it let in).
        balanced = _run(bare_extraction, source, url, {**opts, "favor_precision": False})
        gain = 1.0 if chars < VERY_SHORT_BODY_CHARS else BALANCED_GAIN
        if sum(len(p) for p in balanced) > chars * gain:
            paragraphs = balanced
    return _drop_link_lines(tree, paragraphs)


# A related-stories line is one link's text, perhaps with the story's date glued on ("... meeting2024-04-06",
# "| Nepal, India hold 15th BCGSI meeting | Oct 7 2023 6:34PM |"); the main text's own links sit inside
# longer sentences.
_LINK_TEXT_MIN = 25
_LINE_BULLET = re.compile(r"\A[\s|•·\-–—*>]+")
_DATE_TAIL_MAX = 30
_SENTENCE_END = (".", "!", ";", ":", '"', "”", "’", "'", ".)", "»")


def _may_have_missed(tree: HtmlElement, chars: int) -> bool:
    """True when a precision-mode body of ``chars`` characters may have missed text: it is under
    VERY_SHORT_BODY_CHARS, or the page's <p> elements hold PARAGRAPH_TEXT_GAIN times as much text (a short
    press release whose paragraphs were all taken costs no second run)."""
    if chars < VERY_SHORT_BODY_CHARS:
        return True
    limit = chars * PARAGRAPH_TEXT_GAIN
    total = 0
    for paragraph in tree.iter("p"):
        total += len(" ".join(paragraph.text_content().split()))
        if total >= limit:
            return True
    return False


def _drop_link_lines(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` without lines that are the text of one of the page's links (related headlines)."""
    # Headlines do not end like sentences; only such short lines are worth looking up (saves ~1 ms a page).
    candidates = [p for p in paragraphs if len(p) <= 300 and not p.rstrip().endswith(_SENTENCE_END)]
    if not candidates:
        return paragraphs
    by_prefix: dict[str, list[str]] = {}
    for anchor in tree.iter("a"):
        text = " ".join(anchor.text_content().split())
        if len(text) >= _LINK_TEXT_MIN:
            by_prefix.setdefault(text[:_LINK_TEXT_MIN], []).append(text)
    if not by_prefix:
        return paragraphs
    kept = []
    for line in paragraphs:
        bare = _LINE_BULLET.sub("", line)
        texts = by_prefix.get(bare[:_LINK_TEXT_MIN], [])
        if any(bare.startswith(t) and len(bare) - len(t) <= _DATE_TAIL_MAX for t in texts):
            continue
        kept.append(line)
    return kept


# Below this many characters a precision-mode body is suspected of having missed the article or part of
# it (web-dev snippet F1 0.928 -> 0.932 going from 500 to 1,500 with the gain below; the article-extraction
# benchmark unchanged); below the second, of having missed it all.
SHORT_BODY_CHARS = 1_500
VERY_SHORT_BODY_CHARS = 500
BALANCED_GAIN = 1.5
PARAGRAPH_TEXT_GAIN = 1.5

# trafilatura is super-linear in the number of elements (50,000 <p> take ~6 s); the largest of the 258
# fundus article pages has ~4,100 elements. A page beyond this is extracted from its first elements only.
MAX_ELEMENTS = 20_000


def _bounded(tree: HtmlElement) -> HtmlElement:
    """``tree`` itself, or for a page of more than ``MAX_ELEMENTS`` elements a copy cut after the first
    ``MAX_ELEMENTS`` of them in document order (their ancestors come earlier, so the cut keeps them)."""
    # Counted in libxml2 first: text nodes make this count larger than the nodes tree.iter() yields, so a page
    # within it is within MAX_ELEMENTS, without a Python object built for each element (~1 ms a page).
    if tree.xpath("count(descendant-or-self::node())") <= MAX_ELEMENTS:
        return tree
    elements = list(islice(tree.iter(), MAX_ELEMENTS + 1))
    if len(elements) <= MAX_ELEMENTS:
        return tree
    tree = deepcopy(tree)
    later = list(tree.iter())[MAX_ELEMENTS:]
    for element in reversed(later):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return tree


# What every stage of trafilatura (precision and balanced runs, readability, justext, the baseline and its
# page-length measure) deletes before reading, so the stages that re-scan the whole raw tree with their class
# and id XPaths (~25 ms a page on a 40 KB page, most of it in the sidebar and footer) need not see it: scripts
# but JSON-LD, and styles (readability drops them first; tree_cleaning and basic_cleaning delete them), and
# <aside>/<footer> blocks that readability's unlikely-candidate rule drops (tree_cleaning and basic_cleaning
# delete <aside> and <footer>; guards in ``_prunable``). The text is the same as from the whole tree
# (tests/test_body_prune.py; 665 web-dev, 181 article-extraction-benchmark, 258 fundus and 300 generated
# pages identical in both runs; docs/performance.md).
_PRUNED_ALWAYS = ("style",)
_PRUNED_IF_UNLIKELY = ("aside", "footer")
_JSON_LD = "application/ld+json"


def _pruned(tree: HtmlElement) -> HtmlElement:
    """A copy of ``tree`` without the elements trafilatura deletes before reading anyway (``_prunable``)."""
    copied = deepcopy(tree)
    for element in _prunable(copied):
        element.drop_tree()  # keeps the tail text, as trafilatura's delete_element does
    return copied


def _prunable(tree: HtmlElement) -> list[HtmlElement]:
    """The elements of ``tree`` that ``_pruned`` may drop ([] when none may), in document order.

    Guards, each a stage that reads beyond the element itself:
    - JSON-LD scripts stay (the forum-thread check and the baseline read them);
    - an element holding what a stage reads before deleting it stays (``_read_inside``);
    - the root stays (nothing to drop it from);
    - nothing is dropped unless some <p> lies outside every element tree_cleaning deletes (its recall mode,
      used by the balanced run's escalation, restores a deleted subtree when no such <p> is left);
    - no <aside> or <footer> is dropped when an element tree_cleaning deletes holds one of its own tag (an
      <aside> in an <aside>; a script or style holds no elements): tree_cleaning deletes while iterating, and
      after deleting such an element its iteration goes on inside the detached subtree and stops there, so
      the later elements of that tag stay in the tree.
    """
    from trafilatura.readability_lxml import REGEXES
    from trafilatura.settings import MANUALLY_CLEANED

    cleaned = [tag for tag in MANUALLY_CLEANED if tag != "form"]
    if not any(next(p.iterancestors(*cleaned), None) is None for p in tree.iter("p")):
        return []
    nested = any(next(e.iterdescendants(e.tag), None) is not None for e in tree.iter(*cleaned))
    unlikely, maybe = REGEXES["unlikelyCandidatesRe"], REGEXES["okMaybeItsACandidateRe"]
    doomed: list[HtmlElement] = []
    for element in tree.iter("script", *_PRUNED_ALWAYS, *(() if nested else _PRUNED_IF_UNLIKELY)):
        if element.tag == "script":
            if (element.get("type") or "").strip().lower() != _JSON_LD:
                doomed.append(element)
        elif element.tag in _PRUNED_ALWAYS:
            doomed.append(element)
        else:
            # readability's remove_unlikely_candidates, verbatim: class and id joined, then lower-cased
            attrs = " ".join(filter(None, (element.get("class"), element.get("id"))))
            low = attrs.lower()
            if len(attrs) >= 2 and unlikely.search(low) and not maybe.search(low) and not _read_inside(element):
                doomed.append(element)
    return [element for element in doomed if element.getparent() is not None]


def _read_inside(element: HtmlElement) -> bool:
    """True when a stage reads something inside ``element`` before deleting it: an <h1> (the raw-tree
    infinite-scroll prune's ``not(.//h1)``) or Discourse's preloaded posts (the baseline's
    ``div[@id="data-preloaded"]``)."""
    return any(d.tag == "h1" or d.get("id") == "data-preloaded" for d in element.iter("h1", "div"))


def _run(bare_extraction: Any, tree: HtmlElement, url: str | None, opts: dict[str, Any]) -> list[str]:
    document = bare_extraction(tree, url=url, with_metadata=False, output_format="python", **opts)
    text = getattr(document, "text", None) if document is not None else None
    if not isinstance(text, str):
        return []
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]
