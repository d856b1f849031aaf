"""Peak RSS of a full crawl by site size: is memory flat as the crawl grows?

    .venv/bin/python benchmarks/bench_memory.py [--small 1000] [--large 10000] [--json OUT]

Generates one site of ``--large`` pages (benchmarks/sitegen.py) with sitemaps of 1,000 URLs; the small
crawl reads the first ``--small // 1000`` sitemaps (a sitemap index written for it), the large one all of
them. Each crawl is the real CLI into a fresh SQLite archive, run as a child process; its peak RSS is the
child's ``ru_maxrss``, read by a wrapper process that runs exactly one crawl. Target: large/small ≤ 1.2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_e2e import CLI, full_cmd, machine, start_server  # noqa: E402
from tests.helpers.sitegen import BASE_PLACEHOLDER, URLS_PER_SITEMAP, generate  # noqa: E402

# runs one command as its child and prints the child's peak RSS in KB (Linux: ru_maxrss is in KB)
WRAPPER = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(p.stdout.strip().splitlines()[0] "
           "if p.stdout.strip() else p.stderr[-500:].replace(chr(10), ' '))")


def crawl_peak(tmp: Path, sitemap: str, label: str) -> tuple[int, float, str]:
    db = tmp / f"{label}.sqlite3"
    subprocess.run([sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "db", "upgrade"], cwd=REPO,
                   check=True, capture_output=True)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAPPER, *full_cmd(db, sitemap, 16, 50)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return int(out[0]), time.perf_counter() - start, out[1] if len(out) > 1 else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--large", type=int, default=10_000)
    ap.add_argument("--json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "site"
        generate(root, args.large, seed=3)
        n_small = max(1, args.small // URLS_PER_SITEMAP)
        (root / "small_index.xml").write_text(
            "<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            + "".join(f"<sitemap><loc>{BASE_PLACEHOLDER}/news-sitemap-{i:04d}.xml</loc></sitemap>"
                      for i in range(n_small)) + "</sitemapindex>", encoding="utf-8")
        server, base = start_server(root)
        try:
            small_kb, small_s, small_out = crawl_peak(tmp, f"{base}/small_index.xml", "small")
            print(f"{args.small} pages: peak RSS {small_kb / 1024:.0f} MB in {small_s:.0f}s ({small_out})", flush=True)
            large_kb, large_s, large_out = crawl_peak(tmp, f"{base}/sitemap_index.xml", "large")
            print(f"{args.large} pages: peak RSS {large_kb / 1024:.0f} MB in {large_s:.0f}s ({large_out})", flush=True)
        finally:
            server.kill()
            server.wait()
    ratio = large_kb / small_kb
    print(f"peak RSS ratio {args.large}/{args.small} pages: {ratio:.2f}x (target <= 1.2x)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": machine(), "small_pages": args.small, "large_pages": args.large,
            "small_peak_mb": round(small_kb / 1024, 1), "large_peak_mb": round(large_kb / 1024, 1),
            "small_s": round(small_s, 1), "large_s": round(large_s, 1), "ratio": round(ratio, 2), "target": 1.2,
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
