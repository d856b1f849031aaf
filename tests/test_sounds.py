"""The gazetteer's sound match (crawler.core.reference.sounds): a city in an Indic script or katakana that no
GeoNames or CLDR spelling has. Precision over GeoNames' own spellings is measured by
benchmarks/eval_sound_match.py (too slow for a test); these cases pin the steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.core.reference import gazetteer, sounds
from crawler.core.reference.gazetteer import _sound_index
from crawler.core.reference.loader import DATA_DIR


@pytest.mark.parametrize(("printed", "country", "city"), [
    ("টাঙ্গাইল", "BD", "Tangail"),  # Bengali district town: GeoNames spells it only in Latin
    ("কুষ্টিয়া", "BD", "Kushtia"),
    ("லண்டன்", "GB", "London"),  # a foreign capital GeoNames lacks in Tamil
    ("प्रयागराज", "IN", "Prayagraj"),  # the city's new name, absent from GeoNames' Hindi spellings
    ("காரைக்குடி", "IN", "Kāraikkudi"),
])
def test_a_name_no_spelling_table_has_is_matched_by_sound(printed: str, country: str, city: str) -> None:
    assert gazetteer().lookup_city(printed) == (country, city)


def test_a_local_short_form_counts_through_the_latin_alternates() -> None:
    # GeoNames' Latin alternates of Tiruchirappalli include the short form "Tiruchi" the Tamil papers print.
    assert gazetteer().lookup_city("திருச்சி") == ("IN", "Tiruchirappalli")


@pytest.mark.parametrize("word", [
    "প্রতিবেদক", "নিজস্ব", "সংবাদদাতা",  # Bengali: reporter, own (correspondent), correspondent
    "செய்தியாளர்", "விளம்பரம்",  # Tamil: reporter, advertisement
    "संवाददाता", "अपडेटेड",  # Hindi: correspondent, updated
    "ニュース", "ロイター",  # katakana: news, Reuters
])
def test_ordinary_words_match_no_city(word: str) -> None:
    assert gazetteer().lookup_city(word) is None


def test_arabic_script_and_latin_are_not_matched_by_sound() -> None:
    index, _places = _sound_index()
    assert sounds.script_of("نئی دہلی") is None and sounds.script_of("Dhaka") is None
    assert sounds.match(index, "نئی دہلی") is None


def test_steps() -> None:
    # classes: voicing merged, sibilants with affricates, h dropped; Latin c/ch/x by their sounds
    assert sounds.consonants(sounds.latin_form("Cox's Bazar")) == sounds.consonants(sounds.native_form("কক্সবাজার"))
    assert sounds.consonants(sounds.latin_form("Washington")) == "PSNTN"
    assert sounds.consonants(sounds.native_form("वाशिंगटन")) == "PSNTN"
    # an inner "w" before a vowel is the letter v ("Vijayawada"), elsewhere a vowel ("Lucknow")
    assert sounds.consonants(sounds.latin_form("Vijayawada")) == "PSPT"
    assert sounds.consonants(sounds.latin_form("Lucknow")) == "LKN"
    # katakana has no "l": Latin l and r are one class for it
    assert "KATAKANA" in sounds._no_l() and "BENGALI" not in sounds._no_l()


def test_letter_table_is_generated_for_the_scripts_and_countries() -> None:
    doc = json.loads((DATA_DIR / "letter_sounds.json").read_text(encoding="utf-8"))
    assert doc["scripts"]["BENGALI"] == ["BD", "IN"] and "LK" in doc["scripts"]["TAMIL"]
    assert doc["letters"]["ক"] == "k" and "ARABIC" not in doc["scripts"]


def test_letter_table_is_what_the_script_derives_from_installed_anyascii_and_babel() -> None:
    pytest.importorskip("anyascii", reason="anyascii (dev extra) rewrites letter_sounds.json; the rules read the JSON")
    pytest.importorskip("babel", reason="babel (dev extra) gives the scripts' countries")
    import sys

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        import gen_reference_sounds
    finally:
        sys.path.remove(str(scripts))
    doc = json.loads((DATA_DIR / "letter_sounds.json").read_text(encoding="utf-8"))
    assert (doc["letters"], doc["scripts"]) == gen_reference_sounds.tables(), (
        "letter_sounds.json is stale: rerun scripts/gen_reference_sounds.py"
    )


@pytest.mark.parametrize("line", ["পুতিন: আলোচনা চলবে", "पुतिन: बातचीत जारी रहेगी", "プーチン：交渉は続く", "タリバン — 声明"])
def test_a_foreign_name_before_a_colon_is_no_bare_dateline(line: str) -> None:
    # "Putin" sounds like Putian (CN), "Taliban" like a South African city: a bare "NAME:" line takes a sound
    # match only for a city of the script's own countries (Tamil "புதுச்சேரி:" is Puducherry, IN).
    from crawler.core.normalize.dateline import parse_dateline

    assert parse_dateline(line, None) is None
    d = parse_dateline("புதுச்சேரி: நகரில் புதிய பேருந்து நிலையம் திறக்கப்பட்டது.", None)
    assert d is not None and d.country == "IN"
