"""Tests for crawler.core.normalize.agency and crawler.core.normalize.body (detection and cleaning)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.core.normalize.agency import detect_agency, find_trailer, match_wrapper, normalize_agency
from crawler.core.normalize.body import clean_body, content_hash
from crawler.core.normalize.dateline import parse_dateline


@pytest.mark.parametrize(
    ("name", "code"),
    [("Associated Press", "AP"), ("Itar-Tass", "TASS"), ("Reuter", "Reuters"), ("Jiji Press", "Jiji"),
     ("(IANS)", "IANS"), ("Agence France-Presse", "AFP"), ("Xinhua News Agency", "Xinhua"),
     ("dpa", "dpa"), ("MENAFN", None), ("", None), ("The Hindu", None)],
)
def test_normalize_agency(name, code):
    assert normalize_agency(name) == code


def test_wrapper():
    hit = match_wrapper("(MENAFN- IANS) New Delhi, Feb 28 (IANS) Text")
    assert hit is not None and hit[2] == "IANS"
    assert match_wrapper("(Some aside - really) text") is None


@pytest.mark.parametrize(
    ("para", "code"),
    [("--IANS", "IANS"), ("-- IANS sd/vd", "IANS"), ("The talks ended. (ANI)", "ANI"),
     ("Talks ended on Friday. — Bernama", "Bernama"), ("(Source: VNA)", "VNA"), ("ab/sd", None)],
)
def test_trailers(para, code):
    hit = find_trailer(para)
    assert hit is not None and hit[2] == code


def test_no_trailer_in_prose():
    assert find_trailer("He spoke to Reuters on Friday about the talks.") is None


def test_detect_agency_order():
    d = parse_dateline("New Delhi [India], November 26 : The", dt.date(2021, 11, 26))
    ev = detect_agency(dateline=d, paragraphs=["x", "The talks ended. (PTI)"], author_organizations=[], title=None)
    assert ev is not None and (ev.code, ev.source) == ("PTI", "trailer")
    ev = detect_agency(dateline=d, paragraphs=["x"], author_organizations=[], title=None)
    assert ev is not None and (ev.code, ev.source) == ("ANI", "house_style")
    ev = detect_agency(dateline=None, paragraphs=["ANI | Washington DC | Updated: 24-03-2021 08:52 IST", "x"],
                       author_organizations=[], title=None)
    assert ev is not None and (ev.code, ev.source) == ("ANI", "byline")
    ev = detect_agency(dateline=None, paragraphs=["x"], author_organizations=["Press Trust of India"], title=None)
    assert ev is not None and (ev.code, ev.source) == ("PTI", "jsonld")
    assert detect_agency(dateline=None, paragraphs=[], author_organizations=[], title=None) is None


BODY = "India and the US held the Homeland Security Dialogue on Tuesday."


@pytest.mark.parametrize(
    ("paragraphs", "code", "source"),
    [
        ([BODY, "They agreed to meet again.", "(With inputs from PTI)"], "PTI", "trailer"),
        ([BODY, "© Agence France-Presse"], "AFP", "trailer"),
        ([BODY, "Copyright 2024 The Associated Press. All rights reserved."], "AP", "trailer"),
        ([BODY, "Source: Xinhua News Agency"], "Xinhua", "trailer"),
        ([BODY, "Reporting by Jane Doe in New Delhi; Editing by John Roe"], "Reuters", "trailer"),
        (["By Reuters Staff", BODY, "More text.", "The end of the story."], "Reuters", "byline"),
        # Credits that do not make the story a wire story, or do not name one wire:
        ([BODY, "The Associated Press contributed to this report."], None, None),
        ([BODY, "(With inputs from agencies)"], None, None),
        ([BODY, "With inputs from ANI and Reuters"], None, None),
        ([BODY, "Copyright The Hindu 2024"], None, None),
        (["By John Smith", BODY], None, None),
    ],
)
def test_credit_lines(paragraphs: list[str], code: str | None, source: str | None) -> None:
    found = detect_agency(dateline=None, paragraphs=paragraphs, author_organizations=[], title=None)
    assert (found.code if found else None, found.source if found else None) == (code, source)


def test_clean_body_strips_furniture():
    paras = [
        "(MENAFN- IANS) New Delhi, Feb 28 (IANS) India and the US held talks.",
        "They agreed to meet again.",
        "(This story has not been edited by Devdiscourse staff and is auto-generated from a syndicated feed.)",
        "--IANS",
        "sd/vd",
    ]
    cb = clean_body(paras, published=dt.date(2024, 2, 28))
    assert cb.paragraphs == ["India and the US held talks.", "They agreed to meet again."]
    assert cb.wrapper == "(MENAFN- IANS)" and cb.trailer == "--IANS sd/vd" and len(cb.disclaimers) == 1
    assert cb.agency is not None and cb.agency.code == "IANS"


def test_content_hash_same_story():
    a = clean_body(["(MENAFN- IANS) New Delhi, Feb 28 (IANS) India and the US held talks."]).paragraphs
    b = clean_body(["NEW DELHI, Feb 28 (IANS) -- India and the US  held talks"]).paragraphs
    assert content_hash(a) == content_hash(b)
    assert content_hash(["x"]) != content_hash(["y"])


def test_bad_input_never_raises():
    assert clean_body(None).paragraphs == []  # type: ignore[arg-type]
    assert detect_agency(dateline=None, paragraphs=[None], author_organizations=[None], title=None) is None  # type: ignore[list-item]


def test_standfirst_before_the_dateline_is_kept_and_the_dateline_found() -> None:
    clean = clean_body(
        [
            "The two US allies held their tenth 'two-plus-two' talks in Tokyo.",
            "TOKYO, Dec 9 (Reuters) - Japan and Australia agreed on Friday to deepen defence cooperation.",
            "The ministers met for two hours.",
        ],
        published=dt.date(2022, 12, 9),
    )
    assert clean.dateline is not None and clean.dateline.city == "Tokyo" and clean.agency is not None
    assert clean.dateline.date == dt.date(2022, 12, 9)
    assert clean.paragraphs == [
        "The two US allies held their tenth 'two-plus-two' talks in Tokyo.",
        "Japan and Australia agreed on Friday to deepen defence cooperation.",
        "The ministers met for two hours.",
    ]
    # A long first paragraph is story text, not a standfirst: nothing after it is taken as a dateline.
    long_lead = "India and the US held talks on Monday. " * 10
    assert clean_body([long_lead, "KABUL: Afghan officials said"]).dateline is None


def test_weekday_and_month_abbreviations_are_not_places() -> None:
    assert parse_dateline("Sun, 19 Oct 2025 04:00") is None
    assert parse_dateline("Thu, Oct 5 (AP) - The talks") is None


def test_uni_desk_trailer_ends_the_story_and_what_follows_is_dropped() -> None:
    assert find_trailer("UNI XR SB 2352") == (0, "UNI XR SB 2352", "UNI")
    assert find_trailer("PTI KR NSD") == (0, "PTI KR NSD", "PTI")
    assert find_trailer("NEW DELHI") is None and find_trailer("THE END") is None
    clean = clean_body(
        [
            "Ankara, Nov 17 (UNI) Turkey and the United States have held a round of high-level defence talks.",
            "The talks were held in a positive atmosphere, the ministry said.",
            "No details were given about the date.",
            "UNI XR SB 2352",
            "More News",
            "| Japan, Philippines sign reciprocal access agreement at 2+2 meet | Jul 8 2024 7:25PM |",
        ]
    )
    assert clean.paragraphs[-1] == "No details were given about the date."
    assert clean.trailer == "UNI XR SB 2352" and clean.agency is not None and clean.agency.code == "UNI"


def test_an_agency_line_under_the_headline_is_a_byline_not_the_trailer() -> None:
    # A real page stores the headline, a standfirst, the agency's name on its own line and a time stamp
    # before the story: the story is not cut at "PTI" (it needs two paragraphs of prose before a trailer).
    clean = clean_body(
        [
            "Home / India News / Defence secretaries of India and Oman meet in Muscat",
            "The two sides are to review the joint exercises of the past year.",
            "PTI",
            "Updated: Mar 4, 2025, 09:10 AM IST",
            "India and Oman held their annual defence dialogue in Muscat on Tuesday.",
            "The delegations were led by the two defence secretaries.",
        ]
    )
    assert clean.paragraphs[-1] == "The delegations were led by the two defence secretaries."
