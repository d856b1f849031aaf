"""Generic extraction: HTML page → article fields, and the project's date parsing (see dates.py).

Pure code: no Scrapy, no database, no network.
"""

from crawler.core.extract.dates import PublishedTime, parse_iso, parse_time_string, resolve_zone_abbreviation
from crawler.core.extract.page import ExtractedPage, extract_page

# Bump when a rule changes what is extracted, so stored pages can be re-processed.
EXTRACTOR_VERSION: str = "5"

__all__ = [
    "EXTRACTOR_VERSION",
    "ExtractedPage",
    "PublishedTime",
    "extract_page",
    "parse_iso",
    "parse_time_string",
    "resolve_zone_abbreviation",
]
