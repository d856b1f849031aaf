"""``newsarchive reprocess`` throughput: documents per second, inline vs in extraction worker processes.

    .venv/bin/python benchmarks/bench_reprocess.py [--pages 300000] [--workers 0,default] [--runs 1] [--json OUT]

Generates ``--pages`` article pages (about a third are archived: the rest are off-topic and dropped) (benchmarks/sitegen.py, 40 KB mean, syndicated copies included), serves them
on 127.0.0.1 and crawls them once with the real CLI into a fresh SQLite archive (every document keeps its raw
HTML, as a crawl stores it). Then runs ``newsarchive reprocess --workers W`` on that archive for each ``--workers``
value, alternating, ``--runs`` rounds: the steady state after a crawl with unchanged rules (every document is
re-derived from its stored HTML; nothing is written), which is the cost of a reprocess after a rule change that
touches few rows. Prints documents/s per variant and the time 1,000,000 documents would take at that rate
(re-deriving is linear in documents: each is processed alone, then its article's copies).
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_e2e import CLI, full_cmd, machine, start_server, timed  # noqa: E402
from tests.helpers.sitegen import generate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=300_000,
                    help="generated pages; about a third are dialogue reports and archived (the rest are dropped)")
    ap.add_argument("--workers", default="0,default",
                    help="comma-separated `reprocess --workers` values ('default': one per core, at most 4)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--json")
    args = ap.parse_args()
    variants = [w.strip() for w in args.workers.split(",") if w.strip()]
    from crawler.shell.reprocess import default_reprocess_workers

    with tempfile.TemporaryDirectory(prefix="bench-reprocess-") as tmp:
        root = Path(tmp) / "site"
        pages = generate(root, args.pages, seed=1)
        server, base = start_server(root)
        db = Path(tmp) / "archive.sqlite3"
        url = f"sqlite:///{db}"
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
        times: dict[str, list[float]] = {w: [] for w in variants}
        cpu: dict[str, list[float]] = {w: [] for w in variants}
        seen = 0
        for i in range(args.runs):
            for w in variants:
                n = default_reprocess_workers() if w == "default" else int(w)
                t, c, proc = timed([sys.executable, "-c", CLI, "--database", url, "reprocess", "--workers", str(n),
                                    "--batch-size", str(args.batch_size)])
                if proc.returncode != 0:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                first = proc.stdout.splitlines()[0]
                m = re.match(r"reprocessed (\d+) documents", first)
                seen = int(m.group(1)) if m else 0
                times[w].append(t)
                cpu[w].append(c)
                print(f"round {i + 1}, workers={w} ({n}): {t:.1f}s wall, {c:.1f}s cpu: {first} "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    results = {}
    for w in variants:
        med = statistics.median(times[w])
        rate = seen / med
        results[w] = {"workers": default_reprocess_workers() if w == "default" else int(w),
                      "wall_s": [round(t, 1) for t in times[w]], "cpu_s": [round(t, 1) for t in cpu[w]],
                      "median_s": round(med, 1), "documents_per_s": round(rate, 1),
                      "extrapolated_1m_hours": round(1_000_000 / rate / 3600, 2)}
        print(f"workers={w}: {med:.1f}s for {seen} documents = {rate:.1f} documents/s (CPU "
              f"{statistics.median(cpu[w]):.1f}s); 1,000,000 documents ≈ {1_000_000 / rate / 3600:.1f} h")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "documents": seen, "fill_s": round(fill_s, 1),
                                               "load_average": os.getloadavg(), "results": results}, indent=2),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
