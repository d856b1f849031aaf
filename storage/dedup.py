"""Near-duplicate articles: the one place the "same story text" rule lives.

Two clean bodies carry the same story when at least ``CONTAINMENT`` of the shorter body's word shingles
occur in the longer one and they were first published within ``WINDOW_DAYS`` of each other. That merges
syndicated copies that differ by a wrapper, a trailer or a disclaimer, truncated reprints, and copies
under a changed headline, and keeps rewrites of one event by different agencies apart (they share facts
and names, not running text).

Finding candidates must not scan the archive: every article stores a MinHash signature of its shingles
(``articles.minhash``) and its LSH band hashes (``article_lsh_bands``, indexed on ``(band, hash)``). A new
body's candidates are the articles sharing at least one band hash; only those, inside the publication
window, have their stored bodies read and their containment computed exactly.

Pure part (no database): ``shingles``, ``minhash``, ``band_hashes``, ``containment``, ``pack``/``unpack``.
Query part: ``store_bands``, ``find_near_duplicate``. Both work the same on SQLite and PostgreSQL.

Parameters (measured in docs/dedup.md): 5-word shingles, 64 hash functions, 32 bands of 2 rows. Two
rows per band make a pair of bodies whose shingle Jaccard similarity is 0.3 (a reprint truncated to a
third) a candidate with probability 0.95; confirmation by exact containment keeps precision.
"""

from __future__ import annotations

import hashlib
import re
import struct
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, or_, select

from storage.models import Article, ArticleBand, table_of

SHINGLE_WORDS = 5
NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS
CONTAINMENT = 0.8
WINDOW_DAYS = 7
# Below this many shingles a body is too short for containment to mean anything: exact hash only.
MIN_SHINGLES = 8

_WORD = re.compile(r"\w+", re.UNICODE)
_SIG = struct.Struct(f"<{NUM_PERM}I")
_MAX32 = 0xFFFFFFFF


def words(body: str) -> list[str]:
    """Case-folded word tokens of a clean body (punctuation and layout ignored)."""
    return _WORD.findall(body.casefold())


def shingles(body: str, k: int = SHINGLE_WORDS) -> set[str]:
    """The set of k-word shingles of ``body``; a body shorter than k words gives one shingle of all of it."""
    toks = words(body)
    if not toks:
        return set()
    if len(toks) < k:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}


def minhash(shingle_set: Iterable[str]) -> tuple[int, ...]:
    """MinHash signature: ``NUM_PERM`` 32-bit minima, one per hash function.

    The NUM_PERM hash functions of a shingle are the consecutive 32-bit words of one SHAKE-128 digest of it
    (independent, seed-free, and stable across processes and machines, unlike ``hash()``). An empty set
    gives all-ones."""
    columns: list[array[int]] = []
    for s in shingle_set:
        columns.append(array("I", hashlib.shake_128(s.encode("utf-8")).digest(4 * NUM_PERM)))
    if not columns:
        return (_MAX32,) * NUM_PERM
    return tuple(map(min, zip(*columns, strict=True)))


def band_hashes(signature: Sequence[int]) -> list[int]:
    """One signed 63-bit hash per band (fits BIGINT on both databases)."""
    out = []
    for b in range(BANDS):
        chunk = struct.pack(f"<{ROWS}I", *signature[b * ROWS : (b + 1) * ROWS])
        out.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1)
    return out


def pack(signature: Sequence[int]) -> bytes:
    return _SIG.pack(*signature)


def unpack(blob: bytes) -> tuple[int, ...]:
    return tuple(_SIG.unpack(blob))


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set's shingles found in the larger one (0.0 when either is empty)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return 0.0
    return len(small & large) / len(small)


def same_story(a: set[str], b: set[str]) -> bool:
    """The confirmation rule: enough shingles on the shorter side, and containment ≥ CONTAINMENT."""
    return min(len(a), len(b)) >= MIN_SHINGLES and containment(a, b) >= CONTAINMENT


@dataclass(frozen=True)
class Fingerprint:
    """What dedup needs of one body, computed once."""

    shingles: frozenset[str]
    signature: tuple[int, ...]
    bands: tuple[int, ...]

    @classmethod
    def of(cls, body: str) -> Fingerprint:
        sh = frozenset(shingles(body))
        sig = minhash(sh)
        return cls(sh, sig, tuple(band_hashes(sig)))

    @property
    def usable(self) -> bool:
        return len(self.shingles) >= MIN_SHINGLES


def _window(published: datetime) -> tuple[datetime, datetime]:
    """``published`` ± WINDOW_DAYS, clamped to ``datetime``'s range (a year-1 or year-9999 date is a bad
    date, not a crash: the window then reaches the end of the calendar on that side)."""
    span = timedelta(days=WINDOW_DAYS)
    low = datetime.min.replace(tzinfo=UTC)
    high = datetime.max.replace(tzinfo=UTC)
    try:
        lo = published - span
    except OverflowError:
        lo = low if published.tzinfo is not None else datetime.min
    try:
        hi = published + span
    except OverflowError:
        hi = high if published.tzinfo is not None else datetime.max
    return lo, hi


# -- queries ------------------------------------------------------------------------------------------


def store_bands(conn: Connection, article_id: int, fp: Fingerprint) -> None:
    """Write an article's band rows (call once, right after the article row is inserted)."""
    if not fp.usable:
        return
    conn.execute(
        table_of(ArticleBand).insert(),
        [{"article_id": article_id, "band": b, "hash": h} for b, h in enumerate(fp.bands)],
    )


def find_near_duplicate(conn: Connection, fp: Fingerprint, published: datetime | None) -> int | None:
    """The id of an archived article carrying the same story as ``fp``, or None.

    Candidates share a band hash and were first published within WINDOW_DAYS of ``published`` (no window
    when either time is unknown); each is confirmed on its stored body with ``same_story``. Among several
    confirmed articles the one with the highest containment wins, then the oldest (lowest id)."""
    if not fp.usable:
        return None
    # OR of (band, hash) equalities, not a row-value IN: SQLite plans the OR as one index search per band
    # (a row-value IN scans the whole table); PostgreSQL as a bitmap OR.
    band_match = or_(*(and_(ArticleBand.band == b, ArticleBand.hash == h) for b, h in enumerate(fp.bands)))
    query = (
        select(Article.id, Article.body)
        .where(Article.id.in_(select(ArticleBand.article_id).where(band_match)))
        .order_by(Article.id)
    )
    if published is not None:
        lo, hi = _window(published)
        query = query.where(or_(Article.first_published_at.is_(None),
                                and_(Article.first_published_at >= lo, Article.first_published_at <= hi)))
    best: tuple[float, int] | None = None
    mine = set(fp.shingles)
    for row in conn.execute(query):
        theirs = shingles(row.body)
        if not same_story(mine, theirs):
            continue
        score = containment(mine, theirs)
        if best is None or score > best[0]:
            best = (score, int(row.id))
    return None if best is None else best[1]


__all__ = [
    "BANDS",
    "CONTAINMENT",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "WINDOW_DAYS",
    "Fingerprint",
    "band_hashes",
    "containment",
    "find_near_duplicate",
    "minhash",
    "pack",
    "same_story",
    "shingles",
    "store_bands",
    "unpack",
]
