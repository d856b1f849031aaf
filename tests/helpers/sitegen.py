"""A generated news site for fault, crash-safety and idempotency tests and for benchmarks: N article pages,
news sitemaps.

    generate(root, pages=120, seed=5)    # writes the pages, sitemaps and robots.txt under root

Pages are 30-80 KB of HTML with navigation, sidebars and footer boilerplate in four different templates
(JSON-LD NewsArticle, OpenGraph-only, microdata, bare ``<article>``), so the extractor walks every
cascade. About 35% are dialogue reports built from the dialogue registry's series names (text composed
from sentence templates, not copied from any real article); the rest are unrelated news (markets, weather,
sport). 20% of pages are syndicated copies of an earlier page on another publisher, with a
``(MENAFN- IANS)`` style lead and a disclaimer wrapper. Google News sitemaps of 1,000 URLs each are
listed in ``sitemap_index.xml``; URLs in sitemaps use the ``{{BASE}}`` placeholder, rewritten by the
server at load time (tests/faultserver.py; benchmarks/sitegen.py serves a site for benchmarks).
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawler.core.events.registry import BUILTIN_REGISTRY

BASE_PLACEHOLDER = "{{BASE}}"
REGISTRY = BUILTIN_REGISTRY
URLS_PER_SITEMAP = 1000

COUNTRY = {
    "AUS": ("Australia", "Australian", "Canberra"), "IND": ("India", "Indian", "New Delhi"),
    "USA": ("the United States", "American", "Washington"), "JPN": ("Japan", "Japanese", "Tokyo"),
    "KOR": ("South Korea", "South Korean", "Seoul"), "CHN": ("China", "Chinese", "Beijing"),
    "GBR": ("Britain", "British", "London"), "FRA": ("France", "French", "Paris"),
    "RUS": ("Russia", "Russian", "Moscow"), "PAK": ("Pakistan", "Pakistani", "Islamabad"),
    "PHL": ("the Philippines", "Philippine", "Manila"), "IDN": ("Indonesia", "Indonesian", "Jakarta"),
    "BGD": ("Bangladesh", "Bangladeshi", "Dhaka"), "NPL": ("Nepal", "Nepalese", "Kathmandu"),
    "DEU": ("Germany", "German", "Berlin"), "VNM": ("Vietnam", "Vietnamese", "Hanoi"),
    "BRA": ("Brazil", "Brazilian", "Brasilia"),
}
PUBLISHERS = [
    ("Asia Wire Service", "asiawire", "IANS"), ("Capital Daily", "capitaldaily", "PTI"),
    ("Global Newsroom", "globalnews", "Reuters"), ("Harbour Times", "harbourtimes", "Kyodo"),
    ("Peninsula Post", "peninsula", "Yonhap"),
]
SYNDICATORS = [("Syndication Hub", "synhub"), ("Market Feed Network", "mfn")]
TOPICS_UNRELATED = [
    ("markets", ["shares", "the benchmark index", "bond yields", "the rupee", "crude futures", "gold prices"],
     ["rose", "fell", "edged higher", "slipped", "recovered", "held steady"]),
    ("weather", ["the monsoon", "a heatwave", "heavy rain", "a cold wave", "fog", "a cyclone"],
     ["hit", "eased over", "swept across", "lingered over", "moved towards", "battered"]),
    ("sport", ["the home side", "the visitors", "the champions", "the young squad", "the captain", "the coach"],
     ["won", "lost", "drew", "dominated", "struggled in", "rallied in"]),
]
OUTCOMES = ["maritime domain awareness", "counter-terrorism cooperation", "cyber security",
            "defence industrial cooperation", "information sharing", "supply chain resilience",
            "joint exercises", "export controls", "border management", "space cooperation"]
FIRST = ["Ajay", "Kristie", "Richard", "Penny", "Minoru", "Lee", "Wang", "Grant", "Sophie", "Ravi", "Hiroshi"]
LAST = ["Bhalla", "Canegallo", "Marles", "Wong", "Kihara", "Jong-sup", "Yi", "Shapps", "Martin", "Menon"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class Page:
    path: str
    title: str
    published: datetime
    publisher: str
    html: str
    dialogue: bool
    copy_of: str | None = None


def load_series() -> list[dict]:
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    return [s for s in data["series"] if all(c in COUNTRY for c in s["countries"])]


def _boilerplate(rng: random.Random, target: int, slug: str) -> tuple[str, str, str]:
    """Navigation, sidebar and footer totalling about ``target`` bytes (what real news pages carry)."""
    sections = ["World", "India", "Asia", "Business", "Markets", "Sport", "Opinion", "Science", "Tech",
                "Lifestyle", "Video", "Photos", "Podcasts", "Education", "Health", "Travel"]
    nav = "<nav class='top'><ul>" + "".join(
        f"<li><a href='/{slug}/{s.lower()}/'>{s}</a><ul class='drop'>"
        + "".join(f"<li><a href='/{slug}/{s.lower()}/{k}/'>{s} {k}</a></li>" for k in range(8))
        + "</ul></li>" for s in sections) + "</ul></nav>"
    side_items = []
    size = len(nav)
    k = 0
    while size < target * 0.7:
        head = " ".join(rng.choice(["Officials", "Markets", "Ministers", "Police", "Scientists", "Fans"])
                        for _ in range(1)) + f" {rng.choice(['say', 'expect', 'warn', 'hope'])} item {k}"
        item = (f"<li class='rel'><a href='/{slug}/related/{rng.randrange(10**9)}.html?utm_source=rel'>"
                f"<img src='/img/{k}.jpg' alt='{head}' width='120' height='80'>{head}</a>"
                f"<span class='ts'>{rng.randrange(1, 59)} minutes ago</span></li>")
        side_items.append(item)
        size += len(item)
        k += 1
    side = "<aside class='sidebar'><h3>Trending</h3><ul>" + "".join(side_items) + "</ul></aside>"
    foot = ("<footer class='site-foot'><div class='cols'>" + "".join(
        f"<div><h4>{s}</h4><a href='/{slug}/{s.lower()}/'>{s} news</a> <a href='/{slug}/about'>About</a> "
        f"<a href='/{slug}/privacy'>Privacy</a> <a href='/{slug}/terms'>Terms</a></div>" for s in sections)
        + "</div><p>&copy; All rights reserved. Reproduction without permission is prohibited.</p>"
        "<div class='consent'>We use cookies to improve your experience. <button>Accept</button></div></footer>")
    return nav, side, foot


def _dialogue_story(rng: random.Random, series: dict, n: int) -> tuple[str, list[str], date, str, str]:
    a, b = series["countries"]
    (na, adj_a, cap_a), (nb, adj_b, _cap_b) = COUNTRY[a], COUNTRY[b]
    name = series["name"]
    start = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))
    city = cap_a if rng.random() < 0.6 else COUNTRY[b][2]
    weekday = start.strftime("%A")
    o1, o2 = rng.sample(OUTCOMES, 2)
    chair_a = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    chair_b = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    ordinal = rng.choice(["second", "third", "fourth", "fifth", "sixth", "seventh"])
    title = f"{na.removeprefix('the ').capitalize()} and {nb.removeprefix('the ')} hold {ordinal} {name} " \
            f"in {city}, focus on {o1} (report {n})"
    paras = [
        f"{na[0].upper() + na[1:]} and {nb} on {weekday} held the {ordinal} round of the {name} in {city}, "
        f"reviewing {o1} and {o2}, officials said.",
        f"The {adj_a} delegation was led by {chair_a}, while the {adj_b} side was headed by {chair_b}, "
        f"according to a statement issued after the talks on {start.strftime('%B')} {start.day}, {start.year}.",
        f"Both sides agreed to deepen {o2} and to set up a working group on {rng.choice(OUTCOMES)} "
        f"before the next round, the statement said. Reference number {n}-{rng.randrange(10**6)}.",
        f"They also exchanged views on regional developments and on {rng.choice(OUTCOMES)}, and agreed "
        f"that the next meeting of the dialogue would be held in {COUNTRY[b][2]} at a mutually convenient date.",
    ] + [
        f"{rng.choice(['Officials', 'Diplomats', 'Analysts'])} noted that {rng.choice(OUTCOMES)} had "
        f"become a growing part of the agenda, item {n}.{k} of the talks." for k in range(rng.randrange(2, 6))
    ]
    return title, paras, start, city, f"{city}, {MONTHS[start.month - 1]} {start.day}"


def _unrelated_story(rng: random.Random, n: int) -> tuple[str, list[str], date, str, str]:
    topic, subjects, verbs = rng.choice(TOPICS_UNRELATED)
    day = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))
    city = rng.choice([c[2] for c in COUNTRY.values()])
    title = f"{rng.choice(subjects).capitalize()} {rng.choice(verbs)} on {day.strftime('%A')} ({topic} {n})"
    paras = [
        f"{rng.choice(subjects).capitalize()} {rng.choice(verbs)} {rng.choice(subjects)} on "
        f"{day.strftime('%A')}, in a {rng.choice(['quiet', 'busy', 'volatile', 'long'])} day, item {n}.{k}."
        for k in range(rng.randrange(5, 10))
    ]
    return title, paras, day, city, f"{city}, {MONTHS[day.month - 1]} {day.day}"


def _render(rng: random.Random, template: int, *, slug: str, site: str, path: str, title: str,
            paras: list[str], published: datetime, lead: str, agency: str, wrapper: bool) -> str:
    nav, side, foot = _boilerplate(rng, rng.randrange(28_000, 75_000), slug)
    esc = html.escape
    first = f"{lead} ({agency}) {paras[0]}"
    if wrapper:
        first = f"(MENAFN- {agency}) {first}"
    body_ps = "".join(f"<p>{esc(p)}</p>" for p in [first, *paras[1:]])
    if wrapper:
        body_ps += ("<p class='disclaimer'>Disclaimer: This story is auto-generated from a syndicated feed; "
                    f"{esc(site)} staff did not edit the text.</p>")
    iso = published.isoformat()
    url = f"{BASE_PLACEHOLDER}{path}"
    head = [f"<meta charset='utf-8'><title>{esc(title)} | {esc(site)}</title>",
            "<meta name='viewport' content='width=device-width'>"]
    if template in (0, 1):
        head.append(f"<meta property='og:site_name' content='{esc(site)}'>"
                    f"<meta property='og:title' content='{esc(title)}'>"
                    f"<meta property='article:published_time' content='{iso}'>")
    if template == 0:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
              "datePublished": iso, "author": {"@type": "Organization", "name": agency},
              "publisher": {"@type": "Organization", "name": site}}
        head.append(f"<script type='application/ld+json'>{json.dumps(ld)}</script>")
    head.append(f"<link rel='canonical' href='{url}'>")
    if template == 2:
        article = (f"<article itemscope itemtype='https://schema.org/NewsArticle'><h1 itemprop='headline'>"
                   f"{esc(title)}</h1><time itemprop='datePublished' datetime='{iso}'>"
                   f"{published:%d %B %Y}</time><div itemprop='articleBody'>{body_ps}</div></article>")
    elif template == 3:
        article = (f"<div class='story'><h1>{esc(title)}</h1><div class='byline'>By {esc(agency)} | "
                   f"Updated: {published:%b %d, %Y %H:%M} IST</div><div class='story-body'>{body_ps}</div></div>")
    else:
        article = (f"<article><h1>{esc(title)}</h1><p class='meta'>{esc(agency)} | {published:%d %b %Y}</p>"
                   f"<div class='article-body'>{body_ps}</div></article>")
    share = "<div class='share'><a href='#x'>Post</a> <a href='#fb'>Share</a> <a href='#mail'>Email</a></div>"
    return (f"<!DOCTYPE html><html lang='en'><head>{''.join(head)}</head><body><header>"
            f"<a class='logo' href='/{slug}/'>{esc(site)}</a></header>{nav}<main>{share}{article}{share}"
            f"</main>{side}{foot}</body></html>")


def generate(root: Path, pages: int, *, seed: int = 1, dialogue_share: float = 0.35,
             syndicated_share: float = 0.2) -> list[Page]:
    """Write ``pages`` article pages, their news sitemaps and ``sitemap_index.xml`` under ``root``."""
    rng = random.Random(seed)
    series = load_series()
    out: list[Page] = []
    originals: list[tuple[Page, list[str], str, str, str]] = []
    for n in range(pages):
        if originals and rng.random() < syndicated_share:
            orig, paras, lead, agency, title = rng.choice(originals)
            site, slug = rng.choice(SYNDICATORS)
            path = f"/{slug}/news/{n:07d}/{orig.path.rsplit('/', 1)[-1]}"
            published = orig.published + timedelta(minutes=rng.randrange(5, 300))
            text = _render(rng, rng.randrange(4), slug=slug, site=site, path=path, title=title, paras=paras,
                           published=published, lead=lead, agency=agency, wrapper=True)
            page = Page(path, title, published, site, text, orig.dialogue, copy_of=orig.path)
        else:
            site, slug, agency = rng.choice(PUBLISHERS)
            dialogue = rng.random() < dialogue_share
            if dialogue:
                title, paras, day, _city, lead = _dialogue_story(rng, rng.choice(series), n)
            else:
                title, paras, day, _city, lead = _unrelated_story(rng, n)
            published = datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(
                hours=rng.randrange(0, 12), minutes=rng.randrange(60))
            words = "-".join(re.sub(r"[^a-z0-9]+", "", w.lower()) for w in title.split()[:8])
            path = f"/{slug}/{day:%Y/%m/%d}/{words}-{n}.html"
            text = _render(rng, rng.randrange(4), slug=slug, site=site, path=path, title=title, paras=paras,
                           published=published, lead=lead, agency=agency, wrapper=False)
            page = Page(path, title, published, site, text, dialogue)
            originals.append((page, paras, lead, agency, title))
        target = root / page.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.html, encoding="utf-8")
        out.append(page)
    write_sitemaps(root, out)
    return out


def write_sitemaps(root: Path, pages: list[Page]) -> None:
    names = []
    for i in range(0, len(pages), URLS_PER_SITEMAP):
        chunk = pages[i : i + URLS_PER_SITEMAP]
        entries = "".join(
            f"<url><loc>{BASE_PLACEHOLDER}{html.escape(p.path)}</loc><news:news><news:publication>"
            f"<news:name>{html.escape(p.publisher)}</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{p.published.isoformat()}</news:publication_date>"
            f"<news:title>{html.escape(p.title)}</news:title></news:news></url>"
            for p in chunk)
        name = f"news-sitemap-{i // URLS_PER_SITEMAP:04d}.xml"
        (root / name).write_text(
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + entries + "</urlset>",
            encoding="utf-8")
        names.append(name)
    (root / "sitemap_index.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        + "".join(f"<sitemap><loc>{BASE_PLACEHOLDER}/{n}</loc></sitemap>" for n in names) + "</sitemapindex>",
        encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


