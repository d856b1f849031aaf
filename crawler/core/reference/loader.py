"""Reference data as data: the JSON files under ``crawler/core/reference/data`` plus the user's own.

One loader reads them all, validates every entry and freezes them into one :class:`ReferenceData`:

- ``agencies.json``  wire agencies (code, name, aliases, home country), aggregators, and papers' own
  news-service credits that are desks, not wires (``house_desks``);
- ``countries.json`` countries with both ISO codes, the short forms wire copy uses, dateline spellings,
  capitals; the names that look like a party but are not;
- ``demonyms.json``  demonyms by alpha-3 code;
- ``places.json``    the gazetteer's own city spellings and region abbreviations;
- ``venues.json``    meeting venues and the landmarks that name them;
- ``zones.json``     time-zone abbreviations and each source country's usual zone;
- ``months.json``    month and weekday names, generated from dateparser's language data by
  ``scripts/gen_reference_months.py`` (shipped only: the date patterns are compiled from it at import).
- ``cldr_places.json`` CLDR's localised time-zone cities and country names in every CLDR language, generated
  from babel's data by ``scripts/gen_reference_cldr.py`` (shipped only; read by the gazetteer).

Users add entries the way they add dialogue series: ``$NEWSARCHIVE_REFERENCE_DIR`` names one or more
directories (``os.pathsep``-separated) of JSON files with the shipped names and schemas, read after the
shipped files, in order. An entry whose key is already known (agency code, country alpha-2, demonym
country, venue name) adds its spellings to the known entry and replaces its scalar fields; a city,
region, zone or alias with a known key replaces it; anything else is added. That environment variable is
read here and nowhere else (:func:`reference_dirs_from_env`).

A malformed file raises :class:`ReferenceDataError` naming the file and the entry.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from crawler.core.reference.folding import fold

REFERENCE_ENV = "NEWSARCHIVE_REFERENCE_DIR"
DATA_DIR = Path(__file__).resolve().parent / "data"
EXTENSIBLE = ("countries.json", "agencies.json", "demonyms.json", "places.json", "venues.json", "zones.json")
MONTHS_FILE = "months.json"
EU_ALPHA_3 = "EUU"


class ReferenceDataError(Exception):
    """A reference data file is unreadable or an entry is invalid; the message names the file and entry.

    Not a ``ValueError``: the "never raises" entry points of the rule modules (``parse_dateline``...)
    turn ``ValueError`` into "nothing found", and a broken configuration must stop the run instead."""


@dataclass(frozen=True)
class Country:
    """One country (or the EU): ISO 3166-1 alpha-2 and alpha-3 codes and a display name."""

    alpha_2: str
    alpha_3: str
    name: str


@dataclass(frozen=True)
class Agency:
    """One wire agency: its code, full name, other printed spellings, and home country (alpha-2)."""

    code: str
    name: str
    aliases: tuple[str, ...]
    country: str


@dataclass(frozen=True)
class Venue:
    """A meeting venue: canonical city, country (alpha-2), other spellings and landmarks."""

    name: str
    country: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Zones:
    """Printed zone abbreviations → UTC offset; per-country readings of ambiguous ones; usual zones."""

    abbreviations: Mapping[str, timedelta]
    ambiguous: Mapping[str, Mapping[str, timedelta]]  # abbreviation → {alpha-2 or "default": offset}
    countries: Mapping[str, str]  # alpha-2 → IANA zone name


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one load, one object
class ReferenceData:
    """Everything the rule modules look up, validated and merged (shipped files, then the user's)."""

    agencies: tuple[Agency, ...]
    aggregators: tuple[str, ...]
    house_desks: tuple[str, ...]  # a paper's own service credit ("Express News Service"): a desk, no agency
    country_codes: tuple[tuple[str, str, str | None], ...]  # countries.json: (alpha-2, alpha-3, name or None)
    country_names: Mapping[str, tuple[str, ...]]  # alpha-3 → short forms searched in running text
    dateline_names: Mapping[str, str]  # folded spelling → alpha-2, for a dateline's country slot
    capitals: Mapping[str, tuple[str, ...]]  # alpha-3 → capitals and seats of government
    code_aliases: Mapping[str, str]  # non-ISO code → alpha-2 ("UK" → "GB")
    case_sensitive_names: tuple[str, ...]
    not_parties: tuple[str, ...]
    demonyms: Mapping[str, tuple[str, ...]]  # alpha-3 → demonyms
    cities: Mapping[str, str]  # folded city spelling → alpha-2
    regions: Mapping[str, tuple[str, str]]  # folded region spelling → (full name, alpha-2)
    venues: tuple[Venue, ...]
    zones: Zones
    files: tuple[Path, ...]  # every file read, in order

    @property
    def countries(self) -> tuple[Country, ...]:
        """The countries of countries.json (pycountry supplies the rest), names filled in from ISO."""
        return tuple(_country_index(self)[0].values())

    def country(self, code: str | None) -> Country | None:
        """The country for an alpha-2 code, an alpha-3 code or a code alias ("UK"), any case; else None."""
        if not code:
            return None
        key = code.strip().upper()
        if len(key) == 2:
            return self.from_alpha2(key)
        if len(key) == 3:
            return self.from_alpha3(key)
        return None

    def from_alpha2(self, code: str | None) -> Country | None:
        """The country for an alpha-2 code or a code alias ("UK" → GB), any case; else None."""
        if not code:
            return None
        key = code.strip().upper()
        key = self.code_aliases.get(key, key)
        return _country_index(self)[0].get(key) or _pycountry(alpha_2=key)

    def from_alpha3(self, code: str | None) -> Country | None:
        """The country for an alpha-3 code (``EUU`` for the EU), any case; else None."""
        if not code:
            return None
        key = code.strip().upper()
        return _country_index(self)[1].get(key) or _pycountry(alpha_3=key)


@functools.lru_cache(maxsize=4)
def _country_index(data: ReferenceData) -> tuple[dict[str, Country], dict[str, Country]]:
    countries = [Country(a2, a3, name or _pycountry_name(a2)) for a2, a3, name in data.country_codes]
    return {c.alpha_2: c for c in countries}, {c.alpha_3: c for c in countries}


@functools.lru_cache(maxsize=1024)
def _pycountry(*, alpha_2: str | None = None, alpha_3: str | None = None) -> Country | None:
    import pycountry

    try:
        found = pycountry.countries.get(alpha_2=alpha_2) if alpha_2 else pycountry.countries.get(alpha_3=alpha_3)
    except (KeyError, LookupError):
        return None
    if found is None:
        return None
    return Country(str(found.alpha_2), str(found.alpha_3), str(getattr(found, "common_name", None) or found.name))


# --- reading and validating ------------------------------------------------------------------------------

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_ZONE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")


class _File:
    """One JSON document being validated: every complaint names the file and the entry."""

    def __init__(self, path: Path, *, shipped: bool = False) -> None:
        self.path = path
        self.shipped = shipped  # shipped files are checked against ISO by the tests, not at every start
        try:
            self.doc: Any = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ReferenceDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReferenceDataError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(self.doc, dict):
            self.fail("top level", "must be a JSON object")

    def fail(self, where: str, problem: str) -> None:
        raise ReferenceDataError(f"{self.path}: {where}: {problem}")

    def keys(self, allowed: Sequence[str]) -> None:
        unknown = sorted(set(self.doc) - set(allowed) - {"about"})
        if unknown:
            self.fail("top level", f"unknown key(s) {', '.join(map(repr, unknown))}; expected {', '.join(allowed)}")

    def section(self, key: str, kind: type) -> Any:
        value = self.doc.get(key, kind())
        if not isinstance(value, kind):
            self.fail(repr(key), f"must be a JSON {'array' if kind is list else 'object'}")
        return value

    def text(self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"{key!r} must be a non-empty string, got {value!r}")
        return str(value)

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(where, f"must be a list of non-empty strings, got {value!r}")
        return tuple(value)

    def entry(self, value: Any, where: str, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"must be a JSON object, got {value!r}")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            self.fail(where, f"unknown field(s) {', '.join(map(repr, unknown))}; expected {', '.join(allowed)}")
        return value

    def offset(self, value: Any, where: str) -> timedelta:
        m = _OFFSET_RE.match(value) if isinstance(value, str) else None
        if m is None or int(m.group(2)) > 14 or int(m.group(3)) >= 60:
            self.fail(where, f"must be a UTC offset such as '+05:30', got {value!r}")
        assert m is not None
        sign = -1 if m.group(1) == "-" else 1
        return sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))


class _Builder:
    """Mutable tables the files are merged into, in reading order; frozen by :meth:`freeze`."""

    def __init__(self) -> None:
        self.agencies: dict[str, dict[str, Any]] = {}
        self.aggregators: list[str] = []
        self.house_desks: list[str] = []
        self.countries: dict[str, dict[str, Any]] = {}
        self.code_aliases: dict[str, str] = {}
        self.case_sensitive: list[str] = []
        self.not_parties: list[str] = []
        self.demonyms: dict[str, list[str]] = {}
        self.cities: dict[str, str] = {}
        self.regions: dict[str, tuple[str, str]] = {}
        self.venues: dict[str, dict[str, Any]] = {}
        self.abbreviations: dict[str, timedelta] = {}
        self.ambiguous: dict[str, dict[str, timedelta]] = {}
        self.zone_countries: dict[str, str] = {}
        self.files: list[Path] = []

    # -- code checks (countries.json is read first, so its entries count as known codes) --------------
    def alpha2(self, f: _File, value: Any, where: str, field: str = "country") -> str:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
            f.fail(where, f"{field!r} must be an upper-case ISO 3166-1 alpha-2 code such as 'IN', got {value!r}")
        if f.shipped or value in self.code_aliases or value in self.countries:
            return str(value)
        if _pycountry(alpha_2=value) is None:
            f.fail(where, f"{field!r}: {value!r} is not an ISO 3166-1 alpha-2 code (nor one in countries.json)")
        return str(value)

    def alpha3(self, f: _File, value: Any, where: str) -> str:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
            f.fail(where, f"must be an upper-case ISO 3166-1 alpha-3 code such as 'IND', got {value!r}")
        if f.shipped or value in {c["alpha_3"] for c in self.countries.values()}:
            return str(value)
        if _pycountry(alpha_3=value) is None:
            f.fail(where, f"{value!r} is not an ISO 3166-1 alpha-3 code (nor one in countries.json)")
        return str(value)

    # -- one reader per file ---------------------------------------------------------------------------
    def read(self, path: Path, *, shipped: bool = False) -> None:
        f = _File(path, shipped=shipped)
        readers = {"countries": self._countries, "agencies": self._agencies, "demonyms": self._demonyms,
                   "places": self._places, "venues": self._venues, "zones": self._zones}
        readers[path.stem](f)
        self.files.append(path)

    def _countries(self, f: _File) -> None:
        f.keys(("countries", "code_aliases", "case_sensitive_names", "not_parties"))
        fields = ("alpha_2", "alpha_3", "name", "names", "dateline_names", "capitals")
        for i, raw in enumerate(f.section("countries", list)):
            where = f"countries[{i}]"
            entry = f.entry(raw, where, fields)
            a2, a3 = f.text(entry, "alpha_2", where), f.text(entry, "alpha_3", where)
            where = f"countries[{i}] ({a2}/{a3})"
            if not re.fullmatch(r"[A-Z]{2}", a2 or "") or not re.fullmatch(r"[A-Z]{3}", a3 or ""):
                f.fail(where, "'alpha_2' must be two and 'alpha_3' three upper-case letters")
            assert a2 is not None and a3 is not None
            known = None if f.shipped and a2 not in self.countries else _pycountry(alpha_2=a2)
            name = f.text(entry, "name", where, required=False)
            if known is not None and known.alpha_3 != a3:
                f.fail(where, f"ISO pairs {a2} with {known.alpha_3}, not {a3}")
            if known is None and not f.shipped and a2 not in self.countries and name is None:
                f.fail(where, f"{a2!r} is not an ISO 3166-1 code: give the country a 'name'")
            target = self.countries.get(a2)
            if target is None:
                target = self.countries[a2] = {"alpha_2": a2, "alpha_3": a3, "name": None,
                                               "names": [], "dateline_names": [], "capitals": []}
            elif target["alpha_3"] != a3:
                f.fail(where, f"{a2} is already paired with {target['alpha_3']}, not {a3}")
            if name is not None:
                target["name"] = name
            for key in ("names", "dateline_names", "capitals"):
                if key in entry:
                    _extend(target[key], f.texts(entry[key], f"{where}.{key}"))
        for code, target in f.section("code_aliases", dict).items():
            where = f"code_aliases[{code!r}]"
            if not re.fullmatch(r"[A-Z]{2}", code):
                f.fail(where, "an alias must be two upper-case letters")
            self.code_aliases[code] = self.alpha2(f, target, where, "alias target")
        _extend(self.case_sensitive, f.texts(f.section("case_sensitive_names", list), "case_sensitive_names"))
        _extend(self.not_parties, f.texts(f.section("not_parties", list), "not_parties"))

    def _agencies(self, f: _File) -> None:
        f.keys(("agencies", "aggregators", "house_desks"))
        for i, raw in enumerate(f.section("agencies", list)):
            entry = f.entry(raw, f"agencies[{i}]", ("code", "name", "aliases", "country"))
            code = f.text(entry, "code", f"agencies[{i}]")
            where = f"agencies[{i}] (code {code!r})"
            name = f.text(entry, "name", where)
            country = self.alpha2(f, entry.get("country"), where)
            aliases = f.texts(entry.get("aliases", []), f"{where}.aliases")
            target = self.agencies.setdefault(str(code), {"aliases": []})
            target.update(name=name, country=country)
            _extend(target["aliases"], aliases)
        _extend(self.aggregators, f.texts(f.section("aggregators", list), "aggregators"))
        _extend(self.house_desks, f.texts(f.section("house_desks", list), "house_desks"))

    def _demonyms(self, f: _File) -> None:
        f.keys(("demonyms",))
        for code, forms in f.section("demonyms", dict).items():
            where = f"demonyms[{code!r}]"
            self.alpha3(f, code, where)
            _extend(self.demonyms.setdefault(code, []), f.texts(forms, where))

    def _places(self, f: _File) -> None:
        f.keys(("cities", "regions"))
        for i, raw in enumerate(f.section("cities", list)):
            entry = f.entry(raw, f"cities[{i}]", ("printed", "country"))
            printed = f.text(entry, "printed", f"cities[{i}]")
            where = f"cities[{i}] ({printed!r})"
            self.cities[fold(str(printed))] = self.alpha2(f, entry.get("country"), where)
        for i, raw in enumerate(f.section("regions", list)):
            entry = f.entry(raw, f"regions[{i}]", ("printed", "name", "country"))
            printed = f.text(entry, "printed", f"regions[{i}]")
            where = f"regions[{i}] ({printed!r})"
            name = f.text(entry, "name", where)
            key = re.sub(r"\.\s+", ".", fold(str(printed)))
            self.regions[key] = (str(name), self.alpha2(f, entry.get("country"), where))

    def _venues(self, f: _File) -> None:
        f.keys(("venues",))
        for i, raw in enumerate(f.section("venues", list)):
            entry = f.entry(raw, f"venues[{i}]", ("name", "country", "aliases"))
            name = f.text(entry, "name", f"venues[{i}]")
            where = f"venues[{i}] ({name!r})"
            country = self.alpha2(f, entry.get("country"), where)
            target = self.venues.setdefault(str(name), {"aliases": []})
            target["country"] = country
            _extend(target["aliases"], f.texts(entry.get("aliases", []), f"{where}.aliases"))

    def _zones(self, f: _File) -> None:
        f.keys(("abbreviations", "ambiguous", "countries"))
        for abbr, value in f.section("abbreviations", dict).items():
            self.abbreviations[_zone_key(f, abbr, "abbreviations")] = f.offset(value, f"abbreviations[{abbr!r}]")
        for abbr, rule in f.section("ambiguous", dict).items():
            where = f"ambiguous[{abbr!r}]"
            key = _zone_key(f, abbr, "ambiguous")
            if not isinstance(rule, dict) or "default" not in rule:
                f.fail(where, "must be an object of {alpha-2 or 'default': offset} with a 'default'")
            table = {}
            for cc, value in rule.items():
                if cc != "default":
                    self.alpha2(f, cc, where, "country")
                table[cc] = f.offset(value, f"{where}[{cc!r}]")
            self.ambiguous[key] = table
        for cc, zone in f.section("countries", dict).items():
            where = f"countries[{cc!r}]"
            self.alpha2(f, cc, where)
            if not isinstance(zone, str) or not _ZONE_NAME_RE.match(zone):
                f.fail(where, f"must be an IANA zone name such as 'Asia/Kolkata', got {zone!r}")
            self.zone_countries[cc] = zone

    def freeze(self) -> ReferenceData:
        by_alpha3 = {c["alpha_3"]: c for c in self.countries.values()}
        dateline_names: dict[str, str] = {}
        for c in self.countries.values():
            for spelling in c["dateline_names"]:
                dateline_names[fold(spelling)] = c["alpha_2"]
        return ReferenceData(
            agencies=tuple(Agency(code, a["name"], tuple(a["aliases"]), a["country"]) for code, a in self.agencies.items()),
            aggregators=tuple(self.aggregators),
            house_desks=tuple(self.house_desks),
            country_codes=tuple((c["alpha_2"], c["alpha_3"], c["name"]) for c in self.countries.values()),
            country_names={a3: tuple(c["names"]) for a3, c in by_alpha3.items() if c["names"]},
            dateline_names=dateline_names,
            capitals={a3: tuple(c["capitals"]) for a3, c in by_alpha3.items() if c["capitals"]},
            code_aliases=dict(self.code_aliases),
            case_sensitive_names=tuple(self.case_sensitive),
            not_parties=tuple(self.not_parties),
            demonyms={code: tuple(forms) for code, forms in self.demonyms.items()},
            cities=dict(self.cities),
            regions=dict(self.regions),
            venues=tuple(Venue(name, v["country"], tuple(v["aliases"])) for name, v in self.venues.items()),
            zones=Zones(dict(self.abbreviations), {k: dict(v) for k, v in self.ambiguous.items()},
                        dict(self.zone_countries)),
            files=tuple(self.files),
        )


def _pycountry_name(alpha_2: str) -> str:
    found = _pycountry(alpha_2=alpha_2)
    return found.name if found is not None else alpha_2


def _zone_key(f: _File, abbr: Any, section: str) -> str:
    if not isinstance(abbr, str) or not re.fullmatch(r"[A-Z]{1,6}", abbr):
        f.fail(f"{section}[{abbr!r}]", "a zone abbreviation must be 1-6 upper-case letters")
    return str(abbr)


def _extend(target: list[str], values: Sequence[str]) -> None:
    for value in values:
        if value not in target:
            target.append(value)


def load_reference(extra_dirs: Sequence[Path | str] = (), *, verify_shipped: bool = False) -> ReferenceData:
    """The shipped reference data merged with the JSON files of ``extra_dirs`` (in order).

    User files' country codes are checked against ISO 3166 (pycountry); the shipped files' only when
    ``verify_shipped`` (the test suite does; skipping it keeps pycountry's database out of start-up).

    Raises :class:`ReferenceDataError` naming the file and the entry when a file is unreadable, not JSON,
    has an unknown name or an invalid entry, or a directory does not exist."""
    builder = _Builder()
    for name in EXTENSIBLE:
        builder.read(DATA_DIR / name, shipped=not verify_shipped)
    for directory in map(Path, extra_dirs):
        if not directory.is_dir():
            raise ReferenceDataError(f"{directory}: not a directory (from ${REFERENCE_ENV})")
        files = {p.name: p for p in directory.glob("*.json")}
        if MONTHS_FILE in files:
            raise ReferenceDataError(
                f"{files[MONTHS_FILE]}: month names come from dateparser's language data; "
                "regenerate crawler/core/reference/data/months.json with scripts/gen_reference_months.py instead"
            )
        unknown = sorted(set(files) - set(EXTENSIBLE))
        if unknown:
            raise ReferenceDataError(
                f"{files[unknown[0]]}: unknown reference file name; expected one of {', '.join(EXTENSIBLE)}"
            )
        for name in EXTENSIBLE:  # countries first: the other files may name the countries it adds
            if name in files:
                builder.read(files[name])
    return builder.freeze()


def reference_dirs_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    """User reference directories named in ``$NEWSARCHIVE_REFERENCE_DIR`` (``os.pathsep``-separated).

    The only place that variable is read."""
    raw = (os.environ if environ is None else environ).get(REFERENCE_ENV, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


@functools.cache
def reference() -> ReferenceData:
    """The reference data every rule module uses: shipped files plus the user's directories, read once."""
    return load_reference(reference_dirs_from_env())


# --- months: shipped only, compiled into patterns at import -------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Month and weekday names of one language (from dateparser's data, lower case)."""

    months: tuple[tuple[str, ...], ...]  # 12 tuples of forms, full name first
    weekdays: tuple[tuple[str, ...], ...]  # 7 tuples (Monday first), full name first

    @functools.cached_property
    def month_numbers(self) -> dict[str, int]:
        """Every month form → 1..12."""
        return {form: i for i, forms in enumerate(self.months, start=1) for form in forms}

    @functools.cached_property
    def month_pattern(self) -> str:
        """A regex alternation of every month form, longest first (so "september" beats "sep")."""
        forms = sorted(self.month_numbers, key=lambda f: (-len(f), f))
        return "(?:" + "|".join(re.escape(f) for f in forms) + ")"

    @property
    def month_abbreviations(self) -> tuple[str, ...]:
        """The forms that are not a month's full name ("jan", "sept")."""
        return tuple(form for forms in self.months for form in forms[1:])

    @property
    def weekday_names(self) -> tuple[str, ...]:
        return tuple(forms[0] for forms in self.weekdays)


@functools.cache
def calendar(language: str = "en") -> Calendar:
    """Month and weekday names of ``language`` from the shipped ``months.json``."""
    f = _File(DATA_DIR / MONTHS_FILE)
    languages = f.section("languages", dict)
    if language not in languages:
        f.fail("languages", f"no {language!r} entry; run scripts/gen_reference_months.py {language}")
    data = languages[language]

    def table(key: str, size: int) -> tuple[tuple[str, ...], ...]:
        rows = data.get(key) if isinstance(data, dict) else None
        if not isinstance(rows, list) or len(rows) != size:
            f.fail(f"languages.{language}.{key}", f"must list {size} entries")
        assert isinstance(rows, list)
        out = []
        for i, row in enumerate(rows):
            where = f"languages.{language}.{key}[{i}]"
            entry = f.entry(row, where, ("name", "forms"))
            name = str(f.text(entry, "name", where)).casefold()
            forms = [form.casefold() for form in f.texts(entry.get("forms"), f"{where}.forms")]
            out.append((name, *[form for form in forms if form != name]))
        return tuple(out)

    return Calendar(months=table("months", 12), weekdays=table("weekdays", 7))
