"""Size and render time of `newsarchive report` on a generated archive of 10,000 events.

Usage: .venv/bin/python benchmarks/bench_report.py [--events 10000] [--docs-per-event 4] [--repeat 3]
                                                   [--max-seconds 30] [--max-mb 25] [--keep DIR]

Generates a SQLite archive with the real migrations: 12 country pairs x 6 mechanisms (72 series), N events
spread over the series in date order (two rounds a year per series, going back in time), ordinals on 70% of
rounds with 5% of ordinals skipped (gaps the report must mark), two co-chairs each, a venue; per event
``--docs-per-event`` documents from 20 publishers and 8 agencies, one in five events with a preview first;
60 crawl runs with drop reasons; documents fetched over the last 90 days. Then it times
``crawler.app.report.write_report`` (read + render + write, the command's work without interpreter start-up)
``--repeat`` times and prints the median, the page's size, and its parts (SVG charts, tables). Exits 1 when
the median is over --max-seconds or the page over --max-mb.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.app.report import write_report
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event, Source, table_of
from storage.schema import upgrade

PAIRS = [("IND", "USA"), ("AUS", "IND"), ("IND", "JPN"), ("JPN", "USA"), ("KOR", "USA"), ("AUS", "JPN"),
         ("FRA", "IND"), ("CHN", "PAK"), ("GBR", "IND"), ("BGD", "IND"), ("AUS", "USA"), ("IND", "RUS")]
MECHANISMS = ["2plus2-ministerial-dialogue", "strategic-dialogue", "homeland-security-dialogue",
              "counter-terrorism-joint-working-group", "defence-policy-dialogue", "maritime-security-dialogue"]
AGENCIES = ["IANS", "ANI", "PTI", "Reuters", "Yonhap", "Kyodo", "Xinhua", None]
CITIES = [("New Delhi", "IN"), ("Washington DC", "US"), ("Tokyo", "JP"), ("Canberra", "AU"), ("Seoul", "KR")]
END = date(2025, 6, 30)
NOW = datetime(2025, 7, 1, tzinfo=UTC)


def fill(url: str, n_events: int, per_event: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    series = [(p, m) for p in PAIRS for m in MECHANISMS]
    events: list[dict[str, Any]] = []
    articles: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    per_series = -(-n_events // len(series))
    event_id = article_id = 0
    for s_index, (pair, mech) in enumerate(series):
        ordinal = 0
        for k in range(per_series):
            if event_id >= n_events:
                break
            event_id += 1
            ordinal += 2 if rng.random() < 0.05 else 1
            start = END - timedelta(days=(per_series - k) * 182 + s_index)
            city, country = rng.choice(CITIES)
            events.append({"id": event_id, "event_key": f"{pair[0]}-{pair[1]}:{mech}:{start}", "country_a": pair[0],
                           "country_b": pair[1], "mechanism": mech, "series_name": f"{pair[0]}-{pair[1]} {mech}",
                           "start_date": start, "end_date": start + timedelta(days=rng.choice((0, 0, 1))),
                           "date_rank": 3, "venue_city": city, "venue_country": country,
                           "round_ordinal": ordinal if rng.random() < 0.7 else None,
                           "co_chairs": [{"name": f"Minister {pair[0]} {k}", "title": "Minister", "country": pair[0]},
                                         {"name": f"Secretary {pair[1]} {k}", "title": "Secretary",
                                          "country": pair[1]}],
                           "created_at": NOW, "updated_at": NOW})
            preview = rng.random() < 0.2
            for d in range(per_event):
                article_id += 1
                relation = "preview" if preview and d == 0 else "report"
                offset = timedelta(days=-2 if relation == "preview" else rng.uniform(0.2, 5))
                published = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + offset
                body = f"story {article_id} about round {ordinal} of {mech}"
                articles.append({"id": article_id, "content_hash": f"{article_id:064x}", "title": body, "body": body,
                                 "topic": "dialogue_event", "relation": relation, "event_id": event_id,
                                 "agency": AGENCIES[article_id % len(AGENCIES)], "first_published_at": published,
                                 "created_at": NOW})
                documents.append({"id": article_id, "url": f"https://s{article_id % 20}.example/{article_id}",
                                  "canonical_url": f"https://s{article_id % 20}.example/{article_id}",
                                  "source_id": article_id % 20 + 1, "article_id": article_id,
                                  "fetched_at": NOW - timedelta(days=rng.randint(0, 89)), "http_status": 200,
                                  "published_at": published, "topic": "dialogue_event", "extractor_version": "bench",
                                  "created_at": NOW})
    runs = [{"id": i + 1, "spider": "newsarchive", "started_at": NOW - timedelta(days=60 - i),
             "finished_at": NOW - timedelta(days=60 - i) + timedelta(minutes=rng.randint(3, 40)), "status": "ok",
             "finish_reason": "finished", "items_archived": rng.randint(50, 500), "items_dropped": 5,
             "drop_reasons": {"unrelated": rng.randint(0, 40), "bad_url": rng.randint(0, 3)}} for i in range(60)]
    with engine.begin() as conn:
        conn.execute(table_of(Source).insert(), [{"id": i + 1, "name": f"Publisher {i}", "domain": f"s{i}.example",
                                                  "created_at": NOW} for i in range(20)])
        conn.execute(table_of(CrawlRun).insert(), runs)
        conn.execute(table_of(Event).insert(), events)
        for i in range(0, len(articles), 20_000):
            conn.execute(table_of(Article).insert(), articles[i:i + 20_000])
            conn.execute(table_of(Document).insert(), documents[i:i + 20_000])
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--docs-per-event", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--max-mb", type=float, default=25.0)
    ap.add_argument("--keep", type=Path, help="keep the archive and the report in this directory")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "bench-report.sqlite3"
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        fill(f"sqlite:///{db}", args.events, args.docs_per_event)
        print(f"generated {args.events} events, {args.events * args.docs_per_event} documents "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        engine = make_engine(f"sqlite:///{db}", read_only=True)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            path = write_report(engine, work / "report")
            times.append(time.perf_counter() - t0)
        engine.dispose()
        html = path.read_text(encoding="utf-8")
        size = path.stat().st_size
        svg = sum(len(m) for m in html.split("<svg")[1:] for m in [m.split("</svg>")[0]])
        median = statistics.median(times)
        print(f"report of {args.events} events: {size / 1e6:.2f} MB ({size:,} bytes; inline SVG {svg / 1e6:.2f} MB, "
              f"{html.count('<svg')} charts, {html.count('<tr')} table rows); render "
              f"{median:.2f} s median of {args.repeat} ({', '.join(f'{t:.2f}' for t in times)})")
        ok = median <= args.max_seconds and size / 1e6 <= args.max_mb
        if not ok:
            print(f"over budget: {args.max_seconds} s, {args.max_mb} MB", file=sys.stderr)
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
