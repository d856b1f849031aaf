"""Event assignment in the archive (SQLite and PostgreSQL): order independence, previews, aliases, coverage
counts and dialogue series."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text, update

from storage.archive import Archive
from storage.db import make_engine
from storage.events import join_dates, refresh_coverage
from storage.models import Article, DialogueSeries, Event, EventAlias
from storage.records import DocumentRecord, EventFactsRecord, SeriesRecord

IST = timezone(timedelta(hours=5, minutes=30))
PUB = datetime(2024, 3, 1, 9, 0, tzinfo=IST)


def facts(start: date | None, *, rank: int = 3, relation: str = "report", end: date | None = None,
          mechanism: str = "homeland-security-dialogue", pair: tuple[str, str] = ("USA", "IND"),
          venue: tuple[str | None, str | None] = ("New Delhi", "IN"), chairs: tuple[str, ...] = ("Ajay Bhalla",),
          outcomes: tuple[str, ...] = ()) -> EventFactsRecord:
    return EventFactsRecord(
        countries=pair, mechanism=mechanism, relation=relation, series_name="India-US Homeland Security Dialogue",
        start_date=start, end_date=end, date_rank=rank, venue_city=venue[0], venue_country=venue[1],
        co_chairs=[{"name": c, "title": None, "country": None} for c in chairs], outcomes=list(outcomes),
    )


def page(n: int, ev: EventFactsRecord, *, published: datetime = PUB, agency: str | None = "IANS",
         host: str = "example.com") -> DocumentRecord:
    body = f"story {n} " + " ".join(f"word{n}x{i}" for i in range(40))  # distinct texts: one article each
    return DocumentRecord(
        url=f"https://{host}/{n}.html", canonical_url=f"https://{host}/{n}.html", source_domain=host,
        source_name=host, fetched_at=PUB, http_status=200, extractor_version="t", topic="dialogue_event",
        body=body, content_hash=hashlib.sha256(body.encode()).hexdigest(), published_at=published, agency=agency,
        relation=ev.relation, event=ev,
    )


def events_of(url: str) -> list[Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Event).order_by(Event.id)).all()
    engine.dispose()
    return list(rows)


def aliases_of(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = set(conn.scalars(select(EventAlias.alias_key)))
    engine.dispose()
    return out


def crawl(url: str, pages: list[DocumentRecord], *, one_batch_each: bool = True) -> None:
    archive = Archive(make_engine(url))
    if one_batch_each:
        for p in pages:
            archive.write_batch([p])
    else:
        archive.write_batch(pages)
    archive.engine.dispose()


# -- pure: the date join ------------------------------------------------------------------------------


def test_join_dates_does_not_depend_on_order() -> None:
    evidence = [
        (1, date(2024, 2, 26), None),  # preview
        (2, date(2024, 2, 28), None),  # "on Wednesday"
        (3, date(2024, 2, 27), date(2024, 2, 29)),  # "From February 27 to February 29"
        (3, date(2024, 2, 28), date(2024, 2, 28)),  # "on February 28" (main day)
        (0, None, None),
    ]
    results = set()
    for perm in itertools.permutations(evidence):
        first = next(e for e in perm if e[1] is not None)
        assert first[1] is not None
        state: tuple[int, date, date] = (first[0], first[1], max(first[2] or first[1], first[1]))
        for rank, start, end in perm:
            if (rank, start, end) != first:
                state = join_dates(state[0], state[1], state[2], rank, start, end)
        results.add(state)
    assert results == {(3, date(2024, 2, 27), date(2024, 2, 29))}


def test_a_single_day_does_not_extend_the_end() -> None:
    assert join_dates(2, date(2024, 8, 20), date(2024, 8, 20), 2, date(2024, 8, 21), None) == (
        2, date(2024, 8, 20), date(2024, 8, 20))
    assert join_dates(2, date(2024, 8, 20), None, 2, date(2024, 8, 20), date(2024, 8, 21)) == (
        2, date(2024, 8, 20), date(2024, 8, 21))


# -- archive ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
def test_weekday_then_range_gives_one_event_keyed_by_the_range(archive_url: str, reverse: bool) -> None:
    pages = [page(1, facts(date(2024, 2, 28), rank=2)),
             page(2, facts(date(2024, 2, 27), end=date(2024, 2, 29), chairs=("Kristie Canegallo",),
                           outcomes=("Memorandum of Cooperation",)), agency="ANI")]
    crawl(archive_url, pages[::-1] if reverse else pages)
    (ev,) = events_of(archive_url)
    assert ev.event_key == "IND-USA:homeland-security-dialogue:2024-02-27"
    assert (ev.start_date, ev.end_date, ev.date_rank) == (date(2024, 2, 27), date(2024, 2, 29), 3)
    assert {c["name"] for c in ev.co_chairs} == {"Ajay Bhalla", "Kristie Canegallo"}
    assert ev.outcomes == ["Memorandum of Cooperation"]
    expected_aliases = set() if reverse else {"IND-USA:homeland-security-dialogue:2024-02-28"}
    assert aliases_of(archive_url) == expected_aliases


@pytest.mark.parametrize("reverse", [False, True])
def test_preview_attaches_but_a_report_sets_the_date_and_venue(archive_url: str, reverse: bool) -> None:
    preview = page(1, facts(date(2024, 2, 26), rank=1, relation="preview", venue=("Dhaka", "BD")),
                   published=datetime(2024, 2, 20, 10, tzinfo=IST))
    report = page(2, replace(facts(date(2024, 2, 27), rank=2, venue=(None, None)), virtual=True))
    crawl(archive_url, [report, preview] if reverse else [preview, report])
    (ev,) = events_of(archive_url)
    assert ev.start_date == date(2024, 2, 27) and ev.date_rank == 2
    assert ev.virtual and (ev.venue_city, ev.venue_country) == (None, None)
    assert ev.articles_count == 2


def test_preview_alone_creates_the_event_with_the_announced_date(archive_url: str) -> None:
    crawl(archive_url, [page(1, facts(date(2024, 2, 27), rank=1, relation="preview"))])
    (ev,) = events_of(archive_url)
    assert ev.event_key.endswith(":2024-02-27") and ev.date_rank == 1


def test_rounds_and_series_stay_apart(archive_url: str) -> None:
    crawl(archive_url, [
        page(1, facts(date(2024, 2, 27))),
        page(2, facts(date(2024, 2, 27) + timedelta(days=8))),  # outside the ±3-day window: another round
        page(3, facts(date(2024, 2, 27), mechanism="counter-terrorism-joint-working-group")),  # another series
        page(4, facts(date(2024, 2, 27), pair=("AUS", "IND"))),  # another pair
    ], one_batch_each=False)
    assert len(events_of(archive_url)) == 4


def test_an_undated_page_joins_the_round_of_its_block_with_the_ordinal_it_states(archive_url: str) -> None:
    # "The third Homeland Security Dialogue was held in the capital." — no year, no weekday, and a page
    # whose publication date is unknown: the ordinal names the round, so the page joins that round.
    dated = [replace(facts(date(2024, 2, 27)), round_ordinal=3), replace(facts(date(2023, 3, 1)), round_ordinal=2)]
    undated = replace(facts(None, rank=0), round_ordinal=3)
    other_pair = replace(facts(None, rank=0, pair=("AUS", "IND")), round_ordinal=3)
    no_ordinal = facts(None, rank=0)
    pages = [page(1, dated[0]), page(2, dated[1])] + [
        replace(page(n, ev), published_at=None) for n, ev in ((3, undated), (4, other_pair), (5, no_ordinal))
    ]
    crawl(archive_url, pages)
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        by_url = dict(conn.execute(
            select(Article.body, Event.event_key).join(Event, Event.id == Article.event_id, isouter=True)).all())
    engine.dispose()
    joined = {body.split()[1]: key for body, key in by_url.items()}
    assert joined == {"1": "IND-USA:homeland-security-dialogue:2024-02-27",
                      "2": "IND-USA:homeland-security-dialogue:2023-03-01",
                      "3": "IND-USA:homeland-security-dialogue:2024-02-27", "4": None, "5": None}
    assert len(events_of(archive_url)) == 2


def test_an_ordinal_two_rounds_of_the_block_claim_attaches_nothing(archive_url: str) -> None:
    # Two events of one block both numbered 5 (one page misread an ordinal): the number no longer names one round.
    pages = [page(1, replace(facts(date(2024, 2, 27)), round_ordinal=5)),
             page(2, replace(facts(date(2023, 3, 1)), round_ordinal=5)),
             replace(page(3, replace(facts(None, rank=0), round_ordinal=5)), published_at=None)]
    crawl(archive_url, pages)
    assert sum(ev.articles_count for ev in events_of(archive_url)) == 2


@pytest.mark.parametrize("reverse", [False, True])
def test_a_round_described_without_a_name_is_the_named_round_of_its_pair(archive_url: str, reverse: bool) -> None:
    # "The 18th working meeting of the two defence ministries was held in Beijing on September 14-15" (no name:
    # the extractor's unnamed mechanism, no series name) and "... held the 18th Defense Policy Coordination Talks
    # in Beijing on September 14 and 15": one round, whichever page comes first.
    named = replace(facts(date(2024, 9, 14), pair=("CHN", "USA"), mechanism="defence-policy-coordination-talks"),
                    series_name="China-US Defense Policy Coordination Talks")
    described = replace(facts(date(2024, 9, 14), pair=("CHN", "USA"), mechanism="security-talks"), series_name=None)
    pages = [page(1, described), page(2, named)]
    crawl(archive_url, pages[::-1] if reverse else pages)
    (ev,) = events_of(archive_url)
    assert ev.event_key == "CHN-USA:defence-policy-coordination-talks:2024-09-14" and ev.articles_count == 2
    assert ev.series_name == "China-US Defense Policy Coordination Talks"
    assert aliases_of(archive_url) == (set() if reverse else {"CHN-USA:security-talks:2024-09-14"})


def test_a_described_round_beside_two_named_rounds_of_its_pair_stays_apart(archive_url: str) -> None:
    # Two named formats of the pair met that week: the description does not say which one it was.
    pair = ("CHN", "USA")
    crawl(archive_url, [
        page(1, replace(facts(date(2024, 9, 14), pair=pair, mechanism="defence-policy-coordination-talks"), series_name="A")),
        page(2, replace(facts(date(2024, 9, 15), pair=pair, mechanism="maritime-consultative-agreement"), series_name="B")),
        page(3, replace(facts(date(2024, 9, 14), pair=pair, mechanism="security-talks"), series_name=None)),
    ])
    assert sorted(ev.mechanism for ev in events_of(archive_url)) == [
        "defence-policy-coordination-talks", "maritime-consultative-agreement", "security-talks"]


def test_coverage_counts_are_exact_across_batches_and_copies(archive_url: str) -> None:
    report = page(1, facts(date(2024, 2, 27)), published=datetime(2024, 2, 28, 20, 4, tzinfo=IST), host="ians.example")
    copy = DocumentRecord(**{**report.__dict__, "url": "https://menafn.example/1.html",
                             "canonical_url": "https://menafn.example/1.html", "source_domain": "menafn.example",
                             "source_name": "menafn.example", "published_at": datetime(2024, 2, 28, 15, 6, tzinfo=UTC)})
    other = page(2, facts(date(2024, 2, 27)), agency="ANI", host="ani.example",
                 published=datetime(2024, 3, 1, 9, 45, tzinfo=IST))
    unrelated_event = page(3, facts(date(2023, 1, 5), mechanism="strategic-dialogue", pair=("FRA", "IND")))
    crawl(archive_url, [report, unrelated_event])
    crawl(archive_url, [copy, other], one_batch_each=False)
    crawl(archive_url, [copy])  # a re-crawl of an archived URL changes nothing
    hsd, fra = sorted(events_of(archive_url), key=lambda e: e.mechanism)
    assert (hsd.documents_count, hsd.articles_count, hsd.sources_count) == (3, 2, 3)
    assert hsd.agencies == ["ANI", "IANS"]
    assert hsd.first_report_at == datetime(2024, 2, 28, 14, 34, tzinfo=UTC)
    assert hsd.last_report_at == datetime(2024, 3, 1, 4, 15, tzinfo=UTC)
    assert (fra.documents_count, fra.articles_count, fra.sources_count, fra.agencies) == (1, 1, 1, ["IANS"])


def test_series_rows_registry_sync_and_links(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    registry = [
        SeriesRecord("homeland-security-dialogue", "India-US Homeland Security Dialogue", ("USA", "IND"),
                     "senior officials", ("Homeland Security Dialogue",), ("HSD",)),
        SeriesRecord("maritime-dialogue", "Maritime Dialogue", None, None),
    ]
    assert archive.sync_series(registry) == 2
    assert archive.sync_series(registry) == 0  # unchanged rows are not rewritten
    archive.write_batch([
        page(1, facts(date(2024, 2, 27))),
        page(2, facts(date(2024, 5, 2), mechanism="baltic-security-dialogue", pair=("NOR", "POL"))),
        page(3, facts(date(2024, 6, 2), mechanism="maritime-dialogue", pair=("IND", "JPN"))),
    ])
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        rows = {(s.slug, s.country_a, s.country_b): s for s in conn.execute(select(DialogueSeries))}
        links = {e.mechanism: e.series_id for e in conn.execute(select(Event))}
    assert rows[("homeland-security-dialogue", "IND", "USA")].in_registry
    assert rows[("homeland-security-dialogue", "IND", "USA")].abbreviations == ["HSD"]
    assert links["homeland-security-dialogue"] == rows[("homeland-security-dialogue", "IND", "USA")].id
    assert not rows[("baltic-security-dialogue", "NOR", "POL")].in_registry  # not in the registry
    assert links["baltic-security-dialogue"] == rows[("baltic-security-dialogue", "NOR", "POL")].id
    assert rows[("maritime-dialogue", "IND", "JPN")].in_registry  # the registry has it for any pair
    # the registry learns the Baltic series later: the same row becomes registered, the link stays
    archive.sync_series([*registry, SeriesRecord("baltic-security-dialogue", "Norway-Poland Baltic Security Dialogue",
                                                 ("POL", "NOR"))])
    with engine.connect() as conn:
        baltic = conn.execute(select(DialogueSeries).where(DialogueSeries.slug == "baltic-security-dialogue")).one()
        assert baltic.in_registry and baltic.name == "Norway-Poland Baltic Security Dialogue"
        assert conn.scalar(select(Event.series_id).where(Event.mechanism == "baltic-security-dialogue")) == baltic.id
        assert conn.scalar(select(Article.event_id).where(Article.body.like("story 2 %"))) is not None
    engine.dispose()
    archive.engine.dispose()


# -- facts fused across the event's documents (storage/fusion.py) -------------------------------------


def _chair(name: str, country: str | None = None, title: str | None = None) -> dict[str, Any]:
    return {"name": name, "title": title, "country": country}


def _copies() -> list[DocumentRecord]:
    """Three reports of one round that disagree: two say "23rd" and Washington, one "first ... in five years"
    (read as 1) and only the country; one copy gives Rajnath Singh the guests' country; names vary."""
    base = facts(date(2024, 2, 27))
    return [
        page(1, replace(base, round_ordinal=23, venue_city="Washington DC", venue_country="US", co_chairs=[
            _chair("Lloyd J. Austin III", "USA", "Secretary of Defense"), _chair("Rajnath Singh", "IND"),
            _chair("Yasar Guler", "TUR")])),
        page(2, replace(base, round_ordinal=23, venue_city="Washington DC", venue_country="US", co_chairs=[
            _chair("Lloyd Austin", "USA"), _chair("Rajnath Singh", "USA", "Defence Minister")])),
        page(3, replace(base, round_ordinal=1, venue_city=None, venue_country="US", co_chairs=[
            _chair("Mr. Lloyd Austin"), _chair("Shri Rajnath Singh", "IND"), _chair("Yaşar Güler", "TUR")])),
    ]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0)])
def test_fused_facts_do_not_depend_on_the_order_documents_arrive_in(archive_url: str, order: tuple[int, ...]) -> None:
    copies = _copies()
    crawl(archive_url, [copies[i] for i in order])
    (ev,) = events_of(archive_url)
    assert ev.round_ordinal == 23
    assert (ev.venue_city, ev.venue_country, ev.virtual) == ("Washington DC", "US", False)
    chairs = {c["name"]: (c["country"], c["title"]) for c in ev.co_chairs}
    assert chairs == {"Lloyd J. Austin III": ("USA", "Secretary of Defense"),
                      "Rajnath Singh": ("IND", "Defence Minister"), "Yaşar Güler": ("TUR", None)}
    assert any(r.startswith("round ordinal 23: weight 4 against 1 2") for r in ev.fusion_reasons)
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, title, country FROM v_event_chairs WHERE event_key = :k"),
                            {"k": ev.event_key}).all()
    engine.dispose()
    assert sorted(tuple(r) for r in rows) == [("Lloyd J. Austin III", "Secretary of Defense", "USA"),
                                               ("Rajnath Singh", "Defence Minister", "IND"),
                                               ("Yaşar Güler", None, "TUR")]


def test_fused_facts_are_recomputed_when_a_document_leaves(archive_url: str) -> None:
    crawl(archive_url, _copies())
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        (event_id,) = conn.scalars(select(Event.id)).all()
        first_two = conn.scalars(select(Article.id).order_by(Article.id).limit(2)).all()
        conn.execute(update(Article).where(Article.id.in_(first_two)).values(event_id=None))
        refresh_coverage(conn, [event_id])
    engine.dispose()
    (ev,) = events_of(archive_url)
    assert (ev.round_ordinal, ev.venue_city, ev.venue_country, ev.articles_count) == (1, None, "US", 1)
    assert {c["name"] for c in ev.co_chairs} == {"Lloyd Austin", "Rajnath Singh", "Yaşar Güler"}
