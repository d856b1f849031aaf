"""The case table of the event-facts cascade and the topic rules: ``tests/cases/event_facts.jsonl``.

One row per (text, fact): the sentence or short text a rule was written for, the fact it decides, the
expected value and the rule's name (``module.function: what it says (WEIGHT)``). Each row runs the real
``extract_event_facts`` / ``classify_topic`` with the shipped registry. Facts: ``found`` (facts or
``None``), ``topic``, ``countries`` ("IND-USA"), ``start_date``/``end_date`` (ISO), ``co_chairs``
([name, alpha-3]), and the other ``EventFacts`` fields by name.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.core.events import (
    DialogueRegistry,
    EventFacts,
    TopicDecision,
    analyse_screened,
    classify_analysed,
    classify_topic,
    extract_event_facts,
    load_registry,
    screen_text,
    unrelated_at_a_glance,
)
from crawler.core.events.facts import weights

CASES = Path(__file__).resolve().parent / "cases" / "event_facts.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
# The cascade's steps (crawler/core/events/facts/cascade.py): each must have cases.
STEPS = ("find_mechanism", "best_pair", "read_tense", "round_dates", "decide_relation", "find_venue", "co_chairs",
         "outcomes", "ordinal", "topic")  # fmt: skip


@pytest.fixture(scope="module")
def registry() -> DialogueRegistry:
    return load_registry()


def _value(facts: EventFacts | None, topic: TopicDecision, fact: str) -> Any:
    if fact == "topic":
        return topic.topic
    if fact == "found":
        return facts is not None
    assert facts is not None, "no facts extracted"
    value = getattr(facts, fact)
    if fact == "countries":
        return None if value is None else "-".join(value)
    if fact in ("start_date", "end_date"):
        return None if value is None else value.isoformat()
    if fact == "co_chairs":
        return [[chair.name, chair.country] for chair in value]
    return value


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:03d}-{row['fact']}" for i, row in enumerate(ROWS)])
def test_case(row: dict[str, Any], registry: DialogueRegistry) -> None:
    text = row["text"]
    paragraphs = text.split("\n\n") if text else []
    reference = date.fromisoformat(row["reference"]) if row["reference"] else None
    facts = extract_event_facts(
        row["title"], paragraphs, registry=registry, reference_date=reference, published=None,
        dateline_city=row.get("dateline_city"), dateline_country=row.get("dateline_country"),
    )  # fmt: skip
    topic = classify_topic(row["title"], paragraphs, registry)
    got = _value(facts, topic, row["fact"])
    reasons = facts.reasons if facts is not None else topic.reasons
    assert got == row["expected"], f"{row['rule']}: {row['fact']} = {got!r}; reasons: {reasons}"


def test_topic_at_a_glance_is_the_full_readings_answer(registry: DialogueRegistry) -> None:
    """``unrelated_at_a_glance`` (process_page's pre-check before countries are read) answers only when the
    full reading gives the same topic and reasons, and ``may_mention`` is False only when there is no
    mention; on this table it decides the rows that name nothing at all ("Monsoon forecast above normal")."""
    decided = []
    for row in ROWS:
        paragraphs = row["text"].split("\n\n") if row["text"] else []
        screened = screen_text(row["title"], paragraphs, registry)
        full = classify_analysed(analyse_screened(screened))
        assert full == classify_topic(row["title"], paragraphs, registry)
        if not screened.may_name_series:
            assert registry.find_mentions(screened.doc.text) == [], row["title"]
        glance = unrelated_at_a_glance(screened)
        if glance is not None:
            assert glance == full, row["title"]
            decided.append(row["title"])
    assert "Monsoon forecast above normal" in decided
    assert len(decided) < len({row["title"] for row in ROWS})


def test_case_table_covers_every_step_and_is_large() -> None:
    assert len(ROWS) >= 100
    rules = " ".join(row["rule"] for row in ROWS)
    assert all(row["rule"] and row["fact"] for row in ROWS)
    missing = [step for step in STEPS if step not in rules]
    assert not missing, f"steps without a case: {missing}"


def test_named_weights_exist() -> None:
    """A weight named in a rule is one of ``weights``' names (a renamed weight renames its cases)."""
    named = {m for row in ROWS for m in re.findall(r"\b[A-Z][A-Z_]{3,}[A-Z]\b", row["rule"])}
    assert named, "rules name their weights"
    assert named <= set(dir(weights)), sorted(named - set(dir(weights)))
