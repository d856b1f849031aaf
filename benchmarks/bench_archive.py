"""Cost of the archive step (dedup + event assignment + coverage) per document, by archive size.

For each size N (default 1,000 and 100,000) a fresh archive is filled with N generated articles by bulk
insert — with their documents, MinHash signatures and LSH band rows, and events — then ``Archive.write_batch``
archives the same generated workload of new documents (new stories, syndicated copies with wrappers,
truncated reprints; all with event facts) in batches of 50, and the median time per document is printed.

Generated archives keep a constant density (``--per-day`` articles a day, the archive growing back in time),
as a real archive does: a bigger archive covers more years, not more stories per week. Texts are drawn from
one shared domain vocabulary and sentence pool, so unrelated articles share phrases and some become LSH
candidates, as real coverage of the same dialogues does.

    .venv/bin/python benchmarks/bench_archive.py [--sizes 1000,100000] [--postgres URL] [--docs 400]
        [--sql-fill 10000] [--no-sqlite]

On PostgreSQL each size gets a new schema, kept after the run: the output line prints its URL, to re-measure
the filled archives side by side with ``bench_archive_remeasure.py TAG URL_SMALL URL_LARGE`` (the measurement
straight after a 1,000,000-article fill reads cold caches); drop the database when done.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

from storage.archive import Archive  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.dedup import Fingerprint, pack  # noqa: E402
from storage.models import Article, ArticleBand, Document, Event, Source, table_of  # noqa: E402
from storage.records import DocumentRecord, EventFactsRecord  # noqa: E402
from storage.schema import upgrade  # noqa: E402

END = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
PAIRS = [("IND", "USA"), ("AUS", "IND"), ("IND", "JPN"), ("JPN", "USA"), ("KOR", "USA"), ("AUS", "JPN"),
         ("FRA", "IND"), ("CHN", "PAK"), ("GBR", "IND"), ("BGD", "IND"), ("AUS", "USA"), ("IND", "RUS")]
MECHANISMS = ["2plus2-ministerial-dialogue", "strategic-dialogue", "homeland-security-dialogue",
              "counter-terrorism-joint-working-group", "defence-policy-dialogue", "maritime-security-dialogue"]
WORDS = ["minister", "secretary", "dialogue", "talks", "bilateral", "security", "defence", "cooperation", "strategic", "partnership", "maritime", "terrorism", "cyber", "border", "delegation", "officials", "agreed", "discussed", "reviewed", "region", "indo-pacific", "joint", "statement", "round", "meeting", "capital", "counterparts", "exchange", "training", "exercises", "logistics", "technology", "supply", "chains", "critical", "minerals", "space", "nuclear", "energy", "trade", "investment", "visit", "summit", "framework", "agreement", "memorandum", "signed", "held", "first", "second", "third", "annual", "senior", "level", "working", "group"]
AGENCIES = ["IANS", "ANI", "PTI", "Reuters", "Yonhap", "Kyodo", "Xinhua", None]
SEED = 20240227


class Generator:
    """Deterministic generated news over one vocabulary. Sentences are fresh, but a third of them carry a
    stock phrase from a shared pool ("the two sides reviewed ..."), and 30% of stories end in one of a few
    syndicators' disclaimers, so unrelated articles share shingles as real coverage does."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.phrases = [self._words(self.rng.randint(6, 10)) for _ in range(3000)]
        self.disclaimers = [self._words(30).capitalize() + "." for _ in range(5)]

    def _words(self, k: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(k))

    def _sentence(self) -> str:
        words = self._words(self.rng.randint(10, 24))
        if self.rng.random() < 0.33:
            words = f"{words} {self.rng.choice(self.phrases)}"
        return words.capitalize() + "."

    def story(self) -> list[str]:
        paragraphs = [f"{self._sentence()} {self._sentence()}" for _ in range(self.rng.randint(3, 6))]
        if self.rng.random() < 0.3:
            paragraphs.append(self.rng.choice(self.disclaimers))
        return paragraphs


def fill(engine: Engine, n: int, per_day: int, gen: Generator) -> None:
    """Bulk-insert n articles (one document each), their bands, and one event per 4 articles."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(table_of(Source).insert(), [{"id": i + 1, "name": f"source-{i}", "domain": f"s{i}.example",
                                                  "created_at": now} for i in range(20)])
    chunk = 5000
    event_id = 0
    for start in range(0, n, chunk):
        articles, documents, bands, events = [], [], [], []
        for i in range(start, min(n, start + chunk)):
            published = END - timedelta(days=i / per_day)
            body = "\n\n".join(gen.story())
            fp = Fingerprint.of(body)
            if i % 4 == 0:
                event_id += 1
                pair = PAIRS[event_id % len(PAIRS)]
                mech = MECHANISMS[(event_id // len(PAIRS)) % len(MECHANISMS)]
                day: date = (published - timedelta(days=1)).date()
                events.append({"id": event_id, "event_key": f"{pair[0]}-{pair[1]}:{mech}:{day}:{event_id}",
                               "country_a": pair[0], "country_b": pair[1], "mechanism": mech,
                               "start_date": day, "end_date": day, "date_rank": 3, "created_at": now,
                               "updated_at": now, "documents_count": 4, "articles_count": 4, "sources_count": 2})
            articles.append({"id": i + 1, "content_hash": hashlib.sha256(body.encode()).hexdigest(), "body": body,
                             "title": body[:60], "topic": "dialogue_event", "relation": "report",
                             "agency": AGENCIES[i % len(AGENCIES)], "event_id": event_id,
                             "first_published_at": published, "minhash": pack(fp.signature), "created_at": now})
            documents.append({"id": i + 1, "url": f"https://s{i % 20}.example/a/{i}", "canonical_url":
                              f"https://s{i % 20}.example/a/{i}", "source_id": i % 20 + 1, "article_id": i + 1,
                              "fetched_at": now, "http_status": 200, "published_at": published,
                              "topic": "dialogue_event", "extractor_version": "bench", "created_at": now})
            bands += [{"article_id": i + 1, "band": b, "hash": h} for b, h in enumerate(fp.bands)]
        with engine.begin() as conn:
            if events:
                conn.execute(table_of(Event).insert(), events)
            conn.execute(table_of(Article).insert(), articles)
            conn.execute(table_of(Document).insert(), documents)
            conn.execute(table_of(ArticleBand).insert(), bands)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("events", "articles", "documents", "sources"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def fill_sql(engine: Engine, n: int, per_day: int, gen: Generator, template: int) -> None:
    """PostgreSQL: ``fill`` the newest ``template`` articles from Python, then replicate them server-side with
    ``INSERT ... SELECT ... CROSS JOIN generate_series`` back in time up to n articles (the ORM-side fill of
    1,000,000 articles and 32,000,000 band rows took over 30 minutes here).

    Replica k of template article i is article i + k*template, published k*template/per_day days earlier (the
    archive keeps its density), with its own event (one per 4 articles, as in ``fill``), URL and content hash.
    Its band hashes are the template's XOR ``k << 40``: old replicas are not near-duplicates of each other nor
    of the new workload (only the newest, real-text articles are, as in a real archive), while the band index
    holds n*32 rows of the same distribution of keys."""
    if engine.dialect.name != "postgresql":
        raise SystemExit("--sql-fill needs PostgreSQL")
    template = min(template, n)
    fill(engine, template, per_day, gen)
    copies = -(-n // template) - 1
    if copies <= 0:
        return
    with engine.connect() as conn:
        n_events = int(conn.scalar(text("SELECT max(id) FROM events")) or 0)
    shift = f"(k * {template}::float8 / {per_day})"  # days replica k lies before its template
    keep = f"k <= {copies}"
    statements = [
        f"""INSERT INTO events (id, event_key, country_a, country_b, mechanism, start_date, end_date, date_rank,
                created_at, updated_at, documents_count, articles_count, sources_count, virtual)
            SELECT id + k * {n_events}, event_key || ':r' || k, country_a, country_b, mechanism,
                   start_date - {shift}::int, end_date - {shift}::int, date_rank, created_at, updated_at,
                   documents_count, articles_count, sources_count, virtual
            FROM events CROSS JOIN generate_series(1, {copies}) AS k WHERE {keep}""",
        "ALTER TABLE articles DISABLE TRIGGER articles_fts_ai",
        f"""INSERT INTO articles (id, content_hash, body, title, topic, relation, agency, event_id,
                first_published_at, minhash, created_at)
            SELECT id + k * {template}, md5(content_hash || ':' || k) || substr(content_hash, 33), body, title,
                   topic, relation, agency, event_id + k * {n_events},
                   first_published_at - make_interval(secs => {shift} * 86400), minhash, created_at
            FROM articles CROSS JOIN generate_series(1, {copies}) AS k
            WHERE id + k * {template} <= {n}""",
        # a replica's text is its template's: copy the template's tsvector instead of computing 1M of them
        f"""INSERT INTO articles_fts (article_id, document)
            SELECT article_id + k * {template}, document
            FROM articles_fts CROSS JOIN generate_series(1, {copies}) AS k
            WHERE article_id + k * {template} <= {n}""",
        "ALTER TABLE articles ENABLE TRIGGER articles_fts_ai",
        f"""INSERT INTO documents (id, url, canonical_url, source_id, article_id, fetched_at, http_status,
                published_at, topic, extractor_version, created_at)
            SELECT id + k * {template}, url || '/r' || k, canonical_url || '/r' || k, source_id,
                   article_id + k * {template}, fetched_at, http_status,
                   published_at - make_interval(secs => {shift} * 86400), topic, extractor_version, created_at
            FROM documents CROSS JOIN generate_series(1, {copies}) AS k
            WHERE id + k * {template} <= {n}""",
        f"""INSERT INTO article_lsh_bands (article_id, band, hash)
            SELECT article_id + k * {template}, band, hash # (k::bigint << 40)
            FROM article_lsh_bands CROSS JOIN generate_series(1, {copies}) AS k
            WHERE article_id + k * {template} <= {n}""",
    ]
    # 32 random keys per article into the (band, hash) B-tree, one by one, took over 20 minutes for 1M
    # articles here, and the FTS trigger (to_tsvector per row) 15: the two big secondary indexes are dropped for
    # the bulk insert and built once afterwards (sorted, far cheaper), the trigger's rows copied
    with engine.connect() as conn:
        defs = [str(d) for d in conn.scalars(text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN "
            "('ix_article_lsh_bands_band_hash', 'articles_fts_document_gin')"))]
    statements = ["DROP INDEX ix_article_lsh_bands_band_hash", "DROP INDEX articles_fts_document_gin",
                  *statements, *defs]
    for sql in statements:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            conn.exec_driver_sql(sql)  # not text(): ':r' would read as a bind parameter
    with engine.begin() as conn:
        for table in ("events", "articles", "documents", "sources"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    with engine.connect() as conn:  # VACUUM cannot run in a transaction
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def workload(gen: Generator, count: int) -> list[DocumentRecord]:
    """New documents published at the archive's newest end: 60% new stories, 25% copies, 15% truncations."""
    rng = random.Random(SEED + 1)
    out: list[DocumentRecord] = []
    stories: list[list[str]] = []
    for i in range(count):
        roll = rng.random()
        if stories and roll < 0.25:
            paragraphs = ["(MENAFN- IANS) " + stories[-1][0], *stories[-1][1:], "Legal disclaimer of the portal."]
        elif stories and roll < 0.40:
            paragraphs = rng.choice(stories)[:2]
        else:
            paragraphs = gen.story()
            stories.append(paragraphs)
        body = "\n\n".join(paragraphs)
        pair = PAIRS[i % len(PAIRS)]
        facts = EventFactsRecord(countries=pair, mechanism=MECHANISMS[i % len(MECHANISMS)], relation="report",
                                 start_date=(END - timedelta(days=rng.randint(0, 3))).date(), date_rank=3,
                                 venue_city="New Delhi", venue_country="IN",
                                 co_chairs=[{"name": "A B", "title": None, "country": None}])
        out.append(DocumentRecord(
            url=f"https://new.example/{i}", canonical_url=f"https://new.example/{i}", source_domain="new.example",
            source_name=f"source-{i % 20}", fetched_at=END, http_status=200, extractor_version="bench",
            topic="dialogue_event", body=body, content_hash=hashlib.sha256(body.encode()).hexdigest(),
            published_at=END + timedelta(minutes=i), agency=AGENCIES[i % len(AGENCIES)], relation="report",
            event=facts))
    return out


def measure(engine: Engine, docs: list[DocumentRecord], batch: int) -> list[float]:
    """Per-document seconds of each batch's write_batch."""
    archive = Archive(engine)
    per_doc = []
    for i in range(0, len(docs), batch):
        chunk = docs[i : i + batch]
        started = time.perf_counter()
        archive.write_batch(chunk)
        per_doc.append((time.perf_counter() - started) / len(chunk))
    return per_doc


def fresh(kind: str, label: str, tmp: Path, pg: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'bench-{label}.sqlite3'}"
    from sqlalchemy.engine import make_url

    assert pg is not None
    url = make_url(pg)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    schema = f"bench_{label}_{int(time.time())}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--docs", type=int, default=400, help="documents archived in the measured workload")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--per-day", type=int, default=30, help="archive density (articles per day)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server (new schemas)")
    parser.add_argument("--sql-fill", type=int, metavar="TEMPLATE", default=0,
                        help="PostgreSQL: fill sizes above TEMPLATE articles by replicating TEMPLATE generated "
                             "articles server-side (generate_series), not row by row from Python")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="measure PostgreSQL only")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = (["sqlite"] if args.sqlite else []) + (["postgres"] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            medians: dict[int, float] = {}
            for n in sizes:
                url = fresh(kind, str(n), Path(tmp), args.postgres)
                engine = make_engine(url)
                upgrade(engine)
                gen = Generator()
                started = time.perf_counter()
                if kind == "postgres" and args.sql_fill and n > args.sql_fill:
                    fill_sql(engine, n, args.per_day, gen, args.sql_fill)
                else:
                    fill(engine, n, args.per_day, gen)
                filled = time.perf_counter() - started
                per_doc = measure(engine, workload(gen, args.docs), args.batch)
                medians[n] = statistics.median(per_doc)
                size = ""
                if kind == "postgres":  # for bench_archive_remeasure.py (the schemas are kept)
                    size = f", {url}"
                if kind == "sqlite":
                    db = Path(url.removeprefix("sqlite:///"))
                    size = f", file {db.stat().st_size / n / 1024:.1f} KiB/article"
                print(f"{kind:8s} {n:>7,} archived articles: filled in {filled:.0f}s{size}; archive step median "
                      f"{medians[n] * 1000:.2f} ms/document (batches of {args.batch}, {args.docs} documents)",
                      flush=True)
                engine.dispose()
            lo, hi = min(sizes), max(sizes)
            ratio = medians[hi] / medians[lo]
            verdict = "within" if ratio <= 2 else "OVER"
            print(f"{kind:8s} ratio {hi:,} / {lo:,}: {ratio:.2f}x ({verdict} the 2x target)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
