"""The real-openings scorer (tests/helpers/eval_real_events.py): its input handling, and floors on the set.

The set is read from ``../shared/data/real-openings`` (never copied into the repo); the floors are the
figures measured when the scorer and the issue-15 rules landed (docs/events.md), so a rule change that
loses real pages fails here with the figure named.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import html as lxml_html

from tests.helpers.eval_real_events import REAL_OPENINGS, evaluate, opening_html, parse_published

FLOORS = {
    # issue 15, page-level rules (docs/events.md "Facts rules added for real published pages"): recall 0.559 → 0.634,
    # start 0.575 → 0.700, relation 0.731 → 0.817. What is left is mostly pages with no year anywhere and no page
    # date (a key needs a start date) and the round's own statements dated on its day, which this set labels
    # follow-up and wire-sites-dev/blind label report (docs/decisions.md).
    "event_page_recall": 0.63,
    "rejection_precision": 1.0,
    "pair_exact": 0.94,
    "start_exact": 0.69,
    "start_exact_keyed": 0.96,
    "relation_exact": 0.90,  # 0.903 with the later-publication rule (issue 15, third pass)
    "bcubed_precision": 1.0,
    "bcubed_recall": 0.68,
}
# The archive the records make when written as a crawl writes them (tests/helpers/eval_real_events.archive_events):
# storage joins undated pages to their round by publication date and, since issue 15's third pass, by the round
# ordinal they state, and a round described without a name to the named round of its pair. Measured
# 0.753 / 0.863 / 1.0 / 0.862 (main's rules: 0.688 / 0.775 / 1.0 / 0.735).
ARCHIVE_FLOORS = {
    "event_page_recall": 0.75,
    "rejection_precision": 1.0,
    "start_exact": 0.86,
    "bcubed_precision": 1.0,
    "bcubed_recall": 0.86,
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-02-28", datetime(2024, 2, 28, tzinfo=UTC)),
        ("2022/12/09", datetime(2022, 12, 9, tzinfo=UTC)),
        ("06/08/2024", datetime(2024, 8, 6, tzinfo=UTC)),  # day first
        ("11/16/2021", datetime(2021, 11, 16, tzinfo=UTC)),  # 16 cannot be a month
        ("Nov 20 2023", datetime(2023, 11, 20, tzinfo=UTC)),
        ("06-Mar-2023", datetime(2023, 3, 6, tzinfo=UTC)),
        ("22jul18", datetime(2018, 7, 22, tzinfo=UTC)),
        ("2009nov29", datetime(2009, 11, 29, tzinfo=UTC)),
        ("20231012", datetime(2023, 10, 12, tzinfo=UTC)),
        ("202409", None),  # a month is no date
        ("2025/06", None),
        (None, None),
    ],
)
def test_parse_published(raw: str | None, expected: datetime | None) -> None:
    assert parse_published(raw) == expected


def test_opening_html_keeps_the_text_as_stored() -> None:
    excerpt = "Home / News\n\nIndia & US <hold> talks\nsecond line\n\n\n  Last block  "
    tree = lxml_html.fromstring(opening_html(excerpt))
    assert [p.text_content() for p in tree.iter("p")] == ["Home / News", "India & US <hold> talkssecond line", "Last block"]
    assert tree.find(".//h1") is None  # no headline guessed


@pytest.mark.skipif(not REAL_OPENINGS.exists(), reason=f"{REAL_OPENINGS} not present (../shared/data/real-openings)")
def test_real_openings_floors() -> None:
    report = evaluate(REAL_OPENINGS)
    figures = report["figures"]
    assert figures["pages"] == 118
    below = {k: (figures[k], floor) for k, floor in FLOORS.items() if figures[k] is None or figures[k] < floor}
    assert not below, f"below the floors (got, floor): {below}; misses: {report['miss_counts']}"
    archive = report["archive_figures"]
    below = {k: (archive[k], floor) for k, floor in ARCHIVE_FLOORS.items() if archive[k] is None or archive[k] < floor}
    assert not below, f"archive below the floors (got, floor): {below}; not archived: {report['miss_counts'].get('archive_no_event')}"
