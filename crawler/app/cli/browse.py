"""``newsarchive browse``: the live SQLite archive, read-only, in Datasette, opening on the data.

Datasette runs as a child process. Around it, this module:

- builds its metadata from docs/schema.md and docs/queries.md (``build_datasette_metadata``; shipped as
  crawler/data/datasette_metadata.json, regenerated with ``python -m crawler.app.cli.analyst``) plus the
  table of presentation rules below (``TABLE_SETTINGS``: default sort, facets, full-text search, hidden
  internal tables; ``PARAMETER_COLUMNS``: which example values of the cookbook become named parameters);
- serves the file under the name ``newsarchive`` (a symbolic link in a temporary directory) with our own
  home and database page templates (views and canned queries before tables);
- finds the real port before Datasette starts (``--port 0``: a free one; a busy port: one line, exit 1);
- stops the child and removes the temporary directory on SIGINT, SIGTERM and SIGHUP (and, on Linux, the
  child dies with its parent even on SIGKILL).
"""

from __future__ import annotations

import errno
import json
import re
import signal
import socket
import sys
import time
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click

DATA = Path(__file__).resolve().parents[2] / "data"
DATASETTE_METADATA = DATA / "datasette_metadata.json"
TEMPLATES = DATA / "datasette_templates"
DATABASE_NAME = "newsarchive"
VIEWS_FIRST = ("v_events", "v_articles", "v_documents", "v_event_publishers", "v_event_agencies")
# Internal bookkeeping an analyst does not read: listed under "hidden tables", still queryable.
HIDDEN = ("article_lsh_bands", "alembic_version", "feed_states", "seen_urls", "archive_write_lock")
# How each table or view opens: Datasette table metadata (sort, facets, full-text search).
TABLE_SETTINGS: dict[str, dict[str, Any]] = {
    "v_events": {"sort": "start_date", "facets": ["series_name", "countries", "start_year", "agencies"]},
    "events": {"sort": "start_date", "facets": ["mechanism", "country_a", "country_b"]},
    "v_articles": {"sort_desc": "first_published_at", "facets": ["agency", "relation"],
                   "fts_table": "articles_fts", "fts_pk": "article_id"},
    "articles": {"sort_desc": "first_published_at", "fts_table": "articles_fts", "fts_pk": "id"},
    "v_documents": {"sort_desc": "published_at", "facets": ["publisher", "fetched_via"]},
    "v_event_publishers": {"facets": ["publisher"]},
    "v_event_agencies": {"facets": ["agency"]},
    "crawl_runs": {"sort_desc": "id", "facets": ["status"]},
}
# Cookbook literals compared with these columns are the analyst's choice (a country pair, a person, a city,
# a period): in Datasette they become named parameters, the cookbook's value shown as the example.
# Other literals ('preview') are part of the question and stay.
PARAMETER_COLUMNS = ("countries", "event_key", "co_chairs", "venue_city", "start_date", "series_name",
                     "publisher", "agency")
_COL = r"\b(?:\w+\.)?(" + "|".join(PARAMETER_COLUMNS) + r")\b"
LIKE_CONTAINS = re.compile(_COL + r"(\s+LIKE\s+)'%([^'%]+)%'", re.I)
LIKE_PATTERN = re.compile(_COL + r"(\s+LIKE\s+)'([^']*)'", re.I)
EQUALS = re.compile(_COL + r"(\s*=\s*)'([^']*)'")
PERCENT = "\x00percent\x00"  # the '%' literals a LIKE gets, put back after every pattern has run
BETWEEN = re.compile(_COL + r"(\s+BETWEEN\s+)'([^']*)'(\s+AND\s+)'([^']*)'", re.I)


def parametrise(sql: str) -> tuple[str, dict[str, str]]:
    """The cookbook SQL with its example values as named parameters, and {parameter: example}."""
    examples: dict[str, str] = {}

    def between(m: re.Match[str]) -> str:
        lo, hi = f"{m.group(1)}_from", f"{m.group(1)}_to"
        examples[lo], examples[hi] = m.group(3), m.group(5)
        return m.group(0).split("'")[0] + f":{lo}{m.group(4)}:{hi}"

    def contains(m: re.Match[str]) -> str:
        examples[m.group(1)] = m.group(3)
        return m.group(0).split("'")[0] + f"{PERCENT} || :{m.group(1)} || {PERCENT}"

    def plain(m: re.Match[str]) -> str:
        examples[m.group(1)] = m.group(3)
        return m.group(0).split("'")[0] + f":{m.group(1)}"

    sql = BETWEEN.sub(between, sql)
    sql = LIKE_CONTAINS.sub(contains, sql)
    sql = LIKE_PATTERN.sub(plain, sql)
    sql = EQUALS.sub(plain, sql)
    return sql.replace(PERCENT, "'%'"), examples


def build_datasette_metadata(schema_md: str, queries_md: str) -> dict[str, Any]:
    """Datasette metadata from docs/schema.md (table/view descriptions and column meanings), docs/queries.md
    (canned queries, parametrised) and the presentation rules above."""
    tables: dict[str, Any] = {}
    current: dict[str, Any] | None = None
    for line in schema_md.splitlines():
        if m := re.match(r"^### (Table|View) `(\w+)`", line):
            current = tables.setdefault(m.group(2), {"title": m.group(2), "description": "", "columns": {}})
        elif line.startswith("## "):
            current = None
        elif current is not None and (m := re.match(r"^\| `(\w+)` \|(.*)\|\s*$", line)):
            current["columns"][m.group(1)] = m.group(2).split("|")[-1].strip()
        elif current is not None and line.strip() and not line.startswith("|") and not current["columns"]:
            current["description"] = (current["description"] + " " + line.strip()).strip()
    tables.pop("alembic_version", None)
    for name, settings in TABLE_SETTINGS.items():
        if name in tables:
            tables[name].update(settings)
    for name in HIDDEN:
        if name in tables:
            tables[name]["hidden"] = True
    queries: dict[str, Any] = {}
    lines = queries_md.splitlines()
    title = None
    for i, line in enumerate(lines):
        if m := re.match(r"^### (Q\d+)\. (.+)$", line):
            qid, title = m.group(1).lower(), m.group(2)
        elif line.strip() == "```sql" and title:
            end = lines.index("```", i + 1)
            sql, examples = parametrise("\n".join(lines[i + 1:end]).strip().rstrip(";"))
            query: dict[str, Any] = {"title": title, "sql": sql}
            if examples:
                query["params"] = list(examples)
                query["description"] = "Example: " + ", ".join(f"{k} = {v}" for k, v in examples.items())
            queries[qid] = query
            title = None
    return {"title": "newsarchive", "description": "Wire-service news about bilateral security dialogues: "
            "documents, articles, events. Column meanings: docs/schema.md.",
            "databases": {"archive": {"tables": tables, "queries": queries}}}


def write_datasette_metadata() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs"
    meta = build_datasette_metadata((docs / "schema.md").read_text(encoding="utf-8"),
                                    (docs / "queries.md").read_text(encoding="utf-8"))
    DATASETTE_METADATA.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# -- what Datasette is given at serve time ---------------------------------------------------------------
def markdown_html(text: str) -> str:
    """The little Markdown the schema page uses (`code`, **bold**) as HTML; everything else escaped."""
    out = escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _described(name: str, table: dict[str, Any]) -> dict[str, Any]:
    """Column meanings in a collapsed ``<details>`` under the description, not Datasette's list above the rows."""
    out = {k: v for k, v in table.items() if k not in ("columns", "description")}
    columns = table.get("columns") or {}
    html = f"<p>{markdown_html(table.get('description') or '')}</p>" if table.get("description") else ""
    if columns:
        items = "".join(f"<dt><code>{escape(c)}</code></dt><dd>{markdown_html(d)}</dd>" for c, d in columns.items())
        html += (f'<details class="columns"><summary>What the {len(columns)} columns of {escape(name)} '
                 f'mean</summary><dl class="column-descriptions">{items}</dl></details>')
    if html:
        out["description_html"] = html
    return out


def _listing(db: dict[str, Any]) -> str:
    """The home and database pages' body: views, canned queries, then tables (links, one line each)."""
    tables = db.get("tables", {})
    base = f"/{DATABASE_NAME}"

    def item(name: str) -> str:
        first = (tables[name].get("description") or "").split(". ")[0].rstrip(".")
        return f'<li><a href="{base}/{name}">{name}</a> — {markdown_html(first)}</li>'

    views = [v for v in VIEWS_FIRST if v in tables] + sorted(
        n for n in tables if n.startswith("v_") and n not in VIEWS_FIRST)
    plain = sorted(n for n, t in tables.items() if not n.startswith("v_") and not t.get("hidden"))
    queries = "".join(f'<li><a href="{base}/{qid}">{escape(q["title"])}</a></li>'
                      for qid, q in db.get("queries", {}).items())
    return ("<h2>Views (start here)</h2><ul class=\"bullets\">" + "".join(item(v) for v in views) + "</ul>"
            f"<h2>Canned queries (the SQL cookbook)</h2><ul class=\"bullets\">{queries}</ul>"
            "<h2>Tables</h2><ul class=\"bullets\">" + "".join(item(t) for t in plain) + "</ul>"
            f'<p>Internal tables ({", ".join(h for h in HIDDEN if h in tables)}) are hidden: '
            f'<a href="{base}?_show_hidden=1">show them</a>. Full-text search: the search box of '
            f'<a href="{base}/v_articles">v_articles</a>.</p>')


def datasette_metadata() -> dict[str, Any]:
    """The metadata Datasette serves: the shipped metadata under the database name ``newsarchive``, column
    meanings collapsed, and the home/database pages listing views first."""
    shipped = json.loads(DATASETTE_METADATA.read_text(encoding="utf-8"))
    db = shipped.pop("databases", {}).get("archive", {})
    listing = _listing(db)
    tables = {name: _described(name, t) for name, t in db.get("tables", {}).items()}
    queries = {qid: _with_example(qid, q) for qid, q in db.get("queries", {}).items()}
    return {**shipped, "description_html": f"<p>{markdown_html(shipped['description'])}</p>{listing}",
            "extra_css_urls": ["/newsarchive-assets/browse.css"],
            "databases": {DATABASE_NAME: {"title": "newsarchive", "description_html": listing,
                                          "tables": tables, "queries": queries}}}


def _with_example(qid: str, query: dict[str, Any]) -> dict[str, Any]:
    """A parametrised canned query's description as a link that runs it with the cookbook's example."""
    params = query.get("params")
    if not params:
        return query
    example = {p: v for p, v in zip(params, re.findall(r"= ([^,]+)", query.get("description", "")), strict=False)}
    link = f"/{DATABASE_NAME}/{qid}?" + urlencode(example)
    shown = ", ".join(f"{escape(k)} = {escape(v)}" for k, v in example.items())
    return {**query, "description_html": f'Fill in the parameters, or run the cookbook\'s example: '
            f'<a href="{escape(link)}">{shown}</a>'}


# -- the port and the child process -----------------------------------------------------------------------
def claim_port(host: str, port: int) -> int:
    """The port Datasette will listen on: ``port``, checked free, or any free port for 0. Raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
        s.bind((host, port))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the parent dies, even by SIGKILL."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_child(args: list[str], env: dict[str, str], grace: float = 10.0) -> tuple[int, bool]:
    """Run Datasette until it exits or we are asked to stop (SIGINT/SIGTERM/SIGHUP): then SIGTERM it, and
    SIGKILL it after ``grace`` seconds. Returns (exit status, stopped by a signal to us)."""
    import subprocess

    proc = subprocess.Popen(args, env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    asked: list[float] = []

    def stop(_signum: int, _frame: Any) -> None:
        asked.append(time.monotonic())
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, stop) for s in handled}
    try:
        while True:
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > grace:
                    proc.kill()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code, bool(asked)


@click.command("browse")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="0: any free port.")
@click.option("--open", "open_browser", is_flag=True, help="Open a web browser on the archive.")
def browse(host: str, port: int, open_browser: bool) -> None:
    """Browse the live SQLite archive read-only in Datasette (pip install 'newsarchive[browse]').

    Pages show the archive as it is now, including what a running crawl has just committed. The home page
    lists the views first; v_events opens sorted by start date with facets; v_articles has full-text search;
    the SQL cookbook (docs/queries.md) is there as canned queries with named parameters."""
    from crawler.app.cli.analyst import UserError, _obj, database_errors

    obj = _obj()
    from storage.db import parse_url, sqlite_path

    with database_errors(obj.database_url):
        path = sqlite_path(parse_url(obj.database_url))
    if path is None:
        raise UserError("browse serves a SQLite archive; for PostgreSQL use a SQL client with "
                        "`newsarchive db grant-reader` credentials")
    engine = obj.engine(read_only=True)  # checks the file exists and its schema is current
    engine.dispose()
    try:
        import datasette  # noqa: F401
    except ModuleNotFoundError:
        raise UserError("browse needs Datasette: pip install 'newsarchive[browse]'") from None
    try:
        port = claim_port(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use: stop what listens there, or pass "
                            "another --port (--port 0 picks a free one)") from None
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="newsarchive-browse-") as tmp:
        # Served as "newsarchive" through a link: Datasette names a database after its file, and opens
        # f"file:{path}?mode=ro" unquoted (a ?, # or % in the real path would name another file). SQLite
        # resolves the link, so the WAL next to the real file is read.
        served = Path(tmp) / f"{DATABASE_NAME}.sqlite3"
        served.symlink_to(path.resolve())
        meta_file = Path(tmp) / "metadata.json"
        meta_file.write_text(json.dumps(datasette_metadata(), ensure_ascii=False), encoding="utf-8")
        # Mutable mode (not -i/immutable): Datasette reads the live file, WAL included, through read-only
        # connections (file:...?mode=ro). Immutable mode skips the WAL and caches counts: it showed an
        # archive of 103 documents as empty. The only write path, a writable canned query, is never defined.
        args = [sys.executable, "-m", "datasette", "serve", str(served), "--host", host, "--port", str(port),
                "--metadata", str(meta_file), "--template-dir", str(TEMPLATES),
                "--static", f"newsarchive-assets:{TEMPLATES / 'static'}",
                "--setting", "sql_time_limit_ms", "5000",
                # the facets asked for (TABLE_SETTINGS), short, not a line of suggestions above the rows
                "--setting", "suggest_facets", "off", "--setting", "default_facet_size", "5"]
        if open_browser:
            args.append("--open")
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"serving {path} read-only at http://{shown}:{port}/ (Ctrl-C stops)", err=True)
        code, stopped = run_child(args, {**os.environ, "PYTHONUNBUFFERED": "1"})
    if not stopped and code not in (0, -2, 130):
        raise UserError(f"datasette exited with status {code}")


def register(cli: click.Group) -> None:
    cli.add_command(browse)
