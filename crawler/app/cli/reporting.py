"""``newsarchive report [-o DIR] [--series TEXT] [--country ISO3] [--since DATE]``: a static HTML report of
the archive (crawler.app.report) that opens offline: timelines of each series' rounds, first reports and
their lag, coverage over time, the archive's health."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("newsarchive-report"), show_default=True, help="Directory to write index.html into.")
@click.option("--series", metavar="TEXT", help="Mechanism slug (homeland-security-dialogue) or part of the series name.")
@click.option("--country", metavar="ISO3", help="A country of the pair (ISO 3166-1 alpha-3, e.g. IND).")
@click.option("--since", metavar="YYYY-MM-DD", help="Rounds starting on or after this day; documents published since.")
def report(output_dir: Path, series: str | None, country: str | None, since: str | None) -> None:
    """Write a static HTML report of the archive (one index.html, charts as inline SVG, no network needed).

    Per series: a timeline of its rounds (ordinal, venue, co-chairs; missing ordinals marked). Per round:
    who reported it first and how long after its start (previews apart). Coverage by agency and by
    publisher over time. The archive's health: documents per day, drop reasons, the last runs."""
    from crawler.app.cli.analyst import UserError, _filters, _obj, database_errors
    from crawler.app.report import write_report

    obj = _obj()
    f = _filters(since, None, series, country, None)
    engine = obj.engine(read_only=True)
    try:
        with database_errors(obj.database_url):
            path = write_report(engine, output_dir, f)
    except OSError as exc:
        raise UserError(f"cannot write {output_dir}: {exc.strerror or exc}") from None
    finally:
        engine.dispose()
    click.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB); open it in a browser")


def register(cli: click.Group) -> None:
    cli.add_command(report)
