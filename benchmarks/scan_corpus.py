"""Run the pure page pipeline (``process_page``) over every page of the shared data and report exceptions.

The pipeline has no catch-all (docs/decisions.md, "Errors surface"): an exception on a real page is a bug
to fix where it arises. This walks ``../shared/data``: every ``*.html``/``*.htm`` (plain or ``.gz``)
page of the corpora and of wire-sites-dev, the TimeML/SGML news files (as markup), and the real-openings
excerpts (as one paragraph per line), each with its labelled URL where the data set gives one.

    .venv/bin/python benchmarks/scan_corpus.py [--data ../shared/data] [--limit N]

Prints one line per failing page (path, exception, innermost frame) and a summary; exit status 1 when any
page raised.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.core.context import load_registries  # noqa: E402
from crawler.core.process import process_page  # noqa: E402

PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".tml", ".sgm")


def labelled_urls(data: Path) -> dict[Path, str]:
    """{page path: URL} from the data sets' label files."""
    out: dict[Path, str] = {}
    web = data / "corpora" / "web-dev" / "labels.jsonl"
    if web.exists():
        for line in web.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[(web.parent / row["page"]).resolve()] = row["url"]
    aeb = data / "corpora" / "article-extraction-benchmark" / "ground-truth.json"
    if aeb.exists():
        for key, row in json.loads(aeb.read_text(encoding="utf-8")).items():
            if isinstance(row, dict) and row.get("url"):
                out[(aeb.parent / "html" / f"{key}.html.gz").resolve()] = row["url"]
    return out


def pages(data: Path) -> Iterator[tuple[str, str, bytes]]:
    """(label, url, html) for every page under ``data``."""
    urls = labelled_urls(data)
    for path in sorted(data.rglob("*")):
        if not path.is_file() or not path.name.endswith(PAGE_SUFFIXES):
            continue
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        url = urls.get(path.resolve()) or f"http://127.0.0.1:8000/{path.relative_to(data).as_posix()}"
        yield str(path.relative_to(data)), url, raw.replace(b"{{BASE}}", b"http://127.0.0.1:8000")
    openings = data / "real-openings" / "openings.jsonl"
    if openings.exists():
        for line in openings.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            body = "".join(f"<p>{html.escape(p)}</p>" for p in str(row.get("excerpt") or "").split("\n") if p.strip())
            title = html.escape(str(row.get("title") or ""))
            doc = f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>"
            yield f"real-openings/{row['id']}", str(row.get("address") or "http://127.0.0.1/x"), doc.encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no data directory at {args.data}", file=sys.stderr)
        return 2
    registries = load_registries()
    seen = 0
    failures: Counter[str] = Counter()
    start = time.perf_counter()
    for label, url, raw in pages(args.data):
        seen += 1
        try:
            process_page(raw, url, registries.context_for(url))
        except Exception as exc:  # the point of the scan: list every exception, do not stop at the first
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
            failures[f"{type(exc).__name__} at {where}"] += 1
            print(f"FAIL {label}: {type(exc).__name__}: {exc} ({where})", flush=True)
        if args.limit and seen >= args.limit:
            break
    print(f"{seen} pages in {time.perf_counter() - start:.0f} s: {sum(failures.values())} raised")
    for what, n in failures.most_common():
        print(f"  {n:5d}  {what}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
