"""Issue 4's done-when: the two seed stories, crawled as pages of a local site in either order.

The seeds (``../shared/data/seeds/*.txt``: first line `` date YYYY-MM-DD`` then the body) become an IANS
page, a MENAFN-style copy of it (wrapper, another headline, a disclaimer), an AMP twin of the IANS page, and
an ANI page. Crawled with the real CLI into a real archive, they must give two articles (IANS, ANI) and one
event ``IND-USA:homeland-security-dialogue:2024-02-27`` running to 2024-02-29 in New Delhi, co-chaired by
Ajay Bhalla and Kristie Canegallo, with the Memorandum of Cooperation as an outcome.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, DialogueSeries, Document, Event, EventAlias
from tests.conftest import shared_path
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=1",
        "--batch-size", "1", *INLINE_EXTRACTION]
KEY = "IND-USA:homeland-security-dialogue:2024-02-27"


def read_seed(path: Path) -> tuple[date, list[str]]:
    """(date, paragraphs) of a seed file: `` date YYYY-MM-DD`` then the body, paragraphs split by blank lines."""
    text = path.read_text(encoding="utf-8")
    m = re.match(r"\s*date (\d{4}-\d{2}-\d{2})\s+", text)
    assert m, f"{path} does not start with ' date YYYY-MM-DD'"
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text[m.end():]) if p.strip()]
    return date.fromisoformat(m.group(1)), paragraphs


def page(*, title: str, published: str, paragraphs: list[str], canonical: str, publisher: str,
         amphtml: str | None = None, extra: str = "") -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": published,
          "publisher": {"@type": "Organization", "name": publisher}}
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    amp = f'<link rel="amphtml" href="{amphtml}">' if amphtml else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {publisher}</title>'
        f'<link rel="canonical" href="{canonical}">{amp}'
        f'<meta property="og:site_name" content="{publisher}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body>'
        f'<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{html.escape(title)}</h1>{body}{extra}</article>"
        f"<footer>Copyright {publisher}. All rights reserved.</footer></body></html>"
    )


def build_site(root: Path, seeds: Path) -> list[str]:
    """Write the four pages under ``root``; return their paths (crawl order: MENAFN, IANS, AMP, ANI)."""
    _, ians = read_seed(seeds / "ians-menafn-2024-02-28.txt")
    _, ani = read_seed(seeds / "ani-2024-03-01.txt")
    original = [ians[0].replace("(MENAFN- IANS) ", "", 1), *ians[1:]]
    pages = {
        "/menafn/1107921447/India-US-Review-Security-Cooperation.html": page(
            title="India, US Review Counter-Terror And Cyber-Crime Cooperation At Homeland Security Dialogue",
            published="2024-02-28T15:06:41+00:00", paragraphs=ians, publisher="MENAFN",
            canonical="{{BASE}}/menafn/1107921447/India-US-Review-Security-Cooperation.html",
            extra="<p>Legal Disclaimer: MENAFN provides the information “as is” without warranty of any kind.</p>"),
        "/ians/2024/02/india-us-homeland-security-dialogue.html": page(
            title="Terror, drugs, cyber-crime on agenda of India-US Homeland Security Dialogue",
            published="2024-02-28T20:04:00+05:30", paragraphs=original, publisher="IANS",
            canonical="{{BASE}}/ians/2024/02/india-us-homeland-security-dialogue.html",
            amphtml="{{BASE}}/ians/amp/2024/02/india-us-homeland-security-dialogue.html"),
        "/ians/amp/2024/02/india-us-homeland-security-dialogue.html": page(
            title="Terror, drugs, cyber-crime on agenda of India-US Homeland Security Dialogue",
            published="2024-02-28T20:04:00+05:30", paragraphs=original, publisher="IANS",
            canonical="{{BASE}}/ians/2024/02/india-us-homeland-security-dialogue.html"),
        "/ani/2024/03/us-india-homeland-security-dialogue-deepened-partnership.html": page(
            title="India-US Homeland Security Dialogue deepened strategic partnership: US readout",
            published="2024-03-01T09:45:00+05:30", paragraphs=ani, publisher="ANI",
            canonical="{{BASE}}/ani/2024/03/us-india-homeland-security-dialogue-deepened-partnership.html"),
    }
    for path, text in pages.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return list(pages)


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_seeds_give_two_articles_and_one_event_in_either_order(archive_url: str, tmp_path: Path, order: str) -> None:
    seeds = shared_path("data", "seeds")
    site = tmp_path / "site"
    paths = build_site(site, seeds)
    if order == "reverse":
        paths.reverse()
    with FixtureServer(site) as server:
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(server.base_url + p for p in paths) + "\n", encoding="utf-8")
        done = forkcli.run(["--database", archive_url, "crawl", "--urls-file", str(listing),
             *FAST], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr

    engine = make_engine(archive_url)
    with engine.connect() as conn:
        docs = conn.execute(select(Document.canonical_url, Document.article_id)).all()
        articles = conn.execute(select(Article.id, Article.agency, Article.event_id)).all()
        events = conn.execute(select(Event)).all()
        aliases = set(conn.scalars(select(EventAlias.alias_key)))
        series = conn.execute(select(DialogueSeries).where(DialogueSeries.slug == "homeland-security-dialogue",
                                                           DialogueSeries.country_a == "IND")).one()
        n_series = conn.scalar(select(func.count()).select_from(DialogueSeries))
    engine.dispose()

    # the AMP twin folds into its canonical page; the MENAFN copy is its own document of the IANS article
    assert len(docs) == 3
    assert len(articles) == 2
    assert sorted(a.agency or "" for a in articles) == ["ANI", "IANS"]
    article_of = {url.rsplit("/", 1)[-1]: aid for url, aid in docs}
    assert article_of["India-US-Review-Security-Cooperation.html"] == article_of[
        "india-us-homeland-security-dialogue.html"]

    assert len(events) == 1
    ev = events[0]
    assert ev.event_key == KEY
    assert (ev.start_date, ev.end_date) == (date(2024, 2, 27), date(2024, 2, 29))
    assert (ev.venue_city, ev.venue_country) == ("New Delhi", "IN")
    chairs = {c["name"] for c in ev.co_chairs or []}
    assert {"Ajay Bhalla", "Kristie Canegallo"} <= chairs
    assert any(o.startswith("Memorandum of Cooperation") for o in ev.outcomes or [])
    assert {a.event_id for a in articles} == {ev.id}
    # coverage: three documents, two articles, three publishers, two wires
    assert (ev.documents_count, ev.articles_count, ev.sources_count) == (3, 2, 3)
    assert ev.agencies == ["ANI", "IANS"]
    assert ev.first_report_at is not None and ev.first_report_at.isoformat().startswith("2024-02-28T14:34")
    assert ev.last_report_at is not None and ev.last_report_at.isoformat().startswith("2024-03-01T04:15")
    # the IANS story alone says "Wednesday" (Feb 28): when it came first, that key is kept as an alias
    if order == "forward":
        assert aliases == {"IND-USA:homeland-security-dialogue:2024-02-28"}
    else:
        assert aliases == set()
    # the registry was synced and the event linked to its series
    assert ev.series_id == series.id and series.in_registry
    assert (n_series or 0) > 50
