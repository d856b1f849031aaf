"""The analyst's commands: ``search``, ``export`` and ``db grant-reader`` (``browse``: crawler.app.cli.browse).

All of them read the archive read-only (SQLite opened with ``mode=ro``; PostgreSQL sessions with
``default_transaction_read_only``), except ``db grant-reader``, which changes roles and grants.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from storage.search import ArchiveFilter

# storage.exports and storage.search load SQLAlchemy and the models: imported by the commands that run, so
# that `newsarchive --help` does not pay for them.


class LazyChoice(click.Choice[str]):
    """A ``click.Choice`` whose values are read from ``module.name`` when first needed (not at import)."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        import importlib

        module, name = self._where
        return tuple(getattr(importlib.import_module(module), name))



class UserError(click.ClickException):
    """A mistake the user can fix; printed as one line by crawler.app.cli.main.main (exit 1)."""


# crawler.app.cli.main imports this module while it registers commands, so its helpers are looked up lazily.
def _obj() -> Any:
    """The CLI's Context (database URL, engine factory)."""
    return click.get_current_context().obj


def database_errors(url: str) -> Any:
    from crawler.app.cli.main import database_errors as wrap

    return wrap(url)
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from crawler.app.cli.main import _parse_date  # one format and one accepted range (1900-2200) for all

    return _parse_date(value, option)


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filters shared by search and export (storage.search.ArchiveFilter)."""
    options = [
        click.option("--since", metavar="YYYY-MM-DD", help="From this UTC day (inclusive)."),
        click.option("--until", metavar="YYYY-MM-DD", help="Up to this UTC day (inclusive)."),
        click.option("--series", metavar="TEXT",
                     help="Mechanism slug (homeland-security-dialogue) or part of the series name."),
        click.option("--country", metavar="ISO3", help="A country of the pair (ISO 3166-1 alpha-3, e.g. IND)."),
        click.option("--agency", metavar="NAME", help="Wire agency, e.g. IANS, PTI, Reuters."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(since: str | None, until: str | None, series: str | None, country: str | None,
             agency: str | None, event: str | None = None, query: str | None = None) -> ArchiveFilter:
    from storage.search import ArchiveFilter

    for option, value in (("--series", series), ("--country", country), ("--agency", agency),
                          ("--event", event), ("--query", query)):
        if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            # SQLite ends a LIKE pattern at a NUL, so '%\x00%' would match every row: refuse, don't guess.
            raise UserError(f"{option} contains a control character; give plain text")
    f = ArchiveFilter(since=_date(since, "--since"), until=_date(until, "--until"), series=series,
                      country=country, agency=agency, event_key=event, query=query)
    if f.since and f.until and f.since > f.until:
        raise UserError(f"--since {f.since} is after --until {f.until}")
    if country is not None and not re.fullmatch(r"[A-Za-z]{3}", country.strip()):
        raise UserError(f"--country takes an ISO 3166-1 alpha-3 code such as IND or USA, got {country!r}")
    if query is not None:
        _check_query(query)
    return f


def _check_query(text: str) -> None:
    from storage.search import QuerySyntaxError, parse_query

    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        raise UserError(f"search query {text!r}: {exc}") from None


# -- search ------------------------------------------------------------------------------------------------
@click.command("search")
@click.argument("query")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@click.option("--event", "event", metavar="KEY", help="Only articles of this event, by its key (current or former).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True, help="At most N results.")
def search_command(query: str, since: str | None, until: str | None, series: str | None,
                   country: str | None, agency: str | None, fmt: str, event: str | None, limit: int) -> None:
    """Full-text search of article titles and bodies, best match first.

    QUERY: words (all must appear; stemmed, accents ignored), "exact phrases", OR, -excluded, prefix*.
    """
    from storage.search import SEARCH_COLUMNS, search

    obj = _obj()
    f = _filters(since, until, series, country, agency, event)
    _check_query(query)
    engine = obj.engine(read_only=True)
    with database_errors(obj.database_url):
        if event is not None:
            _warn_unknown_event(engine, event)
        rows = search(engine, query, f, limit=limit)
    engine.dispose()
    for row in rows:
        value = row["first_published_at"]
        row["first_published_at"] = value.isoformat().replace("+00:00", "Z") if value else None
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(SEARCH_COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in SEARCH_COLUMNS])
    else:
        if not rows:
            click.echo("no matches", err=True)
        for row in rows:
            when = (row["first_published_at"] or "")[:10]
            click.echo(f"{row['rank']:>3}. [{row['relevance']:.2f}] {row['title'] or '(no title)'}")
            click.echo(f"     {when}  {row['agency'] or '-'}  {row['event_key'] or '(no event)'}  "
                       f"article {row['article_id']}, {row['documents']} document(s)")
            click.echo(f"     {row['url'] or '-'}")
            click.echo(f"     {row['snippet']}")


# -- export ------------------------------------------------------------------------------------------------
@click.command("export")
@click.argument("kind", type=LazyChoice("storage.exports", "EXPORT_KINDS"))
@filter_options
@click.option("--event", "event", metavar="KEY", help="One event, by its key (current or former).")
@click.option("--query", metavar="TEXT", help="Only rows with an article matching this full-text query.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Output file, or - for stdout.")
@click.option("--excel", is_flag=True, help="CSV for spreadsheets: a BOM, formula-like text neutralised, times as "
              "date-times, cells over 32,767 characters cut (README, Exports).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
def export_command(kind: str, since: str | None, until: str | None, series: str | None,
                   country: str | None, agency: str | None, event: str | None, query: str | None, fmt: str,
                   output: str, excel: bool, progress: bool | None) -> None:
    """Export events, articles or documents (streaming; stable columns; ISO 8601 UTC times).

    Columns and their order: docs/exports.md."""
    from collections import Counter

    from crawler.app.cli.output import open_output, refusal
    from storage.exports import EXCEL_CELL_LIMIT, write_export
    from storage.search import QuerySyntaxError

    obj = _obj()
    f = _filters(since, until, series, country, agency, event, query)
    if excel and fmt != "csv":
        raise click.UsageError("--excel goes with --format csv")
    if output != "-" and (why := refusal(output, obj.database_url)):
        raise UserError(why)
    engine = obj.engine(read_only=True)
    show = sys.stderr.isatty() if progress is None else progress
    bar: Any = None
    if show:
        from tqdm import tqdm

        bar = tqdm(unit=" rows", desc=f"export {kind}", file=sys.stderr, mininterval=0.5)
    on_rows = bar.update if bar is not None else None
    cut: Counter[str] = Counter()
    try:
        with database_errors(obj.database_url):
            if event is not None:
                _warn_unknown_event(engine, event)
            if output == "-":
                n = write_export(engine, kind, sys.stdout, fmt=fmt, excel=excel, filters=f, on_rows=on_rows, cut=cut)
            else:
                try:
                    with open_output(output) as handle:  # a temporary file, renamed when complete
                        n = write_export(engine, kind, handle, fmt=fmt, excel=excel, filters=f, on_rows=on_rows,
                                         cut=cut)
                except OSError as exc:
                    raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    except QuerySyntaxError as exc:
        raise UserError(f"--query: {exc}") from None
    except OSError as exc:  # opening, writing or closing the output (a full disk, /dev/full, a directory)
        where = "standard output" if output == "-" else output
        raise UserError(f"cannot write {where}: {exc.strerror or exc}") from None
    finally:
        if bar is not None:
            bar.close()
        engine.dispose()
    if cut:
        where = ", ".join(f"{name} {k}" for name, k in sorted(cut.items()))
        click.echo(f"--excel: cut {sum(cut.values())} cell(s) longer than a spreadsheet cell holds "
                   f"({EXCEL_CELL_LIMIT:,} characters; by column: {where}); each ends with "
                   "'[… cut: N characters in all; ...]'", err=True)
    if output != "-":
        click.echo(f"wrote {n} {kind} to {output}", err=True)


def _warn_unknown_event(engine: Any, key: str) -> None:
    """Say on stderr when --event names no event, current or former key (the output is then empty)."""
    from storage.search import event_exists

    if not event_exists(engine, key):
        click.echo(f"--event {key!r}: no event has this key, nor had it before a re-key; nothing matches "
                   "(keys look like IND-USA:homeland-security-dialogue:2024-02-27: see `newsarchive export events`)",
                   err=True)


# -- db grant-reader ---------------------------------------------------------------------------------------
# Functions that create large objects: executable by PUBLIC by default, revoked by grant-reader (a large
# object is storage the reader could fill; reading needs no function).
LARGE_OBJECT_CREATORS = ("lo_creat(integer)", "lo_create(oid)", "lo_from_bytea(oid, bytea)", "lo_import(text)",
                         "lo_import(text, oid)")


def _refuse_privileged_role(conn: Any, role: str, schema: str) -> None:
    """A role that can already write, or could become a writer, is no reader: refuse to touch it (the
    REVOKEs below would otherwise strip the crawler's own privileges)."""
    from sqlalchemy import text

    if role == conn.scalar(text("SELECT current_user")):
        raise UserError(f"role {role} is the role running this command (the archive's writer): give the "
                        "reader its own role")
    row = conn.execute(text("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                       {"r": role}).first()
    if row is None:
        return
    if row.rolsuper or row.rolcreaterole or row.rolbypassrls:
        raise UserError(f"role {role} is a superuser or can create roles or bypass row security: it cannot "
                        "be made read-only")
    # pg_auth_members, not pg_has_role: a superuser running this "has" every role
    member_of = text(
        "WITH RECURSIVE up(oid) AS (SELECT oid FROM pg_roles WHERE rolname = :a "
        "UNION SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid) "
        "SELECT EXISTS (SELECT 1 FROM up JOIN pg_roles r ON r.oid = up.oid WHERE r.rolname = :b)")
    writer = conn.scalar(text("SELECT current_user"))
    if conn.scalar(member_of, {"a": role, "b": writer}) or conn.scalar(member_of, {"a": writer, "b": role}):
        raise UserError(f"role {role} is a member of the writer role {writer} (or the writer of it): its "
                        "privileges are the writer's")
    owns = conn.scalar(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND pg_has_role(:r, c.relowner, 'MEMBER')"), {"s": schema, "r": role})
    owns_schema = conn.scalar(text("SELECT pg_has_role(:r, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = :s"),
                              {"s": schema, "r": role})
    owns_db = conn.scalar(text("SELECT pg_has_role(:r, datdba, 'MEMBER') FROM pg_database "
                               "WHERE datname = current_database()"), {"r": role})
    if owns or owns_schema or owns_db:
        raise UserError(f"role {role} owns the archive's database, schema or tables: an owner can always write")


def _scram_verifier(conn: Any, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed here (libpq), so the plain password never reaches
    the server, its statement log or an error message."""
    raw = conn.connection.driver_connection
    verifier = raw.pgconn.encrypt_password(password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256")
    return bytes(verifier).decode("ascii")


def _restrict_public(conn: Any, db_name: str, writer: str) -> list[str]:
    """Revoke what PostgreSQL gives every role (PUBLIC) and a reader must not have: TEMP on the database and
    the large-object creating functions. The writer keeps TEMP by an explicit grant. Returns what could not be
    revoked (not the owner/superuser: PostgreSQL only warns), for the operator."""
    from sqlalchemy import text

    quoted = conn.dialect.identifier_preparer.quote
    missing: list[str] = []
    is_super = conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    owns_db = conn.scalar(text("SELECT pg_has_role(current_user, datdba, 'USAGE') FROM pg_database "
                               "WHERE datname = current_database()"))
    if is_super or owns_db:
        conn.execute(text(f"GRANT TEMPORARY ON DATABASE {quoted(db_name)} TO {quoted(writer)}"))
        conn.execute(text(f"REVOKE TEMPORARY ON DATABASE {quoted(db_name)} FROM PUBLIC"))
    else:
        missing.append("TEMP on the database (needs its owner)")
    if is_super:
        for signature in LARGE_OBJECT_CREATORS:
            conn.execute(text(f"REVOKE EXECUTE ON FUNCTION pg_catalog.{signature} FROM PUBLIC"))
    else:
        missing.append("large-object creation (lo_create & co. belong to the bootstrap superuser)")
    return missing


@click.command("grant-reader")
@click.argument("role")
@click.option("--password", envvar="NEWSARCHIVE_READER_PASSWORD", metavar="TEXT",
              help="Login password for the role (default: $NEWSARCHIVE_READER_PASSWORD; none: no login "
                   "password is set or changed). Sent as a SCRAM verifier, never in plain text.")
def grant_reader(role: str, password: str | None) -> None:
    """Create or update a PostgreSQL ROLE that can only read the archive.

    The role gets USAGE on the archive's schema, SELECT on every table and view in it, and the same for
    tables and views created later by the role running this command (migrations). Nothing else: it
    cannot insert, update, delete, create or truncate, create temporary tables or large objects (revoked
    from PUBLIC on this database when the running role may), nor take the crawlers' write lock.
    Refuses the writer itself, superusers, owners and members of the writer role."""
    obj = _obj()
    if not ROLE_NAME.fullmatch(role):
        raise UserError(f"role name {role!r}: use letters, digits and _ (at most 63), starting with a letter")
    from sqlalchemy import text

    from storage.locks import WRITE_LOCK_TABLE

    engine = obj.engine()
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise UserError("db grant-reader is for PostgreSQL archives; a SQLite archive is read-only for anyone "
                        "given a read-only copy or file permissions")
    try:
        with database_errors(obj.database_url), engine.begin() as conn:
            schema = conn.scalar(text("SELECT current_schema()"))
            if schema is None:
                raise UserError("the connection has no current schema (check search_path)")
            _refuse_privileged_role(conn, role, schema)
            writer = str(conn.scalar(text("SELECT current_user")))
            exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
            quoted = conn.dialect.identifier_preparer.quote
            r, s = quoted(role), quoted(schema)
            if not exists:
                conn.execute(text(f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"))
            if password is not None:
                verifier = _scram_verifier(conn, role, password)  # base64, '$' and ':' only: a safe literal
                conn.exec_driver_sql(f"ALTER ROLE {r} LOGIN PASSWORD '{verifier}'")  # no bind parsing of ':'
            db_name = str(conn.scalar(text("SELECT current_database()")))
            conn.execute(text(f"GRANT CONNECT ON DATABASE {quoted(db_name)} TO {r}"))
            conn.execute(text(f"REVOKE TEMPORARY ON DATABASE {quoted(db_name)} FROM {r}"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {r}"))
            conn.execute(text(f"REVOKE CREATE ON SCHEMA {s} FROM {r}"))
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}"))
            conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}"))
            if conn.scalar(text("SELECT to_regclass(:t)"), {"t": f"{s}.{WRITE_LOCK_TABLE}"}) is not None:
                conn.execute(text(f"REVOKE ALL ON {s}.{WRITE_LOCK_TABLE} FROM {r}"))
            missing = _restrict_public(conn, db_name, writer)
            # search runs text search functions; they are executable by PUBLIC unless revoked
            conn.execute(text(f"ALTER ROLE {r} SET default_transaction_read_only = on"))
            conn.execute(text(f"ALTER ROLE {r} SET search_path = {s}"))
    finally:
        engine.dispose()
    click.echo(f"role {role}: {'updated' if exists else 'created'}; SELECT only on schema {schema}")
    for what in missing:
        click.echo(f"warning: not revoked from PUBLIC: {what}; run `newsarchive db grant-reader` as a "
                   "superuser to close it (docs/operations.md)", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(search_command)
    cli.add_command(export_command)
    db = cli.commands["db"]
    assert isinstance(db, click.Group)
    db.add_command(grant_reader)


if __name__ == "__main__":  # the documented way to regenerate crawler/data/datasette_metadata.json
    from crawler.app.cli.browse import write_datasette_metadata

    write_datasette_metadata()
