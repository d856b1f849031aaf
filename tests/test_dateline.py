"""Unit, property and threshold tests for crawler.core.normalize.dateline (issue 3)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.normalize.body import clean_body
from crawler.core.normalize.dateline import parse_dateline, resolve_year

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """../shared next to the repo, or skip the test when this clone has none."""
    path = REPO.parent / "shared"
    if not path.exists():
        pytest.skip(f"../shared not present: {path}")
    return path


@pytest.mark.parametrize(
    ("text", "city", "country", "agency", "month", "day"),
    [
        ("New Delhi, Feb 28 (IANS) Terrorism was discussed.", "New Delhi", "IN", "IANS", 2, 28),
        ("New Delhi, [India], February 28 (ANI): The two sides", "New Delhi", "IN", "ANI", 2, 28),
        ("Mumbai (Maharashtra) [India], Jan 13 (ANI): The", "Mumbai", "IN", "ANI", 1, 13),
        ("NEW DELHI, Feb 28 (Reuters) - India and", "New Delhi", "IN", "Reuters", 2, 28),
        ("SALVADOR, Feb 26 - Brazil's", "Salvador", "BR", None, 2, 26),
        ("LA CROSSE, Wis. (AP) — A man", "La Crosse", "US", "AP", None, None),
        ("BEIRUT/THE HAGUE, March 7 (Reuters) - Syria", "Beirut/The Hague", "LB", "Reuters", 3, 7),
        ("BEIJING, Aug. 28 (Xinhua) -- China", "Beijing", "CN", "Xinhua", 8, 28),
        ("TOKYO (Kyodo) -- Japan", "Tokyo", "JP", "Kyodo", None, None),
        ("SEOUL, Nov. 1 (Yonhap) -- South Korea", "Seoul", "KR", "Yonhap", 11, 1),
        ("Hanoi (VNA) - Vietnam", "Hanoi", "VN", "VNA", None, None),
        ("KUALA LUMPUR, April 1 , 1997 (AFP)", "Kuala Lumpur", "MY", "AFP", 4, 1),
        ("By Sportswriter Cao Jianjie MACAO, Nov. 2 (Xinhua) -- The", "Macao", "MO", "Xinhua", 11, 2),
        ("New Delhi, 6 December 2021 (TDI): India", "New Delhi", "IN", "TDI", 12, 6),
        ("NEW DELHI, June 8: The", "New Delhi", "IN", None, 6, 8),
        ("NEW DELHI, December 6. /TASS/. India", "New Delhi", "IN", "TASS", 12, 6),
        ("VIENTIANE, Nov. 16, Kyodo - Laos", "Vientiane", "LA", "Kyodo", 11, 16),
        ("TOKYO, Jan. 5 Kyodo - Japan and Australia", "Tokyo", "JP", "Kyodo", 1, 5),
        ("Jan 9 (Reuters) - Boeing shares fell", None, None, "Reuters", 1, 9),
        ("ASTANA. KAZINFORM – Kazakhstan's President", "Astana", "KZ", "Kazinform", None, None),
        ("ANKARA\nTürkiye's foreign minister on Tuesday met his counterpart", "Ankara", "TR", None, None, None),
        ("Riyadh, Rajab 12, 1445, January 24, 2024, SPA -- Custodian", "Riyadh", "SA", "SPA", 1, 24),
        ("Tehran, IRNA – Iran's Foreign Minister", "Tehran", "IR", "IRNA", None, None),
        ("(ANSA) - ROME, JAN 9 - Premier Giorgia Meloni", "Rome", "IT", "ANSA", 1, 9),
        ("Baku, January 16, AZERTAC The President", "Baku", "AZ", "AZERTAC", 1, 16),
        ("UNITED NATIONS (AP) — The Security Council", "United Nations", "US", "AP", None, None),
        ("ST. PETERSBURG, June 14. /TASS/. The forum", "St. Petersburg", "RU", "TASS", 6, 14),
        ("ST. PETERSBURG, Fla. (AP) — A storm", "St. Petersburg", "US", "AP", None, None),
        ("Srinagar (J&K), Feb 7: The High Court", "Srinagar", "IN", None, 2, 7),
        ("SEOUL, March 3 Yonhap -- The two sides", "Seoul", "KR", "Yonhap", 3, 3),
        ("PTI\nWashington, November 8\nThe US", "Washington", "US", "PTI", 11, 8),
        ("KABUL: Afghan officials", "Kabul", "AF", None, None, None),
        ("By Karen Lema MANILA (Reuters) - The", "Manila", "PH", "Reuters", None, None),
    ],
)
def test_families(text, city, country, agency, month, day):
    d = parse_dateline(text, dt.date(2024, 3, 1))
    assert d is not None
    assert (d.city, d.country, d.agency, d.month, d.day) == (city, country, agency, month, day)
    assert text[d.span[0]:d.span[1]] == d.raw


def test_ani_house_style_is_inferred():
    d = parse_dateline("New Delhi [India], November 26 : The", dt.date(2021, 11, 26))
    assert d is not None and d.agency == "ANI" and d.agency_inferred
    assert d.date == dt.date(2021, 11, 26)


def test_region_expanded():
    d = parse_dateline("LA CROSSE, Wis. (AP) — x")
    assert d is not None and d.region == "Wisconsin"


@pytest.mark.parametrize(
    "text",
    [
        "ANI | Washington DC | Updated: 24-03-2021 08:52 IST",
        "By CHEN WEIHUA in Washington | chinadaily.com.cn | Updated: 2017-06-22 11:08",
        "Xinhua, October 20, 2015",
        "Kyodo",
        "14:18 JST, November 1, 2023",
        "Updated: Dec 18, 2019 03:01 IST",
        "Wednesday, January, 15,2025\nNew Delhi:",
        "SUDHIR KUMAR\nNEW DELHI",
        "ASSOCIATED PRESS\nManila, Philippines – 30 July 2024",
        "New Delhi | Jagran News Desk:",
        "(AP Photo/Evan Vucci)",
        "APA/APA (dpa)",
        "PTI chairman Imran Khan said on Monday that the party would protest.",
        "India and the US on Wednesday held talks.",
        "EDITOR’S NOTE — This story includes discussion of suicide.",
        "Dewi Kartika (The Jakarta Post)\nJakarta ● Fri, January 12, 2024",
        "Sun, 19 Oct 2025 04:00",
        "",
    ],
)
def test_not_datelines(text):
    assert parse_dateline(text, dt.date(2024, 1, 1)) is None


def test_party_pti_not_agency():
    d = parse_dateline("ISLAMABAD: PTI chairman Imran Khan said", dt.date(2023, 5, 1))
    assert d is not None and d.city == "Islamabad" and d.agency is None


def test_year_rule():
    assert resolve_year(12, 31, dt.date(2024, 1, 2)) == dt.date(2023, 12, 31)
    assert resolve_year(1, 3, dt.date(2024, 1, 2)) == dt.date(2024, 1, 3)  # publication + 1 day
    assert resolve_year(1, 4, dt.date(2024, 1, 2)) == dt.date(2023, 1, 4)
    assert resolve_year(2, 29, dt.date(2023, 6, 1)) == dt.date(2020, 2, 29)
    d = parse_dateline("TOKYO, Dec 31 (Kyodo) --", dt.datetime(2024, 1, 2, 9, 0))
    assert d is not None and d.date == dt.date(2023, 12, 31) and d.year is None
    d = parse_dateline("TOKYO, Dec 31 (Kyodo) --")
    assert d is not None and d.date is None and (d.month, d.day) == (12, 31)


def test_printed_year_after_publication_gives_no_date():
    d = parse_dateline("New Delhi, 6 December 2031 (TDI):", dt.date(2021, 12, 6))
    assert d is not None and d.year == 2031 and d.date is None


def _seed(path: Path) -> tuple[dt.date, list[str]]:
    _, iso, body = path.read_text(encoding="utf-8").lstrip().split(None, 2)
    return dt.date.fromisoformat(iso), [p for p in body.split("\n") if p.strip()]


def test_seeds():
    seeds = shared_dir() / "data" / "seeds"
    pub, paras = _seed(seeds / "ians-menafn-2024-02-28.txt")
    cb = clean_body(paras, published=pub)
    assert cb.dateline is not None and cb.agency is not None
    assert (cb.agency.code, cb.dateline.city, cb.dateline.country, cb.dateline.date) == (
        "IANS", "New Delhi", "IN", dt.date(2024, 2, 28))
    assert cb.wrapper == "(MENAFN- IANS)" and "MENAFN" not in cb.paragraphs[0]
    pub, paras = _seed(seeds / "ani-2024-03-01.txt")
    cb = clean_body(paras, published=pub)
    assert cb.dateline is not None
    assert (cb.dateline.city, cb.dateline.country, cb.dateline.date) == ("Washington", "US", dt.date(2024, 3, 1))
    assert cb.dateline.agency == "ANI" and cb.dateline.agency_inferred
    assert not any(p.startswith("Disclaimer:") for p in cb.paragraphs) and cb.disclaimers


def _load_gazetteer_indexes() -> None:
    """The gazetteer's indexes load once per process (the script-key index on the first name in another
    script that the exact names miss): that one-time cost is not a call's."""
    parse_dateline("ঝিলমিলপুর, ৫ মার্চ (বাসস) : x", dt.date(2024, 3, 6))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=10_000), st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2090, 1, 1)))
def test_property_bounded_never_raises_never_future(text, published):
    _load_gazetteer_indexes()
    t0 = time.perf_counter()
    d = parse_dateline(text, published)
    assert time.perf_counter() - t0 < 0.2
    if d is not None and d.date is not None:
        assert d.date <= published + dt.timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"[A-Z ,.\-:(\[\]/)|0-9a-z]{0,3000}", fullmatch=True))
def test_property_adversarial_punctuation(text):
    t0 = time.perf_counter()
    parse_dateline(text * 3, dt.date(2024, 1, 1))
    assert time.perf_counter() - t0 < 0.2


def test_thresholds_on_shared():
    shared_dir()
    from tests.helpers import eval_datelines as mod

    reuters = mod.eval_reuters(False)
    assert reuters["city_exact"] >= 0.995 and reuters["city_and_date_exact"] >= 0.995
    dev = mod.eval_dev(False)
    for f in ("city", "country", "agency", "month", "day"):
        assert dev[f"{f}_exact"] >= 0.97, f
    assert dev["false_datelines"] == 0
    te = mod.eval_tempeval(False)
    assert te["city_exact"] >= 0.98 and te["date_exact"] >= 0.98


def test_dev_file_loads():
    data = json.loads((shared_dir() / "data/datelines/datelines_dev.json").read_text(encoding="utf-8"))
    assert data["datelines"]


# The fast path for "SALVADOR, Feb 26 -" (dateline_parts._FAST_RE) must give exactly the cascade's result, on the lines
# it takes and on near misses it must leave to the cascade (own lines).
FAST_PATH_LINES = [
    "    SALVADOR, Feb 26 - Showers continued throughout the week.",
    "NEW YORK, March 3 -- The dollar opened lower.",
    "KUALA LUMPUR, Nov 21 -- The ringgit rose.",
    "LAHORE, Jan. 5: The provincial cabinet met.",
    "UPDATED, Feb 26 - not a place",
    "MAY, Feb 26 - a month first",
    "ST. LOUIS, Feb 26 - a dot inside the place",
    "SAO PAULO, Feb 26, 1987 - a year",
    "WASHINGTON, Feb 26 --- three dashes",
    "Express News Service\nBENGALURU, March 5: The city corporation met.",
]


@pytest.mark.parametrize("text", FAST_PATH_LINES)
def test_fast_path_is_the_cascade(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from crawler.core.normalize import dateline_parts as module

    published = dt.date(1987, 2, 27)
    fast = parse_dateline(text, published)
    monkeypatch.setattr(module, "_FAST_RE", re.compile(r"(?!)"))  # the cascade alone
    assert fast == parse_dateline(text, published)
