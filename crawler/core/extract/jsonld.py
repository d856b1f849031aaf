"""Read schema.org JSON-LD blocks from a parsed page, tolerating the ways publishers break them.

Publishers ship JSON-LD with trailing commas, raw newlines inside strings, HTML comments or CDATA
wrappers, several objects pasted back to back, ``@graph`` containers and nested ``mainEntity`` objects.
:func:`jsonld_objects` flattens all of that into a list of dicts; :func:`pick_article` chooses the object
that describes the article itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

__all__ = ["ARTICLE_TYPES", "jsonld_objects", "object_types", "pick_article"]

# Ranked: news article types first, then generic articles, then pages that wrap an article.
ARTICLE_TYPES: dict[str, int] = {
    "newsarticle": 0,
    "reportagenewsarticle": 0,
    "analysisnewsarticle": 0,
    "opinionnewsarticle": 0,
    "backgroundnewsarticle": 0,
    "reviewnewsarticle": 0,
    "askpublicnewsarticle": 0,
    "liveblogposting": 1,
    "article": 1,
    "blogposting": 1,
    "socialmediaposting": 2,
    "report": 2,
    "scholarlyarticle": 2,
    "techarticle": 2,
    "claimreview": 2,
    "videoobject": 4,
    "webpage": 3,
    "itempage": 3,
    "collectionpage": 5,
}

_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_WRAPPER = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")


def _loads(text: str) -> Any:
    """json.loads with repairs for the common publisher mistakes; None when unreadable."""
    text = _WRAPPER.sub("", text.strip()).strip().rstrip(";")
    if not text:
        return None
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            pass
    # Several objects pasted back to back: "{...}{...}" or "{...}\n{...}".
    decoder = json.JSONDecoder(strict=False)
    out: list[Any] = []
    pos = 0
    cleaned = _TRAILING_COMMA.sub(r"\1", text)
    while pos < len(cleaned):
        while pos < len(cleaned) and cleaned[pos] in " \t\r\n,;":
            pos += 1
        if pos >= len(cleaned):
            break
        try:
            obj, pos = decoder.raw_decode(cleaned, pos)
        except (ValueError, RecursionError):
            break
        out.append(obj)
    return out or None


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1)
        for key in ("mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
            child = node.get(key)
            if isinstance(child, dict | list):
                yield from _walk(child, depth + 1)


def jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """All JSON-LD objects of the page, flattened (lists, ``@graph``, ``mainEntity``); [] when none."""
    objects: list[dict[str, Any]] = []
    scripts = tree.xpath(
        "//script[contains(translate(@type,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),"
        "'ld+json')]"
    )
    for script in scripts:
        text = script.text or ""
        if not text.strip():
            continue
        objects.extend(_walk(_loads(text)))
    return objects


def object_types(obj: dict[str, Any]) -> list[str]:
    """The lower-cased ``@type`` names of an object (schema.org prefixes dropped)."""
    raw = obj.get("@type")
    types = raw if isinstance(raw, list) else [raw]
    return [t.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in types if isinstance(t, str)]


def _rank(obj: dict[str, Any]) -> int | None:
    ranks = [ARTICLE_TYPES[t] for t in object_types(obj) if t in ARTICLE_TYPES]
    return min(ranks) if ranks else None


def pick_article(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Article-like objects, best first (news types, then articles, then web pages); stable otherwise.

    Among equally ranked objects, one with a headline and a date comes before one without.
    """
    ranked: list[tuple[int, int, int, dict[str, Any]]] = []
    for index, obj in enumerate(objects):
        rank = _rank(obj)
        if rank is None:
            continue
        completeness = int(not obj.get("headline")) + int(not obj.get("datePublished"))
        ranked.append((rank, completeness, index, obj))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]
