"""Re-measure the archive step on archives that bench_archive.py already filled, side by side.

    .venv/bin/python benchmarks/bench_archive_remeasure.py TAG SMALL.sqlite3 LARGE.sqlite3
    .venv/bin/python benchmarks/bench_archive_remeasure.py TAG SMALL_URL LARGE_URL   (any database URL)

Filling a 1,000,000-article archive takes over half an hour; its first measurement, taken right after the
bulk fill (large uncheckpointed WAL, cold caches), is not representative. This writes the same generated
workload (400 documents, batches of 50) under fresh URLs (``TAG`` makes them unique) into both archives and
prints the median milliseconds per document and the ratio, in one run.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_archive import Generator, measure, workload
from storage.db import make_engine
from storage.records import DocumentRecord


def fresh(docs: list[DocumentRecord], tag: str) -> list[DocumentRecord]:
    return [dataclasses.replace(d, url=d.url.replace("new.example/", f"new.example/{tag}-"),
                                canonical_url=d.canonical_url.replace("new.example/", f"new.example/{tag}-"))
            for d in docs]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    tag, small, large = argv
    medians = {}
    for label, path in (("large", large), ("small", small)):
        engine = make_engine(path if "://" in path else f"sqlite:///{Path(path).resolve()}")
        per_doc = measure(engine, fresh(workload(Generator(seed=sum(map(ord, tag))), 400), tag), 50)
        engine.dispose()
        medians[label] = statistics.median(per_doc) * 1000
        print(f"{label:5} {path}: archive step median {medians[label]:.2f} ms/document")
    print(f"ratio large / small: {medians['large'] / medians['small']:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
