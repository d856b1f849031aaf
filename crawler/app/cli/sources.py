"""``newsarchive sources list|show NAME|check`` and ``newsarchive reprocess [--since] [--source]``."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # crawler.core.sources loads the event rules: imported when a command runs, not for --help
    from crawler.core.sources import SourceRegistry


def _user_error(message: str) -> click.ClickException:
    from crawler.app.cli.main import UserError

    return UserError(message)


def _registry() -> SourceRegistry:
    from crawler.app.cli.main import load_registries_or_exit

    return load_registries_or_exit().sources


@click.group()
def sources() -> None:
    """The source registry: the real sites newsarchive reads, and what is known about them."""


@sources.command("list")
def sources_list() -> None:
    """One line per registered source: name, kind, country, zone, agency, confidence."""
    reg = _registry()
    click.echo(f"{'name':<18} {'kind':<11} {'cc':<3} {'zone':<26} {'agency':<8} {'endpoints':<9} confidence")
    for s in reg:
        used = sum(1 for _ in s.endpoints())
        zone = s.timezone.value or "?"
        if s.timezone.confidence in ("guess", "low", "unknown"):
            zone += f" ({s.timezone.confidence})"
        click.echo(f"{s.name:<18} {s.kind:<11} {s.country or '-':<3} {zone:<26} {s.agency.value or '-':<8} "
                   f"{used:<9} {s.confidence}")


@sources.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="The registry entry as JSON.")
def sources_show(name: str, as_json: bool) -> None:
    """Everything the registry says about one source, with each fact's confidence."""
    from crawler.core.sources import BUILTIN_SOURCES, UnknownSource, read_document

    reg = _registry()
    try:
        s = reg.get(name)
    except UnknownSource as exc:
        raise _user_error(str(exc)) from None
    if as_json:
        doc = read_document(BUILTIN_SOURCES)
        click.echo(json.dumps(next(r for r in doc["sources"] if r["name"] == s.name), indent=2, ensure_ascii=False))
        return
    click.echo(f"{s.name}: {s.title}")
    click.echo(f"  kind        {s.kind}")
    click.echo(f"  domains     {', '.join(s.domains)}")
    click.echo(f"  country     {s.country or 'unknown'}")
    click.echo(f"  time zone   {s.timezone.value or 'unknown'} [{s.timezone.confidence}]")
    click.echo(f"  agency      {s.agency.value or '-'} [{s.agency.confidence}]")
    click.echo(f"  confidence  {s.confidence}")
    click.echo(f"  politeness  delay {s.download_delay:g}s, concurrency {s.concurrency}")
    if s.blocking:
        click.echo(f"  bot wall    {s.blocking}")
    click.echo("  discovery:")
    if not s.discovery:
        click.echo("    (none known)")
    for ep in s.discovery:
        note = f" — {ep.note}" if ep.note else ""
        skip = "" if ep.used else " (not requested)"
        click.echo(f"    {ep.type:<8} [{ep.confidence}] {ep.url}{skip}{note}")
    click.echo("  article URL patterns:")
    for p in s.article_patterns:
        click.echo(f"    [{p.confidence}] {p.pattern.pattern}")
    for w in s.syndication:
        click.echo(f"  syndication wrapper [{w.get('confidence')}] {w.get('wrapper')}")
    for key, hint in s.extraction.items():
        click.echo(f"  extraction hint {key}: {hint}")
    if s.notes:
        click.echo(f"  notes: {s.notes}")


@sources.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def sources_check(path: Path | None) -> None:
    """Validate a registry file (default: the built-in one): patterns compile, URLs parse, zones exist.

    Exits 1 with one line per problem."""
    from crawler.core.sources import BUILTIN_SOURCES, SourceRegistryError, check_document, read_document

    target = path or BUILTIN_SOURCES
    try:
        document = read_document(target)
    except SourceRegistryError as exc:
        raise _user_error(str(exc)) from None
    problems = check_document(document)
    for p in problems:
        click.echo(f"{target}: {p}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{target}: {len(document['sources'])} sources, no problems")


@click.command()
@click.option("--since", metavar="YYYY-MM-DD", help="Only documents published on or after this date.")
@click.option("--source", "source_name", metavar="NAME", help="Only documents of this source (its name in the archive).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="Documents per transaction.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Extraction worker processes, started at once (0: in this process). Default: one per core, at "
                   "most 4, started after the first 500 documents (a small archive is done before they would start).")
@click.pass_context
def reprocess(ctx: click.Context, since: str | None, source_name: str | None, batch_size: int,
              workers: int | None) -> None:
    """Re-derive every field of archived documents from their stored raw HTML with the current code.

    Reports what changed (per field; events re-keyed). Idempotent; safe to interrupt (one transaction per
    batch: run it again)."""
    from crawler.app.cli.main import _parse_date, database_errors, load_registries_or_exit
    from crawler.shell.reprocess import POOL_AFTER_PAGES, Deriver, default_reprocess_workers, run_reprocess

    obj = ctx.find_root().obj  # crawler.app.cli.main.Context (also when the CLI runs as ``python -m crawler.app.cli``)
    since_dt = None
    if since:
        d = _parse_date(since, "--since")
        since_dt = datetime(d.year, d.month, d.day, tzinfo=UTC)
    engine = obj.engine()
    sources_registry = _registry()
    if source_name is not None:
        with database_errors(obj.database_url):
            source_name = _archive_source_name(engine, source_name, sources_registry)
    registries = load_registries_or_exit()
    # default: the pool only once a small archive's worth is done inline; --workers N: the pool from the start
    deriver = (Deriver(registries, default_reprocess_workers(), pool_after=POOL_AFTER_PAGES) if workers is None
               else Deriver(registries, workers))
    started = time.perf_counter()
    with database_errors(obj.database_url):
        result = run_reprocess(engine, registries, since=since_dt, source=source_name,
                               batch_size=batch_size, deriver=deriver)
    engine.dispose()
    elapsed = time.perf_counter() - started
    click.echo(f"reprocessed {result.documents_seen} documents in {result.batches} batches: "
               f"{result.documents_changed} documents and {result.articles_changed} articles changed, "
               f"{result.events_new} events new, {result.events_rekeyed} re-keyed "
               f"({elapsed:.1f} s, {result.documents_seen / elapsed if elapsed else 0:.1f} documents/s, "
               f"{deriver.workers_started} extraction workers)")
    if result.documents_merged or result.articles_split or result.articles_removed:
        click.echo(f"  text changes: {result.documents_merged} documents merged into the article with their "
                   f"text, {result.articles_split} split into new articles, {result.articles_removed} emptied "
                   "articles removed")
    for name, n in sorted(result.fields.items()):
        click.echo(f"  {name:<36} {n}")
    for old, new in result.rekeyed:
        click.echo(f"  re-keyed {old} -> {new} (old key kept as an alias)")


def _archive_source_name(engine: Any, given: str, registry: SourceRegistry) -> str:
    """``--source`` as the archive's source name: the archive's name itself, a domain the archive holds, or a
    registry name (its archived name, else the archive source of one of its domains). Anything else, or a
    domain several archived publishers share, is refused in one line instead of matching nothing."""
    from sqlalchemy import select

    from storage.models import Source as ArchivedSource

    with engine.connect() as conn:
        rows = [(r.name, r.domain) for r in conn.execute(select(ArchivedSource.name, ArchivedSource.domain))]
    names = {name for name, _ in rows}
    if given in names:
        return given
    domains = {given.lower().removeprefix("www.")}
    if given in registry.names():
        domains = {d.lower().removeprefix("www.") for d in registry.get(given).domains}
    matches = sorted({name for name, domain in rows if domain.lower().removeprefix("www.") in domains})
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _user_error(f"--source {given!r} matches several archived sources ({', '.join(matches)}): give one")
    if given in registry.names():
        return given  # registered, nothing archived yet: reprocesses nothing, correctly
    raise _user_error(f"--source {given!r} is neither a source in the archive, nor one of its domains, nor a "
                      "registered source (see `newsarchive stats` and `newsarchive sources list`)")


def register(cli: click.Group) -> None:
    cli.add_command(sources)
    cli.add_command(reprocess)
