"""Evaluate the archive end to end: crawl a labelled fixture set with the real CLI, read the archive back and
score it against the gold labels (the scorer and its figures: tests/helpers/eval_archive.py).

    .venv/bin/python benchmarks/eval_archive.py [--set wire-sites-dev|demo|all] [--order sitemap,reverse]
        [--database-dir DIR | --postgres URL] [--json OUT] [--verbose]

Exit status 1 when a target is missed (so CI can run it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.eval_archive import BLIND_CEILINGS, BLIND_FLOORS, TARGETS, fresh_postgres, run_one, sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="all",
                        help="wire-sites-dev, demo, all (those two), blind-a … blind-f, blind (all six), or the path of any fixture set (DIR/site + DIR/gold.jsonl)")
    parser.add_argument("--order", default="sitemap,reverse", help="comma list of sitemap, forward, reverse")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL server (a new schema per run)")
    parser.add_argument("--database-dir", metavar="DIR", help="keep the SQLite archives here")
    parser.add_argument("--json", metavar="OUT", help="write the full report as JSON")
    parser.add_argument("--verbose", action="store_true", help="print every failure")
    args = parser.parse_args(argv)
    available = sets()
    custom = Path(args.set)
    if args.set not in available and args.set != "all" and (custom / "gold.jsonl").is_file():
        available[custom.name] = (custom / "site", custom / "gold.jsonl")
        args.set = custom.name
    blind = [n for n in available if n.startswith("blind-")]
    names = ([n for n in available if n not in blind] if args.set == "all" else
             blind if args.set == "blind" else [args.set])
    for n in names:
        if n not in available:
            parser.error(f"set {n!r} not available (../shared absent?); have {sorted(available)}")
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.database_dir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in names:
            for order in args.order.split(","):
                label = f"{n}-{order}".replace("-", "_")
                if args.postgres:
                    database = fresh_postgres(args.postgres, label)
                else:
                    db = workdir / f"{label}.sqlite3"
                    db.unlink(missing_ok=True)
                    database = f"sqlite:///{db}"
                report = run_one(n, *available[n], order, database, workdir)
                reports.append(report)
                f = report["figures"]
                print(f"{n:15s} {order:8s} articles P {f['article_pair_precision']:.3f} R "
                      f"{f['article_pair_recall']:.3f} | events B3 P {f['event_bcubed_precision']:.3f} R "
                      f"{f['event_bcubed_recall']:.3f} | pair {f['pair_exact']:.3f} start {f['start_exact']:.3f} "
                      f"relation {f['relation_exact']:.3f} | end {f['end_exact']:.3f} venue "
                      f"{f['venue_country_exact']:.3f} | {f['archived_pages']}/{f['kept_pages']} pages, "
                      f"{f['articles']} articles/{f['stories']} stories, {f['events']} events/"
                      f"{f['gold_events']} gold | published {f['published_exact']} | unrelated archived "
                      f"{f['unrelated_archived']} | {f['crawl_seconds']}s"
                      + (f"  MISSED {report['missed_targets']}" if report["missed_targets"] else ""))
                if args.verbose:
                    for fail in report["failures"]:
                        print("   ", json.dumps(fail, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps({"targets": TARGETS, "blind_floors": BLIND_FLOORS,
                                               "blind_ceilings": BLIND_CEILINGS, "runs": reports}, indent=2, default=str),
                                   encoding="utf-8")
    return 1 if any(r["missed_targets"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
