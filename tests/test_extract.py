"""Tests of crawler.core.extract: the date parser, each step of the published-time cascade, the header fields,
and (when ../shared is present) the extraction targets on the real corpora."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.extract import (
    EXTRACTOR_VERSION,
    ExtractedPage,
    PublishedTime,
    extract_page,
    parse_iso,
    parse_time_string,
    resolve_zone_abbreviation,
)
from crawler.core.extract.jsonld import jsonld_objects, pick_article
from crawler.core.extract.page import parse_html
from crawler.core.extract.published import (
    date_from_jsonld,
    date_from_meta,
    date_from_time_tag,
    date_from_visible_text,
    find_published,
    meta_values,
)
from crawler.core.extract.url_dates import date_from_url

REPO = Path(__file__).resolve().parents[1]


def shared_dir(*parts: str) -> Path:
    """A path under ../shared (the repo's sibling); skips the test when it is absent."""
    path = REPO.parent / "shared" / Path(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present: {path} is needed for this test")
    return path


def offset(hours: int, minutes: int = 0) -> timedelta:
    return (
        timedelta(hours=hours, minutes=minutes) if hours >= 0 else -timedelta(hours=-hours, minutes=minutes)
    )


def tree_of(html: str):
    tree = parse_html(html)
    assert tree is not None
    return tree


# ----------------------------------------------------------------------------------------- ISO


@pytest.mark.parametrize(
    ("text", "expected", "utcoffset"),
    [
        ("2024-03-01T09:12:00Z", datetime(2024, 3, 1, 9, 12), offset(0)),
        ("2024-03-01T09:12:00+0530", datetime(2024, 3, 1, 9, 12), offset(5, 30)),
        ("2024-03-01T09:12:00+05:30", datetime(2024, 3, 1, 9, 12), offset(5, 30)),
        ("2024-03-01 09:12:00 +05:30", datetime(2024, 3, 1, 9, 12), offset(5, 30)),
        ("2024-03-01T09:12:00.123456789Z", datetime(2024, 3, 1, 9, 12, 0, 123456), offset(0)),
        ("2024-03-01T09:12:00-04:00", datetime(2024, 3, 1, 9, 12), offset(-4)),
        ("2024-3-1T9:12:00 GMT", datetime(2024, 3, 1, 9, 12), offset(0)),
    ],
)
def test_parse_iso_keeps_the_declared_offset(text: str, expected: datetime, utcoffset: timedelta) -> None:
    found = parse_iso(text)
    assert found is not None
    assert found.value.replace(tzinfo=None) == expected
    assert found.value.utcoffset() == utcoffset
    assert found.precision == "datetime"
    assert found.offset_assumed is False
    assert found.raw == text


def test_parse_iso_date_only_is_day_precision_in_the_country_zone() -> None:
    found = parse_iso("2024-03-01", country="IN")
    assert found is not None
    assert found.precision == "day"
    assert found.value == datetime(2024, 3, 1, tzinfo=timezone(offset(5, 30)))
    assert found.offset_assumed is True


def test_parse_iso_without_offset_uses_default_tz_then_utc() -> None:
    tz = timezone(offset(9))
    assert parse_iso("2024-03-01T09:12:00", default_tz=tz).value.utcoffset() == offset(9)  # type: ignore[union-attr]
    found = parse_iso("2024-03-01T09:12:00")
    assert found is not None and found.value.tzinfo is not None and found.offset_assumed


@pytest.mark.parametrize(
    "text", ["", "garbage", "0001-01-01T00:00:00Z", "2024-13-45", None, "12345678901234"]
)
def test_parse_iso_rejects_garbage(text: str | None) -> None:
    assert parse_iso(text) is None


# ------------------------------------------------------------------------------- visible forms


@pytest.mark.parametrize(
    ("text", "country", "expected", "utcoffset", "assumed"),
    [
        ("Updated: 24-03-2021 08:52 IST", None, datetime(2021, 3, 24, 8, 52), offset(5, 30), False),
        (
            "Posted On: 28 FEB 2024 8:04PM by PIB Delhi",
            "IN",
            datetime(2024, 2, 28, 20, 4),
            offset(5, 30),
            True,
        ),
        ("2024-03-01 09:12 KST", None, datetime(2024, 3, 1, 9, 12), offset(9), False),
        ("Feb 28, 2024 10:30 IST", None, datetime(2024, 2, 28, 10, 30), offset(5, 30), False),
        ("Last Updated : 03 Jun 2025, 8:11 PM", "IN", datetime(2025, 6, 3, 20, 11), offset(5, 30), True),
        ("Friday, March 1, 2024 at 3:45 p.m. EST", None, datetime(2024, 3, 1, 15, 45), offset(-5), False),
        ("10:30 AM PKT, 1 March 2024", None, datetime(2024, 3, 1, 10, 30), offset(5), False),
        ("01/03/2024 14:00 GMT+5:30", None, datetime(2024, 3, 1, 14, 0), offset(5, 30), False),
        ("March 1, 2024 09:00 JST", None, datetime(2024, 3, 1, 9, 0), offset(9), False),
        ("1 March 2024 09:00 SGT", None, datetime(2024, 3, 1, 9, 0), offset(8), False),
        ("1 March 2024 09:00 AEDT", None, datetime(2024, 3, 1, 9, 0), offset(11), False),
        ("1 March 2024 09:00 NPT", None, datetime(2024, 3, 1, 9, 0), offset(5, 45), False),
        ("1 March 2024 09:00 WIB", None, datetime(2024, 3, 1, 9, 0), offset(7), False),
        ("1 March 2024 09:00 MSK", None, datetime(2024, 3, 1, 9, 0), offset(3), False),
        ("01.03.2024, 14:00 Uhr", "DE", datetime(2024, 3, 1, 14, 0), offset(1), True),
    ],
)
def test_visible_forms(
    text: str, country: str | None, expected: datetime, utcoffset: timedelta, assumed: bool
) -> None:
    found = parse_time_string(text, country=country)
    assert found is not None
    assert found.value.replace(tzinfo=None) == expected
    assert found.value.utcoffset() == utcoffset
    assert found.precision == "datetime"
    assert found.offset_assumed is assumed
    assert found.source == "visible_text"


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Release Date: March 1, 2024", "IN", date(2024, 3, 1)),
        ("Published 1st March 2024", None, date(2024, 3, 1)),
        ("03/01/2024", "US", date(2024, 3, 1)),  # month-first country
        ("03/01/2024", "GB", date(2024, 1, 3)),  # day-first elsewhere
        ("13/01/2024", "US", date(2024, 1, 13)),  # unambiguous either way
    ],
)
def test_date_only_is_day_precision_at_local_midnight(text: str, country: str | None, expected: date) -> None:
    found = parse_time_string(text, country=country)
    assert found is not None
    assert found.precision == "day"
    assert found.value.date() == expected
    assert (found.value.hour, found.value.minute) == (0, 0)
    assert found.offset_assumed is True


def test_default_tz_wins_over_country_when_no_zone_printed() -> None:
    found = parse_time_string("28 Feb 2024 10:00", country="IN", default_tz=timezone(offset(9)))
    assert found is not None and found.value.utcoffset() == offset(9) and found.offset_assumed


def test_source_is_left_to_the_caller() -> None:
    found = parse_time_string("2024-03-01T09:12:00Z", source="sitemap")
    assert found is not None and found.source == "sitemap"


# ----------------------------------------------------------------------------------- zone rules


@pytest.mark.parametrize(
    ("abbr", "country", "utcoffset"),
    [
        ("IST", None, offset(5, 30)),
        ("IST", "IN", offset(5, 30)),
        ("IST", "IL", offset(2)),
        ("IST", "IE", offset(1)),
        ("CST", "CN", offset(8)),
        ("CST", "TW", offset(8)),
        ("CST", "US", offset(-6)),
        ("CST", None, offset(-6)),
        ("BST", "BD", offset(6)),
        ("BST", "GB", offset(1)),
        ("BST", None, offset(1)),
        ("KST", None, offset(9)),
        ("HKT", None, offset(8)),
        ("PHT", None, offset(8)),
        ("ICT", None, offset(7)),
        ("CEST", None, offset(2)),
        ("PDT", None, offset(-7)),
        ("utc", None, offset(0)),
    ],
)
def test_zone_abbreviations_by_country(abbr: str, country: str | None, utcoffset: timedelta) -> None:
    zone = resolve_zone_abbreviation(abbr, country)
    assert zone is not None and zone.utcoffset(None) == utcoffset


def test_unknown_zone_abbreviation_is_none() -> None:
    assert resolve_zone_abbreviation("XYZ") is None


@pytest.mark.parametrize(
    ("country", "utcoffset"),
    [("IN", offset(5, 30)), ("IL", offset(2)), ("IE", offset(1)), (None, offset(5, 30))],
)
def test_ist_in_text_follows_country(country: str | None, utcoffset: timedelta) -> None:
    found = parse_time_string("Feb 28, 2024 10:30 IST", country=country)
    assert found is not None and found.value.utcoffset() == utcoffset


def test_dateparser_fallback_forces_ist_to_india() -> None:
    # No year and a weekday in front: only dateparser reads this. dateparser alone maps IST to +02:00.
    base = datetime(2024, 3, 5, 12, 0, tzinfo=timezone(offset(5, 30)))
    found = parse_time_string("Published: 1 March, 10:00 IST", relative_base=base)
    assert found is not None
    assert found.value == datetime(2024, 3, 1, 10, 0, tzinfo=timezone(offset(5, 30)))
    assert found.offset_assumed is False


def test_dateparser_relative_phrase_uses_relative_base() -> None:
    base = datetime(2024, 3, 1, 12, 0, tzinfo=timezone(offset(5, 30)))
    found = parse_time_string("Published 2 hours ago", relative_base=base)
    assert found is not None
    assert found.value == datetime(2024, 3, 1, 10, 0, tzinfo=timezone(offset(5, 30)))
    assert found.precision == "datetime"


@pytest.mark.parametrize(
    "text", ["", "   ", "garbage", "no date here at all", "Page 3 of 12", None, "x" * 1000]
)
def test_garbage_is_none(text: str | None) -> None:
    assert parse_time_string(text) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.sampled_from([None, "IN", "IL", "CN", "BD", "US", "zz"]))
def test_parse_time_string_never_raises(text: str, country: str | None) -> None:
    found = parse_time_string(text, country=country, use_dateparser=False)
    assert found is None or (isinstance(found, PublishedTime) and found.value.tzinfo is not None)


# ------------------------------------------------------------------------------- cascade steps

PAGE_HEAD = "<html lang='en-IN'><head><title>{title}</title>{head}</head><body>{body}</body></html>"


def page(
    head: str = "", body: str = "<h1>A headline of the story</h1>", title: str = "A headline | Site"
) -> str:
    return PAGE_HEAD.format(head=head, body=body, title=title)


def test_jsonld_news_article_in_graph_and_broken_json() -> None:
    html = page(
        head="""<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"Site"},
            {"@type":"NewsArticle","headline":"Graph headline","datePublished":"2024-02-28T20:04:00+05:30",
             "dateModified":"2024-02-29T08:00:00+05:30",},
        ]}</script>"""
    )
    tree = tree_of(html)
    articles = pick_article(jsonld_objects(tree))
    assert articles and articles[0]["headline"] == "Graph headline"
    found = date_from_jsonld(articles)
    assert found is not None and found.source == "jsonld"
    assert found.value == datetime(2024, 2, 28, 20, 4, tzinfo=timezone(offset(5, 30)))


def test_jsonld_list_prefers_news_article_over_webpage() -> None:
    html = page(
        head="""<script type="application/ld+json">[
            {"@type":"WebPage","datePublished":"2020-01-01"},
            {"@type":["ReportageNewsArticle"],"datePublished":"2024-03-01T10:00:00Z"}]</script>"""
    )
    found = date_from_jsonld(pick_article(jsonld_objects(tree_of(html))))
    assert found is not None and found.value.date() == date(2024, 3, 1)


def test_jsonld_garbage_is_ignored() -> None:
    tree = tree_of(page(head='<script type="application/ld+json">{not json at all</script>'))
    assert jsonld_objects(tree) == []


@pytest.mark.parametrize(
    "meta",
    [
        '<meta property="article:published_time" content="2024-03-01T09:12:00+09:00">',
        '<meta name="pubdate" content="2024-03-01T09:12:00+09:00">',
        '<meta name="parsely-pub-date" content="2024-03-01T00:12:00Z">',
        '<meta name="sailthru.date" content="2024-03-01 09:12:00 +09:00">',
        '<meta name="DC.date" content="2024-03-01T09:12:00+09:00">',
    ],
)
def test_meta_published(meta: str) -> None:
    found = date_from_meta(meta_values(tree_of(page(head=meta))))
    assert found is not None and found.source == "meta"
    assert found.value.astimezone(UTC) == datetime(2024, 3, 1, 0, 12, tzinfo=UTC)


def test_time_tag_prefers_published_over_updated() -> None:
    body = """<article><h1>Headline here</h1>
        <time class="updated" datetime="2024-03-02T10:00:00Z">2 Mar</time>
        <time class="published" datetime="2024-03-01T10:00:00Z">1 Mar</time></article>"""
    found = date_from_time_tag(tree_of(page(body=body)))
    assert found is not None and found.source == "time_tag" and found.value.day == 1


def test_visible_text_near_headline_beats_teasers() -> None:
    body = """<div class="teaser"><span class="date">24.04.2023</span></div>
        <h1>The headline of the story</h1><div class="article-meta">Posted On: 28 FEB 2024 8:04PM by PIB Delhi</div>
        <div class="related"><span class="date">26.04.2023</span></div>"""
    found = date_from_visible_text(tree_of(page(body=body)), country="IN")
    assert found is not None and found.source == "visible_text"
    assert found.value == datetime(2024, 2, 28, 20, 4, tzinfo=timezone(offset(5, 30)))


def test_visible_text_unnamed_line_right_after_headline() -> None:
    body = """<div class="conTit"><h1>Talks between the two sides go smoothly</h1>
        <div class="wzzy">Source: Agency | 2024-03-28 17:32:00 | Editor: someone</div></div><p>Text.</p>"""
    found = date_from_visible_text(tree_of(page(body=body)), country="CN")
    assert found is not None
    assert found.value == datetime(2024, 3, 28, 17, 32, tzinfo=timezone(offset(8)))


def test_en_us_machine_format_is_month_first_when_country_unknown() -> None:
    found = parse_time_string("Date 4/2/2025 11:05:27 AM GMT")
    assert found is not None
    assert found.value == datetime(2025, 4, 2, 11, 5, 27, tzinfo=UTC)
    # Zero-padded day-first with a 12-hour clock (Malaysia) keeps the country's order.
    found = parse_time_string("29/07/2026 03:46 PM", country="MY")
    assert found is not None and found.value.date() == date(2026, 7, 29)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/news/2024/03/01/story-slug", date(2024, 3, 1)),
        ("https://example.com/2024-03-01/story", date(2024, 3, 1)),
        ("https://example.com/a/20240301/story.html", date(2024, 3, 1)),
        ("https://example.com/story-12345", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, expected: date | None) -> None:
    found = date_from_url(url)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.precision == "day" and found.value.date() == expected
        assert found.source == "url"


def test_cascade_order_and_published_over_modified() -> None:
    html = page(
        head="""<meta property="article:modified_time" content="2024-03-05T00:00:00Z">
        <meta property="article:published_time" content="2024-03-01T00:00:00Z">""",
        body='<h1>Headline for the test</h1><time datetime="2024-02-01T00:00:00Z">x</time>',
    )
    # an address without a date: a dated one outranks a page time days after it (tests/test_published_dates.py)
    page_out = extract_page(html, "https://example.com/news/story")
    assert page_out.published is not None and page_out.published.source == "meta"
    assert page_out.published.value.day == 1 and page_out.published.value.month == 3
    assert page_out.modified is not None and page_out.modified.value.day == 5


def test_cascade_falls_back_to_url() -> None:
    tree = tree_of(page())
    found = find_published(tree, [], {}, "https://example.com/2024/03/01/x")
    assert found is not None and found.source == "url"


# -------------------------------------------------------------------------------- page fields

ARTICLE = """<!doctype html><html lang="en-US"><head>
<title>Ministers meet for dialogue | Example Wire</title>
<meta property="og:title" content="Ministers meet for dialogue - Example Wire">
<meta property="og:site_name" content="Example Wire">
<meta property="og:description" content="Two ministers met.">
<link rel="canonical" href="/world/ministers-meet">
<link rel="amphtml" href="https://example.com/amp/world/ministers-meet">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Ministers meet for dialogue",
 "datePublished":"2024-02-28T10:30:00+05:30",
 "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Organization","name":"IANS"}]}</script>
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article><h1>Ministers meet for dialogue</h1>
<p>NEW DELHI, Feb 28 (IANS) India and the United States held the sixth round of their Homeland Security
Dialogue in New Delhi on Wednesday, officials said after the meeting ended.</p>
<p>The two sides discussed cyber security, counter-terrorism cooperation and the protection of critical
infrastructure, according to a joint statement released by both governments in the evening.</p>
<p>The next round of the dialogue will be held in Washington next year, the statement said, adding that
working groups would meet in the meantime to take the agreed outcomes forward.</p>
</article><footer>Copyright Example Wire</footer></body></html>"""


def test_extract_page_fields() -> None:
    out = extract_page(ARTICLE, "https://example.com/world/ministers-meet?utm_source=x", country="IN")
    assert isinstance(out, ExtractedPage)
    assert out.title == "Ministers meet for dialogue"
    assert out.canonical_url == "https://example.com/world/ministers-meet"
    assert out.language == "en"
    assert out.authors == ["Jane Doe"]
    assert out.author_organizations == ["IANS"]
    assert out.site_name == "Example Wire"
    assert out.description == "Two ministers met."
    assert out.published is not None and out.published.source == "jsonld"
    assert out.published.value == datetime(2024, 2, 28, 10, 30, tzinfo=timezone(offset(5, 30)))
    assert len(out.body_paragraphs) == 3
    assert out.body_paragraphs[0].startswith("NEW DELHI, Feb 28 (IANS) India and the United States")
    assert "Copyright" not in out.body and "World" not in out.body
    assert out.body == "\n\n".join(out.body_paragraphs)


def test_title_falls_back_to_title_tag_minus_site_suffix() -> None:
    html = "<html><head><title>Talks end without a deal | The Daily Example</title></head><body><p>x</p></body></html>"
    assert extract_page(html).title == "Talks end without a deal"


def test_title_prefers_the_headline_that_matches_h1() -> None:
    html = page(
        head="""<meta property="og:title" content="Visible headline of the page">
        <script type="application/ld+json">{"@type":"NewsArticle","headline":"SEO variant of headline"}</script>""",
        body="<h1>Visible headline of the page</h1>",
    )
    assert extract_page(html).title == "Visible headline of the page"


def _ld_headline(headline: str, kind: str = "NewsArticle") -> str:
    return f'<script type="application/ld+json">{{"@type":"{kind}","headline":"{headline}"}}</script>'


def test_title_h1_in_breadcrumb_is_not_the_shown_headline() -> None:
    # The <h1> is the breadcrumb's last item (the SEO title); the page shows the JSON-LD headline.
    head = '<meta property="og:title" content="SEO title of the talks story">' + _ld_headline(
        "Ministers agree to meet again in spring"
    )
    body = """<nav class="breadcrumb"><a href="/">Home</a> <h1>SEO title of the talks story</h1></nav>
        <article><h2 class="article-headline">Ministers agree to meet again in spring</h2><p>x</p></article>"""
    assert extract_page(page(head=head, body=body)).title == "Ministers agree to meet again in spring"
    # The shown headline may put its kicker on a line of its own ("Kicker Headline", no colon).
    head = '<meta property="og:title" content="SEO title of the talks story">' + _ld_headline(
        "Security dialogue: Ministers agree to meet again"
    )
    body = """<ol class="breadcrumbs"><li><h1>SEO title of the talks story</h1></li></ol>
        <article><h2><span>Security dialogue</span> <span>Ministers agree to meet again</span></h2></article>"""
    assert (
        extract_page(page(head=head, body=body)).title == "Security dialogue: Ministers agree to meet again"
    )


def test_title_h1_kicker_element_is_not_part_of_the_headline() -> None:
    head = '<meta property="og:title" content="Ministers agree to meet again">' + _ld_headline(
        "SEO variant of the headline"
    )
    body = '<h1><span class="article-title__overline">Talks</span> - <span>Ministers agree to meet again</span></h1>'
    assert extract_page(page(head=head, body=body)).title == "Ministers agree to meet again"


def test_title_microdata_headline_anchors_the_choice() -> None:
    head = '<meta property="og:title" content="The headline marked as microdata">' + _ld_headline(
        "The headline in the h1 element"
    )
    body = (
        '<h1>The headline in the h1 element</h1><h2 itemprop="headline">The headline marked as microdata</h2>'
    )
    assert extract_page(page(head=head, body=body)).title == "The headline marked as microdata"


def test_title_live_blog_marker_gives_way() -> None:
    head = '<meta property="og:title" content="Leaders agree on a new security dialogue">' + _ld_headline(
        "Summit LIVE: leaders meet in Delhi", "LiveBlogPosting"
    )
    body = "<h1>Summit LIVE: leaders meet in Delhi</h1>"
    assert extract_page(page(head=head, body=body)).title == "Leaders agree on a new security dialogue"


def test_title_entity_escaped_jsonld_loses_to_og_title() -> None:
    head = '<meta property="og:title" content="Minister\'s visit ends in agreement">' + _ld_headline(
        "Minister&#8217;s visit ends in agreement"
    )
    body = "<h1>Minister\u2019s visit ends in agreement</h1>"
    assert extract_page(page(head=head, body=body)).title == "Minister's visit ends in agreement"


def test_title_full_width_site_separator() -> None:
    head = (
        '<meta property="og:site_name" content="朝日新聞デジタル">'
        '<meta property="og:title" content="日米の安全保障対話、来月東京で開催へ：朝日新聞デジタル">'
    )
    assert extract_page(page(head=head, body="<p>x</p>")).title == "日米の安全保障対話、来月東京で開催へ"


def test_title_kicker_run_into_the_h1_matches_metadata_with_a_separator() -> None:
    # "<span>Kicker</span>Headline" reads "KickerHeadline" as text; og:title shows the same words with a
    # separator, so og:title is the displayed headline and the kicker-less JSON-LD variant is not.
    head = '<meta property="og:title" content="Security talks / Ministers agree to meet again">' + _ld_headline(
        "Ministers agree to meet again"
    )
    body = "<h1><span>Security talks</span>Ministers agree to meet again</h1>"
    assert extract_page(page(head=head, body=body)).title == "Security talks / Ministers agree to meet again"


def test_title_quote_style_alone_does_not_make_a_match() -> None:
    # og:title differs from the h1 by words *and* straight quotes: only spacing and separators are
    # forgiven, so the JSON-LD headline (first in the cascade) stays.
    head = (
        "<meta property=\"og:title\" content=\"Sweden tells households 'how to prepare' in new pamphlet\">"
        + _ld_headline("Sweden tells households how to prepare in pamphlet")
    )
    body = "<h1>Sweden tells households \u2018how to prepare\u2019 in new pamphlet</h1>"
    assert extract_page(page(head=head, body=body)).title == "Sweden tells households how to prepare in pamphlet"


def test_title_meta_microdata_is_not_a_displayed_headline() -> None:
    # <meta itemprop="headline"> is hidden metadata: it does not outvote the visible <h1>.
    head = (
        '<meta property="og:title" content="Hidden variant of the headline">'
        + _ld_headline("The headline in the h1 element")
    )
    body = (
        '<div itemscope><meta itemprop="headline" content="Hidden variant of the headline">'
        "<h1>The headline in the h1 element</h1></div>"
    )
    assert extract_page(page(head=head, body=body)).title == "The headline in the h1 element"


def test_title_from_content_h2_when_title_tag_is_generic() -> None:
    html = """<html><head><title>Press Release: Information Bureau</title></head><body>
        <header><h2>Government of Somewhere portal</h2></header>
        <div class="content"><h2>Fifth round of the defence cooperation dialogue held</h2><p>x</p></div></body></html>"""
    assert extract_page(html).title == "Fifth round of the defence cooperation dialogue held"


def test_bytes_input_with_declared_encoding() -> None:
    html = ARTICLE.replace("Jane Doe", "Jöns Müller").replace("<head>", '<head><meta charset="utf-8">')
    out = extract_page(html.encode("utf-8"))
    assert out.authors == ["Jöns Müller"]


@pytest.mark.parametrize(
    "garbage", ["", b"", "<<<>>>", b"\x00\xff\xfe", "just text", "<html></html>", 123, None]
)
def test_extract_page_never_raises(garbage: object) -> None:
    out = extract_page(garbage, "https://example.com/x")  # type: ignore[arg-type]
    assert isinstance(out, ExtractedPage)
    assert out.url == "https://example.com/x"
    assert out.body_paragraphs == [] or isinstance(out.body_paragraphs[0], str)


def test_extractor_version_is_a_string() -> None:
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


# ------------------------------------------------------------------------ corpora (../shared)


@pytest.fixture(scope="module")
def corpus_figures() -> dict[str, dict[str, object]]:
    shared_dir("data", "corpora", "fundus", "MANIFEST.json")
    shared_dir("data", "corpora", "article-extraction-benchmark", "ground-truth.json")
    from tests.helpers import eval_extraction as bench

    return {"fundus": bench.eval_fundus(2, False), "aeb": bench.eval_aeb(2, False)}


@pytest.mark.shared
@pytest.mark.slow
def test_fundus_publication_day_target(corpus_figures: dict[str, dict[str, object]]) -> None:
    assert corpus_figures["fundus"]["day_accuracy"] >= 0.97  # type: ignore[operator]


@pytest.mark.shared
@pytest.mark.slow
def test_article_body_f1_target(corpus_figures: dict[str, dict[str, object]]) -> None:
    assert corpus_figures["aeb"]["f1"] >= 0.95  # type: ignore[operator]


@pytest.mark.shared
@pytest.mark.slow
def test_fundus_title_no_regression(corpus_figures: dict[str, dict[str, object]]) -> None:
    # Measured 235/258 = 0.9109 with EXTRACTOR_VERSION 2 and 3 (was 214/258 = 0.8295 before the breadcrumb-h1 /
    # microdata / live-blog / escaped-JSON-LD / separator title rules); guards against regressions.
    assert corpus_figures["fundus"]["title_accuracy"] >= 0.90  # type: ignore[operator]


# The fundus title target (95 %) is withdrawn: fundus labels follow each publisher's own parser (og:title
# for some, JSON-LD headline for others); its figure stays reported by benchmarks/eval_extraction.py and
# guarded by test_fundus_title_no_regression. The measures that replace it are web-dev's (issue 14):
# publication day on htmldate's and on trafilatura's pages, title exact, body snippet F1, scored by
# tests/helpers/eval_webdev.py; benchmarks/eval_webdev.py prints them beside htmldate and trafilatura and
# holds them to their floors (exit 1 below). Here: the scorer itself, on a few real pages.
@pytest.mark.shared
def test_webdev_scorer_reads_real_pages_and_scores_what_it_reads() -> None:
    shared_dir("data", "corpora", "web-dev", "labels.jsonl")
    from tests.helpers.eval_webdev import eval_webdev, load_labels

    sample = frozenset(row["url"] for row in load_labels()[:40:4])  # stands for htmldate's Media Cloud list
    report = eval_webdev(1, ("newsarchive",), limit=40, mediacloud=sample)
    day = report["figures"]["newsarchive"]["day_htmldate_pages"]
    assert len(report["results"]) == 40 and day["pages"] >= 30
    assert day["correct"] + sum(day["errors"].values()) - day["errors"]["spurious"] == day["pages"], day
    assert day["accuracy"] > 0.8, day
    subset = report["figures"]["newsarchive"]["day_mediacloud_pages"]
    assert subset["pages"] + subset["undated_pages"] == len(sample) == 10, subset


def test_mediacloud_list_is_read_from_htmldates_file_and_anything_else_is_refused(tmp_path: Path) -> None:
    from tests.helpers.eval_webdev import load_mediacloud_urls

    good = tmp_path / "eval_mediacloud_2020.json"
    good.write_text('{"https://example.org/a": {"file": "1.html", "date": "2020-06-07"}}', encoding="utf-8")
    assert load_mediacloud_urls(good) == frozenset({"https://example.org/a"})
    bad = tmp_path / "labels.json"
    bad.write_text('["https://example.org/a"]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"not htmldate's eval_mediacloud_2020\.json"):
        load_mediacloud_urls(bad)


def test_utc_jsonld_time_takes_the_local_offset_the_page_prints() -> None:
    head = (
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Talks end",'
        '"datePublished":"2022-12-09T19:15:00Z"}</script>'
    )
    body = '<h1>Talks end</h1><time datetime="2022-12-10T06:15:00+11:00">10 Dec 2022</time><p>x</p>'
    published = extract_page(page(head=head, body=body)).published
    assert published is not None and published.source == "jsonld"
    assert published.value.isoformat() == "2022-12-10T06:15:00+11:00"
    # A different instant elsewhere on the page is another time, not the same one in local form.
    body = '<h1>Talks end</h1><time datetime="2022-12-11T06:15:00+11:00">11 Dec</time><p>x</p>'
    published = extract_page(page(head=head, body=body)).published
    assert published is not None and published.value.isoformat() == "2022-12-09T19:15:00+00:00"


def test_government_board_logo_h1_labelled_date_and_h3_headline() -> None:
    html = """<html><head><title>Press Releases View | Ministry of Foreign Affairs, Republic of Korea</title></head>
    <body><div id="header"><h1 class="logo"><a href="/index.html">Ministry of Foreign Affairs, Republic of Korea</a></h1></div>
    <div id="contents"><h2 class="c_tit">Press Releases</h2>
    <h3 class="view_title">Minister of Foreign Affairs Concludes Visit to Australia</h3>
    <ul class="view_info"><li><span class="tit">No.</span> 323</li><li><span class="tit">Date</span> 2024-05-03</li></ul>
    <div class="view_cont"><p>1. The Minister returned on May 2 after a visit to Australia.</p></div></div></body></html>"""
    page = extract_page(html)
    assert page.title == "Minister of Foreign Affairs Concludes Visit to Australia"
    assert page.published is not None and page.published.value.date().isoformat() == "2024-05-03"
