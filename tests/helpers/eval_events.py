"""Evaluate topic classification and event facts against labelled fixture sites.

Sets: ``../shared/data/wire-sites-dev`` (sibling of the repo) and the project's demo site
``crawler/app/demo/site`` + ``crawler/app/demo/gold.jsonl`` when present. Per page: extraction
(``crawler.core.extract.extract_page``) → clean body (``crawler.core.normalize.body.clean_body``) → topic →
event facts, compared with the gold labels:

- topic: recall of ``dialogue_event`` (target ≥ 0.99), precision of the ``unrelated`` rejection (≥ 0.98);
- on gold ``dialogue_event`` pages: country pair exact (≥ 0.99), start date exact (≥ 0.93), relation
  exact (≥ 0.90); plus (information only) end date, venue, and B-cubed of pages grouped by event key.

When the extraction modules are not importable it falls back to ``<h1>``/``<p>`` texts with the gold
dateline (and says so in the output).

The scorer behind benchmarks/eval_events.py (the CLI: [--verbose] [--json OUT]) and tests/test_events.py.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
BASE = "http://127.0.0.1:8000"

TARGETS = {
    "topic_event_recall": 0.99,
    "unrelated_precision": 0.98,
    "pair_exact": 0.99,
    "start_exact": 0.93,
    "relation_exact": 0.90,
}


@dataclass
class PageText:
    title: str | None
    paragraphs: list[str]
    reference: date | None
    published: datetime | None
    dateline_city: str | None
    dateline_country: str | None


def _fallback_text(html: str, gold: dict[str, Any]) -> PageText:
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    h1 = [e.text_content().strip() for e in tree.iter("h1")]
    paragraphs = [e.text_content().strip() for e in tree.iter("p") if e.text_content().strip()]
    dateline = gold.get("dateline") or {}
    raw = dateline.get("raw")
    if raw and paragraphs:
        for i, paragraph in enumerate(paragraphs[:3]):
            if raw in paragraph:
                paragraphs[i] = paragraph.split(raw, 1)[1].strip(" :-—")
                paragraphs = paragraphs[i:]
                break
    published = datetime.fromisoformat(gold["published_at"]) if "T" in gold["published_at"] else None
    reference = date.fromisoformat(dateline["date"]) if dateline.get("date") else date.fromisoformat(gold["published_at"][:10])
    return PageText(h1[0] if h1 else gold.get("title"), paragraphs, reference, published, dateline.get("city"), dateline.get("country"))


def _real_text(html: str, url: str) -> PageText:
    from crawler.core.context import PageContext
    from crawler.core.events import default_registry
    from crawler.core.process import fact_paragraphs, process_page

    # The crawler's own pure pipeline (dateline marked outside the body, standfirsts, ...).
    processed = process_page(html, url, PageContext(dialogues=default_registry()))
    page, cleaned = processed.page, processed.clean
    published = page.published.value if page.published is not None else None
    dateline = cleaned.dateline
    reference = dateline.date if dateline is not None and dateline.date is not None else None
    if reference is None and published is not None:
        reference = published.date()  # the offset as printed is the publisher's local zone
    return PageText(
        page.title,
        fact_paragraphs(page, cleaned),
        reference,
        published,
        dateline.city if dateline is not None else None,
        dateline.country if dateline is not None else None,
    )


def _real_modules_available() -> bool:
    try:
        from crawler.core.extract import extract_page  # noqa: F401
        from crawler.core.normalize.body import clean_body  # noqa: F401
    except ImportError:
        return False
    return True


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _bcubed(predicted: dict[str, str | None], gold: dict[str, str]) -> tuple[float | None, float | None]:
    """B-cubed precision/recall of predicted clusters (pages without a key are singletons)."""
    pages = list(gold)
    if not pages:
        return None, None
    pred_key = {p: predicted.get(p) or f"__single__{p}" for p in pages}
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for p in pages:
        by_pred[pred_key[p]].add(p)
        by_gold[gold[p]].add(p)
    precision = sum(len(by_pred[pred_key[p]] & by_gold[gold[p]]) / len(by_pred[pred_key[p]]) for p in pages) / len(pages)
    recall = sum(len(by_pred[pred_key[p]] & by_gold[gold[p]]) / len(by_gold[gold[p]]) for p in pages) / len(pages)
    return round(precision, 4), round(recall, 4)


def evaluate_set(root: Path, gold_path: Path, *, use_real: bool, verbose: bool) -> dict[str, Any]:
    from crawler.core.events import classify_topic, extract_event_facts, load_registry

    registry = load_registry()
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    failures: list[dict[str, Any]] = []
    counts: dict[str, int] = defaultdict(int)
    predicted_keys: dict[str, str | None] = {}
    gold_events: dict[str, str] = {}
    page_facts: dict[str, Any] = {}
    for row in rows:
        path = root / row["url_path"].lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        html = path.read_text(encoding="utf-8", errors="replace").replace("{{BASE}}", BASE)
        text = _real_text(html, BASE + row["url_path"]) if use_real else _fallback_text(html, row)
        decision = classify_topic(text.title, text.paragraphs, registry)
        gold_topic = row["topic"]
        counts[f"gold_{gold_topic}"] += 1
        counts[f"pred_{decision.topic}"] += 1
        if gold_topic == "dialogue_event" and decision.topic == "dialogue_event":
            counts["event_recalled"] += 1
        if decision.topic == "unrelated" and gold_topic == "unrelated":
            counts["unrelated_correct"] += 1
        if decision.topic != gold_topic:
            failures.append({"page": row["url_path"], "field": "topic", "gold": gold_topic, "got": decision.topic,
                             "reasons": decision.reasons})  # fmt: skip
        event = row.get("event")
        if gold_topic != "dialogue_event" or not event:
            continue
        facts = extract_event_facts(
            text.title, text.paragraphs, registry=registry, reference_date=text.reference,
            published=text.published, dateline_city=text.dateline_city, dateline_country=text.dateline_country,
        )  # fmt: skip
        counts["events"] += 1
        gold_pair = tuple(event["countries"])
        got_pair = facts.countries if facts else None
        got_start = facts.start_date.isoformat() if facts and facts.start_date else None
        got_end = facts.end_date.isoformat() if facts and facts.end_date else None
        got_relation = facts.relation if facts else None
        got_venue = (facts.venue_city, "virtual" if facts.virtual else facts.venue_country) if facts else None
        checks = {
            "pair": (gold_pair, got_pair),
            "start": (event["start_date"], got_start),
            "relation": (event["relation"], got_relation),
            "end": (event["end_date"], got_end),
            "venue_country": (
                "virtual" if event["venue_city"] == "virtual" else event["venue_country"],
                got_venue[1] if got_venue else None,
            ),
        }
        for name, (want, got) in checks.items():
            if want == got:
                counts[f"{name}_ok"] += 1
            else:
                failures.append({
                    "page": row["url_path"], "field": name, "gold": want, "got": got,
                    "evidence": facts.date_evidence if facts else None, "quirk": row.get("quirk"),
                    "reasons": facts.reasons if facts else ["no facts"],
                })  # fmt: skip
        predicted_keys[row["url_path"]] = facts.event_key() if facts else None
        page_facts[row["url_path"]] = facts
        gold_events[row["url_path"]] = event["event_id"]
        if facts is not None and facts.series_known:
            counts["series_known"] += 1
    bcubed_p, bcubed_r = _bcubed(predicted_keys, gold_events)
    figures = {
        "pages": len(rows),
        "topic_event_recall": _ratio(counts["event_recalled"], counts["gold_dialogue_event"]),
        "unrelated_precision": _ratio(counts["unrelated_correct"], counts["pred_unrelated"]),
        "unrelated_rejected": counts["pred_unrelated"],
        "event_pages": counts["events"],
        "pair_exact": _ratio(counts["pair_ok"], counts["events"]),
        "start_exact": _ratio(counts["start_ok"], counts["events"]),
        "relation_exact": _ratio(counts["relation_ok"], counts["events"]),
        "end_exact": _ratio(counts["end_ok"], counts["events"]),
        "venue_country_exact": _ratio(counts["venue_country_ok"], counts["events"]),
        "series_known": _ratio(counts["series_known"], counts["events"]),
        "key_bcubed_precision": bcubed_p,
        "key_bcubed_recall": bcubed_r,
    }
    chairs = evaluate_co_chairs(page_facts, predicted_keys, gold_events)
    if chairs is not None and chairs["figures"]["co_chair_gold"]:
        figures.update(chairs["figures"])
    if verbose:
        for failure in failures:
            print(json.dumps(failure, ensure_ascii=False, default=str))
    return {"figures": figures, "failures": failures,
            "co_chair_misses": chairs["misses"] if chairs is not None else {}}


EVENTS_DEV = SHARED / "data" / "dialogues" / "events_dev.json"
CO_CHAIR_TARGETS = {"co_chair_precision": 0.95, "co_chair_recall": 0.90}


def _alpha3(code: str | None) -> str | None:
    import pycountry

    if not code:
        return None
    if code.upper() == "EU":
        return "EUU"
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.alpha_3 if country is not None else code.upper()


def facts_mapping(facts: Any) -> dict[str, Any]:
    """An ``EventFacts`` as the mapping ``storage.fusion.fuse`` reads (the archived ``EventFactsRecord`` fields)."""
    return {
        "relation": facts.relation, "venue_city": facts.venue_city, "venue_country": facts.venue_country,
        "virtual": getattr(facts, "virtual", False), "round_ordinal": facts.round_ordinal,
        "co_chairs": [{"name": c.name, "title": c.title, "country": c.country} for c in facts.co_chairs],
        "outcomes": list(facts.outcomes),
    }  # fmt: skip


def evaluate_co_chairs(
    page_facts: dict[str, Any], predicted_keys: dict[str, str | None], gold_events: dict[str, str],
    events_dev: Path = EVENTS_DEV,
) -> dict[str, Any] | None:
    """Co-chairs (name + country per event) of the events the archive would form, against ``events_dev.json``.

    Per gold round of the set: the key most of its pages get; the co-chairs fused (``storage.fusion.fuse``)
    over every page of the set with that key (so are the venue, ``event_venue_agree``: virtual or the
    alpha-2 country, and the ordinal, ``event_ordinal_agree``, over rounds with one). A chair matches when the person (``storage.fusion.group_people``)
    and the country (alpha-3) agree. Misses by class: ``no_event`` (no page of the round keyed),
    ``name_missed``, ``wrong_country``, ``no_country``; false positives: ``extra_person``, ``wrong_country``,
    ``no_country``."""
    from storage.fusion import fuse, group_people

    if not events_dev.exists():
        return None
    gold_by_id = {e["event_id"]: e for e in json.loads(events_dev.read_text(encoding="utf-8"))["events"]}
    pages_by_key: dict[str, list[str]] = defaultdict(list)
    for page, key in predicted_keys.items():
        if key is not None and page_facts.get(page) is not None:
            pages_by_key[key].append(page)
    rounds: dict[str, list[str]] = defaultdict(list)
    for page, event_id in gold_events.items():
        rounds[event_id].append(page)
    tp = fp = gold_total = 0
    agree: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    for event_id in sorted(rounds):
        gold = gold_by_id.get(event_id)
        if gold is None:
            continue
        keys = Counter(k for p in rounds[event_id] if (k := predicted_keys.get(p)) is not None)
        fused = fuse(facts_mapping(page_facts[p]) for p in sorted(pages_by_key[max(keys.items(), key=lambda kv: (kv[1], kv[0]))[0]])) if keys else None
        people = group_people([c["name"] for c in gold["co_chairs"]] + [c["name"] for c in (fused.co_chairs if fused else [])])
        want = {(people[c["name"]], _alpha3(c["country"])): c["name"] for c in gold["co_chairs"]}
        gold_total += len(want)
        if fused is None:
            misses["no_event"] += [f"{event_id}: {n}" for n in want.values()]
            continue
        got = {(people[c["name"]], c["country"]): c["name"] for c in fused.co_chairs}
        # the event's other fused facts: venue (virtual or the country) and the round ordinal
        agree["venue_rounds"] += 1
        want_venue = "virtual" if gold["venue_city"] == "virtual" else gold["venue_country"]
        got_venue = "virtual" if fused.virtual else fused.venue_country
        agree["venue_ok"] += got_venue == want_venue
        if got_venue != want_venue:
            misses["event_venue"].append(f"{event_id}: {got_venue} (gold {want_venue})")
        if gold.get("round") is not None:
            agree["ordinal_rounds"] += 1
            agree["ordinal_ok"] += fused.round_ordinal == gold["round"]
            if fused.round_ordinal != gold["round"]:
                misses["event_ordinal"].append(f"{event_id}: {fused.round_ordinal} (gold {gold['round']})")
        want_people = {k[0]: k[1] for k in want}
        got_people = {k[0]: k[1] for k in got}
        for pair, name in want.items():
            if pair in got:
                tp += 1
            elif pair[0] not in got_people:
                misses["name_missed"].append(f"{event_id}: {name}")
            elif got_people[pair[0]] is None:
                misses["no_country"].append(f"{event_id}: {name}")
            else:
                misses["wrong_country"].append(f"{event_id}: {name} ({got_people[pair[0]]}, gold {pair[1]})")
        for pair, name in got.items():
            if pair in want:
                continue
            fp += 1
            if pair[0] not in want_people:
                misses["extra_person"].append(f"{event_id}: {name} ({pair[1]})")
            elif pair[1] is None:
                misses["extra_no_country"].append(f"{event_id}: {name}")
    got_total = tp + fp
    return {
        "figures": {
            "co_chair_rounds": len([e for e in rounds if e in gold_by_id]),
            "co_chair_gold": gold_total,
            "co_chair_precision": _ratio(tp, got_total),
            "co_chair_recall": _ratio(tp, gold_total),
            "event_venue_agree": _ratio(agree["venue_ok"], agree["venue_rounds"]),
            "event_ordinal_agree": _ratio(agree["ordinal_ok"], agree["ordinal_rounds"]),
        },
        "misses": dict(misses),
    }
