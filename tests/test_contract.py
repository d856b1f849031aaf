"""The data contract (crawler/core/contract.py) is the one description of a page's fields: docs/contract.md is
generated from it, and to_dict / to_record produce exactly its fields."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.core.context import load_registries
from crawler.core.contract import (
    DATELINE_FIELDS,
    EVENT_FIELDS,
    EVIDENCE_ONLY,
    FETCH_FIELDS,
    PAGE_FIELDS,
    FetchField,
    PageField,
    render_markdown,
)
from crawler.core.discovery import Link
from crawler.core.extract import ExtractedPage
from crawler.core.process import ProcessedPage, process_page
from storage.records import DocumentRecord, EventFactsRecord

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "crawler" / "app" / "demo" / "site"
# A demo page with a dateline, an agency and a dialogue round: every nested object is filled.
PAGE = "wirefeed/news/1107921447/India-US-Review-Counter-Terror-And-Cyber-Crime-Cooperation-At-Homeland-Security-Dialogue.html"


@pytest.fixture(scope="module")
def processed() -> ProcessedPage:
    html = (DEMO / PAGE).read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8000")
    url = f"http://127.0.0.1:8000/{PAGE}"
    return process_page(html, url, load_registries().context_for(url, link=Link(url=url, via="sitemap")))


def test_doc_is_current() -> None:
    doc = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), "docs/contract.md is stale: python -m crawler.core.contract > docs/contract.md"


def test_module_prints_the_doc() -> None:
    out = subprocess.run([sys.executable, "-m", "crawler.core.contract"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out == render_markdown()


def test_to_dict_keys_are_the_contract(processed: ProcessedPage) -> None:
    data = processed.to_dict()
    assert list(data) == [f.name for f in PAGE_FIELDS]
    assert data["dateline"] is not None and data["event"] is not None, "the fixture page must fill both"
    assert list(data["dateline"]) == [f.name for f in DATELINE_FIELDS]
    assert list(data["event"]) == [f.name for f in EVENT_FIELDS]


def test_record_fields_are_the_contract(processed: ProcessedPage) -> None:
    archived = {f.record for f in PAGE_FIELDS if f.record} | {
        p.record for f in PAGE_FIELDS if f.parts and f.record is None for p in f.parts if p.record}
    fetched = {f.name for f in FETCH_FIELDS}
    record_fields = {f.name for f in dataclasses.fields(DocumentRecord)}
    assert not archived & fetched
    assert archived | fetched == record_fields, (
        "not in the contract:", record_fields - archived - fetched, "not in DocumentRecord:",
        (archived | fetched) - record_fields)
    event = next(f for f in PAGE_FIELDS if f.name == "event")
    assert {p.record for p in event.parts if p.record} == {f.name for f in dataclasses.fields(EventFactsRecord)}


def test_to_record_stores_what_to_dict_shows(processed: ProcessedPage) -> None:
    record = processed.to_record(status=200, fetched_at=datetime(2024, 3, 1, tzinfo=UTC), raw_html=b"<html>")
    shown = processed.to_dict()
    assert record.title == shown["title"] and record.body == shown["body"]
    assert record.published_at is not None and record.published_at.isoformat() == shown["published_at"]
    assert record.dateline_city == shown["dateline"]["city"] and record.dateline_city
    assert record.event is not None and record.event.countries == tuple(shown["event"]["countries"])
    assert record.event.date_rank == shown["event"]["date_rank"]
    assert (record.http_status, record.raw_html, record.fetched_via) == (200, b"<html>", "sitemap")
    assert record.discovery == shown["discovery"] and record.discovery is not None


def test_every_extracted_field_is_accounted_for() -> None:
    """An ExtractedPage field is either the origin of a contract field or named as evidence only: a field
    extracted and then dropped on the floor (as amp_url was) fails here."""
    origins = " ".join(f.origin for f in (*PAGE_FIELDS, *DATELINE_FIELDS, *EVENT_FIELDS))
    for f in dataclasses.fields(ExtractedPage):
        assert f.name in EVIDENCE_ONLY or f"ExtractedPage.{f.name}`" in origins, f.name


def test_every_field_is_described() -> None:
    fields: list[PageField | FetchField] = [*PAGE_FIELDS, *DATELINE_FIELDS, *EVENT_FIELDS, *FETCH_FIELDS]
    for f in fields:
        assert f.type and f.meaning.endswith((".", ")")) and f.origin, f.name
    names = [f.name for f in PAGE_FIELDS]
    assert len(names) == len(set(names))
