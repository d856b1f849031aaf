"""The pre-pruned tree handed to trafilatura (crawler/core/extract/body.py ``_pruned``) gives the same text as
the whole tree, in the precision run and the balanced retry, and the guards keep what a stage reads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from trafilatura import bare_extraction

from crawler.core.extract.body import BODY_OPTIONS, _prunable, _pruned, _run
from crawler.core.extract.page import parse_html
from tests.helpers.sitegen import generate

WEBDEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "corpora" / "web-dev"
RUNS: list[dict[str, Any]] = [dict(BODY_OPTIONS), {**BODY_OPTIONS, "favor_precision": False}]

STORY = "".join(f"<p>Paragraph {i} of the story says something long enough to be kept as text here.</p>"
                for i in range(6))


def _same_text(html: str | bytes) -> None:
    tree = parse_html(html)
    assert tree is not None
    for opts in RUNS:
        assert _run(bare_extraction, _pruned(tree), None, opts) == _run(bare_extraction, tree, None, opts)


def _dropped_tags(html: str) -> list[str]:
    tree = parse_html(html)
    assert tree is not None
    return [str(element.tag) for element in _prunable(tree)]


def test_drops_scripts_styles_and_unlikely_blocks_only() -> None:
    html = ("<html><head><style>p{}</style><script>var a=1;</script>"
            "<script type='application/ld+json'>{\"@type\": \"NewsArticle\"}</script></head><body>"
            f"<article>{STORY}</article><aside class='sidebar'><ul><li><a href='/x'>Related one</a></li></ul></aside>"
            "<aside class='main-column'><p>kept: 'main' and 'column' save it in readability</p></aside>"
            "<aside class='pull'><p>kept: nothing unlikely in its class</p></aside>"
            "<footer id='site-footer'><p>Copyright</p></footer></body></html>")
    assert _dropped_tags(html) == ["style", "script", "aside", "footer"]
    _same_text(html)


def test_keeps_a_block_holding_the_headline() -> None:
    # the raw-tree infinite-scroll prune keeps a container only when no <h1> is inside it
    html = (f"<html><body><div class='infinite-scroll'><aside class='sidebar'><h1>Headline</h1></aside>{STORY}"
            "</div><div>Second story</div></body></html>")
    assert "aside" not in _dropped_tags(html)
    _same_text(html)


def test_keeps_everything_when_no_paragraph_stands_outside_deleted_blocks() -> None:
    # tree_cleaning's recall mode restores a deleted subtree when no <p> is left outside one
    html = f"<html><body><script>x()</script><footer class='foot'>{STORY}</footer></body></html>"
    assert _dropped_tags(html) == []
    _same_text(html)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return [page.html for page in generate(tmp_path_factory.mktemp("site"), 12, seed=3)]


def test_generated_site_same_text(generated: list[str]) -> None:
    for html in generated:
        tree = parse_html(html)
        assert tree is not None
        assert {"aside", "footer"} <= {str(element.tag) for element in _prunable(tree)}
        _same_text(html)


@pytest.mark.skipif(not (WEBDEV / "labels.jsonl").is_file(), reason=f"{WEBDEV} not present")
def test_real_pages_same_text() -> None:
    rows = [json.loads(line) for line in (WEBDEV / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows[:25]:  # the whole set: benchmarks/eval_webdev.py and the snapshots
        html = gzip.decompress((WEBDEV / row["page"]).read_bytes())
        if parse_html(html) is not None:
            _same_text(html)
