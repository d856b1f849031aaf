"""Evaluate the archive end to end: crawl a labelled fixture site with the real CLI, read the archive back.

For each set (``../shared/data/wire-sites-dev``; the demo site ``crawler/app/demo``) and each order:

- ``sitemap``: ``newsarchive crawl --sitemap BASE/sitemap_index.xml`` (the crawler's own order);
- ``forward`` / ``reverse``: ``--urls-file`` with the gold pages in file order / reversed, one request at a
  time (``CONCURRENT_REQUESTS=1``, batch size 1) so the archive sees them in exactly that order;

into a fresh archive, then maps every gold page to the document it became (its own URL, or the canonical URL
it declares: AMP twins and print pages) and computes, from the archive only:

- "same article": pairwise precision / recall of "two pages share an article" against gold ``story_id``
  (targets ≥ 0.99 / ≥ 0.97), over pages and over distinct documents;
- event clusters over gold ``dialogue_event`` pages (a page's event is its article's event; no event = a
  singleton): B-cubed precision ≥ 0.97, recall ≥ 0.93;
- per gold ``dialogue_event`` page: country pair exact ≥ 0.99, start date exact ≥ 0.93, relation exact ≥ 0.90
  (the event's pair and start date, the article's relation), plus end date and venue (information).

The scorer behind benchmarks/eval_archive.py (the CLI) and tests/test_blind_sets.py.

The six blind sets (``--set blind``, tests/fixtures/blind) are held to their own floors and ceilings
(``BLIND_FLOORS``, ``BLIND_CEILINGS``), printed as MISSED when not met.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from crawler.app.demo import DEMO_GOLD, DEMO_SITE
from crawler.app.demo.server import FixtureServer
from crawler.core.extract import extract_page
from crawler.core.urls import canonical_url
from storage.db import make_engine
from storage.models import Article, Document, Event
from storage.schema import upgrade
from tests.helpers import forkcli

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"

TARGETS = {
    "article_pair_precision": 0.99,
    "article_pair_recall": 0.97,
    "event_bcubed_precision": 0.97,
    "event_bcubed_recall": 0.93,
    "pair_exact": 0.99,
    "start_exact": 0.93,
    "relation_exact": 0.90,
}
# The blind fixture sets (tests/fixtures/blind): floors at the figures measured after the fixes they prompted
# (docs/events.md), ceilings on unrelated pages reaching the archive (set e is half distractors). Per-page
# fields are guarded by tests/snapshots (a regression names the page and the field); these figures are
# the report. tests/test_blind_sets.py keeps the cross-page floors (articles, event clusters) of this table.
BLIND = REPO / "tests" / "fixtures" / "blind"
BLIND_FLOORS = {
    "a": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 1.0,
          "event_bcubed_recall": 0.88, "pair_exact": 0.91, "relation_exact": 0.95, "start_exact": 0.95},
    "b": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 1.0,
          "event_bcubed_recall": 0.99, "pair_exact": 1.0, "relation_exact": 1.0, "start_exact": 0.91},
    "c": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 1.0,
          "event_bcubed_recall": 0.99, "pair_exact": 1.0, "relation_exact": 1.0, "start_exact": 0.99},
    "d": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 0.95,
          "event_bcubed_recall": 0.91, "pair_exact": 1.0, "relation_exact": 1.0, "start_exact": 0.96},
    "e": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 1.0,
          "event_bcubed_recall": 0.94, "pair_exact": 1.0, "relation_exact": 0.88, "start_exact": 0.94},
    "f": {"article_pair_precision": 1.0, "article_pair_recall": 1.0, "event_bcubed_precision": 1.0,
          "event_bcubed_recall": 1.0, "pair_exact": 1.0, "relation_exact": 0.93, "start_exact": 1.0},
}  # fmt: skip
for _floors in BLIND_FLOORS.values():
    _floors["published_exact"] = 1.0  # every page's own time and offset
# Set e is half distractors (trilateral and multilateral meetings, summits, calls, "2-2" draws, a firm's
# "security dialogue" webinar): at most one of its 19 unrelated pages may reach the archive (10 did before
# the topic rules it prompted).
BLIND_CEILINGS = {"e": {"unrelated_archived": 1}, "f": {"unrelated_archived": 0}}
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
ORDERED = ["-s", "CONCURRENT_REQUESTS=1", "--batch-size", "1"]


def sets() -> dict[str, tuple[Path, Path]]:
    out = {}
    dev = SHARED / "data" / "wire-sites-dev"
    if (dev / "gold.jsonl").exists():
        out["wire-sites-dev"] = (dev / "site", dev / "gold.jsonl")
    out["demo"] = (DEMO_SITE, DEMO_GOLD)
    for name in sorted(BLIND_FLOORS):
        out[f"blind-{name}"] = (BLIND / name / "site", BLIND / name / "gold.jsonl")
    return out


def missed_targets(root: Path, figures: dict[str, Any]) -> list[str]:
    """The figures below their floor (above their ceiling): a blind set's own, else the general targets."""
    site = root.resolve()
    blind = site.parent.name if site.parent.parent == BLIND else ""
    floors = BLIND_FLOORS.get(blind, TARGETS)
    missed = [k for k, t in floors.items() if (figures.get(k) or 0) < t]
    ceilings = BLIND_CEILINGS.get(blind, {})
    return missed + [k for k, t in ceilings.items() if (figures.get(k) or 0) > t]


def load_gold(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def crawl(database: str, base: str, order: str, gold: list[dict[str, Any]], workdir: Path,
          settings: Sequence[str] = ()) -> float:
    """Run the real CLI (forked from a process that has imported it: tests/helpers/forkcli.py); return the
    wall time."""
    args = ["--database", database, "crawl", *FAST, *settings]
    if order == "sitemap":
        args += ["--sitemap", f"{base}/sitemap_index.xml"]
    else:
        urls = [base + g["url_path"] for g in gold]
        if order == "reverse":
            urls.reverse()
        listing = workdir / f"urls-{order}.txt"
        listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
        args += ["--urls-file", str(listing), *ORDERED]
    started = time.perf_counter()
    done = forkcli.run(args, capture_output=True, text=True, timeout=900, check=False, cwd=REPO)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"crawl failed ({order}): {done.stderr[-2000:]}")
    return elapsed


def archived_rows(database: str) -> list[Any]:
    engine = make_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.id.label("doc_id"), Document.url, Document.canonical_url, Document.published_at,
                   Document.published_offset_minutes, Article.id.label("article_id"), Article.agency,
                   Article.relation, Event.id.label("event_id"), Event.event_key, Event.country_a, Event.country_b,
                   Event.start_date, Event.end_date, Event.venue_city, Event.venue_country, Event.virtual)
            .join(Article, Article.id == Document.article_id)
            .outerjoin(Event, Event.id == Article.event_id)
        ).all()
    engine.dispose()
    return list(rows)


def map_pages(gold: list[dict[str, Any]], rows: list[Any], root: Path, base: str) -> dict[str, Any]:
    """url_path → archived row, for every gold page that was archived."""
    by_path: dict[str, Any] = {}
    for r in rows:
        by_path[r.url.removeprefix(base)] = r
        by_path[r.canonical_url.removeprefix(base)] = r
    out: dict[str, Any] = {}
    for g in gold:
        row = by_path.get(g["url_path"])
        if row is None:  # an AMP twin or print page: the document of the canonical URL it declares
            path = root / g["url_path"].lstrip("/")
            html = (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8")
            html = html.replace("{{BASE}}", base)
            declared = extract_page(html, base + g["url_path"]).canonical_url
            row = by_path.get(canonical_url(base + g["url_path"], declared).removeprefix(base))
        if row is not None:
            out[g["url_path"]] = row
    return out


def pairwise(pred: dict[str, Any], truth: dict[str, Any]) -> tuple[float | None, float | None, list[Any]]:
    """Pairwise precision/recall of 'same cluster' (pred) against truth; returns also the wrong pairs."""
    tp = fp = fn = 0
    wrong = []
    for a, b in itertools.combinations(sorted(truth), 2):
        same_pred = pred[a] == pred[b]
        same_true = truth[a] == truth[b]
        tp += same_pred and same_true
        fp += same_pred and not same_true
        fn += same_true and not same_pred
        if same_pred != same_true:
            wrong.append({"a": a, "b": b, "merged": same_pred})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return round(precision, 4), round(recall, 4), wrong


def bcubed(pred: dict[str, Any], truth: dict[str, Any]) -> tuple[float, float]:
    by_pred: dict[Any, set[str]] = defaultdict(set)
    by_true: dict[Any, set[str]] = defaultdict(set)
    for p in truth:
        by_pred[pred[p]].add(p)
        by_true[truth[p]].add(p)
    n = len(truth) or 1
    precision = sum(len(by_pred[pred[p]] & by_true[truth[p]]) / len(by_pred[pred[p]]) for p in truth) / n
    recall = sum(len(by_pred[pred[p]] & by_true[truth[p]]) / len(by_true[truth[p]]) for p in truth) / n
    return round(precision, 4), round(recall, 4)


def evaluate(gold: list[dict[str, Any]], found: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    kept = [g for g in gold if g["topic"] != "unrelated"]
    failures: list[dict[str, Any]] = []
    figures: dict[str, Any] = {"pages": len(gold), "kept_pages": len(kept),
                               "archived_pages": sum(g["url_path"] in found for g in kept),
                               "unrelated_archived": sum(g["url_path"] in found for g in gold
                                                         if g["topic"] == "unrelated")}
    pages = [g for g in kept if g["url_path"] in found]
    story = {g["url_path"]: g["story_id"] for g in pages}
    article = {g["url_path"]: found[g["url_path"]].article_id for g in pages}
    p, r, wrong = pairwise(article, story)
    figures.update(article_pair_precision=p, article_pair_recall=r)
    failures += [{"field": "same_article", **w} for w in wrong]
    first_page_of_doc: dict[int, str] = {}
    for g in pages:
        first_page_of_doc.setdefault(found[g["url_path"]].doc_id, g["url_path"])
    docs = set(first_page_of_doc.values())
    p, r, _ = pairwise({k: v for k, v in article.items() if k in docs}, {k: v for k, v in story.items() if k in docs})
    figures.update(article_pair_precision_documents=p, article_pair_recall_documents=r, documents=len(docs),
                   articles=len(set(article.values())), stories=len(set(story.values())))

    events = [g for g in pages if g["topic"] == "dialogue_event" and g.get("event")]
    truth = {g["url_path"]: g["event"]["event_id"] for g in events}
    pred = {g["url_path"]: found[g["url_path"]].event_id or f"none:{g['url_path']}" for g in events}
    figures["event_pages"] = len(events)
    figures["event_bcubed_precision"], figures["event_bcubed_recall"] = bcubed(pred, truth)
    figures["gold_events"] = len(set(truth.values()))
    figures["events"] = len({found[g["url_path"]].event_id for g in events} - {None})
    counts: dict[str, int] = defaultdict(int)
    for g in events:
        row, ev = found[g["url_path"]], g["event"]
        got = {
            "pair": [row.country_a, row.country_b] if row.event_id else None,
            "start": row.start_date.isoformat() if row.start_date else None,
            "relation": row.relation,
            "end": row.end_date.isoformat() if row.end_date else None,
            "venue_country": "virtual" if row.virtual else row.venue_country,
        }
        want = {"pair": sorted(ev["countries"]), "start": ev["start_date"], "relation": ev["relation"],
                "end": ev["end_date"],
                "venue_country": "virtual" if ev["venue_city"] == "virtual" else ev["venue_country"]}
        for name in want:
            if got[name] == want[name]:
                counts[name] += 1
            else:
                failures.append({"field": name, "page": g["url_path"], "gold": want[name], "got": got[name],
                                 "event_key": row.event_key, "quirk": g.get("quirk")})
    n = len(events) or 1
    for name in ("pair", "start", "relation", "end", "venue_country"):
        figures[f"{name}_exact"] = round(counts[name] / n, 4)
    # Each page's own document (not an AMP twin folded into its canonical): the published instant and the
    # offset the page states; a date-only gold needs only the calendar day in the stored offset.
    own = [g for g in pages if found[g["url_path"]].url.endswith(g["url_path"])]
    good = 0
    for g in own:
        row = found[g["url_path"]]
        expected = datetime.fromisoformat(g["published_at"])
        ok = row.published_at is not None
        if ok:
            offset = timedelta(minutes=row.published_offset_minutes or 0)
            stored = row.published_at.replace(tzinfo=UTC)
            if expected.tzinfo is None:
                ok = (stored + offset).date() == expected.date()
            else:
                ok = stored == expected and offset == expected.utcoffset()
        good += ok
        if not ok:
            failures.append({"field": "published", "page": g["url_path"], "gold": g["published_at"],
                             "got": f"{row.published_at} {row.published_offset_minutes}"})
    figures["published_exact"] = round(good / len(own), 4) if own else None
    return figures, failures


def run_one(name: str, root: Path, gold_path: Path, order: str, database: str, workdir: Path,
            settings: Sequence[str] = ()) -> dict[str, Any]:
    """Crawl one labelled set into ``database`` (extra ``-s`` ``settings`` for the crawl) and score it."""
    gold = load_gold(gold_path)
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    with FixtureServer(root) as server:
        elapsed = crawl(database, server.base_url, order, gold, workdir, settings)
        rows = archived_rows(database)
        found = map_pages(gold, rows, root, server.base_url)
    figures, failures = evaluate(gold, found)
    figures["crawl_seconds"] = round(elapsed, 1)
    missed = missed_targets(root, figures)
    return {"set": name, "order": order, "figures": figures, "missed_targets": missed, "failures": failures}


def fresh_postgres(admin_url: str, label: str) -> str:
    """A new schema on the given server; returns a URL whose connections use it."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    schema = f"eval_{label}_{int(time.time() * 1000) % 10**9}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
