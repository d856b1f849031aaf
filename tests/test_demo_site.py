"""The demo site (crawler/app/demo/site + gold.jsonl) is internally consistent, and its server behaves.

The site is both the `newsarchive demo` content and a gold-labelled crawl fixture, so these tests pin
what the crawl tests rely on: every gold page exists, sitemaps and feeds list only real pages with the
gold publication time, story and event groups are coherent, and the server answers like a polite web
server (ETag/Last-Modified/304, 404, no path traversal, loopback only).
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import lxml.html
import pytest

from crawler.app.demo import DEMO_GOLD, DEMO_SITE
from crawler.app.demo.server import FixtureServer

REPO = Path(__file__).resolve().parents[1]
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
PUBLISHERS = {"wirefeed", "capitalnews", "dailysentinel", "govpress", "asiawire", "globalwire"}
ALPHA3 = re.compile(r"^[A-Z]{3}$")


def shared_dir() -> Path:
    """../shared next to the repository, or skip the calling test when it is absent."""
    path = REPO.parent / "shared"
    if not path.is_dir():
        pytest.skip("../shared not present: the check against the shared data needs it")
    return path


def gold_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def site_file(url_path: str) -> Path:
    rel = url_path.lstrip("/")
    return DEMO_SITE / (rel + "index.html" if rel.endswith("/") or not rel else rel)


def url_path_of(loc: str) -> str:
    assert loc.startswith("{{BASE}}/"), loc
    return urlsplit(loc.removeprefix("{{BASE}}")).path


def body_paragraphs(url_path: str) -> list[str]:
    """Paragraph texts of a page that look like article text (long enough to be prose)."""
    doc = lxml.html.fromstring(site_file(url_path).read_bytes())
    texts = [" ".join(p.text_content().split()) for p in doc.iter("p")]
    return [t for t in texts if len(t) >= 60]


def story_text(row: dict[str, Any]) -> set[str]:
    """Body paragraphs with the printed dateline removed: equal for copies that differ only by wrapper."""
    paras = body_paragraphs(row["url_path"])
    raw = (row["dateline"] or {}).get("raw")
    out = set()
    for text in paras:
        if raw and text.startswith(raw):
            text = text[len(raw) :].strip()
        out.add(text)
    return out


def containment(a: set[str], b: set[str]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


# ----------------------------------------------------------------------------------------------- gold


def test_gold_schema_and_pages_exist() -> None:
    rows = gold_rows()
    assert 30 <= len(rows) <= 36
    keys = {
        "url_path",
        "publisher",
        "title",
        "published_at",
        "topic",
        "story_id",
        "agency",
        "dateline",
        "event",
        "facts_source",
        "quirk",
    }
    assert len({r["url_path"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == keys, r["url_path"]
        assert r["publisher"] in PUBLISHERS
        assert r["url_path"].startswith(f"/{r['publisher']}/")
        assert site_file(r["url_path"]).is_file(), r["url_path"]
        assert datetime.fromisoformat(r["published_at"]).utcoffset() is not None
        assert r["topic"] in {"dialogue_event", "dialogue_other", "unrelated"}
        assert (r["event"] is not None) == (r["topic"] == "dialogue_event"), r["url_path"]
        if r["dateline"] is not None:
            assert set(r["dateline"]) == {"raw", "city", "country", "agency", "date"}
            assert r["dateline"]["country"] is None or re.fullmatch(r"[A-Z]{2}", r["dateline"]["country"])
        if r["event"] is not None:
            ev = r["event"]
            assert ev["relation"] in {"report", "preview", "followup"}
            assert ev["countries"] == sorted(ev["countries"]) and all(
                ALPHA3.match(c) for c in ev["countries"]
            )
            assert ev["start_date"] <= ev["end_date"]


def test_topic_mix_is_realistic() -> None:
    rows = gold_rows()
    topics: dict[str, int] = defaultdict(int)
    for r in rows:
        topics[r["topic"]] += 1
    assert topics["dialogue_other"] == 2 and topics["unrelated"] == 4
    events = {r["event"]["event_id"] for r in rows if r["event"]}
    assert len(events) >= 8
    relations = {r["event"]["relation"] for r in rows if r["event"]}
    assert relations == {"report", "preview", "followup"}
    assert any("/amp/" in r["url_path"] for r in rows)


def test_title_and_dateline_are_on_the_page() -> None:
    for r in gold_rows():
        doc = lxml.html.fromstring(site_file(r["url_path"]).read_bytes())
        # The headline is the page's h1, or its first h2 on release pages that reserve h1 for the masthead.
        heading = doc.xpath("string(//h1)") or doc.xpath("string(//h2)")
        assert " ".join(heading.split()) == r["title"], r["url_path"]
        if r["dateline"] is not None:
            first = body_paragraphs(r["url_path"])[0]
            assert first.startswith(r["dateline"]["raw"] + " "), r["url_path"]


def test_canonical_links_point_to_existing_pages() -> None:
    by_path = {r["url_path"]: r for r in gold_rows()}
    for path, r in by_path.items():
        doc = lxml.html.fromstring(site_file(path).read_bytes())
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert len(canonical) == 1, path
        target = url_path_of(canonical[0])
        assert target in by_path, path
        if "/amp/" in path:
            assert target != path and by_path[target]["story_id"] == r["story_id"]
            assert "amp" in doc.getroottree().getroot().attrib, path
        else:
            assert target == path


def test_story_groups_share_text() -> None:
    """Same story_id = same text modulo wrapper; different stories of one event = different text."""
    rows = gold_rows()
    stories: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        stories[r["story_id"]].append(r)
    assert any(len(group) > 1 for group in stories.values())
    for sid, group in stories.items():
        first = group[0]
        for other in group[1:]:
            assert containment(story_text(first), story_text(other)) >= 0.8, sid
            assert other["event"] == first["event"] and other["agency"] == first["agency"], sid
    texts = {sid: story_text(group[0]) for sid, group in stories.items()}
    ids = sorted(texts)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert containment(texts[a], texts[b]) < 0.5, (a, b)


def test_event_groups_agree_on_facts() -> None:
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in gold_rows():
        if r["event"]:
            events[r["event"]["event_id"]].append(r)
    for eid, group in events.items():
        facts = {
            json.dumps({k: v for k, v in r["event"].items() if k != "relation"}, sort_keys=True)
            for r in group
        }
        assert len(facts) == 1, eid
        assert 2 <= len(group) <= 5, eid
        assert all(r["facts_source"]["event_id"] == eid for r in group), eid
    # Two rounds of one series must be distinguishable by start date.
    series_rounds: dict[str, set[str]] = defaultdict(set)
    for group in events.values():
        series_rounds[group[0]["event"]["series"]].add(group[0]["event"]["start_date"])
    assert any(len(starts) > 1 for starts in series_rounds.values())


# ------------------------------------------------------------------------------ sitemaps, feeds, robots


def test_sitemaps_list_existing_pages_with_gold_dates() -> None:
    gold = {r["url_path"]: r for r in gold_rows()}
    index = ET.parse(DEMO_SITE / "sitemap_index.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    sitemap_paths = [url_path_of(loc.text or "") for loc in index.iter(f"{SM}loc")]
    assert {p.split("/")[1] for p in sitemap_paths} == PUBLISHERS
    listed: set[str] = set()
    for sm_path in sitemap_paths:
        root = ET.parse(site_file(sm_path)).getroot()
        assert root.tag == f"{SM}urlset"
        for url in root.iter(f"{SM}url"):
            path = url_path_of(url.findtext(f"{SM}loc") or "")
            assert path in gold and path.startswith(sm_path.rsplit("/", 1)[0] + "/"), path
            news = url.find(f"{NEWS}news")
            assert news is not None, path
            pub_date = news.findtext(f"{NEWS}publication_date") or ""
            assert pub_date == gold[path]["published_at"], path
            assert datetime.fromisoformat(pub_date).utcoffset() is not None
            assert news.findtext(f"{NEWS}title") == gold[path]["title"]
            assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
            listed.add(path)
    assert listed == set(gold)


def test_feeds_parse_and_list_existing_pages() -> None:
    gold = {r["url_path"]: r for r in gold_rows()}
    feeds = sorted(DEMO_SITE.glob("*/feed.xml"))
    assert 3 <= len(feeds) <= 4
    for feed in feeds:
        channel = ET.parse(feed).getroot().find("channel")
        assert channel is not None
        items = channel.findall("item")
        assert items, feed
        for item in items:
            path = url_path_of(item.findtext("link") or "")
            assert path in gold, path
            published = parsedate_to_datetime(item.findtext("pubDate") or "")
            assert published == datetime.fromisoformat(gold[path]["published_at"])


def test_robots_and_listings() -> None:
    robots = (DEMO_SITE / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: {{BASE}}/sitemap_index.xml" in robots and "Disallow: /" not in robots
    gold_paths = {r["url_path"] for r in gold_rows()}
    tracked = 0
    for publisher in PUBLISHERS:
        doc = lxml.html.fromstring((DEMO_SITE / publisher / "index.html").read_bytes())
        hrefs = doc.xpath("//ul[@class='listing']//a/@href")
        tracked += sum("utm_source=" in h for h in hrefs)
        paths = {urlsplit(h).path for h in hrefs}
        assert paths <= gold_paths
        assert {p for p in gold_paths if p.startswith(f"/{publisher}/") and "/amp/" not in p} == paths
    assert tracked > 0


def test_site_is_small_and_has_no_dangling_placeholders() -> None:
    files = [f for f in DEMO_SITE.rglob("*") if f.is_file()]
    assert sum(f.stat().st_size for f in files) < 1_000_000
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert "{{" not in text.replace("{{BASE}}", ""), f


def _page_words(path: Path) -> list[str]:
    return lxml.html.fromstring(path.read_bytes()).text_content().split()


def _shingles(words: list[str], size: int) -> set[str]:
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_prose_is_not_copied_from_shared() -> None:
    """No 12-word run of the seeds, and no 20-word run of the dev wire sites, appears in the demo site.

    Facts may repeat (names, titles and official designations make runs of 10-16 words), prose may not.
    """
    data = shared_dir() / "data"
    seed_runs: set[str] = set()
    for seed in (data / "seeds").glob("*.txt"):
        seed_runs |= _shingles(seed.read_text(encoding="utf-8").split(), 12)
    dev_runs: set[str] = set()
    for page in (data / "wire-sites-dev" / "site").rglob("*.html"):
        dev_runs |= _shingles(_page_words(page), 20)
    assert seed_runs and dev_runs
    for page in DEMO_SITE.rglob("*.html"):
        words = _page_words(page)
        assert not _shingles(words, 12) & seed_runs, page
        assert not _shingles(words, 20) & dev_runs, page


# ------------------------------------------------------------------------------------------- the server


def get(base: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """One raw request (the path is sent verbatim, so '/../' reaches the server unnormalised)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture
def server():
    with FixtureServer(DEMO_SITE) as srv:
        yield srv


def test_server_serves_pages_with_base_replaced(server: FixtureServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    status, headers, body = get(server.base_url, "/robots.txt")
    assert status == 200
    assert f"Sitemap: {server.base_url}/sitemap_index.xml".encode() in body
    assert headers["Content-Type"].startswith("text/plain")
    assert int(headers["Content-Length"]) == len(body)

    status, headers, body = get(server.base_url, "/sitemap_index.xml")
    assert status == 200 and headers["Content-Type"] == "application/xml"
    assert b"{{BASE}}" not in body and f"{server.base_url}/wirefeed/sitemap.xml".encode() in body

    row = gold_rows()[0]
    status, headers, body = get(server.base_url, row["url_path"] + "?utm_source=test&utm_medium=unit")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'href="{server.base_url}{row["url_path"]}"'.encode() in body
    assert headers["ETag"].startswith('"') and "GMT" in headers["Last-Modified"]


def test_server_directory_urls_serve_index(server: FixtureServer) -> None:
    directory_page = next(r["url_path"] for r in gold_rows() if r["url_path"].endswith("/"))
    status, _, body = get(server.base_url, directory_page)
    assert status == 200 and b"<h1" in body
    status, _, body = get(server.base_url, "/")
    assert status == 200 and b"/wirefeed/" in body


def test_server_404_and_traversal(server: FixtureServer) -> None:
    assert get(server.base_url, "/no/such/page.html")[0] == 404
    # gold.jsonl exists one level above the served root: it must not be reachable.
    assert (DEMO_SITE.parent / "gold.jsonl").is_file()
    for path in ("/../gold.jsonl", "/wirefeed/../../gold.jsonl", "/%2e%2e/gold.jsonl", "/..%2fgold.jsonl"):
        status, _, body = get(server.base_url, path)
        assert status == 404, path
        assert b"story_id" not in body


def test_server_conditional_requests(server: FixtureServer) -> None:
    status, headers, body = get(server.base_url, "/wirefeed/feed.xml")
    assert status == 200 and body
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    status, headers, body = get(server.base_url, "/wirefeed/feed.xml", {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag
    status, _, body = get(server.base_url, "/wirefeed/feed.xml", {"If-Modified-Since": last_modified})
    assert status == 304 and body == b""
    status, _, _ = get(server.base_url, "/wirefeed/feed.xml", {"If-None-Match": '"stale"'})
    assert status == 200
    status, _, _ = get(
        server.base_url, "/wirefeed/feed.xml", {"If-Modified-Since": "Thu, 01 Jan 1998 00:00:00 GMT"}
    )
    assert status == 200


def test_server_counts_get_requests(server: FixtureServer) -> None:
    for _ in range(3):
        get(server.base_url, "/robots.txt")
    get(server.base_url, "/capitalnews/index.html?utm_source=x")
    get(server.base_url, "/missing.html")
    get(server.base_url, "/robots.txt", method="HEAD")
    assert server.requests["/robots.txt"] == 3
    assert server.requests["/capitalnews/index.html"] == 1
    assert server.requests["/missing.html"] == 1


def test_server_etag_depends_on_base_url() -> None:
    # The served bytes differ per base URL, so the ETag (a hash of them) must too.
    with FixtureServer(DEMO_SITE) as one, FixtureServer(DEMO_SITE) as two:
        etag_one = get(one.base_url, "/robots.txt")[1]["ETag"]
        etag_two = get(two.base_url, "/robots.txt")[1]["ETag"]
    assert etag_one != etag_two


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "8.8.8.8", "example.com", "::", ""])
def test_server_refuses_non_loopback(host: str) -> None:
    with pytest.raises(ValueError):
        FixtureServer(DEMO_SITE, host=host)


def test_server_stop_is_idempotent() -> None:
    srv = FixtureServer(DEMO_SITE)
    srv.stop()
    base = srv.start()
    assert srv.start() == base
    srv.stop()
    srv.stop()
    with pytest.raises(OSError):
        get(base, "/robots.txt")


def test_server_subprocess_prints_base_url_first() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.app.demo.server", str(DEMO_SITE)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first), first
        deadline = time.monotonic() + 5
        while True:
            try:
                status, _, body = get(first, "/robots.txt")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert status == 200 and f"{first}/sitemap_index.xml".encode() in body
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_server_subprocess_refuses_public_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler.app.demo.server", str(DEMO_SITE), "--host", "0.0.0.0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "loopback" in result.stderr
