"""Headline choice (crawler/core/extract/title.py) case by case.

The case table ``tests/cases/titles.jsonl`` holds short synthetic pages, one JSON object a line: ``class``
(the class of real page that motivated the step, as measured on web-dev / fundus), ``url``, ``html`` and the
``title`` expected. The corpus figures are benchmarks (benchmarks/eval_webdev.py, benchmarks/eval_extraction.py),
not tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.core.extract.fields import extract_site_name
from crawler.core.extract.jsonld import jsonld_objects, pick_article
from crawler.core.extract.page import parse_html
from crawler.core.extract.published import meta_values
from crawler.core.extract.title import extract_title

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "cases" / "titles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["class"] for c in CASES])
def test_title_case(case: dict[str, str]) -> None:
    tree = parse_html(case["html"])
    assert tree is not None
    articles, meta = pick_article(jsonld_objects(tree)), meta_values(tree)
    title = extract_title(tree, articles, meta, extract_site_name(articles, meta), case["url"])
    assert title == case["title"]
