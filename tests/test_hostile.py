"""Hostile input: the pure core never raises and stays fast on junk; filters treat SQL as data; the crawler
never leaves the seeds' hosts and never reads ``file://`` or ``data:`` URLs.

Property tests (hypothesis) feed arbitrary text, mangled HTML and pathological shapes (deep nesting, huge
attributes, binary junk, entity bombs, backtracking bait) to every text → facts function.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crawler.app.demo import DEMO_SITE
from crawler.core.context import load_registries
from crawler.core.discovery import parse_discovery
from crawler.core.events import classify_topic, extract_event_facts
from crawler.core.extract import extract_page
from crawler.core.normalize.body import clean_body
from crawler.core.normalize.dateline import parse_dateline
from crawler.core.process import process_page
from crawler.core.urls import canonical_url
from storage.archive import Archive
from storage.db import make_engine
from storage.models import Article, Document, Event, SeenUrl, Source
from tests.faultserver import FaultServer
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

REGISTRIES = load_registries()
REGISTRY = REGISTRIES.dialogues
PUBLISHED = datetime(2024, 2, 28, 14, 30, tzinfo=UTC)
# generous bounds for a loaded 2-core CI machine; a regex that backtracks exponentially blows through them
BOUND_SMALL = 2.0  # seconds, for inputs up to a few KB
BOUND_LARGE = 8.0  # seconds, for the multi-MB pathological pages

HOSTILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                   derandomize=True)

# Words that steer text into the code paths of the dateline, agency, topic and facts rules.
VOCAB = [
    "New Delhi", "Washington", ",", "(IANS)", "(PTI)", "--IANS", "Feb", "28", "2024", "Wednesday", "India",
    "US", "the United States", "Homeland Security Dialogue", "2+2", "Ministerial", "Dialogue", "talks",
    "held", "will hold", "next week", "on", "in", "-", "–", ".", "(", ")", "MENAFN-", "Disclaimer:", "AUSMIN",
    "Special Representatives", "co-chaired", "by", "signed", "agreement", "\n", "  ", "&amp;", "'", '"', ":",
    "Jan.", "31st", "IST", "GMT", "+05:30", "1", "ak/rad", "Reuters", "--", "...", "\u00a0", "\u200b",
]
vocab_text = st.lists(st.sampled_from(VOCAB), max_size=80).map(" ".join)
any_text = st.one_of(st.text(max_size=2000), vocab_text,
                     st.binary(max_size=2000).map(lambda b: b.decode("latin-1")))
TAGS = ["div", "p", "article", "main", "h1", "span", "script", "style", "meta", "time", "a", "table", "td",
        "br", "html", "body", "head", "title", "li", "section"]


@st.composite
def mangled_html(draw: st.DrawFn) -> str:
    """Tag soup: random open/close tags (unbalanced), attributes, text, comments, CDATA and JSON-LD junk."""
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 7))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            attr = draw(st.sampled_from(["class", "itemprop", "property", "content", "datetime", "name", "rel"]))
            parts.append(f"<{tag} {attr}=\"{draw(any_text)[:200]}\">")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(any_text))
        elif kind == 3:
            parts.append("<script type='application/ld+json'>" + draw(st.sampled_from(
                ['{"@type":"NewsArticle","datePublished":', '[{"@graph":[', '{"headline":null}', "{{{{",
                 '{"@type":"NewsArticle","headline":"x","datePublished":"2024-13-45T99:99"}'])) + "</script>")
        elif kind == 4:
            parts.append("<!-- " + draw(any_text)[:100])
        elif kind == 5:
            parts.append("<![CDATA[" + draw(any_text)[:100])
        elif kind == 6:
            parts.append(f"<meta property='article:published_time' content='{draw(any_text)[:40]}'>")
        else:
            parts.append("&" + draw(st.sampled_from(["amp", "#0", "#x110000", "#99999999999", "nbsp", "bogus"])) + ";")
    return "".join(parts)


@pytest.fixture(scope="module", autouse=True)
def warm_caches() -> None:
    """Load the gazetteer, registry indexes and compiled patterns once, so bounds time the work, not loading."""
    parse_dateline("New Delhi, Feb 28 (IANS) India", PUBLISHED)
    process_page("<html><body><article><p>New Delhi, Feb 28 (IANS) India and the United States held the "
                 "Homeland Security Dialogue.</p></article></body></html>", "https://example.org/a",
                 REGISTRIES.context_for("https://example.org/a"))


def timed(fn: Callable[[], Any], bound: float) -> Any:
    """Run ``fn`` and assert its CPU time (this process's, not the wall clock: other work on a loaded machine
    must not make a bounded page look unbounded) stays under ``bound``."""
    start = time.process_time()
    result = fn()
    elapsed = time.process_time() - start
    assert elapsed < bound, f"took {elapsed:.2f}s (bound {bound}s)"
    return result


# -- property tests: never raise, stay fast ---------------------------------------------------------------
@HOSTILE
@given(html=st.one_of(mangled_html(), any_text), as_bytes=st.booleans())
def test_extract_and_whole_pipeline_never_raise_on_mangled_html(html: str, as_bytes: bool) -> None:
    page: str | bytes = html.encode("utf-8", errors="surrogatepass") if as_bytes else html
    timed(lambda: extract_page(page, "https://example.org/2024/02/story.html"), BOUND_SMALL)
    timed(lambda: process_page(page, "https://example.org/2024/02/story.html", REGISTRIES.context_for("https://example.org/")), BOUND_SMALL)


@HOSTILE
@given(paragraphs=st.lists(any_text, max_size=12))
def test_clean_body_topic_and_facts_never_raise_on_arbitrary_text(paragraphs: list[str]) -> None:
    cleaned = timed(lambda: clean_body(paragraphs, published=PUBLISHED), BOUND_SMALL)
    title = paragraphs[0][:200] if paragraphs else None
    timed(lambda: classify_topic(title, cleaned.paragraphs, REGISTRY), BOUND_SMALL)
    timed(lambda: extract_event_facts(title, paragraphs, registry=REGISTRY, reference_date=date(2024, 2, 28),
                                      published=PUBLISHED, dateline_city=title, dateline_country=None), BOUND_SMALL)


@HOSTILE
@given(text=any_text, published=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.dates()))
def test_parse_dateline_never_raises(text: str, published: datetime | date | None) -> None:
    timed(lambda: parse_dateline(text, published), BOUND_SMALL)


@HOSTILE
@given(body=st.one_of(st.binary(max_size=3000), any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.lists(st.sampled_from([
                          b"<?xml version='1.0'?>", b"<urlset>", b"<url>", b"<loc>", b"</loc>", b"</url>",
                          b"<sitemapindex>", b"<sitemap>", b"<rss>", b"<item>", b"<link>", b"<feed>", b"<entry>",
                          b"<news:news>", b"<news:publication_date>", b"2024-02-30T25:00Z", b"http://x/a",
                          b"&lt;", b"&bogus;", b"\x00", b"{", b'"items":[', b"<![CDATA[", b"\x1f\x8b",
                      ]), max_size=60).map(b"".join)))
def test_parse_discovery_never_raises(body: bytes) -> None:
    found = timed(lambda: parse_discovery(body), BOUND_SMALL)
    assert isinstance(found.links, list)


@HOSTILE
@given(url=st.one_of(st.text(max_size=300), st.builds(lambda a, b: f"https://{a}/{b}", st.text(max_size=40),
                                                      st.text(max_size=200))),
       declared=st.one_of(st.none(), st.text(max_size=200)))
def test_canonical_url_never_raises(url: str, declared: str | None) -> None:
    out = timed(lambda: canonical_url(url, declared), BOUND_SMALL)
    assert isinstance(out, str)


# -- pathological shapes ---------------------------------------------------------------------------------
ARTICLE = ("<p>New Delhi, Feb 28 (IANS) India and the United States held the Homeland Security Dialogue in "
           "New Delhi on Wednesday, officials said.</p>")
PATHOLOGICAL = {
    "deep nesting": "<html><body>" + "<div>" * 50_000 + ARTICLE + "</div>" * 50_000 + "</body></html>",
    "unclosed nesting": "<html><body>" + "<span><b><i>" * 20_000 + ARTICLE,
    "huge attribute": f"<html><head><meta name='description' content='{'x' * 5_000_000}'></head><body>"
                      f"<article>{ARTICLE}</article></body></html>",
    "huge text node": "<html><body><article><p>" + "word " * 1_000_000 + "</p></article></body></html>",
    "binary junk": (bytes(range(256)) * 8000).decode("latin-1"),
    "entity bomb": ("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
                    + "".join(f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10 if i else '&lol;' * 10}'>"
                              for i in range(10))
                    + "]><html><body><p>&lol9;</p>" + ARTICLE + "</body></html>"),
    "numeric entities": "<html><body><article>" + "&#x10FFFF;&#0;&#55296;" * 100_000 + ARTICLE + "</article></body></html>",
    "backtracking bait": "<html><body><article><p>" + ("New Delhi, " * 20_000) + "(" * 20_000 + " 2+2 " * 10_000
                         + "</p><p>" + "Feb 28 " * 20_000 + "</p></article></body></html>",
    "many paragraphs": "<html><body><article>" + "<p>India US dialogue, Feb 28 (IANS) talks.</p>" * 50_000
                       + "</article></body></html>",
    "json-ld bomb": "<html><head><script type='application/ld+json'>" + "[" * 100_000 + "]" * 100_000
                    + "</script></head><body>" + ARTICLE + "</body></html>",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_pages_are_processed_within_bounds(name: str) -> None:
    html = PATHOLOGICAL[name]
    result = timed(lambda: process_page(html, "https://example.org/a.html", REGISTRIES.context_for("https://example.org/")), BOUND_LARGE)
    assert result.canonical_url == "https://example.org/a.html"
    text = "\n".join(result.clean.paragraphs)
    assert "lollollol" not in text  # entities are never expanded into the text
    if name == "entity bomb":
        assert len(text) < 10_000


@pytest.mark.parametrize("text", [
    "New Delhi, " * 10_000, "(" * 50_000, "a" * 200_000, "Feb " * 50_000, "NEW DELHI, Feb 28 (IANS) " * 5_000,
    "By " * 30_000 + "Staff", "--" * 50_000, "\n" * 100_000, "MENAFN- " * 20_000,
])
def test_dateline_and_facts_linear_on_backtracking_bait(text: str) -> None:
    timed(lambda: parse_dateline(text, PUBLISHED), BOUND_SMALL)
    paras = [text[i : i + 5000] for i in range(0, len(text), 5000)]
    timed(lambda: clean_body(paras, published=PUBLISHED), BOUND_LARGE)
    timed(lambda: classify_topic(text[:300], paras, REGISTRY), BOUND_LARGE)
    timed(lambda: extract_event_facts(text[:300], paras, registry=REGISTRY, reference_date=date(2024, 2, 28),
                                      published=PUBLISHED), BOUND_LARGE)


def test_discovery_refuses_xml_entity_bombs_and_external_entities() -> None:
    bomb = PATHOLOGICAL["entity bomb"].split("<html>")[0].encode() + (
        b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>http://x/&lol9;</loc></url>"
        b"<url><loc>http://x/ok</loc></url></urlset>")
    found = timed(lambda: parse_discovery(bomb), BOUND_SMALL)
    assert all(len(link.url) < 1000 for link in found.links)
    xxe = (b"<?xml version='1.0'?><!DOCTYPE u [<!ENTITY x SYSTEM 'file:///etc/hostname'>]>"
           b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>http://x/&x;</loc></url></urlset>")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\x00never"
    found = parse_discovery(xxe)
    assert not any(hostname in link.url for link in found.links)


def test_discovery_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (100 * 1024 * 1024), compresslevel=9)
    found = timed(lambda: parse_discovery(bomb), BOUND_LARGE)
    assert found.error is not None and "gzip" in found.error
    assert found.links == []


# -- SQL metacharacters are data --------------------------------------------------------------------------
INJECTIONS = [
    "' OR '1'='1", "IANS' OR 1=1 --", "x'; DROP TABLE documents; --", '" OR ""="', "%", "_", "*",
    "\\", "IND') UNION SELECT canonical_url FROM documents --", "NEAR(", "a OR b AND", "'\"`;",
]


def _populate(url: str) -> None:
    """Archive the demo site's pages (the pure pipeline, then the archive write API)."""
    base = "http://127.0.0.1:8000"
    docs = []
    for path in sorted(DEMO_SITE.rglob("*.html")):
        html = path.read_text(encoding="utf-8").replace("{{BASE}}", base)
        page_url = base + "/" + path.relative_to(DEMO_SITE).as_posix()
        page = process_page(html, page_url, REGISTRIES.context_for(page_url))
        if page.topic.topic != "unrelated" and page.clean.paragraphs:
            docs.append(page.to_record(status=200, fetched_at=datetime.now(UTC), raw_html=None))
    engine = make_engine(url)
    Archive(engine).write_batch(docs)
    engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
               for m in (Source, Document, Article, Event, SeenUrl)}
    engine.dispose()
    return out


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from crawler.app.cli.main import main

    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def populated(archive_url: str) -> Iterator[str]:
    _populate(archive_url)
    yield archive_url


def _filter_supported(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> bool:
    code, _out, err = _cli(capsys, "--database", url, *args)
    return not (code == 2 and "no such option" in err.lower())


def test_export_and_search_filters_treat_sql_metacharacters_as_data(
    populated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = populated
    before = _counts(url)
    assert before["documents"] > 0
    checks = [("export", "articles", "--agency"), ("export", "events", "--series"),
              ("export", "events", "--country"), ("export", "documents", "--query"), ("search",)]
    missing = [c for c in checks if not _filter_supported(capsys, url, *c, "x")]
    if missing:
        pytest.xfail(f"filters not in the CLI yet: {missing}")
    # positive control: a real value selects rows, so zero rows below means "matched nothing", not "broken"
    code, out, err = _cli(capsys, "--database", url, "export", "articles", "--agency", "IANS", "--format", "jsonl")
    assert code == 0, err
    assert len(out.splitlines()) >= 1
    for value in INJECTIONS:
        for cmd in checks:
            args = [*cmd, value] if cmd == ("search",) else [*cmd, value, "--format", "jsonl"]
            code, out, err = _cli(capsys, "--database", url, *args)
            assert "Traceback" not in err
            if code != 0:  # a query the full-text syntax cannot parse: one line, a usage-style error
                assert code in (1, 2) and len(err.strip().splitlines()) == 1, (cmd, value, err)
                continue
            rows = [ln for ln in out.splitlines() if ln.strip()]
            if cmd[0] == "export" and cmd[2] != "--query":
                assert rows == [], (cmd, value, rows[:2])  # an injection never widens an exact filter
            elif cmd[0] == "export":  # full-text syntax (OR, NEAR) is the user's to use, but never "all rows"
                assert len(rows) < before["documents"], (value, len(rows))
    assert _counts(url) == before


def test_nul_in_a_filter_value_never_matches_every_row(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from storage.schema import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    _populate(sqlite_url)
    for option, kind in (("--series", "events"), ("--agency", "articles"), ("--country", "events")):
        code, out, _err = _cli(capsys, "--database", sqlite_url, "export", kind, option, "\x00", "--format", "jsonl")
        assert code != 0 or out.strip() == "", (option, out[:200])


# -- the crawler stays on the seeds' hosts and never reads file:// or data: ------------------------------
def test_crawler_never_leaves_allowed_hosts_nor_reads_file_or_data_urls(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from storage.schema import upgrade

    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    root = tmp_path / "site"
    root.mkdir()
    secret = tmp_path / "secret.html"
    secret.write_text("<html><body><article><p>New Delhi, Feb 28 (IANS) India and the United States held the "
                      "Homeland Security Dialogue on Wednesday. SECRET-FILE-CONTENT</p></article></body></html>")
    with FaultServer(root) as server:
        port = server.base_url.rsplit(":", 1)[1]
        entries = [
            secret.as_uri(), "file:///etc/passwd", "data:text/html,<p>SECRET-DATA-CONTENT</p>",
            f"http://localhost:{port}/offsite.html", f"http://[::1]:{port}/offsite6.html",
            "ftp://127.0.0.1/x.html", f"{server.base_url}/fault/redirect-offsite",
            f"{server.base_url}/fault/redirect-file", f"{server.base_url}/fault/redirect-data",
        ]
        (root / "sitemap.xml").write_text(
            "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            + "".join(f"<url><loc>{e.replace('&', '&amp;').replace('<', '&lt;')}</loc></url>" for e in entries)
            + "</urlset>", encoding="utf-8")
        proc = forkcli.run(["--database", db, "crawl", "--sitemap", f"{server.base_url}/sitemap.xml",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
             *INLINE_EXTRACTION],
            capture_output=True, text=True, timeout=120, check=False)
        hosts = list(server.hosts)
        requests = list(server.requests)
    assert "crawl run" in proc.stdout, proc.stderr[-2000:]
    assert {h.split(":")[0] for h in hosts} == {"127.0.0.1"}, hosts
    assert "/offsite-target.html" not in requests
    engine = create_engine(db)
    with engine.connect() as conn:
        bodies = " ".join(conn.scalars(select(Article.body)))
        urls = list(conn.scalars(select(Document.canonical_url)))
    engine.dispose()
    assert "SECRET" not in bodies
    assert urls == []
