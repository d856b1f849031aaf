"""Datelines as the wires print them in every script (issue 16).

The case table ``tests/cases/datelines_multi.jsonl`` holds real-style lines written from the agencies' house
styles (one JSON object a line: text, language, has_dateline, city, country, agency, month, day, family, and
``gap``: the fields a known gap of the gazetteer leaves wrong, see docs/decisions.md). The multilingual blind
set ``tests/fixtures/blind/datelines-multi.json`` is scored as a whole against its floors, never case by case.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from crawler.core.normalize.dateline import parse_dateline
from tests.helpers.eval_datelines import (
    MULTI_FIELDS,
    agency_equal,
    eval_multi,
    multi_below_floors,
    multi_city_equal,
)

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "cases" / "datelines_multi.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]
PUBLISHED = dt.date(2025, 12, 31)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['language']}-{c['family']}-{i}" for i, c in enumerate(CASES)])
def test_case(case: dict) -> None:
    d = parse_dateline(case["text"], PUBLISHED)
    if not case["has_dateline"]:
        assert d is None, f"false dateline: {d}"
        return
    if d is None:  # only a case whose every field is a known gap may find nothing
        assert set(MULTI_FIELDS) <= set(case["gap"]), "no dateline found"
        return
    got: dict[str, Any] = {"city": d.city, "country": d.country, "agency": None if d.agency_inferred else d.agency,
           "month": d.month, "day": d.day}
    for field in MULTI_FIELDS:
        if field in case["gap"]:
            continue
        want = case[field]
        ok = (multi_city_equal(want, got[field]) if field == "city"
              else agency_equal(want, got[field]) if field == "agency" else want == got[field])
        assert ok, f"{field}: want {want!r}, got {got[field]!r} ({d})"


def test_case_table_covers_the_languages() -> None:
    languages = {c["language"] for c in CASES}
    assert {"en", "zh", "ja", "ko", "ru", "ar", "hi", "ur", "bn", "ta", "vi", "fr", "es", "de", "tr", "pt"} <= languages
    assert sum(not c["has_dateline"] for c in CASES) >= 15  # timestamps, bylines, credits in several scripts


def test_blind_multilingual_floors() -> None:
    report = eval_multi()
    assert report["overall"]["datelines"] >= 390
    assert not multi_below_floors(report), multi_below_floors(report)


def test_native_digits_and_year() -> None:
    d = parse_dateline("ঢাকা, ৫ মার্চ, ২০২৪ (বাসস) : প্রধানমন্ত্রী", dt.date(2024, 3, 6))
    assert d is not None and (d.month, d.day, d.year, d.date) == (3, 5, 2024, dt.date(2024, 3, 5))
    assert d.agency == "BSS" and d.country == "BD"
