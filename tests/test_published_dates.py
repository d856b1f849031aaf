"""The publication-date rules of issue 14 (web-dev): no date from the wall clock, the address's day against
a UTC time a zone away, unpadded dated addresses, htmldate as the cascade's last step. Minimal pages of our
own; the motivating strings are in the test names."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse

from crawler.app.demo.server import FixtureServer
from crawler.core.context import load_registries
from crawler.core.discovery import Link
from crawler.core.extract import extract_page
from crawler.core.extract.dates import parse_time_string
from crawler.core.extract.page import parse_html
from crawler.core.extract.published import date_from_htmldate, find_published
from crawler.core.extract.url_dates import date_from_url
from crawler.core.process import process_page
from crawler.shell.extract_pool import ExtractJob, extract
from crawler.shell.items import http_date, page_item_from

_REGISTRIES = load_registries()


def _tree(body: str, head: str = "") -> HtmlElement:
    tree = parse_html(f"<html><head>{head}</head><body><h1>A headline of our own</h1>{body}</body></html>")
    assert tree is not None
    return tree


# ----------------------------------------------------------------- never a date from the wall clock


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("Jul 10", None),  # no year: dateparser would take this year
        ("21:00", None),  # a clock alone: today
        ("17/11", None),
        ("► September (3)", None),  # a blog archive's month and post count
        ("€27.90", None),  # a price
        ("2 hours ago", None),
        ("Published yesterday", None),
        ("vor 3 Tagen", ["de"]),
        ("il y a 2 jours", ["fr"]),
    ],
)
def test_partial_or_relative_strings_give_no_date_without_a_reference(text: str, languages: list[str] | None) -> None:
    assert parse_time_string(text, languages=languages) is None


def test_relative_phrase_is_read_against_the_reference_the_crawl_gives() -> None:
    base = datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    found = parse_time_string("vor 3 Tagen", languages=["de"], relative_base=base)
    assert found is not None and found.value.date() == date(2021, 5, 7)


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("Veröffentlicht am 17. März 2021", ["de"], date(2021, 3, 17)),
        ("Publicado el 17 de marzo de 2021", ["es"], date(2021, 3, 17)),
        ("Gepubliceerd op 17 maart 2021", ["nl-NL"], date(2021, 3, 17)),
        ("Опубликовано 17 марта 2021 г.", ["ru"], date(2021, 3, 17)),
        ("Yayın tarihi 17 Ekim 2020 Cumartesi", ["tr"], date(2020, 10, 17)),
        ("17 березня 2021", ["uk"], date(2021, 3, 17)),
        ("17 de marzo de 2021", ["xx-unknown", "es"], date(2021, 3, 17)),  # an unknown code is dropped
    ],
)
def test_non_english_month_names_in_the_declared_language(
    text: str, languages: list[str], expected: date
) -> None:
    found = parse_time_string(text, languages=languages)
    assert found is not None and found.value.date() == expected


def test_page_with_only_a_relative_date_line_has_no_published_time() -> None:
    html = ("<html><body><h1>A headline of our own</h1><div class='post-date'>Posted 2 hours ago</div>"
            "<p>Some text of the article.</p></body></html>")
    assert extract_page(html, "https://example.org/story").published is None
    base = datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    found = extract_page(html, "https://example.org/story", relative_base=base).published
    assert found is not None and found.value.astimezone(UTC) == base - timedelta(hours=2)


def test_process_page_reads_relative_dates_against_the_sitemap_date_only() -> None:
    html = ("<html><body><h1>A headline of our own</h1><div class='post-date'>Posted 2 hours ago</div>"
            "<p>Some text of the article.</p></body></html>")
    registries = load_registries({})
    url = "https://example.org/story"
    assert process_page(html, url, registries.context_for(url)).published is None
    sitemap = datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    link = Link(url=url, published=sitemap, via="sitemap")
    processed = process_page(html, url, registries.context_for(url, link=link))
    assert processed.published is not None
    assert processed.published.value.date() == date(2021, 5, 10)


# ------------------------------------------------------------------------------- the address's day


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/home/2017/7/12/a-story", date(2017, 7, 12)),
        ("https://example.org/2017/07/2/a-story", date(2017, 7, 2)),
        ("https://example.org/2017/7/a-story", None),  # year and month only
        ("https://example.org/2017/13/12/a-story", None),
    ],
)
def test_unpadded_dated_address(url: str, expected: date | None) -> None:
    found = date_from_url(url)
    assert (found.value.date() if found else None) == expected


@pytest.mark.parametrize(
    ("published", "url", "expected"),
    [
        # a US paper's JSON-LD in UTC, early morning: still the evening before at home
        ("2020-02-18T02:18:11Z", "https://example.org/2020/02/17/story", date(2020, 2, 17)),
        # an Italian paper's late-evening UTC time: already the next day at home
        ("2023-11-01T23:01:00Z", "https://example.org/esteri/2023/11/02/story", date(2023, 11, 2)),
        # mid-morning UTC: no zone puts that on the previous day for most publishers; the time stands
        ("2020-07-09T10:04:04Z", "https://example.org/2020/07/08/story", date(2020, 7, 9)),
        # a printed offset is the publisher's own: the time stands
        ("2020-02-18T02:18:11-05:00", "https://example.org/2020/02/17/story", date(2020, 2, 18)),
        # days before the address's date: not a zone effect, the time stands
        ("2020-02-14T02:18:11Z", "https://example.org/2020/02/17/story", date(2020, 2, 14)),
    ],
)
def test_address_day_against_a_utc_time_a_zone_away(published: str, url: str, expected: date) -> None:
    tree = _tree("<p>Text.</p>", f'<meta property="article:published_time" content="{published}">')
    meta = {"article:published_time": published}
    found = find_published(tree, [], meta, url)
    assert found is not None and found.value.date() == expected


# ------------------------------------------------------------------------- htmldate, the last step


def test_htmldate_reads_what_the_cascade_does_not() -> None:
    tree = _tree('<abbr class="published" title="2021-03-17T10:00:00">17 March</abbr><p>Text.</p>')
    found = find_published(tree, [], {}, "https://example.org/story")
    assert found is not None and found.source == "htmldate" and found.precision == "day"
    assert found.value.date() == date(2021, 3, 17)


def test_htmldate_comes_after_our_own_steps() -> None:
    tree = _tree('<abbr class="published" title="2021-03-17T10:00:00">17 March</abbr><p>Text.</p>',
                 '<meta property="article:published_time" content="2021-03-16T08:00:00+01:00">')
    found = find_published(tree, [], {"article:published_time": "2021-03-16T08:00:00+01:00"}, None)
    assert found is not None and found.source == "meta"
    assert found.value == datetime(2021, 3, 16, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def test_htmldate_copyright_year_fallback_is_not_a_day() -> None:
    tree = _tree("<p>Text without a date.</p><footer>© 2019 A club</footer>")
    assert date_from_htmldate(tree, "https://example.org/about") is None
    assert find_published(tree, [], {}, "https://example.org/about") is None


def test_htmldate_is_not_run_on_a_pathological_page() -> None:
    # a date htmldate would read, on a page of 25,000 paragraphs: its search is skipped, not slow
    tree = _tree('<abbr class="published" title="2021-03-17T10:00:00">17 March</abbr>' + "<p>Talks.</p>" * 25_000)
    assert date_from_htmldate(tree, "https://example.org/story") is None


def test_a_time_days_after_the_address_date_is_a_modification() -> None:
    # "/2017/7/12/" in the address, the JSON-LD says two years later: the page was edited, not published then
    published = "2019-06-17T18:28:00+02:00"
    tree = _tree("<p>Text.</p>")
    found = find_published(tree, [], {"article:published_time": published}, "https://example.org/home/2017/7/12/post")
    assert found is not None and found.source == "url" and found.value.date() == date(2017, 7, 12)
    # the same time a day before the address's date stands: a story dated by its print edition
    found = find_published(tree, [], {"article:published_time": published}, "https://example.org/2019/06/18/post")
    assert found is not None and found.source == "meta"


@pytest.mark.parametrize(("printed", "expected"), [("Stand: 01.02.2022", date(2022, 2, 1)), ("Stand: Februar 2022", None)])
def test_htmldate_first_of_month_only_when_the_page_prints_that_day(printed: str, expected: date | None) -> None:
    tree = _tree(f'<p>Text.</p><p class="stand">{printed}</p>', '<meta name="x-date-of-page" content="2022-02-01">')
    found = date_from_htmldate(tree, "https://example.org/news/arbeitsmarkt")
    assert (found.value.date() if found else None) == expected


# ------------------------------------------- the case table: agreement, the headline line, relative only

_CASES = [json.loads(line) for line in
          (Path(__file__).parent / "cases" / "published_dates.jsonl").read_text(encoding="utf-8").splitlines()
          if line.strip()]


@pytest.mark.parametrize("case", _CASES, ids=[f"{c['rule']}: {c['why'][:60]}" for c in _CASES])
def test_published_date_case(case: dict[str, Any]) -> None:
    last_modified = datetime.fromisoformat(case["last_modified"]) if case.get("last_modified") else None
    context = _REGISTRIES.context_for(case["url"], fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
                                      last_modified=last_modified)
    processed = process_page(case["html"], case["url"], context)
    found = processed.published
    assert (found.value.date().isoformat() if found else None) == case["day"], found
    if case.get("source"):
        assert found is not None and found.source == case["source"]
    assert processed.published_rejected == case.get("rejected")


def test_http_last_modified_header_is_read_as_a_reference() -> None:
    assert http_date(b"Mon, 10 May 2021 12:00:00 GMT") == datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    assert http_date(b"yesterday") is None and http_date(None) is None


def test_an_implausible_last_modified_is_no_reference() -> None:
    case = next(c for c in _CASES if c.get("last_modified"))
    context = _REGISTRIES.context_for(case["url"], fetched_at=datetime(2021, 5, 1, tzinfo=UTC),
                                      last_modified=datetime(2031, 5, 10, tzinfo=UTC))  # after the fetch
    processed = process_page(case["html"], case["url"], context)
    assert processed.published is None and (processed.published_rejected or "").startswith("relative_only")


def test_a_fetched_page_reads_its_relative_date_against_the_servers_last_modified(tmp_path: Path) -> None:
    # real HTTP server (Last-Modified = the file's mtime) → the shell's item → the extraction job → the page
    page = next(c for c in _CASES if c.get("last_modified"))
    (tmp_path / "story.html").write_text(page["html"], encoding="utf-8")
    stamp = datetime(2021, 5, 10, 12, 0, tzinfo=UTC).timestamp()
    os.utime(tmp_path / "story.html", (stamp, stamp))
    with FixtureServer(tmp_path) as server, urllib.request.urlopen(f"{server.base_url}/story.html") as reply:
        response = HtmlResponse(url=f"{server.base_url}/story.html", status=reply.status, body=reply.read(),
                                headers=dict(reply.headers.items()))
    item = page_item_from(response, None)
    assert item.last_modified == datetime(2021, 5, 10, 12, 0, tzinfo=UTC)
    processed = extract(ExtractJob.from_item(item), _REGISTRIES)
    assert processed.published is not None and processed.published.value.date() == date(2021, 5, 7)
    # the same page served without the header keeps no time, and says why
    processed = extract(ExtractJob.from_item(replace(item, last_modified=None)), _REGISTRIES)
    assert processed.published is None and processed.published_rejected == "relative_only ('vor 3 Tagen')"
