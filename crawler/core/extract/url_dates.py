"""Dates in a page's address: the day of a ``/YYYY/MM/DD/`` path (a step of the published cascade) and the
month of an archive folder (``/YYYY/MM/``: the year a month and day written without one belong to)."""

from __future__ import annotations

import re
from datetime import date, tzinfo

from crawler.core.extract.dates import PublishedTime, parse_iso

__all__ = ["date_from_url", "month_from_url"]


_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/\-_]?(?P<m>0[1-9]|1[0-2])[/\-_]?(?P<d>0[1-9]|[12]\d|3[01])(?:/|[-_.]|$)"
    # unpadded, slash-separated only: /2017/7/12/
    r"|/(?P<y2>(?:19|20)\d{2})/(?P<m2>1[0-2]|0?[1-9])/(?P<d2>3[01]|[12]\d|0?[1-9])/"
)


def date_from_url(
    url: str | None, *, country: str | None = None, default_tz: tzinfo | None = None
) -> PublishedTime | None:
    """A ``/YYYY/MM/DD/``, ``/YYYY-MM-DD`` or ``/YYYYMMDD`` path segment → day precision; else None."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _URL_DATE.search(path)
    if not match:
        return None
    y, m, d = (match["y"], match["m"], match["d"]) if match["y"] else (match["y2"], match["m2"], match["d2"])
    iso = f"{y}-{int(m):02d}-{int(d):02d}"
    found = parse_iso(iso, source="url", country=country, default_tz=default_tz)
    return PublishedTime(found.value, "url", "day", match.group(0), True) if found else None


_URL_MONTH = re.compile(r"/(?P<y>(?:19|20)\d{2})[/\-_]?(?P<m>0[1-9]|1[0-2])(?:/|$)")


def month_from_url(url: str | None) -> date | None:
    """The middle of the month a ``/YYYY/MM/`` or ``/YYYYMM/`` path segment names (an archive folder:
    "/2023/03/talks-tomorrow.html"), else None. Not a publication date: only the year a month and day
    written without one belong to."""
    if not url:
        return None
    match = _URL_MONTH.search(url.split("?", 1)[0].split("#", 1)[0])
    return date(int(match["y"]), int(match["m"]), 15) if match else None
