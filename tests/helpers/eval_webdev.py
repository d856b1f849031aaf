"""Score the project on ../shared/data/corpora/web-dev beside htmldate and trafilatura, in one run.

web-dev is half of htmldate's and trafilatura's published evaluation sets (see its PROVENANCE.md): real
pages nobody here chose, with gold publication days, titles and body snippets.

Figures, each for newsarchive (``crawler.core.process.process_page`` with
``load_registries().context_for(url)``; the corpus gives no fetch time) and for the library the set comes
from, on the same pages:

- publication day, htmldate's pages: the label's day equals the calendar day of our value as printed
  (in its own offset); htmldate is ``find_date(extensive_search=True, original_date=True)``.
- publication day, trafilatura's pages: the same rule; trafilatura is ``bare_extraction(with_metadata=True)``.
  Both day figures are over the pages whose label has a date; a date found on a page labelled without
  one is counted apart (``spurious``), not in the accuracy.
- title exact: trafilatura's gold title, whitespace-normalised on both sides.
- body snippet F1, trafilatura's measure (tests/comparison.py there): a ``body_with`` snippet found in the
  main text is a true positive, missing a false negative; a ``body_without`` snippet found is a false
  positive; precision, recall and F1 over the counts summed over all pages. Texts are
  whitespace-normalised before the substring test (our paragraphs are joined by blank lines).
- per-class day errors: ``no_date`` (a label date, nothing found), ``wrong_year``, ``off_by_one_day``,
  ``other`` (same year, more than a day away); ``spurious`` (a date where the label has none) is outside
  the accuracy.

The CLI is benchmarks/eval_webdev.py.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
WEBDEV = REPO.parent / "shared" / "data" / "corpora" / "web-dev"

TOOLS = ("newsarchive", "htmldate", "trafilatura")


def norm_ws(text: str | None) -> str:
    return " ".join((text or "").replace("\u200b", " ").split())


def _label_day(label: object) -> str | None:
    """The label as ISO ``YYYY-MM-DD``: NaN / absent is "no date on the page"; a few labels are written
    ``2022-29-11`` (day and month swapped) or ``2022-11-1`` (unpadded) and are read as such."""
    if not isinstance(label, str):
        return None
    y, m, d = (int(p) for p in label.split("-"))
    if m > 12 >= d:
        m, d = d, m
    return date(y, m, d).isoformat()


def load_labels(root: Path = WEBDEV) -> list[dict[str, Any]]:
    rows = []
    for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            label = row.get("date")
            row["date"] = _label_day(label)
            rows.append(row)
    return rows


def day_class(found: str | None, label: str | None) -> str:
    """``ok`` or the error class of a found day (ISO ``YYYY-MM-DD`` or None) against the label."""
    if label is None:
        return "ok" if found is None else "spurious"
    if found is None:
        return "no_date"
    if found == label:
        return "ok"
    ours, gold = date.fromisoformat(found), date.fromisoformat(label)
    if ours.year != gold.year:
        return "wrong_year"
    if abs((ours - gold).days) == 1:
        return "off_by_one_day"
    return "other"


def snippet_counts(text: str | None, with_: list[str], without: list[str]) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn) of trafilatura's snippet measure on one page."""
    body = norm_ws(text)
    tp = sum(1 for s in with_ if norm_ws(s) in body) if body else 0
    fp = sum(1 for s in without if norm_ws(s) in body) if body else 0
    return tp, len(with_) - tp, fp, len(without) - fp


def snippet_f1(counts: list[tuple[int, int, int, int]]) -> dict[str, float]:
    tp, fn, fp, _ = (sum(c[i] for c in counts) for i in range(4))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value[:10] if len(value) >= 10 else None
    return str(value.date() if hasattr(value, "date") else value)


_REGISTRIES: Any = None


def _ours(html: bytes, url: str) -> dict[str, Any]:
    global _REGISTRIES
    from crawler.core.context import load_registries
    from crawler.core.process import process_page

    if _REGISTRIES is None:
        _REGISTRIES = load_registries()
    processed = process_page(html, url, _REGISTRIES.context_for(url))
    published = processed.published
    return {
        "day": published.value.date().isoformat() if published else None,
        "source": published.source if published else None,
        "raw": published.raw[:80] if published else None,
        "title": processed.page.title,
        "body": processed.page.body,
    }


def _htmldate(html: bytes, url: str) -> dict[str, Any]:
    from htmldate import find_date

    return {"day": _day(find_date(html, url=url, extensive_search=True, original_date=True))}


def _trafilatura(html: bytes, url: str) -> dict[str, Any]:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {"day": None, "title": None, "body": None}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {"day": _day(data.get("date")), "title": data.get("title"), "body": data.get("text")}


def _one(job: tuple[dict[str, Any], tuple[str, ...], str]) -> dict[str, Any]:
    row, tools, root = job
    html = gzip.decompress((Path(root) / row["page"]).read_bytes())
    out: dict[str, Any] = {"row": row}
    for tool in tools:
        started = time.perf_counter()
        out[tool] = {"newsarchive": _ours, "htmldate": _htmldate, "trafilatura": _trafilatura}[tool](html, row["url"])
        out[tool]["seconds"] = time.perf_counter() - started
    return out


def load_mediacloud_urls(path: Path) -> frozenset[str]:
    """The addresses of htmldate's Media Cloud 2020 news sample: its ``tests/eval_mediacloud_2020.json``
    (address -> file, date), read from a checkout of htmldate at the commit web-dev's PROVENANCE.md names.
    web-dev's labels do not say which of htmldate's pages came from that sample; its addresses do."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "date" in v for v in data.values()):
        raise ValueError(f"{path}: not htmldate's eval_mediacloud_2020.json (address -> {{file, date}})")
    return frozenset(data)


def _subsets(row: dict[str, Any], mediacloud: frozenset[str]) -> set[str]:
    return set(row["sets"]) | ({"mediacloud"} if row["url"] in mediacloud else set())


def _measure(results: list[dict[str, Any]], tool: str, mediacloud: frozenset[str] = frozenset()) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for subset in ("htmldate", "trafilatura", *(["mediacloud"] if mediacloud else [])):
        mine = [r for r in results if subset in _subsets(r["row"], mediacloud) and tool in r]
        rows = [r for r in mine if r["row"]["date"]]
        classes = Counter(day_class(r[tool]["day"], r["row"]["date"]) for r in rows)
        undated = [r for r in mine if not r["row"]["date"]]
        classes["spurious"] = sum(r[tool]["day"] is not None for r in undated)
        figures[f"day_{subset}_pages"] = {
            "pages": len(rows),
            "correct": classes["ok"],
            "accuracy": classes["ok"] / len(rows) if rows else math.nan,
            "errors": {k: v for k, v in sorted(classes.items()) if k != "ok"},
            "undated_pages": len(undated),
        }
    titled = [r for r in results if r["row"].get("title") and tool in r and "title" in r[tool]]
    if titled:
        exact = sum(norm_ws(r[tool]["title"]) == norm_ws(r["row"]["title"]) for r in titled)
        figures["title_exact"] = {"pages": len(titled), "correct": exact, "accuracy": exact / len(titled)}
    bodied = [r for r in results if "body_with" in r["row"] and tool in r and "body" in r[tool]]
    if bodied:
        counts = [snippet_counts(r[tool]["body"], r["row"]["body_with"], r["row"]["body_without"]) for r in bodied]
        figures["body_snippets"] = {"pages": len(bodied), **snippet_f1(counts)}
    figures["seconds_total"] = sum(r[tool]["seconds"] for r in results if tool in r)
    return figures


# Floors on the visible half, a little under the figures measured when they were set (days 0.928 / 0.912,
# title 0.787, body 0.9302 with EXTRACTOR_VERSION 3; title raised after webdev14 measured 0.833 and days
# 0.932 / 0.912; docs/decisions.md); the title target (0.88) is not reached yet. An aggregate over 665 real pages is a benchmark report
# (benchmarks/eval_webdev.py exits 1 below a floor), not a test: it costs ~40 s of CPU, and our own labelled
# pages are guarded one by one by tests/snapshots.
WEBDEV_FLOORS = {"day_htmldate_pages": 0.92, "day_trafilatura_pages": 0.90, "title_exact": 0.82,
                 "body_snippets": 0.929}


def below_floors(figures: dict[str, Any]) -> dict[str, float]:
    """Our figures (``eval_webdev(...)["figures"]["newsarchive"]``) under their floor."""
    measured = {key: figures[key]["f1" if key == "body_snippets" else "accuracy"] for key in WEBDEV_FLOORS}
    return {key: value for key, value in measured.items() if value < WEBDEV_FLOORS[key]}


def eval_webdev(
    workers: int = 2, tools: tuple[str, ...] = TOOLS, root: Path = WEBDEV, limit: int | None = None,
    mediacloud: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Run every tool on every page; returns ``{"figures": {tool: ...}, "results": [...]}``. With
    ``mediacloud`` (``load_mediacloud_urls``), also the day on those of htmldate's pages from that sample."""
    labels = load_labels(root)[:limit]
    jobs = [(row, tools, str(root)) for row in labels]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_one, jobs, chunksize=4))
    return {"figures": {tool: _measure(results, tool, mediacloud) for tool in tools}, "results": results}


def print_report(report: dict[str, Any], verbose: bool = False) -> None:
    figures = report["figures"]
    tools = list(figures)
    print(f"web-dev: {len(report['results'])} pages")
    header = f"  {'measure':44}" + "".join(f"{t:>14}" for t in tools)
    print(header)
    lines = [
        ("publication day, htmldate's pages", "day_htmldate_pages"),
        ("publication day, trafilatura's pages", "day_trafilatura_pages"),
        ("publication day, Media Cloud 2020 pages", "day_mediacloud_pages"),
        ("title exact (ws-normalised)", "title_exact"),
    ]
    for label, key in lines:
        if not any(key in figures[t] for t in tools):
            continue
        cells = []
        for tool in tools:
            fig = figures[tool].get(key)
            cells.append(f"{fig['accuracy']:.3f}" if fig else "—")
        pages = next((figures[t][key]["pages"] for t in tools if key in figures[t]), 0)
        print(f"  {label + f' ({pages})':44}" + "".join(f"{c:>14}" for c in cells))
    cells = [f"{figures[t]['body_snippets']['f1']:.3f}" if "body_snippets" in figures[t] else "—" for t in tools]
    print(f"  {'body snippet F1 (trafilatura measure)':44}" + "".join(f"{c:>14}" for c in cells))
    cells = [f"{figures[t]['seconds_total']:.1f}" for t in tools]
    print(f"  {'seconds (sum over pages)':44}" + "".join(f"{c:>14}" for c in cells))
    print("  day errors by class (htmldate's pages | trafilatura's pages):")
    for tool in tools:
        a = figures[tool]["day_htmldate_pages"]["errors"]
        b = figures[tool]["day_trafilatura_pages"]["errors"]
        c = f" | Media Cloud: {figures[tool]['day_mediacloud_pages']['errors']}" if "day_mediacloud_pages" in figures[tool] else ""
        print(f"    {tool:12} {a} | {b}{c}")
    if verbose and "newsarchive" in tools:
        for r in report["results"]:
            ours, label = r["newsarchive"], r["row"]
            cls = day_class(ours["day"], label["date"])
            if cls != "ok":
                other = r.get("htmldate", {}).get("day")
                print(f"  DAY {cls:14} gold={label['date']} ours={ours['day']} [{ours['source']}] "
                      f"raw={ours['raw']!r} htmldate={other} {label['page']} {label['url'][:90]}")
        for r in report["results"]:
            ours, label = r["newsarchive"], r["row"]
            if label.get("title") and norm_ws(ours["title"]) != norm_ws(label["title"]):
                print(f"  TITLE {label['page']}\n      gold={norm_ws(label['title'])!r}\n      ours={norm_ws(ours['title'])!r}")
