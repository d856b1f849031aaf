"""Pages in languages other than English (issues 15 and 16): the case table ``tests/cases/native_events.jsonl``
(one report of a round and one look-alike per language of ``meeting_words.json``, each the sentence an entry
was written for), the same round in English and in Japanese/Korean under one event key, and the script rules
of the country names (``crawler.core.events.native``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.core.events import DialogueRegistry, classify_topic, extract_event_facts, load_registry
from crawler.core.events.countries import find_countries
from crawler.core.events.native import looks_english
from crawler.core.reference.loader import DATA_DIR

CASES = Path(__file__).resolve().parent / "cases" / "native_events.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def registry() -> DialogueRegistry:
    return load_registry()


def _key(registry: DialogueRegistry, title: str, text: str, reference: date) -> tuple[str, str | None, str | None]:
    topic = classify_topic(title, [text], registry).topic
    facts = extract_event_facts(title, [text], registry=registry, reference_date=reference, published=None)
    if topic != "dialogue_event" or facts is None:
        return topic, None, None
    return topic, facts.event_key(), facts.relation


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['lang']}-{i}" for i, r in enumerate(ROWS)])
def test_native_case(row: dict[str, Any], registry: DialogueRegistry) -> None:
    got = _key(registry, row["title"], row["text"], date.fromisoformat(row["reference"]))
    assert got == (row["topic"], row["key"], row["relation"]), row["rule"]
    if "round_ordinal" in row:  # rows of the round-number rule (native.native_ordinal)
        facts = extract_event_facts(row["title"], [row["text"]], registry=registry,
                                    reference_date=date.fromisoformat(row["reference"]), published=None)
        assert facts is not None and facts.round_ordinal == row["round_ordinal"], row["rule"]


def test_every_language_has_a_round_and_a_lookalike() -> None:
    languages = json.loads((DATA_DIR / "meeting_words.json").read_text(encoding="utf-8"))["languages"]
    for lang in languages:
        topics = {r["topic"] for r in ROWS if r["lang"] == lang}
        assert topics == {"dialogue_event", "unrelated"}, lang


SAME_ROUND = [
    # (English copy, copy in another language) of one round: one event key.
    (("Japan, US hold 2+2 security talks in Tokyo",
      "Japan and the United States held their 2+2 security talks in Tokyo on Tuesday, with the foreign and defence "
      "ministers of both countries attending."),
     ("日米、東京で2プラス2を開催", "日米両政府は5日、東京で外務・防衛担当閣僚による2プラス2を開いた。")),
    (("South Korea, US hold 2+2 meeting in Seoul",
      "South Korea and the United States held a 2+2 meeting of their foreign and defence ministers in Seoul on Tuesday."),
     ("한미 외교·국방 2+2 장관회의 서울서 개최", "한국과 미국은 5일 서울에서 외교·국방 2+2 장관회의를 열었다.")),
]


@pytest.mark.parametrize(("english", "native"), SAME_ROUND, ids=["ja", "ko"])
def test_english_and_native_copy_of_one_round_share_the_key(
    english: tuple[str, str], native: tuple[str, str], registry: DialogueRegistry
) -> None:
    day = date(2024, 3, 5)
    english_key = _key(registry, *english, day)
    assert english_key[1] is not None and english_key == _key(registry, *native, day)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("中美两国在北京举行会谈", ["CHN", "USA"]),  # no word boundaries; a pair of one-character forms
        ("عقدت مصر والهند الحوار", ["EGY", "IND"]),  # the clitic و glued to الهند
        ("Министр России провел переговоры с коллегой из Индии", ["RUS", "IND"]),  # case endings
        ("Funcionarios chinos y japoneses se reunieron ayer para mantener conversaciones", ["CHN", "JPN"]),  # demonyms from CLDR language names
        ("இந்தியாவுடன் இலங்கை பேச்சுவார்த்தை", ["IND", "LKA"]),  # a case ending glued on
        ("Pejabat Korea Selatan-AS menggelar dialog pertahanan pekan ini", ["KOR", "USA"]),  # a short form of meeting_words.json
    ],
)
def test_country_names_in_other_scripts(text: str, codes: list[str]) -> None:
    assert not looks_english(text)
    assert [m.code for m in find_countries(text)] == codes


def test_english_text_is_not_read_with_other_languages_names() -> None:
    text = "The chin of the statue was restored, officials said on Tuesday in Rome."
    assert looks_english(text)
    assert find_countries(text) == []


def test_generated_country_names_say_where_they_come_from() -> None:
    document = json.loads((DATA_DIR / "country_names_intl.json").read_text(encoding="utf-8"))
    assert document["babel_version"] and document["cldr_version"]
    assert "IND" in document["languages"]["hi"]["names"]
