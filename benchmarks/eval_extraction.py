#!/usr/bin/env python3
"""Measure crawler.core.extract on the real corpora in ../shared (fundus, wire-sites-dev,
article-extraction-benchmark). The figures and the day rule are described in tests/helpers/eval_extraction.py
(tests/test_extract.py scores the same way).

Usage:
  .venv/bin/python benchmarks/eval_extraction.py [--verbose] [--json OUT] [--only fundus|aeb|wire] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_extraction import SHARED, TARGETS, WIRE, eval_aeb, eval_fundus, eval_wire


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verbose", action="store_true", help="print every failure")
    parser.add_argument("--json", type=Path, help="write a JSON report here")
    parser.add_argument("--only", choices=("fundus", "aeb", "wire"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set-dir", type=Path, action="append", default=[],
                        help="score titles and times on this fixture set too (DIR/site + DIR/gold.jsonl)")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED} not present: nothing to measure", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"targets": TARGETS}
    if args.only in (None, "fundus"):
        report["fundus"] = eval_fundus(args.workers, args.verbose)
    if args.only in (None, "aeb"):
        report["aeb"] = eval_aeb(args.workers, args.verbose)
    if args.only in (None, "wire") and WIRE.is_dir():
        report["wire"] = eval_wire(args.workers, args.verbose)
    for root in args.set_dir:
        report[root.name] = eval_wire(args.workers, args.verbose, root)
    print("targets:")
    for key, target in TARGETS.items():
        corpus, _, figure = key.partition("_")
        value = report.get(corpus, {}).get(figure)
        if value is not None:
            print(f"  {key:24} {value:.4f}  " + ("ok" if value >= target else f"BELOW target {target}"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
