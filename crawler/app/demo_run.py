"""``newsarchive demo``: the main job, offline, end to end.

Serves the bundled demo site (several publishers, news sitemaps, RSS, syndicated copies, an AMP twin, a
preview, unrelated pages) on 127.0.0.1, crawls it into a fresh archive, exports CSV files, and prints what
was archived: documents, articles and events; writes the HTML report (``report/index.html``) and prints how to
keep exploring the demo archive (``stats``, ``search``, ``browse``, ``report``).
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click
from sqlalchemy import func, select

from crawler.app.demo import DEMO_SITE
from crawler.app.demo.server import FixtureServer
from crawler.app.report import write_report
from crawler.app.run import local_fast_overrides, run_crawl
from storage.db import make_engine, mask_url, sqlite_url_for
from storage.exports import EXPORT_KINDS, iter_rows, write_export
from storage.models import Article, Document, Event, SeenUrl
from storage.schema import upgrade

DEMO_FILES = ("archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm",
              *(f"{k}.csv" for k in EXPORT_KINDS), "report/index.html")


def run_demo(output_dir: Path, *, database: str | None = None, verbose: bool = False) -> None:
    started = time.monotonic()
    output_dir.mkdir(parents=True, exist_ok=True)
    if database is None:
        for name in DEMO_FILES:  # only our own files: the directory may hold other things
            (output_dir / name).unlink(missing_ok=True)
        database = sqlite_url_for((output_dir / "archive.sqlite3").resolve())
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    click.echo(f"[1/4] archive ready: {mask_url(database)}")

    with FixtureServer(DEMO_SITE) as server:
        base = server.base_url
        click.echo(f"[2/4] demo site served at {base} (robots.txt, sitemap index, news sitemaps, RSS)")
        click.echo("[3/4] crawling ...")
        outcome = run_crawl(
            database,
            sitemaps=[f"{base}/sitemap_index.xml"],
            overrides=local_fast_overrides(),
            progress=sys.stderr.isatty(),
            log_level="INFO" if verbose else "ERROR",
        )
    if outcome.status != "ok":
        raise OSError(f"demo crawl ended with {outcome.finish_reason!r}")

    engine = make_engine(database, read_only=database.startswith("sqlite"))
    exported = []
    for kind in EXPORT_KINDS:
        path = output_dir / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            n = write_export(engine, kind, handle, fmt="csv", excel=True)
        exported.append((kind, n, path))
    click.echo("[4/4] exported " + ", ".join(f"{n} {k} -> {p}" for k, n, p in exported))

    with engine.connect() as conn:
        docs = conn.scalar(select(func.count()).select_from(Document))
        arts = conn.scalar(select(func.count()).select_from(Article))
        evs = conn.scalar(select(func.count()).select_from(Event))
        rejected = conn.scalar(select(func.count()).select_from(SeenUrl))
    stats = outcome.stats
    click.echo("")
    click.echo(
        f"Archived {docs} documents -> {arts} distinct articles -> {evs} events "
        f"({rejected} unrelated pages rejected; {stats.get('response_received_count', 0)} responses "
        f"in {time.monotonic() - started:.1f}s)"
    )
    click.echo("")
    click.echo("Events (one row per round; docs/articles/sources = coverage):")
    for row in iter_rows(engine, "events"):
        venue = ", ".join(v for v in (row["venue_city"], row["venue_country"]) if v) or "?"
        dates = row["start_date"] if row["end_date"] in (None, row["start_date"]) else \
            f"{row['start_date']}..{row['end_date']}"
        click.echo(f"  {row['event_key']}")
        click.echo(f"      {row['series_name'] or row['mechanism']} | {dates} | {venue} | "
                   f"docs={row['documents']} articles={row['articles']} sources={row['sources']}")
    report = write_report(engine, output_dir / "report")
    engine.dispose()
    click.echo("")
    click.echo(f"Report (timelines, first reports, coverage, health; opens offline): {report}")
    click.echo(f"Open {output_dir / 'events.csv'} in a spreadsheet, or query {output_dir / 'archive.sqlite3'} "
               "with sqlite3.")
    db = shlex.quote(str((output_dir / "archive.sqlite3").resolve()))
    click.echo("Keep exploring the demo archive:")
    click.echo(f"  newsarchive --database {db} stats")
    click.echo(f"  newsarchive --database {db} search 'Doval'")
    click.echo(f"  newsarchive --database {db} browse      # Datasette: pip install 'newsarchive[browse]'")
    click.echo(f"  newsarchive --database {db} report -o DIR --country IND")
