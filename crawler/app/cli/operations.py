"""Operator commands: ``newsarchive runs [--last N] [--json]`` lists recent crawl runs with their status,
counts, failed monitors and blocked sources (read-only; the database URL is shown masked)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # storage.runs loads SQLAlchemy: imported when the command runs, not for --help
    from storage.runs import RunSummary


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value is not None else "-"


def _duration(run: RunSummary) -> str:
    if run.started_at is None or run.finished_at is None:
        return "-"
    return f"{(run.finished_at - run.started_at).total_seconds():.0f}s"


def _iso(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _as_json(run: RunSummary) -> dict[str, Any]:
    return {
        "id": run.id, "spider": run.spider, "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at), "status": run.status,
        "finish_reason": run.finish_reason, "items_archived": run.items_archived,
        "items_dropped": run.items_dropped, "drop_reasons": run.drop_reasons, "http_errors": run.http_errors,
        "requests": run.requests, "skipped_known": run.skipped_known, "not_modified": run.not_modified,
        "failed_monitors": run.failed_monitors, "blocked_sources": run.blocked_sources,
        "arguments": run.arguments,
    }


@click.command("runs")
@click.option("--last", "last", type=click.IntRange(1, 10_000), default=10, show_default=True,
              help="How many of the most recent runs to list.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run and line.")
def runs(last: int, as_json: bool) -> None:
    """List recent crawl runs: status, timing, counts, failed monitors, blocked sources."""
    from crawler.app.cli.main import database_errors
    from storage.runs import recent_runs

    # the root context's object is crawler.app.cli.main.Context (by duck type: under `python -m crawler.app.cli` the
    # class lives in __main__)
    obj = click.get_current_context().find_root().obj
    engine = obj.engine(read_only=True)
    with database_errors(obj.database_url):
        rows = recent_runs(engine, last)
    engine.dispose()
    if as_json:
        for r in rows:
            click.echo(json.dumps(_as_json(r), ensure_ascii=False))
        return
    if not rows:
        click.echo("no crawl runs yet")
        return
    click.echo(f"{'run':>5}  {'started':<20} {'took':>6}  {'status':<8} {'reason':<10} {'new':>5} "
               f"{'dropped':>7} {'errors':>6} {'requests':>8} {'known':>6} {'304':>4}  spider")
    for r in rows:
        click.echo(f"{r.id:>5}  {_when(r.started_at):<20} {_duration(r):>6}  {r.status:<8} "
                   f"{(r.finish_reason or 'running')[:10]:<10} {r.items_archived:>5} {r.items_dropped:>7} "
                   f"{r.http_errors:>6} {r.requests:>8} {r.skipped_known:>6} {r.not_modified:>4}  {r.spider}")
        if r.drop_reasons:
            click.echo("       dropped: " + ", ".join(f"{k}={v}" for k, v in sorted(r.drop_reasons.items())))
        if r.failed_monitors:
            click.echo("       failed monitors: " + ", ".join(r.failed_monitors))
        if r.blocked_sources:
            click.echo("       blocked sources: " + ", ".join(r.blocked_sources))


def register(cli: click.Group) -> None:
    cli.add_command(runs)
