"""Every labelled fixture page against its expected output (tests/snapshots/, scripts/snapshots.py): a
regression fails with the page and the field that changed. After a reviewed change in output:
``python scripts/snapshots.py --update`` and commit the diff of tests/snapshots/."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snapshots_script", REPO / "scripts" / "snapshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


snapshots = _script()


@pytest.mark.parametrize("name", snapshots.set_names())
def test_set_matches_its_snapshot(name: str) -> None:
    lines = snapshots.check(name)
    if lines is None:
        pytest.skip(f"{name}: data absent (../shared not present on this machine)")
    assert not lines, f"{len(lines)} page fields changed (scripts/snapshots.py --update after review):\n" + \
        "\n".join(lines[:40])


def test_a_changed_field_is_named_with_its_page() -> None:
    """The report names the set, the page and the dotted field, and a vanished or new page."""
    old = {"set": "demo", "pages": {"/a.html": {"title": "A", "dateline": {"city": "Delhi"}},
                                    "/gone.html": {"title": "G"}}}
    new = {"set": "demo", "pages": {"/a.html": {"title": "A", "dateline": {"city": "New Delhi"}},
                                    "/new.html": {"title": "N"}}}
    assert snapshots.differences(old, new) == [
        "demo /gone.html: page gone from the set (snapshot is stale)",
        "demo /new.html: new page, no snapshot",
        'demo /a.html: dateline.city: expected "Delhi" → got "New Delhi"',
    ]
    assert snapshots.differences(old, old) == []


def test_shared_pages_hold_no_page_text() -> None:
    """wire-sites-dev pages are keyed by a hash of their path; text that repeats the page is hashed."""
    data = {"title": "India, Japan hold talks", "url": "u", "body": "text", "extractor_version": "x",
            "dateline": {"raw": "NEW DELHI (PTI) -", "city": "New Delhi"}, "event": None, "topic": "unrelated"}
    out = snapshots.page_snapshot(data, shared=True)
    assert out["title"].startswith("sha256:") and out["dateline"]["raw"].startswith("sha256:")
    assert out["dateline"]["city"] == "New Delhi" and out["topic"] == "unrelated"
    assert not {"url", "body", "extractor_version"} & out.keys()
    stored = (REPO / "tests" / "snapshots" / "wire-sites-dev.json").read_text(encoding="utf-8")
    assert all(key.startswith("sha256:") for key in json.loads(stored)["pages"])


def test_snapshot_files_are_canonical() -> None:
    """Sorted keys, fixed indent: --update on unchanged code rewrites nothing, merges diff cleanly."""
    for path in sorted((REPO / "tests" / "snapshots").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text == snapshots.dumps(json.loads(text)), path.name
    assert {p.stem for p in (REPO / "tests" / "snapshots").glob("*.json")} == set(snapshots.set_names())
