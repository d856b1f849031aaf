"""Speed of parse_dateline over the Reuters-21578 datelines (files 000-009), against dateparser.

Usage: .venv/bin/python benchmarks/bench_datelines.py [--repeats 5] [--sample 300] [--json OUT]

Inputs: each story's <DATELINE> text plus the first 300 characters of its body (what a pipeline passes).
Prints the median over repeats of datelines/second for parse_dateline on the whole set (one core,
warm caches), and of dateparser.search_dates (languages=['en']) on a sample of the same strings,
measured in the same run, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.core.normalize.dateline import parse_dateline
from tests.helpers.eval_datelines import SHARED, reuters_items


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sample", type=int, default=300, help="strings given to dateparser per repeat")
    ap.add_argument("--json")
    args = ap.parse_args()
    root = SHARED / "data/corpora/reuters21578/sgm-data"
    if not root.exists():
        print(f"../shared not present at {root}", file=sys.stderr)
        return 2
    items = [(it["text"], it["published"]) for it in reuters_items(root)]
    for text, pub in items:  # warm the gazetteer index and lookup caches
        parse_dateline(text, pub)
    ours = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for text, pub in items:
            parse_dateline(text, pub)
        ours.append(len(items) / (time.perf_counter() - t0))
    from dateparser.search import search_dates

    sample = [text for text, _ in items[:: max(1, len(items) // args.sample)]][: args.sample]
    theirs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search_dates(sample[0], languages=["en"])  # warm-up
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for text in sample:
                search_dates(text, languages=["en"])
            theirs.append(len(sample) / (time.perf_counter() - t0))
    report = {
        "strings": len(items),
        "parse_dateline_per_s_median": round(statistics.median(ours)),
        "dateparser_search_dates_per_s_median": round(statistics.median(theirs), 1),
        "dateparser_sample": len(sample),
        "speedup": round(statistics.median(ours) / statistics.median(theirs), 1),
        "repeats": args.repeats,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
