"""Precision of the gazetteer's sound match (crawler.core.reference.sounds) on GeoNames' own spellings.

Usage: .venv/bin/python benchmarks/eval_sound_match.py [--json OUT]

Every alternate name of a cities15000 place written in a matched script (Bengali, Devanagari, Tamil,
katakana, ...) is matched by sound alone, as if GeoNames did not list it. Per script it prints:

- for the names of places in the match's candidate set: right (the place itself), wrong (another place), none;
- for the names of the other places: how many the match wrongly gives a candidate.

In the gazetteer the sound match only runs where GeoNames' spellings, their script keys and CLDR's all miss,
so these figures bound its errors rather than count them. No ../shared data needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.core.reference import sounds
from crawler.core.reference.gazetteer import _build_sound_index, _places


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json")
    args = ap.parse_args()
    index, places = _build_sound_index()
    candidates = {pid for entries in index.values() for row in entries.values() for _form, pid, _local in row}
    report: dict[str, dict[str, float]] = {}
    for pid, (_key, place, alternates) in enumerate(_places()):
        for name in alternates:
            script = sounds.script_of(name)
            if script is None:
                continue
            row = report.setdefault(script, dict.fromkeys(("right", "wrong", "none", "other_names", "other_matched"), 0))
            hit = sounds.match(index, name)
            if pid not in candidates:
                row["other_names"] += 1
                row["other_matched"] += hit is not None
            elif hit is None:
                row["none"] += 1
            elif (places[hit].name, places[hit].country) == (place.name, place.country):
                row["right"] += 1
            else:
                row["wrong"] += 1
    for row in report.values():
        row["wrong_of_resolved"] = round(row["wrong"] / max(1, row["right"] + row["wrong"]), 3)
    print(json.dumps(dict(sorted(report.items())), indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
