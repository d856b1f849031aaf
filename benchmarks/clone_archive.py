"""Grow a crawled archive to N documents by cloning its articles in SQL, for reprocess benchmarks.

    ArchiveCloner(engine).grow_to(100_000)    # clones every article (with all its copies) until N documents

Crawling enough generated pages to archive 100,000 documents takes hours (about a third of the pages are
archived and every page is extracted once); cloning the rows of a small crawl takes seconds. Clone k of an
article is a new article with new documents (URL and canonical URL ``?clone=k``), the same source, dates,
discovery metadata and event, and a stored raw HTML in which one word of the story is renamed throughout
(``word`` -> ``wordxk...``): the clone's clean text, and so its content hash, differs from every other
article's, as a distinct story's does. The word is a lower-case word of the body that appears in no title, no
event facts, no author and no topic reason, so every other derived field stays the template's. The clone's
article text is the template's with the same renaming, its content hash recomputed with the pipeline's
``content_hash``; band rows are the template's (reprocess recomputes them only when the text changes).

A reprocess of the grown archive is then the steady state (nothing to write) when the renaming changed
nothing else; ``bench_reprocess.py`` prints what the reprocess changed, so a clone that did not come out
identical shows there as changed rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from crawler.core.normalize.body import content_hash
from storage.archive import RAW_HTML_CODEC, compress_html, decompress_html
from storage.events import refresh_coverage
from storage.models import Article, ArticleBand, Document, Event, table_of

WORD = re.compile(r"\b[a-z]{6,}\b")
CLONE = re.compile(r"\?clone=(\d+)$")


@dataclass
class Group:
    """One article of the template crawl, its documents that keep raw HTML, its band rows, the renamed word."""

    article: dict[str, Any]
    documents: list[dict[str, Any]]
    html: list[str]
    bands: list[dict[str, Any]]
    word: str


def suffix(k: int) -> str:
    """'x' and k in letters (a-z digits): alphanumeric, so content_hash keeps it as part of the word."""
    out = ""
    while True:
        out = chr(ord("a") + k % 26) + out
        k //= 26
        if k == 0:
            return "x" + out


def pick_word(article: dict[str, Any], documents: list[dict[str, Any]], html: list[str]) -> str | None:
    """The body word to rename: in every copy's HTML, in no title, event facts, author or topic reason; the one
    with the fewest occurrences in the HTML (least likely to sit in boilerplate or markup)."""
    banned = " ".join(str(x) for x in [article.get("title"), *[
        json.dumps([d.get("title"), d.get("event_facts"), d.get("authors"), d.get("topic_reasons"), d.get("url")],
                   default=str) for d in documents]]).lower()
    best: tuple[int, str] | None = None
    for word in set(WORD.findall(article["body"])):
        if word in banned:
            continue
        pattern = re.compile(rf"\b{word}\b")
        counts = [len(pattern.findall(h)) for h in html]
        if min(counts) == 0:
            continue
        score = (sum(counts), word)
        if best is None or score < best:
            best = score
    return best[1] if best else None


class ArchiveCloner:
    """Loads the archive's articles once as templates; ``grow_to`` adds clones of all of them, round by round."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.groups: list[Group] = []
        self.skipped = 0
        self.round = 0  # clone rounds already in the archive
        with engine.connect() as conn:
            docs: dict[int, list[dict[str, Any]]] = {}
            for row in conn.execute(select(table_of(Document)).where(
                    Document.article_id.is_not(None), Document.raw_html.is_not(None)).order_by(Document.id)):
                clone = CLONE.search(row.url)
                if clone:  # grown earlier (a reused archive): templates are the crawled articles only
                    self.round = max(self.round, int(clone.group(1)))
                    continue
                docs.setdefault(int(row.article_id), []).append(dict(row._mapping))
            bands: dict[int, list[dict[str, Any]]] = {}
            for row in conn.execute(select(table_of(ArticleBand))):
                bands.setdefault(int(row.article_id), []).append(dict(row._mapping))
            for row in conn.execute(select(table_of(Article)).order_by(Article.id)):
                article = dict(row._mapping)
                copies = docs.get(int(article["id"]), [])
                if not copies:
                    continue
                html = [(decompress_html(d["raw_html"], d["raw_html_codec"]) or b"").decode("utf-8") for d in copies]
                word = pick_word(article, copies, html)
                if word is None:
                    self.skipped += 1
                    continue
                self.groups.append(Group(article, copies, html, bands.get(int(article["id"]), []), word))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(table_of(Document)).where(
                Document.raw_html.is_not(None))) or 0)

    def grow_to(self, target: int) -> int:
        """Add clone rounds (each: one clone of every template article) until the archive holds ``target``
        documents with raw HTML (the last round is cut at the target); returns the count."""
        have = self.count()
        while have < target:
            self.round += 1
            have = self._add_round(self.round, target - have) + have
        return have

    def _add_round(self, k: int, limit: int) -> int:
        tag = suffix(k)
        added = 0
        with self.engine.begin() as conn:
            next_article = int(conn.scalar(select(func.max(Article.id))) or 0) + 1
            next_document = int(conn.scalar(select(func.max(Document.id))) or 0) + 1
            articles, documents, bands = [], [], []
            for group in self.groups:
                if added + len(group.documents) > limit and added > 0:
                    break
                pattern = re.compile(rf"\b{group.word}\b")
                body = pattern.sub(group.word + tag, group.article["body"])
                articles.append({**group.article, "id": next_article, "body": body,
                                 "content_hash": content_hash([body])})
                bands += [{**b, "article_id": next_article} for b in group.bands]
                for doc, html in zip(group.documents, group.html, strict=True):
                    raw = pattern.sub(group.word + tag, html).encode("utf-8")
                    documents.append({**doc, "id": next_document, "article_id": next_article,
                                      "url": f"{doc['url']}?clone={k}",
                                      "canonical_url": f"{doc['canonical_url']}?clone={k}",
                                      "raw_html": compress_html(raw), "raw_html_codec": RAW_HTML_CODEC})
                    next_document += 1
                    added += 1
                next_article += 1
            conn.execute(table_of(Article).insert(), articles)
            conn.execute(table_of(Document).insert(), documents)
            if bands:
                conn.execute(table_of(ArticleBand).insert(), bands)
            events = [int(i) for i in conn.scalars(select(Event.id))]
            refresh_coverage(conn, events)
        return added
