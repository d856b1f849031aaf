"""Full-text search latency over a generated archive of 1,000,000 articles (SQLite FTS5, PostgreSQL tsvector).

Usage: .venv/bin/python benchmarks/bench_search.py [--rows 1000000] [--postgres URL] [--pg-rows N]
                                                   [--workdir DIR] [--repeats 7] [--json OUT]

The archive is the one benchmarks/bench_export.py generates (reused from --workdir when present, else
generated the same way). Each query of QUERIES runs through storage.search.search (ranked, limit 20, the
snippet included: what `newsarchive search` does) ``--repeats`` times after one warm-up; the figure is the
median wall time per query and the median over all queries. Target: < 50 ms median on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from benchmarks.bench_export import generate, pg_schema
from storage.db import make_engine
from storage.search import ArchiveFilter, search

QUERIES: list[tuple[str, ArchiveFilter | None]] = [
    ("homeland security", None),  # two dialogue words (each in ~2% of articles)
    ('"homeland security"', None),  # a phrase
    ("maritime OR border", None),
    ("counter-terrorism", None),  # punctuated word = phrase of its parts
    ("consult*", None),  # prefix
    ("dialogue -India", None),  # exclusion
    ("Turkiye", None),  # accent folded (text has Türkiye)
    ("delegation", ArchiveFilter(since=date(2018, 1, 1), until=date(2018, 12, 31))),
    ("security", ArchiveFilter(agency="IANS")),
    ("cooperation", None),  # a dialogue word in ~13% of articles: ranking every match
]


def measure(url: str, repeats: int) -> dict[str, Any]:
    engine = make_engine(url, read_only=True)
    per_query: dict[str, float] = {}
    hits: dict[str, int] = {}
    for q, f in QUERIES:
        label = q + (" [filtered]" if f else "")
        hits[label] = len(search(engine, q, f, limit=20))  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            search(engine, q, f, limit=20)
            times.append(time.perf_counter() - t0)
        per_query[label] = round(statistics.median(times) * 1000, 1)
    with engine.connect() as conn:
        n = conn.scalar(text("SELECT count(*) FROM articles"))
    engine.dispose()
    return {"articles": n, "median_ms": round(statistics.median(per_query.values()), 1),
            "max_ms": max(per_query.values()), "per_query_ms": per_query, "results": hits}


def report(name: str, r: dict[str, Any]) -> None:
    print(f"{name}: {r['articles']:,} articles — median {r['median_ms']} ms, slowest query {r['max_ms']} ms")
    for q, ms in r["per_query_ms"].items():
        print(f"  {ms:8.1f} ms  {r['results'][q]:>2} hits  {q}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--postgres", default=os.environ.get("NEWSARCHIVE_TEST_POSTGRES_URL"))
    ap.add_argument("--pg-rows", type=int, help="PostgreSQL archive size (default: --rows)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsarchive-bench"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    db = args.workdir / f"articles-{args.rows}.sqlite3"
    if not db.exists():
        print(f"SQLite: generating {args.rows:,} articles → {db}", file=sys.stderr)
        tmp = db.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        generate(f"sqlite:///{tmp}", args.rows)
        tmp.rename(db)
    results["sqlite"] = measure(f"sqlite:///{db}", args.repeats)
    report("SQLite FTS5", results["sqlite"])
    if args.postgres:
        n = args.pg_rows or args.rows
        url, admin, schema = pg_schema(args.postgres)
        try:
            print(f"PostgreSQL: generating {n:,} articles in schema {schema}", file=sys.stderr)
            generate(url, n)
            results["postgresql"] = measure(url, args.repeats)
            report("PostgreSQL tsvector", results["postgresql"])
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        ratio = results["postgresql"]["median_ms"] / max(results["sqlite"]["median_ms"], 0.1)
        print(f"PostgreSQL / SQLite median latency = {ratio:.2f}")
    ok = results["sqlite"]["median_ms"] < 50
    print(f"target (SQLite median < 50 ms): {'met' if ok else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
