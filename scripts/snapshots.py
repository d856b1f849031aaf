"""Expected-output snapshots of every labelled fixture page, so a regression names the page and the field.

Usage: python scripts/snapshots.py --check            # exit 1 and one line per changed page field
       python scripts/snapshots.py --update           # after a reviewed change: rewrite tests/snapshots/
       python scripts/snapshots.py --check --set blind-c --set demo

Each set is processed the way a sitemap crawl of it processes it: every page of its ``gold.jsonl`` through
``process_page`` with the ``Link`` its publisher's news sitemap gives (publication name, publication time),
no source configuration. A snapshot is the page's data contract (``ProcessedPage.to_dict``,
docs/contract.md) without ``url`` (the key), ``body`` (``content_hash`` stands for it) and
``extractor_version`` and ``discovery`` (the sitemap entry the page came with: input, not output); the site's base URL reads ``{{BASE}}``. One JSON file per set, sorted keys, no
timestamps: the same code gives the same bytes.

Sets: ``demo`` (crawler/app/demo), ``blind-a`` … ``blind-f`` (tests/fixtures/blind), ``blind-datelines``
(tests/fixtures/blind/datelines.json: the dateline parser's output per string) and ``wire-sites-dev``
(../shared/data/wire-sites-dev, read at run time; skipped when absent). Shared pages are never copied into
the repo: a page is keyed by a hash of its path and every field that repeats the page's text (title,
dateline as printed, date evidence, names, outcomes, reasons) is stored as a hash of our value.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SNAPSHOTS = REPO / "tests" / "snapshots"
SHARED = REPO.parent / "shared"
BASE = "http://127.0.0.1:8000"
OMITTED = ("url", "body", "extractor_version", "discovery")  # discovery: the input (sitemap entry), not a result
# Fields (dotted paths) that repeat a shared page's text: stored as a hash of our value.
SHARED_TEXT = frozenset({
    "title", "canonical_url", "published_raw", "authors", "site_name", "source", "dateline.raw", "wrapper",
    "disclaimers", "trailer", "topic_reasons", "event.series_name", "event.date_evidence", "event.co_chairs",
    "event.outcomes", "event.reasons",
})


@dataclass(frozen=True)
class PageSet:
    name: str
    root: Path  # holds gold.jsonl and site/
    shared: bool = False

    @property
    def path(self) -> Path:
        return SNAPSHOTS / f"{self.name}.json"


def page_sets() -> list[PageSet]:
    blind = REPO / "tests" / "fixtures" / "blind"
    return [
        PageSet("demo", REPO / "crawler" / "app" / "demo"),
        *[PageSet(f"blind-{d.name}", d) for d in sorted(blind.iterdir()) if (d / "gold.jsonl").is_file()],
        PageSet("wire-sites-dev", SHARED / "data" / "wire-sites-dev", shared=True),
    ]


def set_names() -> list[str]:
    return [s.name for s in page_sets()] + ["blind-datelines"]


# -- building -------------------------------------------------------------------------------------------


def _sitemap_links(site: Path) -> dict[str, Any]:
    """URL → the Link its publisher's news sitemap gives (what a sitemap crawl hands process_page)."""
    from crawler.core.discovery import parse_discovery

    links: dict[str, Any] = {}
    for sitemap in sorted(site.glob("*/sitemap.xml")):
        found = parse_discovery(sitemap.read_bytes().replace(b"{{BASE}}", BASE.encode()))
        for link in found.links:
            links.setdefault(link.url, link)
    return links


def _hashed(value: Any) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _unbased(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(BASE, "{{BASE}}")
    if isinstance(value, list):
        return [_unbased(v) for v in value]
    if isinstance(value, dict):
        return {k: _unbased(v) for k, v in value.items()}
    return value


def page_snapshot(data: dict[str, Any], shared: bool) -> dict[str, Any]:
    """One page's snapshot from its ``to_dict``."""
    out = {k: _unbased(v) for k, v in data.items() if k not in OMITTED}
    if shared:
        for path in SHARED_TEXT:
            head, _, tail = path.partition(".")
            holder = out if not tail else out.get(head)
            key = tail or head
            if isinstance(holder, dict) and holder.get(key) not in (None, [], ""):
                holder[key] = _hashed(holder[key])
    return out


def _gold_pages(root: Path) -> Iterator[tuple[str, Path]]:
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            path = json.loads(line)["url_path"]
            file = root / "site" / path.lstrip("/")
            yield path, (file / "index.html" if file.is_dir() else file)


def build_set(page_set: PageSet) -> dict[str, Any]:
    from crawler.core.context import load_registries
    from crawler.core.process import process_page

    registries = load_registries()
    links = _sitemap_links(page_set.root / "site")
    pages: dict[str, Any] = {}
    for path, file in _gold_pages(page_set.root):
        url = BASE + path
        html = file.read_bytes().replace(b"{{BASE}}", BASE.encode())
        data = process_page(html, url, registries.context_for(url, link=links.get(url))).to_dict()
        key = _hashed(path) if page_set.shared else path
        pages[key] = page_snapshot(data, page_set.shared)
    return {"set": page_set.name, "pages": pages}


def build_datelines() -> dict[str, Any]:
    """The dateline parser's output on each string of the blind dateline set (as eval_datelines reads it)."""
    from crawler.core.contract import DATELINE_FIELDS, field_dict
    from crawler.core.normalize.dateline import parse_dateline

    data = json.loads((REPO / "tests" / "fixtures" / "blind" / "datelines.json").read_text(encoding="utf-8"))
    pages: dict[str, Any] = {}
    for i, item in enumerate(data["datelines"]):
        text = item["dateline_string"]
        published = None
        for obs in item.get("observations") or []:
            try:
                published = dt.date.fromisoformat(obs.get("page_date", ""))
                break
            except (TypeError, ValueError):
                continue
        parsed = parse_dateline(text, published)
        pages[f"{i:03d} {text[:60]}"] = None if parsed is None else field_dict(DATELINE_FIELDS, parsed)
    return {"set": "blind-datelines", "pages": pages}


def builders() -> dict[str, tuple[Path, Callable[[], dict[str, Any]] | None]]:
    """Set name → (snapshot file, builder; None when the set's data is absent)."""
    out: dict[str, tuple[Path, Callable[[], dict[str, Any]] | None]] = {}
    for s in page_sets():
        present = (s.root / "gold.jsonl").is_file()
        out[s.name] = (s.path, functools.partial(build_set, s) if present else None)
    out["blind-datelines"] = (SNAPSHOTS / "blind-datelines.json", build_datelines)
    return out


def dumps(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# -- comparing ------------------------------------------------------------------------------------------


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else k))
        return out or {prefix: {}}
    return {prefix: value}


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """One line per changed field of a page: ``set page: field: expected → got``."""
    name = actual.get("set", "?")
    lines: list[str] = []
    old, new = expected.get("pages", {}), actual.get("pages", {})
    for key in sorted(old.keys() - new.keys()):
        lines.append(f"{name} {key}: page gone from the set (snapshot is stale)")
    for key in sorted(new.keys() - old.keys()):
        lines.append(f"{name} {key}: new page, no snapshot")
    for key in sorted(old.keys() & new.keys()):
        a, b = _flat(old[key]), _flat(new[key])
        for field in sorted(a.keys() | b.keys()):
            if a.get(field, "<absent>") != b.get(field, "<absent>"):
                lines.append(f"{name} {key}: {field}: expected {json.dumps(a.get(field, '<absent>'))} "
                             f"→ got {json.dumps(b.get(field, '<absent>'))}")
    return lines


def check(name: str) -> list[str] | None:
    """The differences of one set from its snapshot; None when the set's data is absent."""
    path, build = builders()[name]
    if build is None:
        return None
    actual = build()
    if not path.exists():
        return [f"{name}: no snapshot file {path.relative_to(REPO)} (run scripts/snapshots.py --update)"]
    return differences(json.loads(path.read_text(encoding="utf-8")), actual)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="compare; exit 1 on any difference")
    mode.add_argument("--update", action="store_true", help="rewrite the snapshots from the current code")
    parser.add_argument("--set", action="append", choices=set_names(), dest="sets",
                        help="only this set (repeatable); default all")
    args = parser.parse_args(argv)
    table = builders()
    failed = False
    for name in args.sets or set_names():
        path, build = table[name]
        if build is None:
            print(f"{name}: skipped (data absent)")
            continue
        if args.update:
            text = dumps(build())
            changed = not path.exists() or path.read_text(encoding="utf-8") != text
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"{name}: {'updated' if changed else 'unchanged'} {path.relative_to(REPO)}")
            continue
        lines = check(name) or []
        for line in lines:
            print(line)
        print(f"{name}: {'OK' if not lines else f'{len(lines)} differences'}")
        failed = failed or bool(lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
