"""Full-text search (storage.search, `newsarchive search`) on SQLite FTS5 and PostgreSQL tsvector: ranking,
stemming and accent folding, the query language (phrases, OR, prefixes, exclusions), the shared filters,
SQL metacharacters as data, one-line errors for malformed queries, and the index following the articles.

The archive is written through storage.archive (the crawler's own write path) with real migrations; the
expected hits are read off the texts below, not off the code."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, func, inspect, select, text, update
from sqlalchemy.engine import make_url

from crawler.app.cli.main import main
from storage.archive import Archive
from storage.db import make_engine
from storage.models import Article, Document
from storage.records import DocumentRecord, EventFactsRecord
from storage.schema import upgrade
from storage.search import ArchiveFilter, QuerySyntaxError, parse_query, search
from tests.conftest import _pg_base_url, _pg_sqlalchemy_url


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    body: str
    agency: str | None
    published: datetime
    countries: tuple[str, str] | None = None
    mechanism: str | None = None
    series_name: str | None = None
    start: date | None = None
    domain: str = "wire.example"


STORIES = (
    Story("hsd", "India, US hold Homeland Security Dialogue in New Delhi",
          "New Delhi, Feb 28 (IANS) India and the United States held the sixth round of the Homeland Security "
          "Dialogue on Tuesday. Officials discussed counter-terrorism cooperation, cyber security and the fight "
          "against drug trafficking, said the Ministry of Home Affairs in a statement issued in the evening.",
          "IANS", datetime(2024, 2, 28, 14, 34, tzinfo=UTC), ("IND", "USA"), "homeland-security-dialogue",
          "Homeland Security Dialogue", date(2024, 2, 27), "ians.example"),
    Story("border", "Border talks end without breakthrough",
          "Officials from both sides met for the border consultations in the capital. The homeland of the nomad "
          "herders came up once, and security arrangements along the frontier were reviewed over two long days "
          "of meetings that ended without any joint statement or agreed minutes.",
          "PTI", datetime(2023, 6, 10, 9, 0, tzinfo=UTC), ("CHN", "IND"), "wmcc", "WMCC", date(2023, 6, 9),
          "pti.example"),
    Story("greece", "Türkiye and Greece reaffirm maritime affairs dialogue",
          "Ankara, Dec 7 (AA) Türkiye and Greece agreed at the High-Level Cooperation Council to keep their "
          "maritime affairs dialogue going, foreign ministry officials in Ankara said on Thursday after the "
          "leaders met in Athens for a long working lunch and a press conference.",
          "Anadolu", datetime(2023, 12, 7, 16, 0, tzinfo=UTC), ("GRC", "TUR"), "high-level-cooperation-council",
          "High-Level Cooperation Council", date(2023, 12, 7), "aa.example"),
    Story("turkiye", "Turkiye hosts visiting defence officials",
          "Turkiye hosted a group of visiting defence officials for talks on affairs of a maritime nature; the "
          "dialogue on regional questions was described as frank by participants in Istanbul this week, "
          "according to a readout circulated to reporters afterwards.",
          "Reuters", datetime(2022, 5, 3, 11, 0, tzinfo=UTC), domain="reuters.example"),
    Story("ausmin", "AUSMIN talks in Brisbane focus on submarines",
          "Brisbane, July 29 (Reuters) Australian and US ministers and officials met for AUSMIN, the annual "
          "ministerial consultations, focusing on submarines, the AUKUS partnership and deeper defence "
          "industry cooperation between the two allies over the coming decade.",
          "Reuters", datetime(2023, 7, 29, 6, 0, tzinfo=UTC), ("AUS", "USA"), "ausmin", "AUSMIN",
          date(2023, 7, 28), "reuters.example"),
    Story("meta", 'O\'Brien: 100% of "drones"; DROP TABLE articles; --',
          "Analyst Seán O'Brien said 100% of the drones_list entries were checked; the file named a_b%c was "
          "withheld. Counter-terrorism officials from the watch units also reported nothing new to the "
          "committee that afternoon, and the session closed early without questions.",
          "AP", datetime(2024, 1, 15, 20, 0, tzinfo=UTC), domain="ap.example"),
)


def record(s: Story, n: int = 0) -> DocumentRecord:
    facts = None
    if s.countries and s.mechanism:
        facts = EventFactsRecord(countries=s.countries, mechanism=s.mechanism, relation="report",
                                 series_name=s.series_name, start_date=s.start, date_rank=3)
    return DocumentRecord(
        url=f"https://{s.domain}/{s.key}/{n}", canonical_url=f"https://{s.domain}/{s.key}/{n}",
        source_domain=s.domain, fetched_at=datetime(2024, 3, 1, tzinfo=UTC), http_status=200,
        extractor_version="test", topic="dialogue_event" if facts else "dialogue_other", body=s.body,
        content_hash=f"hash-{s.key}", title=s.title, published_at=s.published, language="en", agency=s.agency,
        dateline_raw=s.body.split(")")[0] + ")" if "(" in s.body[:40] else None, event=facts,
        relation="report" if facts else None)


def seed(url: str, stories: tuple[Story, ...] = STORIES) -> dict[str, int]:
    """Write the stories into the archive at ``url``; {story key: article id}."""
    engine = make_engine(url)
    Archive(engine).write_batch([record(s) for s in stories])
    with engine.connect() as conn:
        ids = {h.removeprefix("hash-"): i for i, h in conn.execute(select(Article.id, Article.content_hash))}
    engine.dispose()
    assert set(ids) >= {s.key for s in stories}, "every story is its own article"
    return ids


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, dict[str, int]]]:
    """(database URL, {story key: article id}) of a migrated archive holding STORIES; once per database."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'archive.sqlite3'}"
    else:
        raw = _pg_base_url()
        admin = create_engine(_pg_sqlalchemy_url(raw), connect_args={"connect_timeout": 5})
        schema = f"t_{uuid.uuid4().hex[:12]}"
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            pytest.fail(f"NEWSARCHIVE_TEST_POSTGRES_URL is set but PostgreSQL is not usable: {exc}")
        url = make_url(_pg_sqlalchemy_url(raw)).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url, seed(url)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def hits(url: str, query: str, f: ArchiveFilter | None = None, limit: int = 50) -> list[dict[str, Any]]:
    engine = make_engine(url, read_only=True)
    try:
        return search(engine, query, f, limit=limit)
    finally:
        engine.dispose()


def keys(url: str, ids: dict[str, int], query: str, f: ArchiveFilter | None = None) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[r["article_id"]] for r in hits(url, query, f)}


# -- ranking and language ----------------------------------------------------------------------------------
def test_title_and_body_match_outranks_a_passing_mention(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    rows = hits(url, "homeland security")
    assert [r["article_id"] for r in rows] == [ids["hsd"], ids["border"]]
    assert [r["rank"] for r in rows] == [1, 2]
    assert rows[0]["score"] > rows[1]["score"]
    top = rows[0]
    assert top["event_key"] == "IND-USA:homeland-security-dialogue:2024-02-27"
    assert top["agency"] == "IANS" and top["documents"] == 1
    assert top["first_published_at"] == datetime(2024, 2, 28, 14, 34, tzinfo=UTC)
    assert "Homeland Security" in top["snippet"]


def test_ranked_order_is_by_score_and_limit_keeps_the_best(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    rows = hits(url, "officials")
    assert len(rows) == 6
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["article_id"] == ids["turkiye"], "the only story with 'officials' in its title ranks first"
    assert [r["article_id"] for r in hits(url, "officials", limit=2)] == [r["article_id"] for r in rows[:2]]


def test_stemming_case_and_accent_folding(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    assert keys(url, ids, "dialogues") == {"hsd", "greece", "turkiye"}
    assert keys(url, ids, "Turkiye") == {"greece", "turkiye"}
    assert keys(url, ids, "Türkiye") == {"greece", "turkiye"}
    assert keys(url, ids, "TÜRKİYE".replace("İ", "I")) == {"greece", "turkiye"}
    assert keys(url, ids, "Sean") == {"meta"}  # written Seán


def test_phrase_or_prefix_and_exclusion(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    assert keys(url, ids, '"maritime affairs"') == {"greece"}  # 'affairs of a maritime nature' is not the phrase
    assert keys(url, ids, "maritime affairs") == {"greece", "turkiye"}
    assert keys(url, ids, "ausmin OR homeland") == {"ausmin", "hsd", "border"}
    assert keys(url, ids, '"cooperation council" OR submarines') == {"greece", "ausmin"}
    assert keys(url, ids, "submar*") == {"ausmin"}
    assert keys(url, ids, "brisb*") == {"ausmin"}
    assert keys(url, ids, "dialogue -Greece") == {"hsd", "turkiye"}
    assert keys(url, ids, 'maritime -"maritime affairs"') == {"turkiye"}
    assert keys(url, ids, "officials -reuters -ians") == {"border", "greece", "turkiye", "meta"}  # text, not agency
    assert keys(url, ids, "wombat") == set()


def test_filters_narrow_search(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    everything = keys(url, ids, "officials")
    assert everything == {"hsd", "border", "greece", "turkiye", "ausmin", "meta"}
    assert keys(url, ids, "officials", ArchiveFilter(since=date(2024, 1, 1))) == {"hsd", "meta"}
    # --until is inclusive: a story published at 09:00 UTC on the 10th is in with --until 10th, out with 9th
    assert keys(url, ids, "officials", ArchiveFilter(until=date(2023, 6, 10))) == {"turkiye", "border"}
    assert keys(url, ids, "officials", ArchiveFilter(until=date(2023, 6, 9))) == {"turkiye"}
    assert keys(url, ids, "officials", ArchiveFilter(since=date(2023, 6, 11), until=date(2023, 12, 31))) == {
        "greece", "ausmin"}
    assert keys(url, ids, "officials", ArchiveFilter(series="homeland-security")) == {"hsd"}
    assert keys(url, ids, "officials", ArchiveFilter(series="cooperation council")) == {"greece"}
    assert keys(url, ids, "officials", ArchiveFilter(country="ind")) == {"hsd", "border"}
    assert keys(url, ids, "officials", ArchiveFilter(country="TUR")) == {"greece"}
    assert keys(url, ids, "officials", ArchiveFilter(agency="reuters")) == {"turkiye", "ausmin"}
    assert keys(url, ids, "officials", ArchiveFilter(agency="IANS", country="USA")) == {"hsd"}
    assert keys(url, ids, "officials", ArchiveFilter(agency="IANS", country="AUS")) == set()


# -- metacharacters are data ---------------------------------------------------------------------------------
INJECTIONS = [
    "'; DROP TABLE articles; --",
    "x' OR '1'='1",
    "\" OR 1=1 --\"",
    "100%",
    "a_b%c",
    "drones_list",
    "O'Brien",
    "title:drones",
    "NEAR(drones checked)",
    "drones AND NOT checked",
    "^drones",
    "{title body}: drones",
    "(drones)",
    "drones;",
    "\\drones",
    "drones)) OR ((1",
    "'' || ''",
    "& | ! <-> :*",
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_sql_and_fts_metacharacters_are_searched_as_text(seeded: tuple[str, dict[str, int]], query: str) -> None:
    url, ids = seeded
    try:
        found = keys(url, ids, query)
    except QuerySyntaxError:
        found = None  # refused as a query the user must fix: fine, but never a database error
    if found is not None:
        assert found <= {"meta"}, f"{query!r} matched {found}: operators leaked into the index query"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Article)) == len(ids)
        assert "articles" in inspect(conn).get_table_names()
    engine.dispose()


def test_words_around_metacharacters_still_find_their_article(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    assert keys(url, ids, "'; DROP TABLE articles; --") == {"meta"}
    assert keys(url, ids, "O'Brien") == {"meta"}
    assert keys(url, ids, '"drones"; withheld') == {"meta"}
    # no column-filter syntax; a word with punctuation inside is the phrase of its parts
    assert keys(url, ids, "table:articles") == {"meta"}
    assert keys(url, ids, "title:drones") == set()
    assert keys(url, ids, "counter-terrorism") == {"hsd", "meta"}
    assert keys(url, ids, "terrorism-counter") == set()


def test_filter_values_with_like_wildcards_are_literal(seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    for series in ("%", "_", "%%", "homeland%", "'; DROP TABLE events; --"):
        assert keys(url, ids, "officials", ArchiveFilter(series=series)) == set(), series
    for agency in ("%", "' OR '1'='1", "IANS' --"):
        assert keys(url, ids, "officials", ArchiveFilter(agency=agency)) == set(), agency


@pytest.mark.parametrize("query", ['"unbalanced', "OR india", "india OR", "india OR OR us", "-india",
                                   '-india -"home affairs"', "***", "  ", "-", '""'])
def test_malformed_queries_raise_query_syntax_error(query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query(query)


# -- through the CLI -----------------------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (['"homeland security'], "unbalanced"),
        (["OR india"], "OR"),
        (["--", "-india"], "not excluded"),
        (["***"], "nothing to search"),
        (["india", "--since", "yesterday"], "YYYY-MM-DD"),
        (["india", "--since", "2024-02-01", "--until", "2024-01-01"], "after --until"),
        (["india", "--country", "India"], "alpha-3"),
        (["india", "--limit", "0"], "--limit"),
        (["india", "--format", "xml"], "xml"),
    ],
)
def test_cli_user_mistakes_are_one_line_and_non_zero(capsys: pytest.CaptureFixture[str],
                                                      seeded: tuple[str, dict[str, int]], args: list[str],
                                                      needle: str) -> None:
    url, _ = seeded
    code, out, err = run(capsys, "--database", url, "search", *args)
    assert_one_line_error(code, err, needle)
    assert out == ""


def test_cli_search_formats(capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    code, out, err = run(capsys, "--database", url, "search", "homeland security", "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["article_id"] for r in rows] == [ids["hsd"], ids["border"]]
    assert rows[0]["first_published_at"] == "2024-02-28T14:34:00Z"
    code, out, err = run(capsys, "--database", url, "search", "submar*", "--format", "csv")
    assert code == 0, err
    lines = out.split("\r\n")
    assert lines[0].startswith("rank,score,article_id,event_key")
    assert f",{ids['ausmin']},AUS-USA:ausmin:2023-07-28," in lines[1]
    code, out, err = run(capsys, "--database", url, "search", "officials", "--agency", "Reuters",
                         "--since", "2023-01-01")
    assert code == 0, err
    assert "AUSMIN talks in Brisbane" in out and "Turkiye hosts" not in out
    code, out, err = run(capsys, "--database", url, "search", "wombat")
    assert code == 0 and out == "" and "no matches" in err


def test_cli_search_shows_each_hits_url_and_a_relevance_that_ranks_a_broad_query(
        capsys: pytest.CaptureFixture[str], seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    # "officials" is in most articles: FTS5's bm25 gives every hit ~0.000002, which printed as [0.00]
    code, out, err = run(capsys, "--database", url, "search", "officials", "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) >= 4 and all(r["score"] > 0 for r in rows), "scores keep their significant digits"
    relevances = [r["relevance"] for r in rows]
    assert relevances[0] == 1.0 and relevances == sorted(relevances, reverse=True) and len(set(relevances)) > 1
    by_id = {v: k for k, v in ids.items()}
    assert all(r["url"].endswith(f"/{by_id[r['article_id']]}/0") for r in rows), "the URL of the first copy"
    code, out, err = run(capsys, "--database", url, "search", "officials")
    assert code == 0 and "[1.00]" in out and "https://reuters.example/ausmin/0" in out
    assert out.count("[0.00]") < len(rows)


def test_an_event_key_that_matches_nothing_says_so(capsys: pytest.CaptureFixture[str],
                                                   seeded: tuple[str, dict[str, int]]) -> None:
    url, ids = seeded
    code, out, err = run(capsys, "--database", url, "search", "officials", "--event", "IND-USA:hsd:1999-01-01")
    assert code == 0 and out == "" and "--event 'IND-USA:hsd:1999-01-01': no event has this key" in err
    code, out, err = run(capsys, "--database", url, "export", "articles", "--event", "IND-USA:hsd:1999-01-01")
    assert code == 0 and out.count("\n") == 1 and "no event has this key" in err
    code, out, err = run(capsys, "--database", url, "search", "submarines", "--event", "AUS-USA:ausmin:2023-07-28")
    assert code == 0 and err == "" and f"article {ids['ausmin']}," in out


# -- the index follows the articles ------------------------------------------------------------------------
NEW = Story("numbat", "Numbat conservation talks open in Perth",
            "Perth, March 3 (AAP) Delegations opened talks on protecting the quokka and other marsupials, with "
            "rangers describing fire management on the islands and the mainland reserves to the visitors.",
            "AAP", datetime(2024, 3, 3, 1, 0, tzinfo=UTC), domain="aap.example")


def test_index_follows_inserts_updates_and_deletes(archive_url: str) -> None:
    ids = seed(archive_url, STORIES[:2])
    assert keys(archive_url, ids, "quokka") == set()
    ids = seed(archive_url, (NEW,))  # a later crawl batch
    assert keys(archive_url, ids, "quokka") == {"numbat"}
    assert keys(archive_url, ids, "numbat") == {"numbat"}
    assert keys(archive_url, ids, "homeland security") == {"hsd", "border"}, "older rows still indexed"

    engine = make_engine(archive_url)
    with engine.begin() as conn:
        conn.execute(update(Article).where(Article.id == ids["numbat"]).values(title="Wombat conservation talks"))
    assert keys(archive_url, ids, "numbat") == set()
    assert keys(archive_url, ids, "wombat") == {"numbat"}
    assert keys(archive_url, ids, "quokka") == {"numbat"}

    with engine.begin() as conn:
        conn.execute(delete(Document).where(Document.article_id == ids["numbat"]))
        conn.execute(delete(Article).where(Article.id == ids["numbat"]))
    engine.dispose()
    del ids["numbat"]
    assert keys(archive_url, ids, "wombat OR quokka") == set()
    assert keys(archive_url, ids, "homeland") == {"hsd", "border"}
