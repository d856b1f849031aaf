#!/usr/bin/env python3
"""Score newsarchive on ../shared/data/corpora/web-dev beside htmldate and trafilatura, in the same run:
publication day on htmldate's and on trafilatura's pages, title exact, body snippet F1, and the day errors
by class. The figures are described in tests/helpers/eval_webdev.py. Exit status 1 when a figure of ours is
below its floor (WEBDEV_FLOORS).

Usage:
  .venv/bin/python benchmarks/eval_webdev.py [--verbose] [--json OUT] [--workers N] [--only newsarchive]
      [--mediacloud htmldate/tests/eval_mediacloud_2020.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_webdev import (
    TOOLS,
    WEBDEV,
    WEBDEV_FLOORS,
    below_floors,
    eval_webdev,
    load_mediacloud_urls,
    print_report,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print every day and title miss of ours")
    parser.add_argument("--json", type=Path, help="write the figures (and per-page results) here")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=TOOLS, action="append",
                        help="run only these tools (default: all three, side by side)")
    parser.add_argument("--limit", type=int, help="only the first N pages (a quick look)")
    parser.add_argument("--mediacloud", type=Path, metavar="JSON",
                        help="htmldate's tests/eval_mediacloud_2020.json (from a checkout of htmldate at the commit "
                             "web-dev's PROVENANCE.md names): also score the day on the pages of that sample")
    args = parser.parse_args(argv)
    if not (WEBDEV / "labels.jsonl").is_file():
        print(f"{WEBDEV} not present: nothing to measure", file=sys.stderr)
        return 2
    try:
        mediacloud = load_mediacloud_urls(args.mediacloud) if args.mediacloud else frozenset()
    except (OSError, ValueError) as exc:
        print(f"eval_webdev: {exc}", file=sys.stderr)
        return 2
    report = eval_webdev(args.workers, tuple(args.only or TOOLS), limit=args.limit, mediacloud=mediacloud)
    print_report(report, args.verbose)
    if args.json:
        for r in report["results"]:
            for tool in TOOLS:
                if tool in r:
                    r[tool].pop("body", None)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    if "newsarchive" not in report["figures"] or args.limit:
        return 0
    below = below_floors(report["figures"]["newsarchive"])
    print("floors " + (f"MISSED {below} (floors {WEBDEV_FLOORS})" if below else f"met {WEBDEV_FLOORS}"))
    return 1 if below else 0


if __name__ == "__main__":
    raise SystemExit(main())
