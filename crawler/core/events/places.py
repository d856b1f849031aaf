"""A small gazetteer of meeting venues: city (as printed) → ISO alpha-2 country, and the canonical spelling.

Ours: capitals and the cities where bilateral security dialogues are usually held, with the landmarks and
spellings reports use ("Hyderabad House", "the Pentagon"). A city this table does not know is still
found when the text says "in/at <City>" and GeoNames (``lookup_major_city``) knows it as a national
capital or a city of 100,000 or more: :func:`find_venues` with ``after_preposition=True``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.core.normalize.gazetteer import lookup_major_city

# canonical name -> (alpha-2, other spellings)
_VENUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "New Delhi": ("IN", ("Delhi", "Hyderabad House", "South Block")),
    "Mumbai": ("IN", ()),
    "Goa": ("IN", ()),
    "Bengaluru": ("IN", ("Bangalore",)),
    "Kolkata": ("IN", ()),
    "Chennai": ("IN", ()),
    "Washington DC": ("US", ("Washington", "Washington, DC", "Washington, D.C.", "Washington D.C.", "the Pentagon",
                             "the State Department", "the White House")),
    "New York": ("US", ()),
    "Hawaii": ("US", ("Honolulu",)),
    "Monterey": ("US", ()),
    "Annapolis": ("US", ()),
    "Tokyo": ("JP", ()),
    "Osaka": ("JP", ()),
    "Hiroshima": ("JP", ()),
    "Beijing": ("CN", ()),
    "Shanghai": ("CN", ()),
    "Chengdu": ("CN", ()),
    "Sanya": ("CN", ("Hainan",)),
    "Kunming": ("CN", ()),
    "Canberra": ("AU", ()),
    "Sydney": ("AU", ()),
    "Brisbane": ("AU", ()),
    "Melbourne": ("AU", ()),
    "Perth": ("AU", ()),
    "Adelaide": ("AU", ()),
    "Darwin": ("AU", ()),
    "London": ("GB", ()),
    "Paris": ("FR", ()),
    "Berlin": ("DE", ()),
    "Brussels": ("BE", ()),
    "Geneva": ("CH", ()),
    "Moscow": ("RU", ()),
    "Islamabad": ("PK", ()),
    "Dhaka": ("BD", ()),
    "Kathmandu": ("NP", ()),
    "Thimphu": ("BT", ()),
    "Paro": ("BT", ()),
    "Colombo": ("LK", ()),
    "Male": ("MV", ()),
    "Seoul": ("KR", ()),
    "Busan": ("KR", ()),
    "Hanoi": ("VN", ()),
    "Ankara": ("TR", ()),
    "Istanbul": ("TR", ()),
    "Kabul": ("AF", ()),
    "Jakarta": ("ID", ()),
    "Bali": ("ID", ()),
    "Manila": ("PH", ()),
    "Singapore": ("SG", ()),
    "Kuala Lumpur": ("MY", ()),
    "Bangkok": ("TH", ()),
    "Naypyitaw": ("MM", ("Nay Pyi Taw", "Naypyidaw")),
    "Ottawa": ("CA", ()),
    "Wellington": ("NZ", ()),
    "Riyadh": ("SA", ()),
    "Abu Dhabi": ("AE", ()),
    "Doha": ("QA", ()),
    "Tehran": ("IR", ()),
    "Tashkent": ("UZ", ()),
    "Astana": ("KZ", ()),
    "Ulaanbaatar": ("MN", ()),
    "Rome": ("IT", ()),
    "Madrid": ("ES", ()),
    "Warsaw": ("PL", ()),
    "Kyiv": ("UA", ()),
}


@lru_cache(maxsize=1)
def _index() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    table: dict[str, tuple[str, str]] = {}
    for canonical, (country, others) in _VENUES.items():
        table[canonical.casefold()] = (canonical, country)
        for other in others:
            table[other.casefold()] = (canonical, country)
    alternation = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    # Case-sensitive on the first letter: venues are proper nouns ("Male", not "male").
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE), table


def lookup_venue(name: str | None) -> tuple[str, str] | None:
    """``(canonical city, alpha-2)`` for a known venue name, else ``None``."""
    if not name:
        return None
    return _index()[1].get(name.strip().casefold())


# "in Cairo", "at Nairobi", "to Vientiane": one to three capitalised words after the preposition.
_AFTER_PREPOSITION_RE = re.compile(
    r"\b(?:in|at|to|inside)\s+(?:the\s+)?(?P<city>[A-Z][a-zà-ÿ'’]+(?:[ -][A-Z][a-zà-ÿ'’]+){0,2})"
)


def find_venues(text: str, *, after_preposition: bool = False) -> list[tuple[int, int, str, str]]:
    """Known venues named in ``text``: ``(start, end, canonical city, alpha-2)`` in text order.

    With ``after_preposition``, a city after "in/at/to" that the table lacks but GeoNames knows as a
    capital or a city of 100,000+ is added (longest capitalised run first: "in Phnom Penh")."""
    pattern, table = _index()
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
                hit = lookup_major_city(name)
                if hit is not None:
                    found.append((start, start + len(name), hit[1], hit[0]))
                    break
        found.sort()
    return found
