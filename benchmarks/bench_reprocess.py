"""``newsarchive reprocess`` throughput: documents per second, inline vs in extraction worker processes.

    .venv/bin/python benchmarks/bench_reprocess.py [--pages 300000] [--workers 0,default] [--runs 1] [--json OUT]

Generates ``--pages`` article pages (about a third are archived: the rest are off-topic and dropped) (benchmarks/sitegen.py, 40 KB mean, syndicated copies included), serves them
on 127.0.0.1 and crawls them once with the real CLI into a fresh SQLite archive (every document keeps its raw
HTML, as a crawl stores it). Then runs ``newsarchive reprocess --workers W`` on that archive for each ``--workers``
value, alternating, ``--runs`` rounds: the steady state after a crawl with unchanged rules (every document is
re-derived from its stored HTML; nothing is written), which is the cost of a reprocess after a rule change that
touches few rows. Prints documents/s per variant and the time 1,000,000 documents would take at that rate
(re-deriving is linear in documents: each is processed alone, then its article's copies).

``--documents 10000,30000,100000``: after the crawl, the archive is grown by cloning its articles in SQL
(benchmarks/clone_archive.py: distinct texts and URLs, same derived fields) to each size in turn, and the
variants run at each size, so the rate is measured at scale without crawling hundreds of thousands of pages.
``--keep DIR`` keeps the crawled archive there (and reuses it when it exists: the crawl is skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_e2e import CLI, full_cmd, machine, start_server, timed  # noqa: E402
from crawler.shell.reprocess import default_reprocess_workers  # noqa: E402
from tests.helpers.sitegen import generate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=300_000,
                    help="generated pages; about a third are dialogue reports and archived (the rest are dropped)")
    ap.add_argument("--workers", default="0,default",
                    help="comma-separated `reprocess --workers` values ('default': one per core, at most 4)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--documents", default="",
                    help="comma-separated archive sizes (documents) to grow to by cloning and measure at")
    ap.add_argument("--keep", help="directory to keep (or reuse) the crawled archive in")
    ap.add_argument("--json")
    args = ap.parse_args()
    variants = [w.strip() for w in args.workers.split(",") if w.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-reprocess-") as tmp:
        keep = Path(args.keep) if args.keep else None
        db = (keep or Path(tmp)) / "archive.sqlite3"
        url = f"sqlite:///{db}"
        if keep is not None and db.exists():
            print(f"reusing {db}", flush=True)
            return measure(args, variants, url, 0.0)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        root = Path(tmp) / "site"
        pages = generate(root, args.pages, seed=1)
        server, base = start_server(root)
        try:
            subprocess.run([sys.executable, "-c", CLI, "--database", url, "db", "upgrade"], cwd=REPO, check=True,
                           capture_output=True)
            fill_s, _, proc = timed(full_cmd(db, f"{base}/sitemap_index.xml", 16, 50))
            if "crawl run" not in proc.stdout:
                print(proc.stderr[-2000:], file=sys.stderr)
                return 1
        finally:
            server.kill()
            server.wait()
        print(f"filled by a crawl of {len(pages)} pages in {fill_s:.0f}s: {proc.stdout.strip().splitlines()[-1]}",
              flush=True)
        return measure(args, variants, url, fill_s)


def measure(args: argparse.Namespace, variants: list[str], url: str, fill_s: float) -> int:
    sizes = [int(n) for n in args.documents.split(",") if n.strip()] or [0]
    cloner = None
    report = []
    for size in sizes:
        if size:
            from benchmarks.clone_archive import ArchiveCloner
            from storage.db import make_engine

            engine = make_engine(url)
            cloner = cloner or ArchiveCloner(engine)
            cloner.engine = engine
            started = time.perf_counter()
            have = cloner.grow_to(size)
            engine.dispose()
            print(f"grown to {have} documents by cloning ({len(cloner.groups)} template articles, "
                  f"{cloner.skipped} without a renamable word) in {time.perf_counter() - started:.0f}s", flush=True)
        result = measure_once(args, variants, url)
        if result is None:
            return 1
        report.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "fill_s": round(fill_s, 1),
                                               "load_average": os.getloadavg(), "sizes": report}, indent=2),
                                   encoding="utf-8")
    return 0


def measure_once(args: argparse.Namespace, variants: list[str], url: str) -> dict[str, object] | None:
    times: dict[str, list[float]] = {w: [] for w in variants}
    cpu: dict[str, list[float]] = {w: [] for w in variants}
    loads: dict[str, list[float]] = {w: [] for w in variants}
    seen = 0
    for i in range(args.runs):
        for w in variants:
            n = default_reprocess_workers() if w == "default" else int(w)
            t, c, proc = timed([sys.executable, "-c", CLI, "--database", url, "reprocess", "--workers", str(n),
                                "--batch-size", str(args.batch_size)])
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
                return None
            first = proc.stdout.splitlines()[0]
            m = re.match(r"reprocessed (\d+) documents", first)
            seen = int(m.group(1)) if m else 0
            times[w].append(t)
            cpu[w].append(c)
            loads[w].append(os.getloadavg()[0])
            print(f"round {i + 1}, workers={w} ({n}): {t:.1f}s wall, {c:.1f}s cpu: {proc.stdout.strip()} "
                  f"(load {loads[w][-1]:.1f})", flush=True)
    results = {}
    for w in variants:
        med = statistics.median(times[w])
        rate = seen / med
        results[w] = {"workers": default_reprocess_workers() if w == "default" else int(w),
                      "wall_s": [round(t, 1) for t in times[w]], "cpu_s": [round(t, 1) for t in cpu[w]],
                      "load_1min": loads[w], "cpu_ms_per_document": round(statistics.median(cpu[w]) / seen * 1000, 1),
                      "median_s": round(med, 1), "documents_per_s": round(rate, 1),
                      "extrapolated_1m_hours": round(1_000_000 / rate / 3600, 2)}
        print(f"workers={w}: {med:.1f}s for {seen} documents = {rate:.1f} documents/s (CPU "
              f"{statistics.median(cpu[w]):.1f}s); 1,000,000 documents ≈ {1_000_000 / rate / 3600:.1f} h")
    return {"documents": seen, "results": results}


if __name__ == "__main__":
    sys.exit(main())
