"""Full-text search over article titles and bodies, and the archive filters shared by search and exports.

One query language on both databases (docs/queries.md, "Full-text search"):

- ``word word``      every word must appear (stemmed and accent-folded: "dialogues" finds "dialogue",
                     "Türkiye" finds "Turkiye");
- ``"exact phrase"`` the words next to each other, in order;
- ``a OR b``         either side (``OR`` in capitals; binds loosest);
- ``-word``          / ``-"phrase"``: exclude articles containing it;
- ``word*``          prefix match.

A word with punctuation inside (``counter-terrorism``, ``O'Brien``) is the phrase of its parts.

Everything else is data: quotes are the only syntax inside a term, and user text only ever reaches the
database as bound parameters (SQLite FTS5 gets every term as a quoted string). Malformed queries (an
unbalanced quote, a dangling OR, only excluded terms, nothing searchable) raise :class:`QuerySyntaxError`.

Indexes (created by migration 0002 and kept in sync by triggers on ``articles``): SQLite FTS5
``articles_fts`` (porter + unicode61 remove_diacritics 2), PostgreSQL ``articles_fts.document`` (tsvector,
GIN, text search configuration ``newsarchive_english`` = unaccent + english stemmer; title weighted A,
body B). Ranking: SQLite ``bm25`` with the title weighted 10×; PostgreSQL ``ts_rank_cd``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)

from storage.models import Article, Document, Event, EventAlias

PG_TS_CONFIG = "newsarchive_english"
SQLITE_TITLE_WEIGHT = 10.0


class QuerySyntaxError(ValueError):
    """The user's full-text query is malformed; the message says how."""


@dataclass(frozen=True)
class Term:
    text: str
    kind: str  # 'word' | 'phrase' | 'prefix'
    negated: bool = False


Query = list[list[Term]]  # OR of AND-groups

# At most this many terms in a query: deeper trees overflow SQLite's FTS5 parser ("parser stack overflow")
# and SQLAlchemy's recursive compiler on PostgreSQL (RecursionError near 90 terms).
MAX_QUERY_TERMS = 50

_TOKEN = re.compile(r'-?"[^"]*"|"|[^\s"]+')
_WORDISH = re.compile(r"\w", re.UNICODE)


def parse_query(text: str) -> Query:
    """The query language above → a list of OR-alternatives, each a list of terms (all must hold)."""
    if text.count('"') % 2:
        raise QuerySyntaxError("unbalanced double quote in the query")
    groups: Query = [[]]
    negate = False
    for raw in _TOKEN.findall(text):
        if raw == "OR":
            if negate or not groups[-1]:
                raise QuerySyntaxError("OR needs a term on each side")
            groups.append([])
            continue
        token = raw
        if token.startswith("-") and len(token) > 1:
            negate, token = True, token[1:]
        if token.startswith('"'):
            inner = token.strip('"').strip()
            if _WORDISH.search(inner):
                groups[-1].append(Term(" ".join(inner.split()), "phrase", negate))
        elif token.endswith("*") and re.fullmatch(r"\w+", token[:-1], re.UNICODE):
            groups[-1].append(Term(token[:-1], "prefix", negate))
        elif _WORDISH.search(token):
            groups[-1].append(Term(token, "word", negate))
        negate = False
    if not groups[-1] and len(groups) > 1:
        raise QuerySyntaxError("OR needs a term on each side")
    groups = [g for g in groups if g]
    if not groups:
        raise QuerySyntaxError("nothing to search for: give at least one word")
    terms = sum(len(g) for g in groups)
    if terms > MAX_QUERY_TERMS:
        raise QuerySyntaxError(f"too many terms ({terms}): a query takes at most {MAX_QUERY_TERMS} words, "
                               "phrases and exclusions")
    for g in groups:
        if all(t.negated for t in g):
            raise QuerySyntaxError("a query needs at least one term that is not excluded (-word)")
    return groups


def fts5_match(query: Query) -> str:
    """The query as an SQLite FTS5 MATCH expression; every term is a quoted FTS5 string."""

    def quoted(t: Term) -> str:
        s = '"' + t.text.replace('"', '""') + '"'
        return s + "*" if t.kind == "prefix" else s

    alternatives = []
    for group in query:
        expr = " AND ".join(quoted(t) for t in group if not t.negated)
        for t in group:
            if t.negated:
                expr = f"({expr}) NOT {quoted(t)}"
        alternatives.append(f"({expr})")
    return " OR ".join(alternatives)


def pg_tsquery(query: Query) -> ColumnElement[Any]:
    """The query as a PostgreSQL tsquery expression built from bound parameters."""
    cfg: ColumnElement[Any] = literal_column(f"'{PG_TS_CONFIG}'::regconfig")
    n = 0

    def one(t: Term) -> ColumnElement[Any]:
        nonlocal n
        n += 1
        if t.kind == "phrase":
            q = func.phraseto_tsquery(cfg, bindparam(f"fts_{n}", t.text))
        elif t.kind == "prefix":
            q = func.to_tsquery(cfg, bindparam(f"fts_{n}", t.text + ":*"))
        else:
            # a word with punctuation inside (counter-terrorism, O'Brien) is the phrase of its parts, as
            # an FTS5 quoted string is on SQLite
            q = func.phraseto_tsquery(cfg, bindparam(f"fts_{n}", t.text))
        return func.tsquery_not(q) if t.negated else q

    alternatives: list[ColumnElement[Any]] = []
    for group in query:
        expr: ColumnElement[Any] | None = None
        for t in group:
            term = one(t)
            expr = term if expr is None else func.tsquery_and(expr, term)
        assert expr is not None
        alternatives.append(expr)
    result = alternatives[0]
    for alt in alternatives[1:]:
        result = func.tsquery_or(result, alt)
    return result


# SQLite ranks at most this many matches, the most recently archived ones (see search()).
SQLITE_RANK_WINDOW = 10_000


def matching_articles(dialect: str, query: Query) -> Select[tuple[Any, Any]]:
    """(article_id, score) for every article matching ``query``; higher score = better match."""
    if dialect == "sqlite":
        fts = table("articles_fts", column("rowid"))
        fts_ref: ColumnElement[Any] = literal_column("articles_fts")
        return select(
            fts.c.rowid.label("article_id"),
            (-func.bm25(fts_ref, SQLITE_TITLE_WEIGHT, 1.0)).label("score"),
        ).select_from(fts).where(fts_ref.op("MATCH")(bindparam("fts_match", fts5_match(query))))
    fts_pg = table("articles_fts", column("article_id"), column("document"))
    tsq = pg_tsquery(query)
    return select(
        fts_pg.c.article_id.label("article_id"), func.ts_rank_cd(fts_pg.c.document, tsq).label("score")
    ).where(fts_pg.c.document.op("@@")(tsq))


# -- filters shared by search and exports ----------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveFilter:
    """What an analyst narrows a search or export to. Dates are inclusive UTC calendar days."""

    since: date | None = None
    until: date | None = None
    series: str | None = None  # part of the mechanism slug or of the series name (case-insensitive)
    country: str | None = None  # ISO 3166-1 alpha-3, either side of the pair
    agency: str | None = None  # wire agency (case-insensitive), e.g. IANS
    event_key: str | None = None  # an event key, current or former (event_aliases)
    query: str | None = None  # full-text query (the language above)

    def parsed_query(self) -> Query | None:
        return parse_query(self.query) if self.query is not None else None


def day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def day_after(d: date) -> datetime:
    return day_start(d + timedelta(days=1))


def time_bounds(col: Any, f: ArchiveFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.since is not None:
        out.append(col >= day_start(f.since))
    if f.until is not None:
        out.append(col < day_after(f.until))
    return out


def event_conditions(f: ArchiveFilter) -> list[ColumnElement[bool]]:
    """Conditions on the ``events`` table (joined under its model name) from --series/--country/--event."""
    out: list[ColumnElement[bool]] = []
    if f.series:
        s = f.series.strip().lower()
        out.append(or_(func.lower(Event.mechanism).contains(s, autoescape=True),
                       func.lower(func.coalesce(Event.series_name, "")).contains(s, autoescape=True)))
    if f.country:
        c = f.country.strip().upper()
        out.append(or_(Event.country_a == c, Event.country_b == c))
    if f.event_key:
        out.append(or_(Event.event_key == f.event_key,
                       Event.id.in_(select(EventAlias.event_id).where(EventAlias.alias_key == f.event_key))))
    return out


def agency_condition(f: ArchiveFilter) -> ColumnElement[bool] | None:
    if not f.agency:
        return None
    return func.lower(Article.agency) == f.agency.strip().lower()


def article_query_condition(dialect: str, f: ArchiveFilter) -> ColumnElement[bool] | None:
    q = f.parsed_query()
    if q is None:
        return None
    ids = matching_articles(dialect, q).subquery()
    return Article.id.in_(select(ids.c.article_id))


def event_article_condition(dialect: str, f: ArchiveFilter) -> ColumnElement[bool] | None:
    """For event rows: some article of the event matches --agency and --query."""
    conds = [c for c in (agency_condition(f), article_query_condition(dialect, f)) if c is not None]
    if not conds:
        return None
    return exists(select(Article.id).where(Article.event_id == Event.id, *conds))


def event_exists(engine: Engine, key: str) -> bool:
    """Whether ``key`` is an event's key, current or former (what --event matches)."""
    cond = event_conditions(ArchiveFilter(event_key=key))
    with engine.connect() as conn:
        return bool(conn.scalar(select(exists(select(Event.id).where(*cond)))))


def needs_event(f: ArchiveFilter) -> bool:
    return bool(f.series or f.country or f.event_key)


# -- search -------------------------------------------------------------------------------------------------
SEARCH_COLUMNS = ("rank", "score", "article_id", "event_key", "series_name", "first_published_at", "agency",
                  "dateline", "documents", "title", "snippet", "relevance", "url")


def relevance(score: float, best: float) -> float:
    """A hit's score relative to the best hit's (1.0 = as good as the best), 3 decimals.

    Raw scores are not comparable across queries and can all be tiny: FTS5's bm25 floors the weight of a
    word found in more than half the articles at 1e-6, so a broad query scores every hit ~0.000002."""
    return round(score / best, 3) if best > 0 else 1.0


def _significant(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def search(engine: Engine, text: str, f: ArchiveFilter | None = None, *, limit: int = 20) -> list[dict[str, Any]]:
    """Articles matching ``text``, best first, narrowed by ``f``. Raises QuerySyntaxError."""
    f = f or ArchiveFilter()
    query = parse_query(text)
    dialect = engine.dialect.name
    hits = matching_articles(dialect, query).subquery("hits")
    conds: list[ColumnElement[bool]] = [*time_bounds(Article.first_published_at, f), *event_conditions(f)]
    if (agency := agency_condition(f)) is not None:
        conds.append(agency)
    if f.query is not None and (extra := article_query_condition(dialect, f)) is not None:
        conds.append(extra)
    # Two steps: the best ``limit`` ids (ranking every match, but carrying only id and score through the
    # sort), then the details of those few rows. One query carrying titles, bodies and document counts
    # through the sort is ten times slower on a large archive.
    best = select(hits.c.article_id, hits.c.score)
    if conds:
        best = best.join(Article, Article.id == hits.c.article_id)
        if needs_event(f):
            best = best.join(Event, Event.id == Article.event_id)
        best = best.where(*conds)
    if dialect == "sqlite":
        # FTS5 computes bm25 for every match before it can sort, so a common word over a million articles
        # costs ~100 ms. Rank the SQLITE_RANK_WINDOW most recently archived matches (FTS5 walks rowids
        # newest-first and stops early): exact whenever a query matches fewer articles than that.
        window = best.order_by(hits.c.article_id.desc()).limit(SQLITE_RANK_WINDOW).subquery("window")
        best = select(window.c.article_id, window.c.score)
        best = best.order_by(window.c.score.desc(), window.c.article_id).limit(limit)
    else:
        best = best.order_by(hits.c.score.desc(), hits.c.article_id).limit(limit)
    terms = [t for g in query for t in g if not t.negated]
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        ranked = [(int(r[0]), float(r[1])) for r in conn.execute(best)]
        if not ranked:
            return rows
        documents = (select(func.count()).where(Document.article_id == Article.id)
                     .correlate(Article).scalar_subquery())
        # the URL of the article's first copy (earliest published, then first archived)
        url = (select(Document.canonical_url).where(Document.article_id == Article.id)
               .order_by(Document.published_at.is_(None), Document.published_at, Document.id).limit(1)
               .correlate(Article).scalar_subquery())
        details = {r[0]: r for r in conn.execute(
            select(Article.id, Event.event_key, Event.series_name, Article.first_published_at, Article.agency,
                   Article.dateline_raw, documents, Article.title, Article.body, url)
            .outerjoin(Event, Event.id == Article.event_id)
            .where(Article.id.in_([i for i, _ in ranked])))}
    best_score = ranked[0][1]
    for rank, (article_id, score) in enumerate(ranked, 1):
        r = details[article_id]
        rows.append({
            "rank": rank, "score": _significant(score), "article_id": article_id, "event_key": r[1],
            "series_name": r[2], "first_published_at": r[3], "agency": r[4], "dateline": r[5],
            "documents": r[6], "title": r[7], "snippet": snippet(r[8] or "", terms),
            "relevance": relevance(score, best_score), "url": r[9],
        })
    return rows


def snippet(body: str, terms: list[Term], width: int = 160) -> str:
    """A window of ``body`` around the first occurrence of a search term (case- and accent-insensitive
    prefix match on the term's first word); the body's start when none is found literally."""
    import unicodedata

    def fold(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))

    folded = fold(body)
    at = -1
    for t in terms:
        first = fold(t.text.split()[0])[:5] if t.text.split() else ""
        if first:
            m = re.search(r"\b" + re.escape(first), folded)
            if m and (at < 0 or m.start() < at):
                at = m.start()
    start = max(0, at - width // 3) if at >= 0 else 0
    # folding can change lengths (ß → ss is not done by NFKD, but ligatures are): clamp to the body
    start = min(start, max(0, len(body) - 1))
    text = " ".join(body[start:start + width].split())
    return ("…" if start > 0 else "") + text + ("…" if start + width < len(body) else "")
