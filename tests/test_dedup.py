"""Near-duplicate articles: the pure MinHash/containment rules, and the archive on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import dedup
from storage.archive import Archive
from storage.db import make_engine
from storage.models import Article, ArticleBand, Document
from storage.records import DocumentRecord
from tests.conftest import shared_path

STORY = [
    "Terrorism, organised crime, drug trafficking, money laundering and cyber-crimes were some of the issues that "
    "came up for discussion at the high-level India-US Homeland Security Dialogue here on Wednesday.",
    "Home Secretary Ajay Bhalla and Acting Deputy Secretary Kristie Canegallo of the US Department of Homeland "
    "Security led the respective delegations and reaffirmed their commitment to people-to-people ties.",
    "During the dialogue both sides reviewed ongoing cooperation in counter-terrorism and security domains, which "
    "has been a key pillar of the strategic partnership between the two countries, officials said.",
    "They discussed steps to bolster bilateral efforts to combat terrorism and violent extremism, drug trafficking, "
    "organised crime and to ensure transportation security, the Ministry of Home Affairs stated.",
    "The two sides agreed to enable safe and legal migration, counter illegal migration, human trafficking and the "
    "misuse of the cyber domain for illegal activities including terror financing.",
    "The co-chairs reiterated their interest in consolidating collaboration between law enforcement agencies via "
    "exchange of information, capacity building, technical assistance and regular meetings of sub-groups.",
    "A Memorandum of Cooperation on law enforcement training was signed between the Federal Law Enforcement "
    "Training Centre and the Sardar Vallabhbhai Patel National Police Academy in Hyderabad.",
    "The next round of the dialogue will be held in Washington at a mutually convenient date, the statement said.",
]
# Another agency's account of the same meeting: same facts and names, its own sentences.
REWRITE = [
    "The India-US Homeland Security Dialogue deepened the partnership between Washington and New Delhi on "
    "counternarcotics, customs collaboration, terrorism, cybercrime and irregular migration, a US readout said.",
    "From February 27 to February 29, Kristie Canegallo and Home Secretary Ajay Bhalla met in New Delhi to co-chair "
    "the dialogue, according to the readout issued by the Department of Homeland Security.",
    "The leaders reaffirmed the commitment of both countries to lawful immigration pathways while enforcing "
    "immigration law, and agreed to expand law enforcement work against smugglers who prey on migrants.",
    "The dialogue acknowledged the work of the counternarcotics working group, which guides joint efforts on drug "
    "regulation, law enforcement, multilateral coordination and drug demand reduction.",
    "The United States and India signed a Memorandum of Cooperation to expand law enforcement collaboration, the "
    "readout added, and discussed cyber security and the protection of critical infrastructure.",
]
T0 = datetime(2024, 2, 28, 14, 34, tzinfo=UTC)


def record(n: int, paragraphs: list[str], *, published: datetime = T0, title: str = "India, US hold HSD",
           host: str = "example.com") -> DocumentRecord:
    body = "\n\n".join(paragraphs)
    return DocumentRecord(
        url=f"https://{host}/s/{n}.html", canonical_url=f"https://{host}/s/{n}.html", source_domain=host,
        source_name=host, fetched_at=T0, http_status=200, extractor_version="t", topic="dialogue_other", body=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest(), title=title, published_at=published,
    )


def archive_counts(url: str) -> tuple[int, int, set[int]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        docs = int(conn.scalar(select(func.count()).select_from(Document)) or 0)
        articles = int(conn.scalar(select(func.count()).select_from(Article)) or 0)
        article_ids = set(conn.scalars(select(Document.article_id)))
    engine.dispose()
    return docs, articles, {int(a) for a in article_ids if a is not None}


# -- pure ---------------------------------------------------------------------------------------------


def test_shingles_ignore_case_punctuation_and_layout() -> None:
    assert dedup.shingles("One two, THREE four five six.") == dedup.shingles("one two three\n\nfour five  six")
    assert len(dedup.shingles("one two three four five six")) == 2
    assert dedup.shingles("") == set()
    assert dedup.shingles("too short") == {"too short"}


def test_minhash_is_deterministic_and_estimates_similarity() -> None:
    a = dedup.shingles(" ".join(STORY))
    b = dedup.shingles(" ".join(STORY[:4]))
    sig_a, sig_b = dedup.minhash(a), dedup.minhash(b)
    assert sig_a == dedup.minhash(set(a)) and len(sig_a) == dedup.NUM_PERM
    assert dedup.unpack(dedup.pack(sig_a)) == sig_a and len(dedup.pack(sig_a)) == 4 * dedup.NUM_PERM
    jaccard = len(a & b) / len(a | b)
    estimate = sum(x == y for x, y in zip(sig_a, sig_b, strict=True)) / dedup.NUM_PERM
    assert abs(estimate - jaccard) < 0.2
    assert all(0 <= h < 2**63 for h in dedup.band_hashes(sig_a)) and len(dedup.band_hashes(sig_a)) == dedup.BANDS


def test_containment_rule() -> None:
    full = dedup.shingles(" ".join(STORY))
    assert dedup.same_story(full, dedup.shingles(" ".join(STORY[:3])))  # truncated reprint
    assert dedup.same_story(full, dedup.shingles(" ".join([*STORY, "Disclaimer: supplied by a wire."])))
    assert not dedup.same_story(full, dedup.shingles(" ".join(REWRITE)))
    assert not dedup.same_story(dedup.shingles("a b c d e f"), dedup.shingles("a b c d e f g"))  # too short


def test_seed_rewrites_by_two_agencies_are_not_the_same_story() -> None:
    seeds = shared_path("data", "seeds")
    ians, ani = (dedup.shingles(p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt")))
    assert dedup.containment(ians, ani) < 0.2
    assert not dedup.same_story(ians, ani)


# -- archive (SQLite and PostgreSQL) ------------------------------------------------------------------


def test_truncated_reprint_merges_in_either_order(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    archive.write_batch([record(1, STORY[:3], host="aggregator.example")])  # the short copy first
    result = archive.write_batch([record(2, STORY, host="wire.example")])
    assert (result.articles_new, result.articles_near_duplicate) == (0, 1)
    docs, articles, ids = archive_counts(archive_url)
    assert (docs, articles, len(ids)) == (2, 1, 1)
    archive.engine.dispose()


def test_changed_headline_and_wrapper_merge_and_band_rows_are_stored(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    archive.write_batch([
        record(1, STORY, title="India, US hold Homeland Security Dialogue"),
        record(2, ["(MENAFN- IANS) " + STORY[0], *STORY[1:], "Legal Disclaimer: MENAFN provides the information as is."],
               title="Terror, drugs on agenda as India and US meet", host="menafn.example"),
    ])
    docs, articles, _ = archive_counts(archive_url)
    assert (docs, articles) == (2, 1)
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        bands = conn.scalar(select(func.count()).select_from(ArticleBand))
        sig = conn.scalar(select(Article.minhash))
    engine.dispose()
    assert bands == dedup.BANDS
    assert sig is not None and len(sig) == 4 * dedup.NUM_PERM
    archive.engine.dispose()


def test_rewrite_by_another_agency_stays_a_separate_article(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    archive.write_batch([record(1, STORY), record(2, REWRITE, host="ani.example")])
    assert archive_counts(archive_url)[:2] == (2, 2)
    archive.engine.dispose()


def test_publication_window_is_respected(archive_url: str) -> None:
    archive = Archive(make_engine(archive_url))
    archive.write_batch([record(1, STORY)])
    # the same text (truncated, so not an exact hash match) a month later is another article: a reused
    # backgrounder or a republished story, not a copy of this one
    archive.write_batch([record(2, STORY[:5], published=T0 + timedelta(days=dedup.WINDOW_DAYS + 20))])
    archive.write_batch([record(3, STORY[:6], published=T0 - timedelta(days=dedup.WINDOW_DAYS - 1))])
    docs, articles, _ = archive_counts(archive_url)
    assert (docs, articles) == (3, 2)
    archive.engine.dispose()


def test_concurrent_writers_do_not_create_twin_articles(archive_url: str) -> None:
    """Two crawlers archiving copies of one story at the same moment: one article (writers serialise)."""
    archives = [Archive(make_engine(archive_url)) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            barrier.wait()
            archives[i].write_batch([record(10 + i, STORY[: 4 + i], host=f"site{i}.example")])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert archive_counts(archive_url)[:2] == (2, 1)
    for a in archives:
        a.engine.dispose()
