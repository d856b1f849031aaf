"""Per-document cost of the pure pipeline (extract + normalise + topic + event facts = ``process_page``).

    .venv/bin/python benchmarks/bench_normaliser.py [--repeats 3] [--json OUT]

Pages: the fundus corpus (``../shared/data/corpora/fundus``, gzip HTML from 181 publishers) and the
wire-sites-dev pages (``../shared/data/wire-sites-dev``). One process, one core, warm caches (one untimed
pass first). Prints, per set, the median and 95th percentile µs per page (each page's best of
``--repeats``), pages/s over the whole set, and the slowest pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.core.context import load_registries  # noqa: E402
from crawler.core.process import process_page  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def fundus_pages() -> list[tuple[str, bytes]]:
    root = SHARED / "corpora" / "fundus"
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    entries = manifest if isinstance(manifest, list) else manifest.get("pages") or manifest.get("entries") or []
    return [(e["url"], gzip.decompress((root / e["html"]).read_bytes())) for e in entries]


def wire_pages() -> list[tuple[str, bytes]]:
    site = SHARED / "wire-sites-dev" / "site"
    out = []
    for line in (site.parent / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        path = json.loads(line)["url_path"]
        f = site / path.lstrip("/")
        f = f / "index.html" if f.is_dir() else f
        if f.is_file():
            out.append(("http://127.0.0.1:8000" + path,
                        f.read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8000")))
    return out


def measure(name: str, pages: list[tuple[str, bytes]], repeats: int) -> dict[str, object]:
    registries = load_registries()
    for url, html in pages:  # warm: gazetteer, registry patterns, lxml
        process_page(html, url, registries.context_for(url))
    best = [float("inf")] * len(pages)
    totals = []
    for _ in range(repeats):
        start_all = time.perf_counter()
        for i, (url, html) in enumerate(pages):
            t = time.perf_counter()
            process_page(html, url, registries.context_for(url))
            best[i] = min(best[i], time.perf_counter() - t)
        totals.append(time.perf_counter() - start_all)
    us = sorted(b * 1e6 for b in best)
    total = statistics.median(totals)
    slow = sorted(zip(best, (u for u, _ in pages), strict=True), reverse=True)[:5]
    result = {
        "pages": len(pages), "median_us": round(statistics.median(us)),
        "p95_us": round(us[int(0.95 * (len(us) - 1))]), "max_us": round(us[-1]),
        "pages_per_s": round(len(pages) / total, 1), "mean_kb": round(sum(len(h) for _, h in pages) / len(pages) / 1024, 1),
        "slowest": [{"url": u, "ms": round(b * 1000, 1)} for b, u in slow],
    }
    print(f"{name}: {len(pages)} pages ({result['mean_kb']} KB mean): median {result['median_us']} µs, "
          f"p95 {result['p95_us']} µs, {result['pages_per_s']} pages/s on one core")
    for s in result["slowest"]:  # type: ignore[attr-defined]
        print(f"    slow: {s['ms']} ms {s['url']}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"../shared not present at {SHARED}", file=sys.stderr)
        return 2
    report = {"fundus": measure("fundus", fundus_pages(), args.repeats),
              "wire-sites-dev": measure("wire-sites-dev", wire_pages(), args.repeats)}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
