"""CPU per page in one process: newsarchive's pure pipeline (``process_page``) vs ``trafilatura.extract``.

    .venv/bin/python benchmarks/bench_pagecost.py [--pages 300] [--rounds 3] [--profile OUT.prof]

The per-page half of bench_e2e.py without Scrapy, the network or the archive: the same generated pages
(benchmarks/sitegen.py), alternating rounds, CPU time (``time.process_time``) so a loaded machine's other jobs
do not count. Prints the median ms/page of each, the ratio, and the body step alone (trafilatura inside
``process_page``). ``--profile`` writes a cProfile of one ``process_page`` pass.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.sitegen import generate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile")
    args = ap.parse_args()
    import trafilatura

    from crawler.core.context import load_registries
    from crawler.core.extract.body import extract_body_paragraphs
    from crawler.core.extract.page import parse_html
    from crawler.core.process import process_page

    with tempfile.TemporaryDirectory() as tmp:
        pages = generate(Path(tmp), args.pages, seed=1)
    registries = load_registries()
    jobs = [(p.html, f"http://127.0.0.1:1/{i}") for i, p in enumerate(pages)]
    trees = [parse_html(html) for html, _ in jobs]

    def full() -> None:
        for html, url in jobs:
            process_page(html, url, registries.context_for(url, None, None, None))

    def bare_extraction() -> None:
        for html, _ in jobs:
            trafilatura.extract(html)

    def body() -> None:
        for tree in trees:
            if tree is not None:
                extract_body_paragraphs(tree)

    variants: dict[str, Callable[[], None]] = {"newsarchive process_page": full,
                                               "trafilatura.extract": bare_extraction,
                                               "body step alone (ours)": body}
    full()  # warm the lazily built indexes
    ms: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, run in variants.items():
            started = time.process_time()
            run()
            ms[name].append((time.process_time() - started) / len(jobs) * 1000)
    med = {k: statistics.median(v) for k, v in ms.items()}
    for name, m in med.items():
        print(f"{name:28} {m:6.2f} ms/page CPU (rounds: {', '.join(f'{x:.2f}' for x in ms[name])})")
    print(f"process_page / trafilatura.extract: {med['newsarchive process_page'] / med['trafilatura.extract']:.2f}x; "
          f"body step / trafilatura.extract: {med['body step alone (ours)'] / med['trafilatura.extract']:.2f}x")
    if args.profile:
        import cProfile

        cProfile.runctx("full()", globals(), {"full": full}, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
