"""The headline of an article page: the candidates a page offers (JSON-LD ``headline``, ``og:title`` /
``twitter:title``, the ``<h1>``, microdata ``itemprop=headline``, ``<title>``) and the named steps that choose
one. The steps and the class of page that motivated each are in tests/cases/titles.jsonl (tests/test_titles.py
reads it); the figures they are measured by are web-dev's title exact (benchmarks/eval_webdev.py) and fundus'
(benchmarks/eval_extraction.py).

Every function takes the already-parsed tree (and the JSON-LD article objects / ``<meta>`` map the caller
computed once) and returns a value or None — never raises on odd markup.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.core.extract.fields import first_str, normalise_space

__all__ = ["extract_title", "h1_full_text"]

# Separators publishers put between a headline and the site/section name in <title> / og:title.
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»›*/]\s+|\s*[|ㅣ｜：]\s*|\s*--\s*|-(?=[^\s-]*ㅣ)")
_SEPARATOR_START = re.compile(r"^\s*(?:[|\-–—:·•»›*/ㅣ｜：]|--)")
# A site, section or date segment put BEFORE the headline ("BMAS - Headline", "08.11.2021 | Headline"):
# a separator other than the colon (which joins a kicker that is part of the headline) ending the prefix.
_PREFIX_SEPARATOR_END = re.compile(r"(?:\s[|\-–—·•»›*/]|[|ㅣ｜]|--)\s*$")
_PREFIX_MAX_WORDS = 4
# Chinese and Japanese titles join the site's name without spaces ("标题-新华网", "标题_网站"): a hyphen,
# underscore or bar right after a CJK character, then two to eight CJK characters to the end.
_CJK = "\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef"
_CJK_SITE_TAIL = re.compile(rf"(?<=[{_CJK}])(?:-{{1,2}}|_|\|)[\u4e00-\u9fff\u3040-\u30ff]{{2,8}}$")


# Spacing and the separators that join a kicker to its headline.
_KICKER_JOIN = re.compile(r"[\s|/:\-–—·•»]+")


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _host_core(url: str | None) -> str:
    """ "www.thenation.com" → "thenation" (registered-name part of the host, for suffix matching)."""
    host = (urlsplit(url).hostname or "") if url else ""
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp", "edition", "news")]
    return _squash(parts[0]) if parts else ""


def _strip_site_suffix(
    title: str, site_name: str | None, url: str | None = None, h1: str | None = None
) -> str:
    """Drop the site/section tail of a <title>-like string ("Headline | Site", "Headline - Section - Site").

    Rules, in order: the visible <h1> followed by a separator → the h1; a tail segment naming the site
    (og:site_name or the host name) → cut before it; a short tail after " | " → cut. Otherwise unchanged.
    """
    if h1 and title == h1:
        # the page shows this very string as its headline: a " - " inside it is not a site tail
        return title
    if h1 and title != h1 and title.startswith(h1) and _SEPARATOR_START.match(title[len(h1) :]):
        return h1
    if h1 and title != h1 and title.endswith(h1) and _prefix_segment(title[: -len(h1)]):
        return h1
    cjk_tail = _CJK_SITE_TAIL.search(title)
    if cjk_tail and cjk_tail.start() >= 4:
        return title[: cjk_tail.start()]
    pieces = _TITLE_SEPARATORS.split(title)
    if len(pieces) < 2:
        return title
    names = {n for n in (_squash(site_name or ""), _host_core(url)) if len(n) >= 2}
    spans = [m.start() for m in _TITLE_SEPARATORS.finditer(title)]
    for index, piece in enumerate(pieces[1:], start=1):
        squashed = _squash(piece)
        if squashed and any(name in squashed or squashed in name for name in names if len(squashed) >= 2):
            head = title[: spans[index - 1]].strip()
            # Cut at the first separator of the tail that belongs to the site ("- News - SRF" → both go).
            for back in range(index - 1, 0, -1):
                if len(pieces[back].split()) <= 2 and len(title[: spans[back - 1]].strip()) >= 15:
                    head = title[: spans[back - 1]].strip()
                else:
                    break
            # A short head ("About Us - Shabka") is cut only before the site's name itself, as a whole tail.
            whole_name = index == len(pieces) - 1 and squashed in names
            return head if len(head) >= 10 or (whole_name and len(head) >= 3) else title
    last = pieces[-1]
    if " | " in title and len(last.split()) <= 3 and len(title) - len(last) > 15:
        return title[: title.rfind(" | ")].strip()
    return title


def _prefix_segment(prefix: str) -> bool:
    """True for a short site/section/date segment closed by a non-colon separator ("BMAS - ")."""
    match = _PREFIX_SEPARATOR_END.search(prefix)
    return match is not None and 0 < len(prefix[: match.start()].split()) <= _PREFIX_MAX_WORDS


# Class names of the kicker / overline / "Dachzeile" line that templates put inside the <h1> above the
# headline proper; the headline is the h1 without it.
_KICKER_CLASS = re.compile(
    r"kicker|overline|dachzeile|topline|roofline|eyebrow|supertitle|spitzmarke|pretitle|superline|subtitle|h1small"
    r"|\blabel\b",
    re.I,
)
_LEADING_SEPARATOR = re.compile(r"^\s*(?:[|\-–—:·•»/]|--)\s*")


def _shown_text(element: HtmlElement) -> str:
    """Whitespace-normalised text of an element without the <style>/<script> inside it (CSS-in-JS
    templates put a <style> block inside the headline element)."""
    if element.find(".//style") is None and element.find(".//script") is None:
        return normalise_space(element.text_content())
    return normalise_space("".join(element.xpath(".//text()[not(ancestor::style) and not(ancestor::script)]")))


def _headline_text(element: HtmlElement) -> str:
    """Text of a headline element, minus a kicker element nested in it ("Topic - Headline" → "Headline")."""
    text = _shown_text(element)
    kickers = [el for el in element.iterdescendants() if _KICKER_CLASS.search(str(el.get("class") or ""))]
    rest = text
    for kicker in kickers:
        kicker_text = normalise_space(kicker.text_content())
        if kicker_text and rest.startswith(kicker_text):
            rest = _LEADING_SEPARATOR.sub("", rest[len(kicker_text) :].lstrip())
    return rest if len(rest) >= 5 else text


def _h1_element(tree: HtmlElement) -> HtmlElement | None:
    """The first <h1> with at least five characters of text that is not the site's logo, or None."""
    for h1 in tree.iter("h1"):
        if len(_shown_text(h1)) >= 5 and not _is_logo(h1):
            return h1
    return None


_LOGO_HINT = re.compile(r"logo|brand|site-?title|site-?name|masthead", re.IGNORECASE)


def _is_logo(h1: HtmlElement) -> bool:
    """A template's logo in an <h1> ("<h1 class="logo"><a href="/">Ministry of ...</a></h1>"): a logo/brand
    class on it or its link, or nothing in it but one link to the site's home page."""
    if _LOGO_HINT.search(f"{h1.get('class') or ''} {h1.get('id') or ''}"):
        return True
    links = list(h1.iter("a"))
    if len(links) != 1 or normalise_space(links[0].text_content()) != normalise_space(h1.text_content()):
        return False
    link = links[0]
    href = (link.get("href") or "").split("?")[0].split("#")[0]
    return bool(_LOGO_HINT.search(link.get("class") or "")) or href in ("/", "./", "") or (href.endswith(
        ("/index.html", "/index.htm", "/index.php")
    ) and href.count("/") <= 2)


def h1_full_text(tree: HtmlElement) -> str | None:
    """Whitespace-normalised text of the page's headline <h1> (kicker included), or None."""
    h1 = _h1_element(tree)
    return _shown_text(h1) if h1 is not None else None


def _h1_text(tree: HtmlElement) -> str | None:
    """Headline text of the first <h1> with at least five characters."""
    h1 = _h1_element(tree)
    return _headline_text(h1) if h1 is not None else None


def _in_navigation(element: HtmlElement) -> bool:
    """True inside <nav> or a breadcrumb trail (some templates put the SEO headline <h1> there)."""
    for node in (element, *element.iterancestors()):
        if node.tag == "nav" or "breadcrumb" in str(node.get("class") or "").lower():
            return True
        if any("breadcrumb" in name.lower() for name in node.attrib if isinstance(name, str)):
            return True
    return False


# Zones whose text is not the article's displayed headline.
_NOT_HEADLINE_ZONE = {"nav", "aside", "footer", "a", "script", "style", "noscript", "template", "figure"}


def _headline_variants(candidates: list[str | None]) -> list[str]:
    """The candidates, each also without a short leading site/section/date segment ("BMAS - Headline")."""
    out: list[str] = []
    for candidate in candidates:
        if not candidate:
            continue
        out.append(candidate)
        for match in _TITLE_SEPARATORS.finditer(candidate):
            if _prefix_segment(candidate[: match.end()]):
                out.append(candidate[match.end() :].strip())
            break
    return out


def _displayed_headline(tree: HtmlElement, candidates: list[str], as_shown: bool = False) -> str | None:
    """The candidate that the page shows as a headline when its <h1> sits in the breadcrumb.

    First choice: the first element outside navigation, links and asides whose headline text (without a
    nested kicker element) equals a candidate. Else the first whose text equals one up to spacing and
    punctuation (a kicker shown on its own line reads "Kicker Headline", not "Kicker: Headline"), as the
    candidate or, with ``as_shown``, as the element prints it. None when no element shows one.
    """
    exact = set(candidates)
    loose = {_squash(c): c for c in candidates if _squash(c)}
    longest = max((len(c) for c in candidates), default=0)
    body = tree.find(".//body")
    fallback: str | None = None
    for element in (body if body is not None else tree).iter("h2", "h3", "span", "div", "p", "strong"):
        if len(element) > 8:
            continue
        text = normalise_space(element.text_content())
        if not text or len(text) > longest + 10:
            continue
        headline = _headline_text(element)
        found = headline if headline in exact else None
        loose_hit = None if found or fallback else loose.get(_squash(text))
        if loose_hit and as_shown:
            loose_hit = headline
        if (found or loose_hit) and _outside_navigation(element):
            if found:
                return found
            fallback = loose_hit
    return fallback


def _outside_navigation(element: HtmlElement) -> bool:
    """True unless the element sits in navigation, a link, an aside, a footer or a figure."""
    return not (any(a.tag in _NOT_HEADLINE_ZONE for a in element.iterancestors()) or _in_navigation(element))


def _itemprop_headline(tree: HtmlElement) -> str | None:
    """The first displayed schema.org microdata ``itemprop="headline"`` element's text, or None.

    A ``<meta itemprop="headline" content=...>`` is skipped: it is metadata like og:title, not the
    headline the page shows, so it cannot vouch for one candidate over another.
    """
    for element in tree.xpath("//*[@itemprop]"):
        if element.tag == "meta" or "headline" not in str(element.get("itemprop") or "").lower().split():
            continue
        text = _headline_text(element)
        if len(text) >= 5:
            return text
    return None


# A live blog's own headline carries a "LIVE" / "Ticker:" marker; the page's social title for the latest
# update usually does not, and it is the one that names the story.
_LIVE_MARK = re.compile(r"\bLIVE\b|(?i:\b(?:live|liveblog|live-?ticker|ticker|newsblog)\s*[:|])")
# An HTML entity left inside a JSON-LD string ("&#8217;", "&quot;"): the CMS filled the JSON-LD template
# from an HTML-escaped field, which on such sites is often not the headline the page itself leads with.
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def extract_title(
    tree: HtmlElement,
    articles: list[dict[str, Any]],
    meta: dict[str, str],
    site_name: str | None,
    url: str | None = None,
) -> str | None:
    """The headline (see :func:`_headline`) in Unicode's canonical composed form (NFC), so one headline
    typed with precomposed or with combining characters compares equal."""
    title = _headline(tree, articles, meta, site_name, url)
    return unicodedata.normalize("NFC", title) if title else title


def _headline(
    tree: HtmlElement,
    articles: list[dict[str, Any]],
    meta: dict[str, str],
    site_name: str | None,
    url: str | None = None,
) -> str | None:
    """The headline: JSON-LD ``headline`` → ``og:title`` → first ``<h1>`` → ``<title>`` minus its site tail.

    Adjustments, in order: a JSON-LD headline that still carried HTML entities loses to a differing
    ``og:title``; otherwise a JSON-LD or OpenGraph headline that equals the visible ``<h1>`` (without its
    kicker line) wins over one that does not (pages often carry an SEO variant in one of them), and a
    headline truncated with "..." that prefixes the h1 yields the h1. A live-blog headline ("… LIVE: …",
    "Nahost-Ticker: …") then gives way to the first of og:title / twitter:title / JSON-LD without the marker.
    """
    h1 = _h1_text(tree)
    titles = tree.xpath("//title")
    page_title = normalise_space(titles[0].text_content()) if titles else ""
    metadata = [normalise_space(meta.get(key)) for key in ("og:title", "twitter:title")]
    metadata += [first_str(obj.get("headline")) or "" for obj in articles[:1]]
    site_h1 = h1 if h1 and _names_the_site(h1, site_name, page_title, metadata) else None
    if site_h1:
        h1 = None
    elif h1 and page_title:
        h1 = _without_kicker_prefix(h1, _strip_site_suffix(page_title, site_name, url))
    jsonld_headline: str | None = None
    jsonld_escaped = False
    for obj in articles:
        jsonld_headline = first_str(obj.get("headline")) or first_str(obj.get("name"))
        if jsonld_headline:
            raw = obj.get("headline") or obj.get("name")
            jsonld_escaped = isinstance(raw, str) and bool(_ENTITY.search(raw))
            # Some CMSs copy the <title> (with its "| Site" tail) into the JSON-LD headline.
            jsonld_headline = _strip_site_suffix(jsonld_headline, site_name, url, h1)
            break
    microdata = _itemprop_headline(tree)
    og_raw = normalise_space(meta.get("og:title") or meta.get("twitter:title"))
    og = _strip_site_suffix(og_raw, site_name, url, h1) if og_raw else None
    # A news publisher (a NewsArticle in JSON-LD, or Google News' ``news_keywords``) edits its metadata
    # headline; elsewhere the metadata title is often an SEO variant of the headline the page shows.
    news = any(_is_news_type(obj.get("@type")) for obj in articles[:1]) or "news_keywords" in meta
    if og and page_title:
        shown_title = _strip_site_suffix(page_title, site_name, url, h1)
        og = _cut_at_quote(og, shown_title)
        if not news and og != shown_title and _typography_folded(og) == _typography_folded(shown_title):
            og = shown_title
    visible = h1
    h1_element = _h1_element(tree)
    if h1_element is not None and _in_navigation(h1_element):
        # An <h1> in the breadcrumb carries the SEO title; the headline shown is another element.
        visible = _displayed_headline(tree, [c for c in (jsonld_headline, og) if c])
    elif h1 is None and (jsonld_headline or og):
        # No headline <h1> (none, or the site's name): the headline the page shows in an <h2>/<div>, as
        # it prints it, when it is a metadata title or one without its leading site/date segment.
        shown = _displayed_headline(tree, _headline_variants([jsonld_headline, og]), as_shown=True)
        if shown:
            return shown
    chosen = _choose(jsonld_headline, og, [microdata, visible], jsonld_escaped, news)
    if chosen is None and h1:
        chosen = h1
    if chosen:
        if _LIVE_MARK.search(chosen):
            tw_raw = normalise_space(meta.get("twitter:title"))
            tw = _strip_site_suffix(tw_raw, site_name, url, h1) if tw_raw else None
            calm = [c for c in (og, tw, jsonld_headline) if c and not _LIVE_MARK.search(c)]
            if calm:
                return calm[0]
        return chosen
    # Templates without a headline <h1> (government press releases) often have a generic <title>
    # ("Press Release: <Office>", "Press Releases View | <the ministry's name, which the logo repeats>")
    # and the real headline in the first <h2>/<h3> of the content.
    logo = site_h1 or next((normalise_space(h.text_content()) for h in tree.iter("h1") if _is_logo(h)), None)
    title = _strip_site_suffix(page_title, site_name or logo, url) if page_title else ""
    if site_h1 and site_name and title == page_title:
        title = _strip_site_suffix(page_title, site_h1, url)
    h2 = _content_h2(tree)
    generic = not title or title == logo or (site_name is not None and title == site_name)
    if h2 and (generic or h2 in title or len(title.split()) <= 5 < len(h2.split())):
        return h2
    return title or None


def _names_the_site(h1: str, site_name: str | None, page_title: str, metadata: list[str]) -> bool:
    """True when the <h1> is the site's name, not the page's headline (blog templates put the blog's name
    in the <h1>): the <title> leads with something else, no social/JSON-LD headline contains the h1, and
    the h1 equals og:site_name or a segment of the <title> after its first ("Post | Blog")."""
    if not page_title or page_title.startswith(h1) or any(h1 in text for text in metadata):
        return False
    if site_name and _squash(h1) == _squash(site_name):
        return True
    return h1 in (piece.strip() for piece in _TITLE_SEPARATORS.split(page_title)[1:])


_KICKER_END = re.compile(r"\S\s*[:|\-–—·•»›/]\s*$")


def _without_kicker_prefix(h1: str, title: str) -> str:
    """The <title>'s headline when the <h1> is it behind a kicker and a separator ("Medienmitteilung der
    Direktion: Headline" with <title> "Headline"); else the h1 unchanged."""
    if len(title) >= 10 and h1 != title and h1.endswith(title) and _KICKER_END.search(h1[: -len(title)]):
        return title
    return h1


_OPENING_QUOTE = ('"', "“", "„", "«", "‘", "'")
_QUOTE_MARKS = '"“”„«»‘’\''



def _cut_at_quote(og: str, title: str) -> str:
    """The <title>'s headline when og:title is it cut short at a quotation mark (an unescaped ``"`` ended
    the attribute: ``content="Senator calls Biden "unfit""`` reads "Senator calls Biden")."""
    rest = title[len(og) :] if title.startswith(og) else ""
    quoted = rest.lstrip().startswith(_OPENING_QUOTE) and sum(rest.count(q) for q in _QUOTE_MARKS) >= 2
    return title if rest[:1].isspace() and quoted else og


def _label_not_headline(candidate: str, h1: str) -> bool:
    """True when the metadata title is a page label ("Pressemitteilungen", "About Us") that the <h1>'s
    headline is longer than by several words."""
    return len(candidate.split()) <= _LABEL_MAX_WORDS and len(h1.split()) >= len(candidate.split()) + 3


_LABEL_MAX_WORDS = 2
# A metadata title that is the <h1> plus trailing words ("Recipe von user", "Offer Dog food"): the h1.
_EXTENDED_MIN_CHARS = 10


def _choose(
    jsonld: str | None, og: str | None, visible: list[str | None], jsonld_escaped: bool, news: bool = False
) -> str | None:
    """The JSON-LD / og:title choice of :func:`extract_title`, before the live-blog adjustment.

    ``visible`` holds the page's marked-up headlines, strongest first (microdata ``itemprop=headline``,
    then the ``<h1>``): a candidate equal to one of them wins; the last of them is the fallback.
    """
    candidates = [c for c in (jsonld, og) if c]
    shown = [v for v in visible if v]
    if not news:
        # The headline the page shows, when a metadata title is it (even an HTML-escaped JSON-LD one) or is
        # it in ASCII quotes and dashes (the page typesets it): as printed.
        folded = {_typography_folded(c) for c in candidates}
        for anchor in shown:
            typeset = _typography_folded(anchor) != anchor
            if anchor in candidates or (typeset and _typography_folded(anchor) in folded):
                return anchor
    if jsonld_escaped and jsonld and og:
        return og
    for anchor in shown:
        for candidate in candidates:
            if candidate == anchor:
                return candidate
    # Equal up to spacing and separators: a kicker <span> run into the headline without a space
    # ("<span>Topic</span>Headline") reads "Topic / Headline" or "Topic: Headline" in metadata. Quotes
    # and other punctuation still count (a straight-quoted social title is a variant, not the h1).
    for anchor in shown:
        for candidate in candidates:
            if _KICKER_JOIN.sub("", candidate) == _KICKER_JOIN.sub("", anchor):
                return candidate
    h1 = visible[-1] if visible else None
    if h1 and candidates and _label_not_headline(candidates[0], h1):
        return h1
    if h1 and candidates and candidates[0].startswith(h1 + " ") and len(h1) >= _EXTENDED_MIN_CHARS:
        return h1
    if h1:
        for candidate in candidates:
            if candidate.endswith(("...", "…")) and h1.startswith(candidate.rstrip(".… ")):
                return h1
    if not news and h1 and candidates and _reworded(h1, candidates[0]):
        return h1
    if candidates:
        return candidates[0]
    return h1


def _content_h2(tree: HtmlElement) -> str | None:
    """The first <h2> or <h3> outside header/nav/aside/footer with at least four words, or None."""
    for h2 in tree.iter("h2", "h3"):
        if any(a.tag in ("header", "nav", "aside", "footer") for a in h2.iterancestors()):
            continue
        text = normalise_space(h2.text_content())
        if len(text.split()) >= 4:
            return text
    return None


# Typographic marks that an SEO plugin or a CMS's metadata field writes in ASCII while the page prints the
# typographer's form (WordPress curls quotes when it shows a title, not in its <meta>).
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-",
                             "\u00ad": None, "\u2060": None})


def _typography_folded(text: str) -> str:
    return text.translate(_TYPOGRAPHY).replace("…", "...")


def _is_news_type(value: object) -> bool:
    """True for a schema.org news type (NewsArticle, ReportageNewsArticle, ...) in a JSON-LD ``@type``."""
    types = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and "NewsArticle" in t for t in types)


_WORD = re.compile(r"\w+")


def _reworded(h1: str, candidate: str) -> bool:
    """True when the <h1> is the metadata title reworded (an SEO title beside the post's own title): at least
    half of the shorter one's words are in the other, and neither is the other behind a kicker or followed
    by a separator and a site/section tail."""
    if candidate.endswith(h1) or h1.endswith(candidate):
        return False
    if h1.startswith(candidate) and _SEPARATOR_START.match(h1[len(candidate) :]):
        return False
    words_h1 = {w.casefold() for w in _WORD.findall(h1)}
    words_candidate = {w.casefold() for w in _WORD.findall(candidate)}
    shorter = min(len(words_h1), len(words_candidate))
    return shorter >= 2 and len(words_h1 & words_candidate) * 2 >= shorter
