"""Measure parse_dateline on real data in ../shared (Reuters-21578, datelines_dev.json, TempEval-3 AFP).

Usage: .venv/bin/python benchmarks/eval_datelines.py [--json OUT] [--show-misses] [--only-file JSON]
       .venv/bin/python benchmarks/eval_datelines.py --multi [JSON]   (the multilingual blind set, or a
       file/JSONL case table of the same fields; prints per-language and per-field figures, false
       datelines, and only the family labels of misses)

The scorers and their comparison rules live in tests/helpers/eval_datelines.py (the dateline tests use
them too; docs/datelines.md describes the rules).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_datelines import (
    BLIND_FILE,
    MULTI_FILE,
    SHARED,
    below_floors,
    eval_dev,
    eval_multi,
    eval_reuters,
    eval_tbaq,
    eval_tempeval,
    multi_below_floors,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--only-file", metavar="JSON", type=Path,
                    help="score only this file in the datelines_dev.json schema (e.g. tests/fixtures/blind/datelines.json)")
    ap.add_argument("--multi", nargs="?", const=MULTI_FILE, type=Path, metavar="JSON",
                    help="score the multilingual set (default tests/fixtures/blind/datelines-multi.json; "
                         "a .jsonl case table works too)")
    args = ap.parse_args()
    if args.multi:
        if not args.multi.exists():
            print(f"no such file: {args.multi}", file=sys.stderr)
            return 2
        if args.multi.suffix == ".jsonl":
            rows = [json.loads(x) for x in args.multi.read_text(encoding="utf-8").splitlines() if x.strip()]
            figures = eval_multi(rows=rows)
        else:
            figures = eval_multi(args.multi)
        print(json.dumps(figures, indent=1, ensure_ascii=False))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if args.multi.resolve() == MULTI_FILE:
            missed = multi_below_floors(figures)
            for line in missed:
                print(f"blind multilingual datelines: {line}")
            print("blind multilingual datelines: floors " + ("MISSED" if missed else "met"))
            return 1 if missed else 0
        return 0
    if args.only_file:
        figures = eval_dev(args.show_misses, args.only_file)
        print(json.dumps({args.only_file.name: figures}, indent=2))
        if args.only_file.resolve() != BLIND_FILE:
            return 0
        missed = below_floors(figures)
        for line in missed:
            print(f"blind datelines: {line}")
        print("blind datelines: floors " + ("MISSED" if missed else "met"))
        return 1 if missed else 0
    if not SHARED.exists():
        print(f"../shared not present at {SHARED}", file=sys.stderr)
        return 2
    report = {
        "reuters21578": eval_reuters(args.show_misses),
        "datelines_dev": eval_dev(args.show_misses),
        "tempeval3_silver0": eval_tempeval(args.show_misses),
        "tempeval3_tbaq": eval_tbaq(args.show_misses),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
