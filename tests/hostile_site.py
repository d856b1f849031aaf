"""A fixture news site that mixes good articles with every discovery poison of issue 13 ("silent loss").

``build_site(root)`` writes it under ``root`` (served by crawler.app.demo.server.FixtureServer, which rewrites
``{{BASE}}`` and answers conditional requests); ``GOOD`` and ``POISON`` say what a crawl must make of it:

- a news sitemap whose first entry is a ``javascript:`` link, with ``mailto:``/``tel:`` links further down and
  two good articles whose ``news:publication_date`` is out of range once in UTC (year 1, year 9999);
- a page with no date of its own listed with the sitemap date 1000-07-03 (implausible);
- an RSS feed with a ``mailto:`` item, a page whose ``og:site_name`` is longer than ``sources.name``, a page
  whose dialogue name makes a mechanism slug longer than ``events.mechanism``, and a page dated 2031
  (implausible). Implausible pages are archived without a publication time.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

LONG_DIALOGUE = ("Maritime-Security-Cyberspace-Technology-Energy-Counterterrorism-Economic-Cooperation-"
                 "Infrastructure-Connectivity-Biotechnology-Semiconductor-Supplychain")


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    paragraphs: tuple[str, ...]
    published: str | None  # the page's own article:published_time
    sitemap_date: str | None = None  # news:publication_date in the sitemap (None: listed in the feed)
    site_name: str = "Hostile Wire"


def _story(place: str, dateline: str, pair: str, dialogue: str, day: str, extra: str) -> tuple[str, ...]:
    return (
        f"{place.upper()}, {dateline} (IANS) {pair} held the {dialogue} in {place} on {day}, officials said.",
        f"The delegations reviewed {extra} and agreed to meet again next year, the foreign ministry said in a "
        f"statement issued in {place} after the talks ended.",
        f"Officials from both sides described the {dialogue} as candid and forward looking, and said the "
        f"discussions on {extra} would continue at the working level over the coming months.",
    )


GOOD: tuple[Page, ...] = (
    Page("/news/hsd-2024.html", "India, US hold Homeland Security Dialogue",
         _story("New Delhi", "Feb 28", "India and the United States", "Homeland Security Dialogue", "Wednesday",
                "counter-terrorism cooperation and cyber security"),
         "2024-02-28T14:30:00+05:30", sitemap_date="2024-02-28T14:30:00+05:30"),
    Page("/news/japan-2plus2-2024.html", "India, Japan hold third 2+2 dialogue",
         _story("Tokyo", "Aug 20", "India and Japan", "third 2+2 Ministerial Dialogue", "Tuesday",
                "defence equipment transfers and Indo-Pacific maritime security"),
         "2024-08-20T17:45:00+09:00", sitemap_date="2024-08-20T17:45:00+09:00"),
    Page("/news/france-strategic-2024.html", "India, France hold strategic dialogue in Paris",
         _story("Paris", "Jan 10", "India and France", "annual Strategic Dialogue", "Wednesday",
                "space cooperation and civil nuclear energy"),
         "2024-01-10T11:00:00+01:00", sitemap_date="0001-01-01T00:00:00+05:30"),  # year 1: out of range in UTC
    Page("/news/australia-2plus2-2024.html", "India, Australia hold 2+2 ministerial dialogue",
         _story("Canberra", "Nov 19", "India and Australia", "2+2 Ministerial Dialogue", "Tuesday",
                "critical minerals and joint naval exercises"),
         "2024-11-19T16:00:00+11:00", sitemap_date="9999-12-31T23:59:59-05:00"),  # year 9999: out of range
    Page("/news/uk-2plus2-2024.html", "India, UK hold foreign and defence dialogue",
         _story("London", "Mar 5", "India and the United Kingdom", "2+2 Foreign and Defence Dialogue", "Tuesday",
                "trade in defence technology and Indian Ocean security"),
         "2024-03-05T10:00:00+00:00", sitemap_date="2024-03-05T10:00:00+00:00"),
    Page("/news/germany-consultations-2024.html", "India, Germany hold intergovernmental consultations",
         _story("Berlin", "Oct 25", "India and Germany", "Intergovernmental Consultations", "Friday",
                "green hydrogen partnerships and skilled migration"),
         "2024-10-25T12:00:00+02:00"),
)

SITE_NAME_PAGE = Page("/news/long-site-name.html", "India, Singapore hold defence policy dialogue",
                      _story("Singapore", "Sep 2", "India and Singapore", "Defence Policy Dialogue", "Monday",
                             "semiconductor supply chains and digital payments"),
                      "2024-09-02T10:00:00+08:00", site_name="Hostile Wire " + "X" * 250)
SLUG_PAGE = Page("/news/long-slug.html", f"India, Japan hold first {LONG_DIALOGUE} Dialogue",
                 (f"NEW DELHI, May 27 (IANS) India and Japan held the first round of the India-Japan {LONG_DIALOGUE} "
                  "Dialogue in New Delhi on Monday, officials said.",
                  "The two sides discussed defence cooperation and regional security, the external affairs ministry "
                  "said in a statement issued after the talks."),
                 "2024-05-27T10:00:00+05:30")
YEAR_1000_PAGE = Page("/news/year-1000.html", "India, Indonesia hold security dialogue",
                      _story("Jakarta", "Jul 3", "India and Indonesia", "Security Dialogue", "Wednesday",
                             "maritime domain awareness and counter-piracy patrols"),
                      None, sitemap_date="1000-07-03T10:00:00+07:00")  # the page has no date of its own
YEAR_2031_PAGE = Page("/news/year-2031.html", "India, Vietnam hold defence policy dialogue",
                      _story("Hanoi", "May 27", "India and Vietnam", "Defence Policy Dialogue", "Tuesday",
                             "defence industry cooperation and training exchanges"),
                      "2031-05-27T10:00:00+07:00")
IMPLAUSIBLE = (YEAR_1000_PAGE, YEAR_2031_PAGE)
BAD_LINKS = ("javascript:void(0)", "mailto:desk@hostile.example", "tel:+911234567890", "mailto:tips@hostile.example")

# what the crawl must count
EXPECTED_DROPS = {"bad_url": len(BAD_LINKS), "too_long:sources.name": 1, "too_long:events.mechanism": 1}
EXPECTED_BAD_DATES = 2  # the year-1 and year-9999 sitemap dates
ARCHIVED = (*GOOD, *IMPLAUSIBLE)  # implausible pages are archived, without a publication time


def article_html(page: Page) -> str:
    meta = f'<meta property="article:published_time" content="{page.published}">' if page.published else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in page.paragraphs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(page.title)}</title>'
            f'<meta property="og:site_name" content="{escape(page.site_name)}">{meta}</head>'
            f"<body><article><h1>{escape(page.title)}</h1>{body}</article></body></html>")


def _sitemap_entry(loc: str, title: str, date: str | None) -> str:
    news = ""
    if date is not None:
        news = (f"<news:news><news:publication><news:name>Hostile Wire</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{date}</news:publication_date>"
                f"<news:title>{escape(title)}</news:title></news:news>")
    return f"<url><loc>{escape(loc)}</loc>{news}</url>"


def build_site(root: Path) -> Path:
    """Write the site under ``root``; returns ``root``. Sitemap at /sitemap.xml, feed at /feed.xml."""
    for page in (*GOOD, SITE_NAME_PAGE, SLUG_PAGE, *IMPLAUSIBLE):
        target = root / page.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article_html(page), encoding="utf-8")
    in_sitemap = [p for p in (*GOOD, YEAR_1000_PAGE) if p.sitemap_date is not None]
    entries = [_sitemap_entry(BAD_LINKS[0], "poison", "2024-01-01T00:00:00Z")]  # first: stops nothing
    for i, page in enumerate(in_sitemap):
        entries.append(_sitemap_entry("{{BASE}}" + page.path, page.title, page.sitemap_date))
        if i == 1:
            entries.append(_sitemap_entry(BAD_LINKS[1], "poison", "2024-01-02T00:00:00Z"))
            entries.append(_sitemap_entry(BAD_LINKS[2], "poison", None))
    (root / "sitemap.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + "".join(entries) + "</urlset>",
        encoding="utf-8")
    in_feed = [p for p in GOOD if p.sitemap_date is None]
    items = [f"<item><title>poison</title><link>{escape(BAD_LINKS[3])}</link></item>"]
    for page in (SITE_NAME_PAGE, SLUG_PAGE, YEAR_2031_PAGE, *in_feed):
        items.append(f"<item><title>{escape(page.title)}</title><link>{{{{BASE}}}}{page.path}</link></item>")
    (root / "feed.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Hostile Wire</title>"
        + "".join(items) + "</channel></rss>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return root
