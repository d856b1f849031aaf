"""Reference data as data: the validated loader, the user's extension directory, one Country, one gazetteer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pycountry
import pytest

from crawler.core.events.countries import alpha2_to_alpha3, alpha3_to_alpha2, find_countries
from crawler.core.reference import (
    REFERENCE_ENV,
    ReferenceDataError,
    calendar,
    gazetteer,
    load_reference,
    reference,
    reference_dirs_from_env,
)
from crawler.core.reference.gazetteer import Gazetteer
from crawler.core.reference.loader import DATA_DIR, EXTENSIBLE

REPO = Path(__file__).resolve().parents[1]


def write(directory: Path, name: str, document: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return path


# --- the shipped files -------------------------------------------------------------------------------------


def test_shipped_files_pass_full_validation_against_iso() -> None:
    data = load_reference(verify_shipped=True)  # every code checked against pycountry, as user files are
    assert {p.name for p in data.files} == set(EXTENSIBLE)
    assert {a.code for a in data.agencies} >= {"PTI", "ANI", "IANS", "Reuters", "AP", "AFP", "Xinhua"}
    assert data.zones.countries["IN"] == "Asia/Kolkata"
    assert data.regions["wis"] == ("Wisconsin", "US")


def test_months_json_is_what_the_script_derives_from_installed_dateparser() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import gen_reference_months
    finally:
        sys.path.remove(str(REPO / "scripts"))
    shipped = json.loads((DATA_DIR / "months.json").read_text(encoding="utf-8"))
    assert shipped["languages"]["en"] == gen_reference_months.language("en"), (
        "months.json is stale: rerun scripts/gen_reference_months.py"
    )
    cal = calendar()
    assert cal.month_numbers["sept"] == 9 and cal.month_numbers["may"] == 5
    assert len(cal.month_numbers) == sum(len(forms) for forms in cal.months)


# --- validation: one clear error naming the file and the entry ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "document", "needles"),
    [
        ("agencies.json", "{not json", ["not valid JSON"]),
        ("agencies.json", [1, 2], ["top level", "must be a JSON object"]),
        ("agencies.json", {"agencys": []}, ["unknown key", "'agencys'"]),
        ("agencies.json", {"agencies": [{"code": "NW", "name": "New Wire", "country": "India"}]},
         ["agencies[0] (code 'NW')", "'country'", "'India'"]),
        ("agencies.json", {"agencies": [{"code": "NW", "name": "New Wire", "country": "QQ"}]},
         ["agencies[0] (code 'NW')", "'QQ' is not an ISO 3166-1 alpha-2 code"]),
        ("agencies.json", {"agencies": [{"code": "NW", "country": "IN"}]}, ["agencies[0] (code 'NW')", "'name'"]),
        ("agencies.json", {"agencies": [{"code": "NW", "name": "N", "country": "IN", "alias": ["x"]}]},
         ["agencies[0]", "unknown field", "'alias'"]),
        ("venues.json", {"venues": [{"name": "Goa", "country": "IN", "aliases": "Panaji"}]},
         ["venues[0] ('Goa').aliases", "list of non-empty strings"]),
        ("zones.json", {"abbreviations": {"XST": "5:30"}}, ["abbreviations['XST']", "UTC offset"]),
        ("zones.json", {"ambiguous": {"XST": {"IN": "+05:30"}}}, ["ambiguous['XST']", "'default'"]),
        ("zones.json", {"countries": {"IN": "not a zone"}}, ["countries['IN']", "IANA zone"]),
        ("demonyms.json", {"demonyms": {"XYZ": ["Xish"]}}, ["demonyms['XYZ']", "not an ISO 3166-1 alpha-3"]),
        ("countries.json", {"countries": [{"alpha_2": "IN", "alpha_3": "IDN"}]}, ["countries[0] (IN/IDN)", "IND"]),
        ("countries.json", {"countries": [{"alpha_2": "QZ", "alpha_3": "QZZ"}]}, ["countries[0] (QZ/QZZ)", "'name'"]),
        ("places.json", {"regions": [{"printed": "Bav.", "name": "Bavaria"}]}, ["regions[0] ('Bav.')", "'country'"]),
    ],
)
def test_malformed_user_file_names_file_and_entry(tmp_path: Path, name: str, document: object,
                                                  needles: list[str]) -> None:
    path = write(tmp_path / "ref", name, document)
    with pytest.raises(ReferenceDataError) as caught:
        load_reference([tmp_path / "ref"])
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for needle in needles:
        assert needle in message, message


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="not a directory"):
        load_reference([tmp_path / "missing"])
    write(tmp_path / "a", "agency.json", {})
    with pytest.raises(ReferenceDataError, match=r"agency\.json: unknown reference file name"):
        load_reference([tmp_path / "a"])
    write(tmp_path / "b", "months.json", {"languages": {}})
    with pytest.raises(ReferenceDataError, match="gen_reference_months"):
        load_reference([tmp_path / "b"])


def test_reference_error_is_not_swallowed_as_a_value_error() -> None:
    # The rule modules' "never raises" entry points turn ValueError into "no result"; a broken
    # configuration must not pass for "no dateline".
    assert not issubclass(ReferenceDataError, ValueError)


# --- the user's extension directory -------------------------------------------------------------------------


def _extension(directory: Path) -> Path:
    write(directory, "agencies.json", {
        "agencies": [
            {"code": "Khabarhub", "name": "Khabarhub News", "aliases": ["KHN"], "country": "NP"},
            {"code": "PTI", "name": "Press Trust of India", "aliases": ["Press Trust"], "country": "IN"},
        ],
        "aggregators": ["Wire Digest"],
    })
    write(directory, "places.json", {"cities": [{"printed": "Fooville", "country": "BT"}],
                                     "regions": [{"printed": "Bav.", "name": "Bavaria", "country": "DE"}]})
    write(directory, "venues.json", {"venues": [{"name": "Fooville", "country": "BT", "aliases": ["Foo Palace"]}]})
    write(directory, "countries.json", {"countries": [{"alpha_2": "IN", "alpha_3": "IND", "names": ["Bharat"]}]})
    write(directory, "demonyms.json", {"demonyms": {"BTN": ["Druk"]}})
    write(directory, "zones.json", {"abbreviations": {"BTT": "+06:00"}, "countries": {"BT": "Asia/Thimphu"}})
    return directory


def test_extension_adds_entries_and_extends_known_ones(tmp_path: Path) -> None:
    shipped = reference()
    data = load_reference([_extension(tmp_path / "ref")])
    by_code = {a.code: a for a in data.agencies}
    assert by_code["Khabarhub"].country == "NP"
    pti = by_code["PTI"]
    assert "Press Trust" in pti.aliases and "PTI" in pti.aliases  # extended, not replaced
    assert len(data.agencies) == len(shipped.agencies) + 1
    assert "Wire Digest" in data.aggregators
    assert data.cities["fooville"] == "BT"
    assert data.regions["bav"] == ("Bavaria", "DE")
    assert "Bharat" in data.country_names["IND"] and "Druk" in data.demonyms["BTN"]
    assert data.zones.countries["BT"] == "Asia/Thimphu"
    gaz = Gazetteer(data)
    assert gaz.lookup_city("FOOVILLE") == ("BT", "FOOVILLE")
    assert gaz.lookup_venue("Foo Palace") == ("Fooville", "BT")
    assert gaz.resolve_region("Bav.") == ("Bavaria", "DE")
    # the shipped object is untouched
    assert "fooville" not in shipped.cities and gazetteer().lookup_venue("Foo Palace") is None


def test_env_names_directories_and_is_read_in_one_place(tmp_path: Path) -> None:
    assert reference_dirs_from_env({REFERENCE_ENV: f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}{os.pathsep}"}) == [
        tmp_path / "a", tmp_path / "b"]
    assert reference_dirs_from_env({}) == []
    sources = {str(p.relative_to(REPO)): p.read_text("utf-8") for p in (REPO / "crawler").rglob("*.py")}
    named = sorted(path for path, text in sources.items() if f'"{REFERENCE_ENV}"' in text)
    read = sorted(path for path, text in sources.items()
                  if ("REFERENCE_ENV" in text or REFERENCE_ENV in text) and ("environ" in text or "getenv" in text))
    assert named == read == ["crawler/core/reference/loader.py"]


_PROBE = """
import json
from crawler.core.events.places import find_venues
from crawler.core.events.countries import find_countries
from crawler.core.extract.dates import resolve_zone_abbreviation, country_timezone
from crawler.core.normalize.agency import normalize_agency
from crawler.core.normalize.dateline import parse_dateline
d = parse_dateline("FOOVILLE, Jan 5 (KHN) - The talks began.")
print(json.dumps({
    "dateline": [d.city, d.country, d.agency] if d else None,
    "venues": [v[2:] for v in find_venues("They met at Foo Palace on Monday.")],
    "countries": [(m.code, m.kind) for m in find_countries("Bharat and the Druk government")],
    "zone": str(resolve_zone_abbreviation("BTT")),
    "tz": str(country_timezone("BT")),
    "agency": normalize_agency("Khabarhub News"),
}))
"""


def _probe(env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != REFERENCE_ENV}
    if env_value is not None:
        env[REFERENCE_ENV] = env_value
    return subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=120, check=False)


def test_extension_directory_reaches_dateline_venues_countries_zones_through_the_env(tmp_path: Path) -> None:
    without = _probe(None)
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout) == {
        "dateline": ["Fooville", None, "KHN"],  # an unknown tag is kept as printed; no country for the city
        "venues": [], "countries": [], "zone": "None", "tz": "None", "agency": None,
    }
    done = _probe(str(_extension(tmp_path / "ref")))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "dateline": ["Fooville", "BT", "Khabarhub"],
        "venues": [["Fooville", "BT"]],
        "countries": [["IND", "name"], ["BTN", "demonym"]],
        "zone": "UTC+06:00",
        "tz": "Asia/Thimphu",
        "agency": "Khabarhub",
    }


def test_cli_reports_a_bad_extension_file_in_one_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "ref", "venues.json", {"venues": [{"name": "Goa"}]})
    env = {**os.environ, REFERENCE_ENV: str(tmp_path / "ref")}
    command = "import sys; from crawler.app.cli.main import main; sys.exit(main(['dateline', 'NEW DELHI, Sept 4:']))"
    done = subprocess.run([sys.executable, "-c", command],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(bad) in lines[0] and "venues[0] ('Goa')" in lines[0] and "'country'" in lines[0]


# --- one Country, both codes ---------------------------------------------------------------------------------


def test_country_carries_both_codes_both_ways() -> None:
    data = reference()
    india = data.country("IN")
    assert india is not None and (india.alpha_2, india.alpha_3, india.name) == ("IN", "IND", "India")
    assert data.country("ind") == india == data.from_alpha3("IND") == data.from_alpha2("in")
    assert data.from_alpha2("UK") == data.from_alpha3("GBR")  # the wire's "UK" is ISO's GB
    eu = data.country("EUU")
    assert eu is not None and (eu.alpha_2, eu.name) == ("EU", "European Union")
    assert data.country("QQ") is None and data.country("") is None and data.from_alpha3("IN") is None
    for iso in pycountry.countries:
        assert alpha2_to_alpha3(iso.alpha_2) == iso.alpha_3
        assert alpha3_to_alpha2(iso.alpha_3) == iso.alpha_2
    assert (alpha2_to_alpha3("EU"), alpha3_to_alpha2("EUU"), getattr(reference().from_alpha3("EUU"), "name", None)) == ("EUU", "EU", "European Union")
    assert (alpha2_to_alpha3("UK"), alpha2_to_alpha3("XK"), getattr(reference().from_alpha3("XKX"), "name", None)) == ("GBR", "XKX", "Kosovo")


def test_text_names_come_from_the_country_entries() -> None:
    names = reference().country_names
    assert "ROK" in names["KOR"]
    assert [(m.code, m.kind) for m in find_countries("ROK and U.S. officials met in Seoul")] == [
        ("KOR", "name"), ("USA", "name"), ("KOR", "capital")]


# --- one gazetteer -----------------------------------------------------------------------------------------


def test_dateline_and_venues_use_the_one_gazetteer() -> None:
    from crawler.core.events import places
    from crawler.core.normalize import dateline
    from crawler.core.normalize import gazetteer as dateline_gazetteer

    assert gazetteer() is gazetteer()
    assert dateline.gazetteer is places.gazetteer is dateline_gazetteer.gazetteer is gazetteer
    one = gazetteer()
    assert places.lookup_venue("Hyderabad House") == one.lookup_venue("Hyderabad House") == ("New Delhi", "IN")
    assert dateline_gazetteer.lookup_city("Washington") == one.lookup_city("Washington") == ("US", "Washington")
    assert dateline_gazetteer.country_code("[UK]".strip("[]")) == "GB"
