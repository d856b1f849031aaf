"""Meeting venues: city (as printed) → ISO alpha-2 country, and the canonical spelling.

The venue table is ``crawler/core/reference/data/venues.json`` (capitals and the cities where bilateral
security dialogues are usually held, with the landmarks and spellings reports use: "Hyderabad House",
"the Pentagon"), served by the one gazetteer (:func:`crawler.core.reference.gazetteer`). A city the table
does not know is still found when the text says "in/at <City>" and GeoNames knows it as a national capital
or a city of 100,000 or more: :func:`find_venues` with ``after_preposition=True``.
"""

from __future__ import annotations

from crawler.core.reference import gazetteer


def lookup_venue(name: str | None) -> tuple[str, str] | None:
    """``(canonical city, alpha-2)`` for a known venue name, else ``None``."""
    return gazetteer().lookup_venue(name)


def find_venues(text: str, *, after_preposition: bool = False) -> list[tuple[int, int, str, str]]:
    """Known venues named in ``text``: ``(start, end, canonical city, alpha-2)`` in text order.

    With ``after_preposition``, a city after "in/at/to" that the table lacks but GeoNames knows as a
    capital or a city of 100,000+ is added (longest capitalised run first: "in Phnom Penh")."""
    return gazetteer().find_venues(text, after_preposition=after_preposition)
