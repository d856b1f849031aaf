"""Evaluate events on openings of real published pages: ``../shared/data/real-openings`` (issue 15).

Every record goes through ``crawler.core.process.process_page`` in its ``context_for`` context; the
figures, targets and miss classes are described in tests/helpers/eval_real_events.py.

    .venv/bin/python benchmarks/eval_real_events.py [--verbose] [--json OUT] [--openings FILE] [--no-archive]

Two blocks of figures: per page (what one page's text gives), and of the archive the records make when they
are written as a crawl writes them (storage joins undated pages to their round; ``archive_figures``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_real_events import REAL_OPENINGS, TARGETS, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print every miss with the rules' reasons")
    parser.add_argument("--json", metavar="OUT", help="write the report as JSON")
    parser.add_argument("--openings", metavar="FILE", default=str(REAL_OPENINGS), help="an openings.jsonl of the same kind")
    parser.add_argument("--no-archive", action="store_true", help="per-page figures only (no SQLite archive)")
    args = parser.parse_args(argv)
    path = Path(args.openings)
    if not path.exists():
        print(f"real-openings: {path} not present", file=sys.stderr)
        return 2
    report = evaluate(path, archive=not args.no_archive)
    print(f"== {path.parent.name}")
    blocks = [("per page", report["figures"])] + ([("archive", report["archive_figures"])] if "archive_figures" in report else [])
    for title, figures in blocks:
        print(f"  -- {title}")
        for key, value in figures.items():
            target = TARGETS.get(key)
            mark = "" if target is None or value is None else ("  ok" if value >= target else f"  BELOW target {target}")
            print(f"  {key:22} {value}{mark}")
    print("  per series (pages keyed pair start):")
    for name, row in report["series"].items():
        print(f"    {name[:60]:60} {row['pages']:>2} {row['keyed']:>2} {row['pair']:>2} {row['start']:>5}")
    print("  misses by class:")
    for cls, items in sorted(report["misses"].items()):
        print(f"    {cls:18} {len(items):>3}")
        for item in items if args.verbose else []:
            print("      " + json.dumps(item, ensure_ascii=False, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
