"""Place names → ISO 3166-1 alpha-2 country codes, for datelines: the process's one gazetteer.

The gazetteer and its data live in :mod:`crawler.core.reference` (``places.json``, ``countries.json``,
``venues.json`` plus GeoNames and pycountry); these functions are the dateline's names for its lookups,
each a call on :func:`crawler.core.reference.gazetteer`.
"""

from __future__ import annotations

from crawler.core.reference import fold, gazetteer

__all__ = ["country_code", "country_for_city", "fold", "lookup_city", "lookup_major_city", "resolve_region"]


def lookup_city(name: str, *, allow_alternate: bool = True, allow_typo: bool = False) -> tuple[str, str] | None:
    """(country alpha-2, canonical English name) for a printed city name, or None."""
    return gazetteer().lookup_city(name, allow_alternate=allow_alternate, allow_typo=allow_typo)


def lookup_major_city(name: str, *, min_population: int = 100_000) -> tuple[str, str] | None:
    """(country alpha-2, canonical English name) for a capital or a city of ``min_population`` or more."""
    return gazetteer().lookup_major_city(name, min_population=min_population)


def country_for_city(name: str) -> str | None:
    """ISO alpha-2 country of a printed city name (any case, any script), or None."""
    return gazetteer().country_for_city(name)


def country_code(name: str) -> str | None:
    """ISO alpha-2 code for a printed country name or code ("India", "US", "UK", "Philippines")."""
    return gazetteer().country_code(name)


def resolve_region(printed: str) -> tuple[str, str | None] | None:
    """(full region name, country alpha-2 or None) for a printed state/province, or None."""
    return gazetteer().resolve_region(printed)
