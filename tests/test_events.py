"""Tests of the pure events core: registry, slug rule, dates, topic, event facts, and the dev-set figures."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.events import (
    CoChair,
    DialogueRegistry,
    EventFacts,
    RegistryError,
    classify_topic,
    extract_event_facts,
    load_registry,
    make_event_key,
    mechanism_slug,
)
from crawler.core.events.dates import find_date_mentions, resolve_weekday

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` next to the repo; skip the calling test when it is absent (a fresh clone)."""
    path = REPO.parent / "shared"
    if not path.is_dir():
        pytest.skip("../shared not present: dev data lives next to the repository")
    return path


@pytest.fixture(scope="module")
def registry() -> DialogueRegistry:
    return load_registry()


def facts(registry: DialogueRegistry, title: str | None, paragraphs: list[str], ref: date, **kw: object) -> EventFacts:
    result = extract_event_facts(title, paragraphs, registry=registry, reference_date=ref, published=None, **kw)  # type: ignore[arg-type]
    assert result is not None
    return result


# --- registry ------------------------------------------------------------------------------------------


def test_shipped_registry_is_valid_and_large(registry: DialogueRegistry) -> None:
    assert len(registry) >= 70
    keys = [(s.countries, s.slug) for s in registry.series]
    assert len(keys) == len(set(keys)), "(pair, slug) identifies a series"
    assert registry.by_slug("homeland-security-dialogue", ("IND", "USA")) is not None
    assert registry.by_slug("ausmin") is not None


def test_matches_name_with_pair_in_either_order(registry: DialogueRegistry) -> None:
    for text in ("the India-US Homeland Security Dialogue", "the U.S.-India Homeland Security Dialogue"):
        (mention,) = registry.find_mentions(text)
        assert mention.series.slug == "homeland-security-dialogue"
        assert mention.series.countries == ("IND", "USA")
        assert mention.pair_in_text


def test_alias_without_pair_needs_both_countries(registry: DialogueRegistry) -> None:
    assert registry.find_mentions("The Homeland Security Dialogue met.") == []
    (mention,) = registry.find_mentions("India and the United States held the Homeland Security Dialogue.")
    assert mention.series.countries == ("IND", "USA")


def test_abbreviations_are_case_sensitive_words(registry: DialogueRegistry) -> None:
    (mention,) = registry.find_mentions("U.S. and Australian officials held the annual talks known as AUSMIN.")
    assert mention.series.slug == "ausmin"
    assert registry.find_mentions("U.S. and Australian officials discussed ausminerals.") == []
    (hsd,) = registry.find_mentions("India and the US held the HSD in New Delhi.")
    assert hsd.series.slug == "homeland-security-dialogue"


def test_two_plus_two_needs_a_pair(registry: DialogueRegistry) -> None:
    assert registry.find_mentions("The 2+2 was held on Tuesday.") == []
    (us,) = registry.find_mentions("India and the US held their 2+2 talks.")
    assert us.series.countries == ("IND", "USA")
    (jp,) = registry.find_mentions("Japan and India held the 'two-plus-two' dialogue.")
    assert jp.series.countries == ("IND", "JPN")
    # A pair written in front of the form decides, even when other countries are named more often.
    mentions = registry.find_mentions("Japan, Japan, Japan. The US-ROK 2+2 met; South Korea and the US agreed.")
    assert mentions[0].series.countries == ("KOR", "USA")


def test_longest_match_wins(registry: DialogueRegistry) -> None:
    (mention,) = registry.find_mentions("the eighth US-India 2+2 Intersessional Dialogue held in New Delhi")
    assert mention.series.slug == "2plus2-intersessional-dialogue"


def test_spelling_variants(registry: DialogueRegistry) -> None:
    (mention,) = registry.find_mentions("Türkiye and the US held the High-Level Defence Group meeting.")
    assert mention.series.slug == "high-level-defence-group"
    (wmcc,) = registry.find_mentions(
        "India and China held the Working Mechanism for Consultation & Coordination on Border Affairs."
    )
    assert wmcc.series.slug == "wmcc"


def test_user_registry_files_merge_and_validate(tmp_path: Path) -> None:
    extra = tmp_path / "mine.json"
    extra.write_text(
        json.dumps({"series": [{
            "slug": "security-dialogue", "name": "Norway-Poland Security Dialogue", "countries": ["POL", "NOR"],
            "level": "senior officials", "aliases": ["Security Dialogue"], "abbreviations": ["NPSD"],
        }]}),
        encoding="utf-8",
    )
    registry = load_registry([extra])
    (mention,) = registry.find_mentions("Norway and Poland held the NPSD in Oslo.")
    assert mention.series.countries == ("NOR", "POL")  # sorted on load
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"series": [{"slug": "Bad Slug", "name": "x", "countries": ["IND", "USA"]}]}))
    with pytest.raises(RegistryError, match=r"bad\.json: series\[0\]: 'slug'"):
        load_registry([bad])
    bad.write_text(json.dumps({"series": [{"slug": "ok", "name": "x", "countries": ["IN", "US"]}]}))
    with pytest.raises(RegistryError, match="alpha-3"):
        load_registry([bad])
    bad.write_text("{not json")
    with pytest.raises(RegistryError, match="not valid JSON"):
        load_registry([bad])
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry([tmp_path / "missing.json"])


# --- slug and key --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("India-US Homeland Security Dialogue", "homeland-security-dialogue"),
        ("fifth India-U.S. 2+2 Ministerial Dialogue", "2plus2-ministerial-dialogue"),
        ("Japan-US Security Consultative Committee (2+2)", "security-consultative-committee"),
        ("Indo-French Strategic Dialogue", "strategic-dialogue"),
        ("Türkiye-US High Level Defense Group", "high-level-defence-group"),
        ("17th India-UK Foreign Office Consultations", "foreign-office-consultations"),
        ("", None),
    ],
)
def test_mechanism_slug(name: str, slug: str | None) -> None:
    assert mechanism_slug(name) == slug


def test_event_key_format() -> None:
    key = make_event_key(("USA", "IND"), "homeland-security-dialogue", date(2024, 2, 27))
    assert key == "IND-USA:homeland-security-dialogue:2024-02-27"
    empty = EventFacts("x", None, False, None, date(2024, 1, 1), None, None, None, None)
    assert empty.event_key() is None


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("From February 27 to February 29, they met", "2024-02-27", "2024-02-29"),
        ("held on March 1-2", "2024-03-01", "2024-03-02"),
        ("Feb 27-29, 2024", "2024-02-27", "2024-02-29"),
        ("on 27-29 February 2024", "2024-02-27", "2024-02-29"),
        ("held on October 26-27 (local time)", "2023-10-26", "2023-10-27"),
        ("held in Chengdu on 27 September 2018.", "2018-09-27", "2018-09-27"),
    ],
)
def test_explicit_dates_and_ranges(text: str, first: str, last: str) -> None:
    (mention,) = find_date_mentions(text, date(2024, 3, 1))
    assert (mention.first.isoformat(), mention.last.isoformat()) == (first, last)


def test_weekday_resolution_against_reference() -> None:
    wednesday = date(2024, 2, 28)
    assert resolve_weekday(2, wednesday, future=False) == wednesday
    assert resolve_weekday(0, wednesday, future=False) == date(2024, 2, 26)
    assert resolve_weekday(3, wednesday, future=True) == date(2024, 2, 29)
    (mention,) = find_date_mentions("met here on Monday", date(2024, 3, 1))
    assert mention.first == date(2024, 2, 26)
    (pair,) = find_date_mentions("held Wednesday and Thursday", date(2024, 4, 5))
    assert (pair.first, pair.last) == (date(2024, 4, 3), date(2024, 4, 4))
    (rel,) = find_date_mentions("arrive tomorrow", date(2019, 11, 29), future=True)
    assert rel.first == date(2019, 11, 30)


def test_may_the_verb_is_not_a_month() -> None:
    assert find_date_mentions("officials may 5 times", date(2024, 3, 1)) == []


# --- relation, facts -----------------------------------------------------------------------------------


def test_preview_report_followup(registry: DialogueRegistry) -> None:
    preview = facts(
        registry, "India, US To Hold Third 2+2 Ministerial Dialogue In Delhi Next Week",
        ["India and the US will hold the third edition of their 2+2 ministerial dialogue in the national capital "
         "on October 27, the Ministry of External Affairs announced on Wednesday."],
        date(2020, 10, 21), dateline_city="New Delhi", dateline_country="IN",
    )  # fmt: skip
    assert preview.relation == "preview"
    assert preview.start_date == date(2020, 10, 27)
    assert preview.event_key() == "IND-USA:2plus2-ministerial-dialogue:2020-10-27"
    weekday_preview = facts(
        registry, "India, Japan to hold 2+2 ministerial dialogue on Tuesday",
        ["India and Japan will hold their third 2+2 ministerial dialogue in New Delhi on Tuesday, officials said on Monday."],
        date(2024, 8, 19),
    )  # fmt: skip
    assert weekday_preview.relation == "preview"
    assert weekday_preview.start_date == date(2024, 8, 20)
    report = facts(
        registry, "India, Australia hold inaugural 2+2 ministerial dialogue",
        ["India and Australia on Saturday held their inaugural 2+2 Ministerial Dialogue in the national capital."],
        date(2021, 9, 11), dateline_city="New Delhi", dateline_country="IN",
    )  # fmt: skip
    assert (report.relation, report.start_date, report.round_ordinal) == ("report", date(2021, 9, 11), 1)
    assert (report.venue_city, report.venue_country) == ("New Delhi", "IN")
    followup = facts(
        registry, "India, US pledge to increase strategic convergence on counter-terrorism",
        ["India and the US have pledged to increase their convergence, according to a joint statement issued after "
         "meetings of the India-US Counter-Terrorism Joint Working Group held here.",
         "The 18th meeting of the Joint Working Group was held on October 26-27 (local time), the statement said."],
        date(2021, 10, 29),
    )  # fmt: skip
    assert followup.relation == "followup"
    assert (followup.start_date, followup.end_date, followup.round_ordinal) == (date(2021, 10, 26), date(2021, 10, 27), 18)


def test_virtual_venue_co_chairs_and_outcomes(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "India, US Hold Virtual Homeland Security Dialogue",
        ["India and the US on Wednesday held the Homeland Security Dialogue via video conference.",
         "Union Home Secretary Ajay Bhalla led the Indian side, while the US delegation was headed by Robert Silvers, "
         "Under Secretary for Strategy, Policy and Plans in the Department of Homeland Security.",
         "The two sides signed a Memorandum of Understanding on Cyber Security and issued a joint statement."],
        date(2022, 1, 12),
    )  # fmt: skip
    assert result.virtual and result.venue_country is None
    names = {c.name: c.country for c in result.co_chairs}
    assert names == {"Ajay Bhalla": "IND", "Robert Silvers": "USA"}
    assert "Memorandum of Understanding on Cyber Security" in result.outcomes
    assert "Joint Statement" in result.outcomes


def test_unregistered_dialogue_gets_a_derived_slug(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "Norway, Poland hold first Baltic Security Dialogue",
        ["Norway and Poland on Tuesday held the first Norway-Poland Baltic Security Dialogue in Oslo."],
        date(2024, 5, 8),
    )  # fmt: skip
    assert not result.series_known
    assert result.event_key() == "NOR-POL:baltic-security-dialogue:2024-05-07"
    assert (result.venue_city, result.venue_country) == ("Oslo", "NO")  # not in the venue table: GeoNames


def test_unregistered_name_starts_at_the_country_pair(registry: DialogueRegistry) -> None:
    # "met in Berlin on Thursday for the India-Germany Strategic Dialogue": the prose before the pair
    # is not part of the series name.
    result = facts(
        registry, "India, Germany hold strategic dialogue",
        ["National Security Advisers of India and Germany met in Berlin on Thursday for the India-Germany "
         "Strategic Dialogue, discussing counter-terrorism."],
        date(2024, 9, 13),
    )  # fmt: skip
    assert result.series_name == "India-Germany Strategic Dialogue"
    assert result.event_key() == "DEU-IND:strategic-dialogue:2024-09-12"


def test_venue_outside_the_table_only_right_after_the_meeting(registry: DialogueRegistry) -> None:
    held = facts(
        registry, "India, Egypt hold counter-terrorism talks",
        ["India and Egypt held the third meeting of the India-Egypt Joint Working Group on Counter-Terrorism "
         "in Cairo on Tuesday."],
        date(2024, 3, 13),
    )  # fmt: skip
    assert (held.venue_city, held.venue_country, held.round_ordinal) == ("Cairo", "EG", 3)
    subject = facts(
        registry, "Egypt, Kenya hold security dialogue",
        ["Egypt and Kenya on Tuesday held their Egypt-Kenya Security Dialogue, discussing the naval base in "
         "Mombasa and piracy."],
        date(2024, 3, 13),
    )  # fmt: skip
    assert subject.venue_city is None


def test_headline_tense_gives_way_to_a_lead_that_reports_the_meeting(registry: DialogueRegistry) -> None:
    report = facts(
        registry, "Japan, Australia to deepen defence ties, eye F-35 deployments",
        ["Japan and Australia agreed on Friday at their 2+2 Foreign and Defence Ministerial Consultations to "
         "deepen defence cooperation."],
        date(2022, 12, 9),
    )  # fmt: skip
    assert report.relation == "report"
    # "arrived ... to attend" is travel to a round still ahead: the headline's preview stands.
    preview = facts(
        registry, "Qureshi arrives in China to attend Strategic Dialogue",
        ["Foreign Minister Qureshi arrived in China on Thursday to attend the second round of the "
         "Pakistan-China Foreign Ministers' Strategic Dialogue."],
        date(2020, 8, 20),
    )  # fmt: skip
    assert preview.relation == "preview"
    # A standfirst about the next round says nothing about this one's tense.
    past = facts(
        registry, "India, US review threats from terror groups",
        ["The next meeting of the joint working group will be held in the US in 2019.",
         "India and the US on Tuesday held the 15th meeting of their Counter-Terrorism Joint Working Group."],
        date(2018, 3, 27),
    )  # fmt: skip
    assert past.relation == "report"


def test_a_day_after_a_long_clause_is_a_followup(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "With Manila pact, Tokyo widens its web of security partners",
        ['A day after Japan and the Philippines signed a reciprocal access agreement on the sidelines of their '
         '"two-plus-two" security talks in Manila, officials in Tokyo were looking ahead.'],
        date(2024, 7, 9),
    )  # fmt: skip
    assert result.relation == "followup"


def test_venue_in_the_city_of(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "Vietnam, China hold defence strategy dialogue",
        ["Senior defence officials from Vietnam and China held the sixth Defence Strategy Dialogue on Wednesday "
         "in the southwestern Chinese city of Chengdu, a day before President Xi Jinping travels to Hanoi."],
        date(2015, 11, 5),
    )  # fmt: skip
    assert (result.venue_city, result.venue_country) == ("Chengdu", "CN")


def test_a_date_compared_with_is_not_the_rounds(registry: DialogueRegistry) -> None:
    # Only the other meeting is dated: the round's date falls back to when the ministry spoke.
    result = facts(
        registry, "Turkish, US defence officials meet in Washington",
        ["Turkish and US officials have held a meeting of the Turkey-US High Level Defense Group in Washington, "
         "the ministry said on Wednesday.",
         "The meeting came a little more than two weeks after Erdogan and Biden met in Rome on Oct. 31."],
        date(2021, 11, 17),
    )  # fmt: skip
    assert result.start_date == date(2021, 11, 17)


def test_reported_would_after_a_past_meeting_is_a_report(registry: DialogueRegistry) -> None:
    report = facts(
        registry, "US, Australia pledge closer Pacific cooperation",
        ["The US and Australia said they would work more closely in the Pacific after their foreign and defence "
         "chiefs met in California for the Australia-United States Ministerial Consultations on Tuesday."],
        date(2018, 7, 25),
    )  # fmt: skip
    assert report.relation == "report"
    preview = facts(
        registry, "AUSMIN talks this week",
        ["Officials said the Australia-United States Ministerial Consultations would be held on Friday."],
        date(2018, 7, 23),
    )  # fmt: skip
    assert preview.relation == "preview"


def test_multi_day_round_from_its_last_or_first_day(registry: DialogueRegistry) -> None:
    closing = facts(
        registry, "Bangladesh, US conclude two-day defence dialogue in Dhaka",
        ["Bangladesh and the United States wrapped up two days of defence talks in Dhaka on Thursday, "
         "the 10th Bilateral Defence Dialogue, the military said."],
        date(2023, 8, 24),
    )  # fmt: skip
    assert (closing.start_date, closing.end_date) == (date(2023, 8, 23), date(2023, 8, 24))
    opening = facts(
        registry, "Bangladesh, US begin two-day defence dialogue",
        ["Bangladesh and the United States began two-day Bilateral Defence Dialogue talks in Dhaka on Wednesday."],
        date(2023, 8, 23),
    )  # fmt: skip
    assert (opening.start_date, opening.end_date) == (date(2023, 8, 23), date(2023, 8, 24))


def test_first_in_years_is_not_a_round_number(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "South Korea, Japan hold first security dialogue in six years",
        ["South Korea and Japan held their first security dialogue in six years in Seoul on Friday.",
         "The 13th Korea-Japan Security Dialogue was attended by senior foreign and defense officials."],
        date(2023, 6, 30),
    )  # fmt: skip
    assert result.round_ordinal == 13


# --- topic ---------------------------------------------------------------------------------------------


def test_topic_rules_are_transparent(registry: DialogueRegistry) -> None:
    event = classify_topic("India, US hold 2+2 talks", ["India and the US held their 2+2 dialogue on Friday."], registry)
    assert event.topic == "dialogue_event" and event.reasons
    other = classify_topic(
        "India, US to re-establish Homeland Security Dialogue",
        ["The United States and India have agreed to re-establish the Homeland Security Dialogue."],
        registry,
    )
    assert other.topic == "dialogue_other"
    assert any("re-establish" in r for r in other.reasons)
    unrelated = classify_topic(
        "India beat South Africa to win T20 World Cup",
        ["India won the final, holding their nerve, and a catch on the boundary sealed it on Saturday."],
        registry,
    )
    assert unrelated.topic == "unrelated"
    unnamed = classify_topic(
        "US, Japan agree attacks in space could trigger mutual defense",
        ["The United States and Japan agreed Wednesday that attacks in space could trigger their defense treaty.",
         "After talks in Washington with their Japanese counterparts, the secretaries spoke."],
        registry,
    )  # fmt: skip
    assert unnamed.topic == "dialogue_event"


@pytest.mark.parametrize(
    ("title", "paragraphs", "topic"),
    [
        # Multilateral meetings, summits and calls are not bilateral dialogue rounds.
        ("Quad foreign ministers voice concern over seas at Tokyo meeting",
         ["The foreign ministers of the Quad met in Tokyo on Monday.",
          "They discussed maritime security and supply chains.",
          "Japan last held 2+2 talks with Russia in 2019, long before the war."], "unrelated"),
        ("China's defence chief declines meeting with Austin at Asean security forum",
         ["Both men were in Vientiane for the Asean Defence Ministers' Meeting-Plus, with partners including "
          "China, the United States, Japan and India."], "unrelated"),
        ("China's defence minister warns Hegseth over Taiwan in first call",
         ["Chinese Defence Minister Dong Jun told his US counterpart in their first call on Wednesday that "
          "Washington must stop arming Taiwan, raising security concerns."], "unrelated"),
        ("U.N. Security Council divided over North Korea's latest launch",
         ["The U.N. Security Council met on Monday as the US, China and Russia traded accusations over North "
          "Korea's missile."], "unrelated"),
        # "Dialogue" words without two governments.
        ("Delhi High Court holds strategic dialogue with bar bodies",
         ["The Delhi High Court on Saturday held a strategic dialogue with bar associations on security of "
          "court complexes and the backlog of cases."], "unrelated"),
        # About a dialogue, not a round.
        ("The US-South Korea 2+2 is overdue for a comeback",
         ["The United States and South Korea have not held their 2+2 since 2016."], "dialogue_other"),
        ("India-US 2+2 dialogue postponed again",
         ["The India-US 2+2 dialogue has been postponed again, the State Department said on Wednesday."],
         "dialogue_other"),
        ("Seoul, Tokyo agree to restore security dialogue",
         ["South Korea and Japan agreed on Thursday to restore their security dialogue, with no date set."],
         "dialogue_other"),
        # ... while a postponed round that has a new date stays a round.
        ("India-US 2+2 postponed to September 6",
         ["The India-US 2+2 dialogue, postponed in July, will now be held on September 6 in New Delhi."],
         "dialogue_event"),
    ],
)  # fmt: skip
def test_topic_distractors(registry: DialogueRegistry, title: str, paragraphs: list[str], topic: str) -> None:
    assert classify_topic(title, paragraphs, registry).topic == topic


# --- never raises --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    title=st.one_of(st.none(), st.text(max_size=80)),
    paragraphs=st.lists(st.text(max_size=200), max_size=4),
    days=st.integers(min_value=-5000, max_value=5000),
)
def test_never_raises_on_junk(title: str | None, paragraphs: list[str], days: int) -> None:
    registry = load_registry()
    reference = date(2024, 1, 1) + timedelta(days=days)
    decision = classify_topic(title, paragraphs, registry)
    assert decision.topic in {"dialogue_event", "dialogue_other", "unrelated"}
    result = extract_event_facts(
        title, paragraphs, registry=registry, reference_date=reference,
        published=datetime(2024, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert result is None or isinstance(result, EventFacts)
    registry.find_mentions(" ".join(paragraphs))


def test_junk_types_do_not_raise(registry: DialogueRegistry) -> None:
    assert extract_event_facts(None, None, registry=registry, reference_date=None, published=None) is None  # type: ignore[arg-type]
    assert classify_topic(None, [None, 3], registry).topic == "unrelated"  # type: ignore[list-item]
    lone = extract_event_facts("2+2 talks", ["x" * 10_000], registry=registry, reference_date=date(2024, 1, 1), published=None)
    assert lone is not None and lone.countries is None and lone.event_key() is None


# --- the seeds ------------------------------------------------------------------------------------------


def _seed(path: Path) -> tuple[date, list[str]]:
    """Reference date and clean paragraphs: the first line is "date YYYY-MM-DD <wrapper/dateline> <lead>"."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    match = re.match(r"\s*date (\d{4}-\d\d-\d\d)\s+(.*)", first)
    assert match is not None
    lead = re.split(r"\(IANS\)\s+|\s:\s", match.group(2), maxsplit=1)[1]
    return date.fromisoformat(match.group(1)), [lead] + [p.strip() for p in rest.split("\n\n") if p.strip()]


@pytest.mark.shared
def test_seeds_give_the_homeland_security_dialogue(registry: DialogueRegistry) -> None:
    seeds = shared_dir() / "data" / "seeds"
    ani_ref, ani = _seed(seeds / "ani-2024-03-01.txt")
    ians_ref, ians = _seed(seeds / "ians-menafn-2024-02-28.txt")
    a = facts(registry, None, ani, ani_ref, dateline_city="Washington", dateline_country="US")
    i = facts(registry, None, ians, ians_ref, dateline_city="New Delhi", dateline_country="IN")
    for result in (a, i):
        assert classify_topic(None, ani, registry).topic == "dialogue_event"
        assert result.countries == ("IND", "USA")
        assert result.mechanism == "homeland-security-dialogue"
        assert (result.venue_city, result.venue_country) == ("New Delhi", "IN")
        chairs = {c.name: c.country for c in result.co_chairs}
        assert chairs == {"Ajay Bhalla": "IND", "Kristie Canegallo": "USA"}
        assert "Memorandum of Cooperation" in result.outcomes
    # The explicit range is the stronger evidence; IANS's "on Wednesday" gives the main meeting day.
    assert a.event_key() == "IND-USA:homeland-security-dialogue:2024-02-27"
    assert (a.start_date, a.end_date, a.date_evidence) == (date(2024, 2, 27), date(2024, 2, 29), "From February 27 to February 29")
    assert (i.start_date, i.date_evidence) == (date(2024, 2, 28), "on Wednesday")
    assert CoChair("Ajay Bhalla", "Home Secretary", "IND") in i.co_chairs


def test_co_chair_titles_run_to_the_end_of_their_last_word(registry: DialogueRegistry) -> None:
    result = facts(
        registry, "India, EU hold counter-terrorism dialogue",
        ["The India-EU Joint Working Group on Counter Terrorism met in Brussels on Tuesday, co-chaired by Anand Rao, "
         "Joint Secretary (Counter Terrorism), and Helga Lindqvist, Director for Security and Defence Policy at the "
         "European External Action Service."],
        date(2024, 2, 28),
    )  # fmt: skip
    titles = {c.name: (c.title, c.country) for c in result.co_chairs}
    assert titles["Helga Lindqvist"] == (
        "Director for Security and Defence Policy at the European External Action Service", "EUU")
    assert titles["Anand Rao"][1] == "IND"


def test_an_address_month_dates_a_month_and_day_written_without_a_year() -> None:
    """No page date: "/2024/05/" in the address gives "talks on May 14-15" their year (explicit dates within
    DATE_MONTH_HINT_WINDOW_DAYS of the month only: "an accord signed on February 2" is another occasion)."""
    from crawler.core.events import analyse_text, facts_of_analysed
    from crawler.core.extract.url_dates import month_from_url

    hint = month_from_url("https://example.org/2024/05/pak-us-talks.html")
    assert hint == date(2024, 5, 15)
    assert month_from_url("https://example.org/news/202405/123.html") == date(2024, 5, 15)
    assert month_from_url("https://example.org/news/123.html") is None
    text = analyse_text(None, ["Pakistan and the United States will hold the Counterterrorism Dialogue on May 14-15, "
                               "the first since an accord signed on February 2."], load_registry())
    facts = facts_of_analysed(text, reference_date=None, published=None, month_hint=hint)
    assert facts is not None and facts.start_date == date(2024, 5, 14)
    assert facts_of_analysed(text, reference_date=None, published=None).start_date is None  # type: ignore[union-attr]
