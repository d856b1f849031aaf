"""The ``newsarchive`` command line: one entry point for operators and analysts.

User mistakes (bad database URL, unreachable database, unknown option, malformed URL, missing file)
end with ONE line on stderr and a non-zero exit status, never a traceback:
exit 2 for usage errors, 1 for everything else that went wrong.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from crawler.app.cli.commands import register_all

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crawler.core.context import Registries
    from crawler.core.discovery import Link

# Heavy modules (SQLAlchemy, alembic, the registries) are imported where a command needs them, so that
# `newsarchive --help` and usage errors answer without loading them.


class UserError(click.ClickException):
    """A mistake the user can fix; printed as one line."""


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn driver errors into one-line messages naming the (masked) database."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from storage.db import DatabaseConfigError, mask_url
    from storage.schema import SchemaError

    try:
        yield
    except (DatabaseConfigError, SchemaError) as exc:
        raise UserError(str(exc)) from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        raise UserError(f"cannot use the archive at {mask_url(url)}: {reason}{_full_disk_note(url)}") from None
    except ProgrammingError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        raise UserError(f"database error at {mask_url(url)}: {reason}") from None


FULL_DISK_BYTES = 1 << 20  # SQLite reports a full disk as "disk I/O error" when the journal cannot grow


def _full_disk_note(url: str) -> str:
    """For a SQLite archive on a (nearly) full file system, say so: SQLite's own words do not."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return ""
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return ""
    try:
        free = shutil.disk_usage(Path(parsed.database).parent).free
    except OSError:
        return ""
    return f" (the disk is full: {free // 1024} KB free where the archive lives)" if free < FULL_DISK_BYTES else ""


class Context:
    def __init__(self, database: str | None, verbose: bool) -> None:
        self._database = database
        self.verbose = verbose

    @cached_property
    def database_url(self) -> str:
        # resolved on first use: storage.db pulls in SQLAlchemy (~0.3 s), which commands that never open the
        # archive (dateline, --help of a subcommand) should not pay for
        from storage.db import resolve_database_url

        return resolve_database_url(self._database)

    def engine(self, *, read_only: bool = False, require_schema: bool = True) -> Engine:
        from storage.db import make_engine, mask_url
        from storage.schema import require_current_schema

        with database_errors(self.database_url):
            engine = make_engine(self.database_url, read_only=read_only)
            if require_schema:
                require_current_schema(engine, mask_url(self.database_url))
            return engine


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database", "-d", metavar="URL",
              help="Archive database URL (sqlite:///PATH, postgresql://...) or a SQLite file path. "
                   "Default: $NEWSARCHIVE_DATABASE_URL, else ~/.local/share/newsarchive/archive.sqlite3.")
@click.option("--verbose", "-v", is_flag=True, help="Show the crawler's log (INFO).")
@click.version_option(package_name="newsarchive")
@click.pass_context
def cli(ctx: click.Context, database: str | None, verbose: bool) -> None:
    """newsarchive: crawl wire-service news about bilateral security dialogues into a deduplicated,
    event-keyed archive, and export it."""
    ctx.obj = Context(database, verbose)


# -- db ---------------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Create and migrate the archive's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_ctx
def db_upgrade(obj: Context, revision: str) -> None:
    """Apply migrations (creates the archive if it does not exist)."""
    from storage.db import mask_url
    from storage.schema import schema_status, upgrade

    engine = obj.engine(require_schema=False)
    with database_errors(obj.database_url):
        before = schema_status(engine).current
        upgrade(engine, revision)
        after = schema_status(engine).current
    engine.dispose()
    where = mask_url(obj.database_url)
    if before == after:
        click.echo(f"{where}: already at revision {after}")
    else:
        click.echo(f"{where}: upgraded {before or '(empty)'} -> {after}")


@db.command("current")
@pass_ctx
def db_current(obj: Context) -> None:
    """Show the archive's schema revision and whether it is up to date."""
    from storage.db import mask_url
    from storage.schema import schema_status

    engine = obj.engine(read_only=False, require_schema=False)
    with database_errors(obj.database_url):
        status = schema_status(engine)
    engine.dispose()
    state = "up to date" if status.up_to_date else ("no schema" if status.current is None else "behind")
    if not status.known:
        state = "newer than this newsarchive"
    click.echo(f"{mask_url(obj.database_url)}: revision {status.current or '(none)'}, head {status.head} ({state})")
    if not status.up_to_date:
        sys.exit(1)


# -- crawl ------------------------------------------------------------------------------------------
def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"not an http(s) URL: {value!r}")
    return value


def _parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    """``-s NAME=VALUE`` overrides, each checked against the type of the setting's default (Scrapy's default
    settings, then ours): ``CONCURRENT_REQUESTS=abc`` is one line now, not a traceback inside the crawl."""
    from scrapy.settings import Settings, default_settings

    import crawler.shell.settings as ours

    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise UserError(f"--set takes NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        name = name.strip()
        default = getattr(ours, name, getattr(default_settings, name, None))
        probe = Settings({name: value})
        checks: list[tuple[type, Any, str]] = [
            (bool, probe.getbool, "true or false"), (int, probe.getint, "an integer"),
            (float, probe.getfloat, "a number"),
        ]
        for kind, getter, wanted in checks:
            if isinstance(default, kind):
                try:
                    getter(name)
                except ValueError:
                    raise UserError(f"--set {name} takes {wanted}, got {value!r}") from None
                break
        out[name] = value
    return out


def _check_jobdir(jobdir: str) -> None:
    """--jobdir is a directory, or can be created as one (a file there would stop the crawl mid-start)."""
    path = Path(jobdir)
    if path.exists() and not path.is_dir():
        raise UserError(f"--jobdir {jobdir} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create --jobdir {jobdir}: {exc.strerror or exc}") from None


@cli.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--all", "all_sources", is_flag=True, help="Crawl every source in the source registry.")
@click.option("--sitemap", multiple=True, metavar="URL", help="A (news) sitemap or sitemap index. Repeatable.")
@click.option("--feed", multiple=True, metavar="URL", help="An RSS, Atom or JSON feed. Repeatable.")
@click.option("--url", "urls", multiple=True, metavar="URL", help="An article URL. Repeatable.")
@click.option("--urls-file", multiple=True, metavar="FILE", help="A file of article URLs, one per line. Repeatable.")
@click.option("--since", metavar="YYYY-MM-DD", help="Skip discovered items published before this date.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Documents per database transaction.")
@click.option("--jobdir", metavar="DIR", help="Scrapy JOBDIR: persist the crawl state to pause and resume.")
@click.option("--max-time", type=click.IntRange(1), metavar="SECONDS",
              help="Stop the crawl after this many seconds (finish reason closespider_timeout).")
@click.option("--set", "-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
@pass_ctx
def crawl(obj: Context, sources: tuple[str, ...], all_sources: bool, sitemap: tuple[str, ...],
          feed: tuple[str, ...], urls: tuple[str, ...], urls_file: tuple[str, ...], since: str | None,
          batch_size: int, jobdir: str | None, max_time: int | None, settings: tuple[str, ...],
          progress: bool | None) -> None:
    """Crawl registered SOURCEs (or --all), or ad-hoc sitemaps, feeds or URLs, into the archive.

    Exits 1 when the run does not finish normally or fails its monitors (so cron/systemd alert); a run with
    --jobdir stopped by one Ctrl-C is paused (exit 0) and the same command resumes it."""
    from crawler.app.run import run_crawl
    from crawler.shell.spiders.archive import read_urls_file
    from storage.db import mask_url
    from storage.schema import require_writable

    for u in (*sitemap, *feed, *urls):
        _check_url(u)
    for path in urls_file:
        try:
            for u in read_urls_file(path):
                _check_url(u)
        except OSError as exc:
            raise UserError(f"cannot read --urls-file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UserError(f"--urls-file {path} is not UTF-8 text (one URL per line)") from None
    adhoc = bool(sitemap or feed or urls or urls_file)
    if (sources or all_sources) and adhoc:
        raise click.UsageError("crawl either registered SOURCEs/--all or --sitemap/--feed/--url/--urls-file, not both")
    if not (sources or all_sources or adhoc):
        raise click.UsageError("give SOURCE names, --all, or at least one --sitemap, --feed, --url or --urls-file")
    since_date = _parse_date(since, "--since") if since else None
    registries = load_registries_or_exit()  # a bad user registry file: one line now, not a traceback in the crawl
    if sources or all_sources:
        _check_sources(sources, registries)
    if jobdir:
        _check_jobdir(jobdir)
    engine = obj.engine()
    with database_errors(obj.database_url):
        require_writable(engine, mask_url(obj.database_url))
    engine.dispose()
    overrides = _parse_set(settings)
    overrides["NEWSARCHIVE_BATCH_SIZE"] = batch_size
    if jobdir:
        overrides["JOBDIR"] = jobdir
    if max_time is not None:
        overrides["CLOSESPIDER_TIMEOUT"] = max_time
    show_progress = sys.stderr.isatty() if progress is None else progress
    with database_errors(obj.database_url):
        outcome = run_crawl(
            obj.database_url, sitemaps=list(sitemap), feeds=list(feed), urls=list(urls),
            urls_files=list(urls_file), since=since_date, overrides=overrides, progress=show_progress,
            log_level="INFO" if obj.verbose else "WARNING", sources=list(sources), all_sources=all_sources,
        )
    _report_run(outcome.run_id, outcome.finish_reason, outcome.stats)
    if outcome.status == "paused":
        click.echo(f"crawl run {outcome.run_id} paused: its state is in {jobdir}; run the same command to resume",
                   err=True)
        return
    if outcome.status != "ok":
        click.echo(f"newsarchive: crawl run {outcome.run_id} failed ({outcome.status}: "
                   f"{outcome.finish_reason})", err=True)
        sys.exit(1)


def _check_sources(names: tuple[str, ...], registries: Registries) -> None:
    """Registered source names exist."""
    unknown = [n for n in names if n not in registries.sources.names()]
    if unknown:
        raise UserError(f"unknown source(s): {', '.join(unknown)} (see `newsarchive sources list`)")


def _report_run(run_id: int | None, reason: str | None, stats: dict[str, Any]) -> None:
    if run_id is None:
        click.echo("crawl did not start (see the log above)", err=True)
        return
    from storage.crawlstats import ARTICLES_NEW, DOCUMENTS_NEW, DROPPED_PREFIX, EVENTS_NEW

    archived = stats.get(DOCUMENTS_NEW, 0)
    click.echo(
        f"crawl run {run_id}: {reason}; {stats.get('response_received_count', 0)} responses, "
        f"{archived} new documents, {stats.get(ARTICLES_NEW, 0)} new articles, "
        f"{stats.get(EVENTS_NEW, 0)} new events"
    )
    drops = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith(DROPPED_PREFIX)}
    if drops:
        click.echo("dropped: " + ", ".join(f"{k}={v}" for k, v in sorted(drops.items())))


# Dates a user may give (--since, --until): beyond these, day arithmetic overflows (9999-12-31 + 1 day)
# and no wire report exists anyway.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2200, 12, 31)


def _parse_date(value: str, option: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} takes a date as YYYY-MM-DD, got {value!r}") from None
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise UserError(f"{option} {value}: give a date between {MIN_DATE} and {MAX_DATE}")
    return parsed


# -- extract ----------------------------------------------------------------------------------------
MANIFEST_KEYS = ("source", "published", "publication", "via")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", "url", metavar="URL", help="The page's URL (with a single FILE).")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help='JSON lines of {"path": ..., "url": ...} (optionally "source", "published", "publication", '
                   '"via", as the options below).')
@click.option("--source", "source_name", metavar="NAME",
              help="The registered source the page came from (its zone, country and agency apply, as in a crawl). "
                   "Default: the source whose domains include the URL's host, if any.")
@click.option("--published", metavar="ISO8601", help="The time discovery gave the page (news sitemap / feed).")
@click.option("--publication", metavar="NAME", help="The publication name discovery gave (news:name).")
@click.option("--via", type=click.Choice(["sitemap", "feed", "listing", "url"]), default=None,
              help="How the page was discovered (default: sitemap with --published, else url).")
@click.option("--jsonl", is_flag=True, help="One JSON object per line (default: pretty JSON).")
@click.option("--no-body", is_flag=True, help="Leave the body text out of the output.")
@click.option("--fuse", is_flag=True, help="Then, per event key, the facts fused across the pages (as the "
              "archive fuses an event's documents) and why, where they disagree.")
def extract(files: tuple[Path, ...], url: str | None, manifest: Path | None, source_name: str | None,
            published: str | None, publication: str | None, via: str | None, jsonl: bool, no_body: bool,
            fuse: bool) -> None:
    """Run the pure pipeline on saved pages, in the context a crawl gives them, and print every derived field.

    With the discovery metadata the crawl had (--published, --publication, --via; ``documents.discovery`` in
    the archive) and the page's source, the output is what the crawl archived."""
    from crawler.core.process import process_page

    options = {"source": source_name, "published": published, "publication": publication, "via": via}
    jobs: list[tuple[Path, str, dict[str, Any]]] = []
    if manifest is not None:
        try:
            lines = manifest.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError(f"cannot read manifest {manifest}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UserError(f"manifest {manifest} is not UTF-8 text (JSON lines)") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                path = Path(entry["path"])
                if not path.is_absolute():
                    path = manifest.parent / path
                extra = {k: entry.get(k) or options[k] for k in MANIFEST_KEYS}
                jobs.append((path, str(entry.get("url") or path.resolve().as_uri()), extra))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise UserError(f"{manifest}:{n}: expected a JSON object with a \"path\"") from None
    if url and len(files) != 1:
        raise click.UsageError("--url goes with exactly one FILE")
    for f in files:
        jobs.append((f, url or f.resolve().as_uri(), options))
    if not jobs:
        raise click.UsageError("give FILE... or --manifest FILE")
    registries = load_registries_or_exit()
    events: dict[str, list[dict[str, Any]]] = {}
    for path, page_url, extra in jobs:
        try:
            html = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
        context = registries.context_for(page_url, _known_source(registries, extra["source"]),
                                         _cli_link(page_url, extra))
        result = process_page(html, page_url, context).to_dict()
        if no_body:
            result.pop("body", None)
        click.echo(json.dumps(result, ensure_ascii=False, indent=None if jsonl else 2))
        if result.get("event") and result["event"].get("key") and result.get("topic") == "dialogue_event":
            events.setdefault(result["event"]["key"], []).append(result["event"])
    for key, facts in sorted(events.items()) if fuse else ():
        from dataclasses import asdict

        from storage.fusion import fuse as fuse_facts

        fused = {"fused_event": key, "documents": len(facts), **asdict(fuse_facts(facts))}
        click.echo(json.dumps(fused, ensure_ascii=False, indent=None if jsonl else 2))


def _known_source(registries: Registries, name: str | None) -> str | None:
    if name and name.strip().lower() not in registries.sources.names():
        raise UserError(f"unknown source {name!r} (see `newsarchive sources list`)")
    return name


def _cli_link(page_url: str, extra: dict[str, Any]) -> Link | None:
    """The discovery metadata given on the command line (or in a manifest entry), as a crawl's Link."""
    from crawler.core.discovery import Link

    published, publication, via = extra.get("published"), extra.get("publication"), extra.get("via")
    if not (published or publication or via):
        return None
    when = None
    if published:
        try:
            when = datetime.fromisoformat(str(published))
        except ValueError:
            raise UserError(f"--published takes an ISO 8601 time, got {published!r}") from None
        if when.tzinfo is None:
            raise UserError(f"--published needs a UTC offset (discovery times have one), got {published!r}")
    return Link(url=page_url, published=when, published_raw=str(published) if published else None,
                publication=publication or None, via=via or ("sitemap" if published else "url"))


def load_registries_or_exit() -> Registries:
    """``load_registries`` (crawler.core.context), a bad user file being one clear line and exit status 1."""
    from crawler.core.context import load_registries
    from crawler.core.reference import reference
    from crawler.core.sources import SourceRegistryError

    reference()  # a bad $NEWSARCHIVE_REFERENCE_DIR file: one line now (see main), not a failure per page
    try:
        return load_registries()
    except SourceRegistryError as exc:
        raise UserError(f"source registry: {exc}") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"dialogue registry: {exc}") from None


# -- dateline ---------------------------------------------------------------------------------------
DATELINE_KEYS = ("raw", "city", "region", "country", "agency", "month", "day", "year", "date")


def _dateline_json(text: str, published: str | None) -> dict[str, Any]:
    from crawler.core.normalize.dateline import parse_dateline

    pub: datetime | date | None = None
    if published:
        try:
            pub = datetime.fromisoformat(published) if "T" in published else date.fromisoformat(published)
        except ValueError:
            raise UserError(f"--published takes ISO 8601, got {published!r}") from None
    d = parse_dateline(text, pub)
    out: dict[str, Any] = dict.fromkeys(DATELINE_KEYS)
    if d is not None:
        for k in DATELINE_KEYS:
            v = getattr(d, k)
            out[k] = v.isoformat() if isinstance(v, date) else v
        out["agency_inferred"] = d.agency_inferred
        out["span"] = list(d.span)
    return out


@cli.command()
@click.argument("text", required=False)
@click.option("--published", metavar="ISO", help="Publication date/time (resolves a dateline without a year).")
@click.option("--jsonl", is_flag=True, help='Read {"text": ..., "published": ...} lines on stdin; write one JSON per line.')
def dateline(text: str | None, published: str | None, jsonl: bool) -> None:
    """Parse a dateline ("New Delhi, Feb 28 (IANS)") and print it as JSON."""
    if jsonl:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                t, p = str(obj["text"]), obj.get("published")
            except (ValueError, KeyError, TypeError):
                raise UserError(f"stdin line {n}: expected {{\"text\": ..., \"published\": ...}}") from None
            if p is not None and not isinstance(p, str):
                raise UserError(f"stdin line {n}: \"published\" takes an ISO 8601 string, got {p!r}")
            click.echo(json.dumps(_dateline_json(t, p), ensure_ascii=False))
        return
    if text is None:
        raise click.UsageError("give TEXT or --jsonl")
    click.echo(json.dumps(_dateline_json(text, published), ensure_ascii=False, indent=2))


# -- stats ------------------------------------------------------------------------------------------
@cli.command()
@click.option("--runs", default=5, show_default=True, help="How many recent crawl runs to list.")
@pass_ctx
def stats(obj: Context, runs: int) -> None:
    """Row counts per table and the latest crawl runs."""
    from sqlalchemy import func, select

    from storage.db import mask_url
    from storage.models import Article, CrawlRun, DialogueSeries, Document, Event, EventAlias, SeenUrl, Source
    from storage.schema import head_revision

    engine = obj.engine(read_only=True)
    with database_errors(obj.database_url), engine.connect() as conn:
        click.echo(f"archive: {mask_url(obj.database_url)} (schema {head_revision()})")
        for model in (Source, Document, Article, Event, EventAlias, DialogueSeries, SeenUrl, CrawlRun):
            n = conn.scalar(select(func.count()).select_from(model))
            click.echo(f"  {model.__tablename__:<16} {n:>8}")
        rows = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(runs)).all()
        if rows:
            click.echo("recent crawl runs:")
        for r in rows:
            started = r.started_at.strftime("%Y-%m-%d %H:%M:%SZ") if r.started_at else "?"
            click.echo(f"  #{r.id} {started} {r.spider} {r.finish_reason or 'running'} archived={r.items_archived}")
    engine.dispose()


# -- demo -------------------------------------------------------------------------------------------
@cli.command()
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("newsarchive-demo"),
              show_default=True, help="Where the demo archive and its CSV exports go (recreated).")
@click.pass_context
def demo(ctx: click.Context, output_dir: Path) -> None:
    """Serve the bundled demo site on 127.0.0.1, crawl it into a fresh archive, export CSVs."""
    from crawler.app.demo_run import run_demo
    from storage.db import DatabaseConfigError
    from storage.schema import SchemaError

    obj = ctx.find_object(Context)
    assert obj is not None
    explicit = (ctx.parent.params.get("database") if ctx.parent else None)
    try:
        run_demo(output_dir, database=explicit, verbose=obj.verbose)
    except (DatabaseConfigError, SchemaError, OSError) as exc:
        raise UserError(str(exc)) from None


register_all(cli)


def _is_instance(exc: BaseException, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    cls = getattr(loaded, name, None) if loaded is not None else None
    return isinstance(cls, type) and isinstance(exc, cls)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every user mistake into one line and an exit status."""
    try:
        cli.main(args=argv, prog_name="newsarchive", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        click.echo(f"newsarchive: error: {exc.format_message()}{hint}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"newsarchive: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("newsarchive: aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Matched by class only once its module is loaded: such an error cannot come from a module not loaded.
        if _is_instance(exc, "sqlalchemy.exc", "SQLAlchemyError"):
            first = str(exc).strip().splitlines()[0]
            click.echo(f"newsarchive: error: database: {first}", err=True)
            return 1
        if _is_instance(exc, "crawler.core.reference.loader", "ReferenceDataError"):
            click.echo(f"newsarchive: error: reference data: {exc}", err=True)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
