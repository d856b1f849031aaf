"""Evaluate topic and event facts on openings of real published pages (``../shared/data/real-openings``).

Each record of ``openings.jsonl`` is the stored opening of a real page (headline and first paragraphs, often
behind site boilerplate, cut at ~2,000 bytes) with hand labels (see that set's README). A record is turned
into the smallest HTML page that holds its text as stored (one ``<p>`` per blank-line-separated block, no
headline guessed) and run through the crawler's own pipeline, ``crawler.core.process.process_page``, in the
context ``load_registries().context_for(url, link=...)`` gives it; the ``Link`` carries the publication date
the label copies from the page or its address (``published``, parsed here when it is a full date; the
sitemap of a crawl would carry it the same way), else none.

Figures (targets of issue 15):

- ``event_page_recall``: round pages (``topic`` = ``dialogue_event``) that get topic ``dialogue_event`` AND an
  event key (≥ 0.98);
- ``rejection_precision``: look-alikes (``dialogue_other`` / ``unrelated``) kept out of events, i.e. given no
  event key or a topic other than ``dialogue_event`` (≥ 0.98);
- ``pair_exact``: round pages whose facts give the labelled pair, over round pages (≥ 0.99);
- ``start_exact``: round pages with a labelled start date whose facts give it, over those pages (≥ 0.95);
  ``start_exact_keyed`` is the same over the keyed ones only;
- ``relation_exact``: round pages whose relation is the labelled one (≥ 0.93);
- ``bcubed_precision`` / ``bcubed_recall``: pages grouped by event key against ``round_id`` (≥ 0.97 / ≥ 0.95).

Those figures are per page: what one page's text gives. A crawl archives the pages together, and storage joins
a page that states no start date to an event of its block (near its publication date, or by the round
ordinal it states: ``storage.events``), after the run too (``reattach_unassigned``). ``archive_figures``
measures that: every record is written, in the set's order and one batch per page as a crawl writes them, to
a fresh SQLite archive through ``storage.archive.Archive``, then the end-of-run re-attachment runs; a page
counts as an event page when its article has an event, and its start date is the event's (fused) start date.
The same targets apply.

Misses are listed by class: ``no_facts`` (no dialogue found), ``topic_not_event``, ``no_key_pair`` /
``no_key_start`` (facts but no event key: no pair, no start date), ``wrong_pair``, ``wrong_start``,
``wrong_relation``, ``lookalike_keyed`` (a look-alike that became an event), and per-series figures.

The scorer behind benchmarks/eval_real_events.py.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
REAL_OPENINGS = SHARED / "data" / "real-openings" / "openings.jsonl"

TARGETS = {
    "event_page_recall": 0.98,
    "rejection_precision": 0.98,
    "pair_exact": 0.99,
    "start_exact": 0.95,
    "relation_exact": 0.93,
    "bcubed_precision": 0.97,
    "bcubed_recall": 0.95,
}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_published(raw: str | None) -> datetime | None:
    """The label's publication date as a UTC midnight, when it is a full date; else ``None``.

    The label copies the date as written ("2024-02-28", "Nov 20 2023", "2022/12/09", "06-Mar-2023",
    "22jul18", "202409"); a month-only value is no date. Day-first for ``dd/mm/yyyy`` and ``dd-mm-yyyy``
    (the set's numeric dates are written day first outside ISO order, "06/08/2024" for 6 August) unless the second number cannot be a month."""
    if not raw:
        return None
    text = raw.strip()
    found = _ISO.match(text) or _COMPACT.match(text)
    try:
        if found:
            return datetime(int(found[1]), int(found[2]), int(found[3]), tzinfo=UTC)
        found = _DMY.match(text)
        if found:  # day first unless the second number cannot be a month ("11/16/2021")
            first, second = int(found[1]), int(found[2])
            day, month = (second, first) if second > 12 else (first, second)
            return datetime(int(found[3]), month, day, tzinfo=UTC)
    except ValueError:
        return None
    from dateutil import parser as date_parser

    compact = re.fullmatch(r"(\d{2})([a-z]{3})(\d{2})", text.lower())  # "22jul18"
    if compact:
        text = f"{compact[1]} {compact[2]} 20{compact[3]}"
    compact = re.fullmatch(r"(\d{4})([a-z]{3})(\d{1,2})", text.lower())  # "2009nov29"
    if compact:
        text = f"{compact[3]} {compact[2]} {compact[1]}"
    if not re.search(r"[a-z]", text, re.IGNORECASE) or not re.search(r"\d{4}", text):
        return None
    try:
        value = date_parser.parse(text, dayfirst=True, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if value.year == 1900:
        return None
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def opening_html(excerpt: str) -> str:
    """The smallest page holding an opening as stored: one ``<p>`` per blank-line-separated block."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", excerpt) if b.strip()]
    body = "\n".join(f"<p>{html_lib.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)
    return f'<!doctype html><html><head><meta charset="utf-8"></head><body><article>\n{body}\n</article></body></html>'


@dataclass
class PageResult:
    record: dict[str, Any]
    topic: str
    topic_reasons: list[str]
    key: str | None
    pair: str | None
    start: str | None
    relation: str | None
    mechanism: str | None
    reasons: list[str]

    @property
    def gold_event(self) -> bool:
        return self.record["topic"] == "dialogue_event"

    @property
    def as_event(self) -> bool:
        return self.topic == "dialogue_event" and self.key is not None


def run_page(record: dict[str, Any], registries: Any) -> PageResult:
    from crawler.core.discovery import Link
    from crawler.core.process import process_page

    url = record["address"]
    published = parse_published(record.get("published"))
    link = Link(url=url, published=published, published_raw=record.get("published"), via="sitemap") if published else None
    context = registries.context_for(url, link=link)
    processed = process_page(opening_html(record["excerpt"]), url, context)
    facts = processed.facts
    return PageResult(
        record=record,
        topic=processed.topic.topic,
        topic_reasons=list(processed.topic.reasons),
        key=facts.event_key() if facts is not None else None,
        pair="-".join(facts.countries) if facts is not None and facts.countries else None,
        start=facts.start_date.isoformat() if facts is not None and facts.start_date else None,
        relation=facts.relation if facts is not None else None,
        mechanism=facts.mechanism if facts is not None else None,
        reasons=list(facts.reasons) if facts is not None else [],
    )


def archive_events(records: list[dict[str, Any]], registries: Any, workdir: Path) -> dict[str, tuple[str, str]]:
    """Archive the records as a crawl would (see the module docstring); record id → (event key, start date)
    of the event its article ended in, for the records that reached one."""
    from sqlalchemy import select

    from crawler.core.discovery import Link
    from crawler.core.process import process_page
    from crawler.shell.reprocess import reattach_unassigned
    from storage.archive import Archive
    from storage.db import make_engine
    from storage.models import Article, Document, Event
    from storage.schema import upgrade

    engine = make_engine(f"sqlite:///{workdir / 'real-openings.sqlite3'}")
    upgrade(engine)
    archive = Archive(engine)
    run_id = archive.start_run("eval_real_events", {})
    fetched_at = datetime.now(UTC)
    urls: dict[str, str] = {}
    for record in records:
        url = record["address"]
        published = parse_published(record.get("published"))
        link = Link(url=url, published=published, published_raw=record.get("published"), via="sitemap") if published else None
        page = opening_html(record["excerpt"])
        processed = process_page(page, url, registries.context_for(url, link=link, fetched_at=fetched_at))
        archive.write_batch([processed.to_record(status=200, raw_html=page.encode(), fetched_at=fetched_at)],
                            crawl_run_id=run_id)
        urls[processed.canonical_url or url] = record["id"]
    reattach_unassigned(engine, run_id, registries)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.canonical_url, Event.event_key, Event.start_date)
            .join(Article, Article.id == Document.article_id)
            .join(Event, Event.id == Article.event_id)
        ).all()
    engine.dispose()
    return {urls[row.canonical_url]: (row.event_key, row.start_date.isoformat()) for row in rows if row.canonical_url in urls}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def _bcubed(results: list[PageResult], keys: dict[str, str | None] | None = None) -> tuple[float | None, float | None]:
    """B-cubed of the pages grouped by event key (the page's own, or ``keys`` by record id) against ``round_id``."""
    pages = [r for r in results if r.gold_event and r.record.get("round_id")]
    if not pages:
        return None, None
    own = {r.record["id"]: r.key if r.as_event else None for r in pages}
    chosen = own if keys is None else {page: keys.get(page) for page in own}
    pred = {page: key or f"__single__{page}" for page, key in chosen.items()}
    gold = {r.record["id"]: r.record["round_id"] for r in pages}
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for page, key in pred.items():
        by_pred[key].add(page)
        by_gold[gold[page]].add(page)
    precision = sum(len(by_pred[pred[p]] & by_gold[gold[p]]) / len(by_pred[pred[p]]) for p in pred) / len(pred)
    recall = sum(len(by_pred[pred[p]] & by_gold[gold[p]]) / len(by_gold[gold[p]]) for p in pred) / len(pred)
    return round(precision, 3), round(recall, 3)


def miss_classes(result: PageResult) -> list[str]:
    """The classes of a page's misses (empty when it is right on every scored field)."""
    record, out = result.record, []
    if not result.gold_event:
        if result.as_event:
            out.append("lookalike_keyed")
        return out
    if result.mechanism is None:
        out.append("no_facts")
    elif result.topic != "dialogue_event":
        out.append("topic_not_event")
    if result.mechanism is not None and result.key is None:
        out.append("no_key_pair" if result.pair is None else "no_key_start")
    if result.pair is not None and result.pair != record["pair"]:
        out.append("wrong_pair")
    if record.get("round_start") and result.start is not None and result.start != record["round_start"]:
        out.append("wrong_start")
    if result.relation is not None and result.relation != record["relation"]:
        out.append("wrong_relation")
    return out


def archive_figures(results: list[PageResult], archived: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The event figures of the archive (``archive_events``): event page = the page's article has an event."""
    positives = [r for r in results if r.gold_event]
    negatives = [r for r in results if not r.gold_event]
    dated = [r for r in positives if r.record.get("round_start")]
    start = {r.record["id"]: archived[r.record["id"]][1] if r.record["id"] in archived else None for r in results}
    keyed_dated = [r for r in dated if r.record["id"] in archived]
    bcubed_p, bcubed_r = _bcubed(results, {page: key for page, (key, _start) in archived.items()})
    return {
        "event_page_recall": _ratio(sum(r.record["id"] in archived for r in positives), len(positives)),
        "rejection_precision": _ratio(sum(r.record["id"] not in archived for r in negatives), len(negatives)),
        "start_exact": _ratio(sum(start[r.record["id"]] == r.record["round_start"] for r in dated), len(dated)),
        "start_exact_keyed": _ratio(sum(start[r.record["id"]] == r.record["round_start"] for r in keyed_dated),
                                    len(keyed_dated)),
        "bcubed_precision": bcubed_p,
        "bcubed_recall": bcubed_r,
    }


def evaluate(path: Path = REAL_OPENINGS, *, archive: bool = True) -> dict[str, Any]:
    """Run every record and compute the figures, the per-series figures and the misses by class; with
    ``archive``, also the figures of the archive the records make (``archive_events``)."""
    import tempfile

    from crawler.core.context import load_registries

    registries = load_registries({})
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [run_page(record, registries) for record in records]
    archived: dict[str, tuple[str, str]] = {}
    if archive:
        with tempfile.TemporaryDirectory() as tmp:
            archived = archive_events(records, registries, Path(tmp))
    positives = [r for r in results if r.gold_event]
    negatives = [r for r in results if not r.gold_event]
    dated = [r for r in positives if r.record.get("round_start")]
    keyed_dated = [r for r in dated if r.as_event]
    bcubed_p, bcubed_r = _bcubed(results)
    figures = {
        "pages": len(results),
        "round_pages": len(positives),
        "lookalikes": len(negatives),
        "event_page_recall": _ratio(sum(r.as_event for r in positives), len(positives)),
        "topic_event_recall": _ratio(sum(r.topic == "dialogue_event" for r in positives), len(positives)),
        "rejection_precision": _ratio(sum(not r.as_event for r in negatives), len(negatives)),
        "lookalikes_kept": sum(r.topic != "unrelated" for r in negatives),
        "pair_exact": _ratio(sum(r.pair == r.record["pair"] for r in positives), len(positives)),
        "start_exact": _ratio(sum(r.start == r.record["round_start"] for r in dated), len(dated)),
        "start_exact_keyed": _ratio(sum(r.start == r.record["round_start"] for r in keyed_dated), len(keyed_dated)),
        "relation_exact": _ratio(sum(r.relation == r.record["relation"] for r in positives), len(positives)),
        "bcubed_precision": bcubed_p,
        "bcubed_recall": bcubed_r,
    }
    by_series: dict[str, list[PageResult]] = defaultdict(list)
    for result in positives:
        by_series[result.record["series"]].append(result)
    series = {
        name: {
            "pages": len(rs),
            "keyed": sum(r.as_event for r in rs),
            "pair": sum(r.pair == r.record["pair"] for r in rs),
            "start": f"{sum(r.start == r.record['round_start'] for r in rs if r.record.get('round_start'))}"
            f"/{sum(1 for r in rs if r.record.get('round_start'))}",
        }
        for name, rs in sorted(by_series.items())
    }
    misses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        for cls in miss_classes(result):
            misses[cls].append({
                "id": result.record["id"], "series": result.record.get("series"), "gold_pair": result.record["pair"],
                "gold_start": result.record.get("round_start"), "gold_relation": result.record.get("relation"),
                "topic": result.topic, "key": result.key, "pair": result.pair, "start": result.start,
                "relation": result.relation,
                "reasons": result.reasons or result.topic_reasons,
            })  # fmt: skip
    for result in results if archive else []:
        if result.gold_event and result.record["id"] not in archived:
            misses["archive_no_event"].append({"id": result.record["id"], "series": result.record.get("series"),
                                               "page_key": result.key, "reasons": result.reasons or result.topic_reasons})
    counts = Counter({cls: len(items) for cls, items in misses.items()})
    report = {"figures": figures, "series": series, "miss_counts": dict(counts), "misses": dict(misses)}
    if archive:
        report["archive_figures"] = archive_figures(results, archived)
    return report


__all__ = ["REAL_OPENINGS", "TARGETS", "archive_events", "archive_figures", "evaluate", "miss_classes", "opening_html", "parse_published"]
