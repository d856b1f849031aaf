"""Evaluate topic classification and event facts against labelled fixture sites.

Sets: ``../shared/data/wire-sites-dev`` (sibling of the repo) and the project's demo site
``crawler/app/demo/site`` + ``crawler/app/demo/gold.jsonl``; the scorer, its figures and targets are
described in tests/helpers/eval_events.py (tests/test_events.py uses it too).

    .venv/bin/python benchmarks/eval_events.py [--verbose] [--json OUT] [--fallback] [--set-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_events import (
    CO_CHAIR_TARGETS,
    REPO,
    SHARED,
    TARGETS,
    _real_modules_available,
    evaluate_set,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print every failure")
    parser.add_argument("--json", metavar="OUT", help="write the report as JSON")
    parser.add_argument("--fallback", action="store_true", help="use the <h1>/<p> fallback even if modules exist")
    parser.add_argument("--set-dir", metavar="DIR", action="append", default=[],
                        help="also (or, with --only-set-dirs, only) evaluate this fixture set: DIR/site + DIR/gold.jsonl")
    parser.add_argument("--only-set-dirs", action="store_true", help="skip wire-sites-dev and demo")
    args = parser.parse_args(argv)
    use_real = _real_modules_available() and not args.fallback
    sets = [
        ("wire-sites-dev", SHARED / "data" / "wire-sites-dev" / "site", SHARED / "data" / "wire-sites-dev" / "gold.jsonl"),
        ("demo", REPO / "crawler" / "app" / "demo" / "site", REPO / "crawler" / "app" / "demo" / "gold.jsonl"),
    ]
    if args.only_set_dirs:
        sets = []
    sets += [(Path(d).name, Path(d) / "site", Path(d) / "gold.jsonl") for d in args.set_dir]
    report: dict[str, Any] = {"extraction": "crawler.core.extract + crawler.core.normalize" if use_real else "fallback <h1>/<p> + gold dateline"}
    print(f"extraction: {report['extraction']}")
    status = 0
    for name, root, gold in sets:
        if not gold.exists():
            print(f"{name}: skipped ({gold} not present)")
            continue
        print(f"== {name}")
        result = evaluate_set(root, gold, use_real=use_real, verbose=args.verbose)
        report[name] = result
        for key, value in result["figures"].items():
            target = TARGETS.get(key, CO_CHAIR_TARGETS.get(key))
            mark = ""
            if target is not None and value is not None:
                mark = "  ok" if value >= target else f"  BELOW target {target}"
                if value < target and name == "wire-sites-dev":
                    status = 1
            print(f"  {key:24} {value}{mark}")
        for kind, misses in sorted(result.get("co_chair_misses", {}).items()):
            print(f"  misses, {kind}: {len(misses)}")
            for miss in misses:
                print(f"    {miss}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
