"""Reference data as data: months, countries, demonyms, agencies, zones, places and venues.

The tables the rule modules look things up in live as JSON files under ``crawler/core/reference/data``,
read and validated by one loader (:mod:`crawler.core.reference.loader`), extended by the user's own
files (``$NEWSARCHIVE_REFERENCE_DIR``), and served through:

- :func:`reference` — the merged, validated :class:`ReferenceData` (agencies, countries, zones, ...);
- :func:`calendar` — month and weekday names (from dateparser's language data);
- :func:`gazetteer` — the one :class:`Gazetteer` for cities, regions, country names and venues;
- :class:`Country` — one country with both ISO codes (``reference().country("IN")`` /
  ``reference().country("IND")``).
"""

from crawler.core.reference.folding import fold
from crawler.core.reference.gazetteer import Gazetteer, gazetteer
from crawler.core.reference.loader import (
    EU_ALPHA_3,
    REFERENCE_ENV,
    Agency,
    Calendar,
    Country,
    ReferenceData,
    ReferenceDataError,
    Venue,
    Zones,
    calendar,
    load_reference,
    reference,
    reference_dirs_from_env,
)

__all__ = [
    "EU_ALPHA_3",
    "REFERENCE_ENV",
    "Agency",
    "Calendar",
    "Country",
    "Gazetteer",
    "ReferenceData",
    "ReferenceDataError",
    "Venue",
    "Zones",
    "calendar",
    "fold",
    "gazetteer",
    "load_reference",
    "reference",
    "reference_dirs_from_env",
]
