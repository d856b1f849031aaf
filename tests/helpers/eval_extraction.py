"""Measure crawler.core.extract on the real corpora in ../shared.

Figures:
  fundus (258 pages, 181 publishers): publication day accuracy and exact title accuracy.
  wire-sites-dev (119 pages of the project's own domain, gold.jsonl): title exact, publication day, and
  publication instant with the printed offset, each page extracted with its source's country.
  article-extraction-benchmark (181 pages): body precision / recall / F1 over 4-token shingles, computed
  the way that benchmark's evaluate.py does (tokens = regex \\w+, shingle counts normalised per page,
  precision and recall averaged over pages, F1 = harmonic mean of the two averages); the mean of per-page
  F1 is printed as well.

Day rule: the label's publishing_date is read with datetime.fromisoformat. A page counts as correct when
our published value, converted to the label's offset, falls on the label's calendar day, or when the two
calendar days as printed (each in its own offset) are equal — the second form covers day-precision dates
that the label stores as midnight UTC while the page states midnight local time. A naive label is compared
with our value's own calendar day.

The scorers behind benchmarks/eval_extraction.py (the CLI: [--verbose] [--json OUT] [--only fundus|aeb|wire]
[--workers N]) and the corpus tests in tests/test_extract.py.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.core.extract import extract_page

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FUNDUS = SHARED / "data" / "corpora" / "fundus"
AEB = SHARED / "data" / "corpora" / "article-extraction-benchmark"

# fundus country folders are mostly ISO alpha-2; these are not.
_FOLDER_COUNTRY = {"uk": "GB"}

# The fundus title target (0.95) is withdrawn (issue 14): its labels follow each publisher's own parser;
# the figure is still printed by eval_fundus and guarded against regression by tests/test_extract.py.
TARGETS = {"fundus_day_accuracy": 0.97, "aeb_f1": 0.95,
           # wire-sites-dev (measured 119/119 on both with EXTRACTOR_VERSION 2); each page's title and time
           # is also in tests/snapshots/wire-sites-dev.json
           "wire_title_accuracy": 0.97, "wire_exact_accuracy": 0.97}


def norm_ws(text: str | None) -> str:
    """Whitespace-normalised text; zero-width spaces count as whitespace."""
    return " ".join((text or "").replace("\u200b", " ").split())


# ------------------------------------------------------------------------------------------ fundus


def day_matches(ours: datetime | None, label: str | None) -> bool:
    """The day rule described in the module docstring."""
    if ours is None or not label:
        return False
    try:
        expected = datetime.fromisoformat(label)
    except ValueError:
        return False
    if ours.date() == expected.date():
        return True
    if expected.tzinfo is not None:
        return ours.astimezone(expected.tzinfo).date() == expected.date()
    return False


def _fundus_one(entry: dict[str, Any]) -> dict[str, Any]:
    html = gzip.decompress((FUNDUS / entry["html"]).read_bytes())
    label = json.loads((FUNDUS / entry["label_json"]).read_text(encoding="utf-8"))[entry["label_key"]]
    country = _FOLDER_COUNTRY.get(entry["country"], entry["country"].upper())
    started = time.perf_counter()
    page = extract_page(html, entry["url"], country=country)
    elapsed = time.perf_counter() - started
    published = page.published
    return {
        "html": entry["html"],
        "url": entry["url"],
        "seconds": elapsed,
        "label_date": label.get("publishing_date"),
        "our_date": published.value.isoformat() if published else None,
        "date_source": published.source if published else None,
        "date_raw": published.raw if published else None,
        "day_ok": day_matches(published.value if published else None, label.get("publishing_date")),
        "label_title": norm_ws(label.get("title")),
        "our_title": norm_ws(page.title),
        "title_ok": norm_ws(page.title) == norm_ws(label.get("title")),
    }


def eval_fundus(workers: int, verbose: bool) -> dict[str, Any]:
    manifest = json.loads((FUNDUS / "MANIFEST.json").read_text(encoding="utf-8"))
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_fundus_one, manifest, chunksize=4))
    dated = [r for r in rows if r["label_date"]]
    day_acc = sum(r["day_ok"] for r in dated) / len(dated)
    title_acc = sum(r["title_ok"] for r in rows) / len(rows)
    sources = Counter(r["date_source"] for r in rows)
    print(f"fundus: {len(rows)} pages ({len(dated)} with a label date)")
    print(f"  publication day correct: {sum(r['day_ok'] for r in dated)}/{len(dated)} = {day_acc:.4f}")
    print(f"  title exact (ws-normalised): {sum(r['title_ok'] for r in rows)}/{len(rows)} = {title_acc:.4f}")
    print(f"  date sources: {dict(sources)}")
    if verbose:
        for r in rows:
            if r["label_date"] and not r["day_ok"]:
                print(
                    f"  DAY  {r['html']}: label={r['label_date']} ours={r['our_date']} "
                    f"[{r['date_source']}] raw={r['date_raw']!r}"
                )
        for r in rows:
            if not r["title_ok"]:
                print(
                    f"  TITLE {r['html']}:\n      label={r['label_title']!r}\n      ours ={r['our_title']!r}"
                )
    return {
        "pages": len(rows),
        "dated_pages": len(dated),
        "day_accuracy": day_acc,
        "title_accuracy": title_acc,
        "date_sources": dict(sources),
        "seconds_total": sum(r["seconds"] for r in rows),
        "failures": [r for r in rows if not r["title_ok"] or (r["label_date"] and not r["day_ok"])],
    }


# --------------------------------------------------------------- article-extraction-benchmark body

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in t.keys() | p.keys())
    fn = sum(max(0, t[k] - p[k]) for k in t.keys() | p.keys())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def _aeb_one(item: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    key, truth = item
    html = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
    started = time.perf_counter()
    page = extract_page(html, truth.get("url"))
    elapsed = time.perf_counter() - started
    counts = tp_fp_fn(truth.get("articleBody", ""), page.body)
    p, r = _precision(*counts), _recall(*counts)
    return {
        "key": key,
        "url": truth.get("url"),
        "seconds": elapsed,
        "tp_fp_fn": counts,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
    }


def eval_aeb(workers: int, verbose: bool) -> dict[str, Any]:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_aeb_one, sorted(truth.items()), chunksize=4))
    precision = statistics.mean(
        _precision(*r["tp_fp_fn"]) for r in rows if r["tp_fp_fn"][0] + r["tp_fp_fn"][1] > 0
    )
    recall = statistics.mean(_recall(*r["tp_fp_fn"]) for r in rows if r["tp_fp_fn"][0] + r["tp_fp_fn"][2] > 0)
    f1 = 2 * precision * recall / (precision + recall)
    mean_page_f1 = statistics.mean(r["f1"] for r in rows)
    print(f"article-extraction-benchmark: {len(rows)} pages")
    print(f"  body F1 (benchmark definition) = {f1:.4f}  precision = {precision:.4f}  recall = {recall:.4f}")
    print(f"  mean per-page F1 = {mean_page_f1:.4f}")
    if verbose:
        for r in sorted(rows, key=lambda r: r["f1"])[:25]:
            print(
                f"  BODY {r['key'][:12]} f1={r['f1']:.3f} p={r['precision']:.3f} r={r['recall']:.3f} {r['url']}"
            )
    return {
        "pages": len(rows),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "mean_page_f1": mean_page_f1,
        "seconds_total": sum(r["seconds"] for r in rows),
        "worst": sorted(rows, key=lambda r: r["f1"])[:25],
    }


# ------------------------------------------------------------------- wire-sites-dev (project domain)

WIRE = SHARED / "data" / "wire-sites-dev"
WIRE_BASE = "http://127.0.0.1:8000"
# What a crawl job knows about each source: its country (from data/sources/, the publisher's home).
WIRE_COUNTRY = {
    "aninews": "IN",
    "apnews": "US",
    "devdiscourse": "IN",
    "kyodo": "JP",
    "lokmattimes": "IN",
    "mea": "IN",
    "menafn": None,
    "pib": "IN",
    "reuters": None,
    "stategov": "US",
    "thenews": "PK",
    "theprint": "IN",
    "tribuneindia": "IN",
    "xinhua": "CN",
    "yonhap": "KR",
}


def _wire_one(item: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    root, gold = item
    html = (
        (root / "site" / gold["url_path"].lstrip("/"))
        .read_text(encoding="utf-8")
        .replace("{{BASE}}", WIRE_BASE)
    )
    # Sources outside wire-sites-dev: the crawl job would not know their country.
    country = WIRE_COUNTRY.get(gold["publisher"]) if root == WIRE else None
    page = extract_page(html, WIRE_BASE + gold["url_path"], country=country)
    expected = datetime.fromisoformat(gold["published_at"])
    ours = page.published
    exact = ours is not None and (
        (ours.precision == "day" and ours.value.date() == expected.date())
        if expected.tzinfo is None
        else (ours.value == expected and ours.value.utcoffset() == expected.utcoffset())
    )
    return {
        "url_path": gold["url_path"],
        "label_title": gold["title"],
        "our_title": norm_ws(page.title),
        "title_ok": norm_ws(page.title) == norm_ws(gold["title"]),
        "label_date": gold["published_at"],
        "our_date": ours.value.isoformat() if ours else None,
        "date_source": ours.source if ours else None,
        "day_ok": ours is not None and ours.value.date() == expected.date(),
        "exact_ok": exact,
    }


def eval_wire(workers: int, verbose: bool, root: Path = WIRE) -> dict[str, Any]:
    golds = [
        (root, json.loads(line))
        for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_wire_one, golds, chunksize=4))
    n = len(rows)
    title_acc = sum(r["title_ok"] for r in rows) / n
    day_acc = sum(r["day_ok"] for r in rows) / n
    exact_acc = sum(r["exact_ok"] for r in rows) / n
    print(f"{root.name}: {n} pages")
    print(
        f"  title exact {sum(r['title_ok'] for r in rows)}/{n} = {title_acc:.4f}; publication day "
        f"{sum(r['day_ok'] for r in rows)}/{n} = {day_acc:.4f}; instant+offset exact "
        f"{sum(r['exact_ok'] for r in rows)}/{n} = {exact_acc:.4f}"
    )
    if verbose:
        for r in rows:
            if not (r["title_ok"] and r["exact_ok"]):
                print(
                    f"  WIRE {r['url_path']}: title_ok={r['title_ok']} label_date={r['label_date']} "
                    f"ours={r['our_date']} [{r['date_source']}] ours_title={r['our_title']!r}"
                )
    return {
        "pages": n,
        "title_accuracy": title_acc,
        "day_accuracy": day_acc,
        "exact_accuracy": exact_acc,
        "failures": [r for r in rows if not (r["title_ok"] and r["exact_ok"])],
    }
