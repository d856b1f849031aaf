"""``process_page`` with and without the topic pre-check (``unrelated_at_a_glance``, issue 18), in one process.

    .venv/bin/python benchmarks/bench_glance.py [--corpora ../shared/data/corpora] [--rounds 2] [--only web-dev]

For every page of web-dev, the article-extraction benchmark, fundus (when present) and 300 generated pages:
are the outputs (``to_dict()``) identical, and the CPU per page (``time.process_time``, best of ``--rounds``,
each page run with, without and through ``trafilatura.extract`` in alternating order; median over pages).
Exit 1 when any output differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import crawler.core.process as process  # noqa: E402
from crawler.core.context import load_registries  # noqa: E402
from tests.helpers.sitegen import generate  # noqa: E402

Page = tuple[bytes | str, str]


def corpus(root: Path, name: str) -> list[Page]:
    if name == "generated":
        with tempfile.TemporaryDirectory() as tmp:
            return [(p.html, f"http://127.0.0.1:1/{i}") for i, p in enumerate(generate(Path(tmp), 300, seed=1))]
    if name == "web-dev":
        rows = [json.loads(line) for line in (root / name / "labels.jsonl").read_text().splitlines()]
        return [(gzip.decompress((root / name / r["page"]).read_bytes()), r["url"]) for r in rows]
    if name == "fundus":
        rows = json.loads((root / name / "MANIFEST.json").read_text())
        return [(gzip.decompress((root / name / r["html"]).read_bytes()), r["url"]) for r in rows]
    truth = json.loads((root / name / "ground-truth.json").read_text())
    return [(gzip.decompress(f.read_bytes()), truth[f.name.split(".")[0]]["url"])
            for f in sorted((root / name / "html").iterdir())]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "data" / "corpora")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    import trafilatura

    registries = load_registries()
    glance = process.unrelated_at_a_glance
    names = args.only or ["web-dev", "article-extraction-benchmark", "fundus", "generated"]
    differ = 0
    for name in names:
        if name != "generated" and not (args.corpora / name).is_dir():
            print(f"{name}: skipped ({args.corpora / name} absent)")
            continue
        pages = corpus(args.corpora, name)

        def run(with_glance: bool, html: bytes | str, url: str) -> dict[str, object]:
            process.unrelated_at_a_glance = glance if with_glance else (lambda screened: None)
            try:
                return process.process_page(html, url, registries.context_for(url, None, None, None)).to_dict()
            finally:
                process.unrelated_at_a_glance = glance

        variants: dict[str, Callable[[bytes | str, str], object]] = {
            "without": lambda h, u: run(False, h, u), "with": lambda h, u: run(True, h, u),
            "trafilatura": lambda h, u: trafilatura.extract(h)}
        best = {k: [float("inf")] * len(pages) for k in variants}
        same = 0
        for r in range(args.rounds):
            for i, (html, url) in enumerate(pages):
                out: dict[str, object] = {}
                for key in list(variants) if (r + i) % 2 else list(variants)[::-1]:
                    started = time.process_time()
                    out[key] = variants[key](html, url)
                    best[key][i] = min(best[key][i], time.process_time() - started)
                same += r == 0 and out["with"] == out["without"]
        differ += len(pages) - same
        med = {k: statistics.median(v) * 1000 for k, v in best.items()}
        print(f"{name}: {same}/{len(pages)} identical; process_page median {med['without']:.2f} -> {med['with']:.2f} "
              f"ms/page CPU; trafilatura.extract {med['trafilatura']:.2f} ms; "
              f"ratio {med['without'] / med['trafilatura']:.2f}x -> {med['with'] / med['trafilatura']:.2f}x")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
