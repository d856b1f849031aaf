"""The archive's write lock on PostgreSQL: ``LOCK TABLE archive_write_lock IN EXCLUSIVE MODE``.

Every write batch (crawl, reprocess, re-attaching undated reports) takes it first, so concurrent writers are
serialised the way SQLite's ``BEGIN IMMEDIATE`` serialises them. It is a lock on a dedicated, empty table
(migration 0005) rather than an advisory lock: any role that can connect can take any advisory lock and hold
it forever, so a read-only analyst could stall every crawl. EXCLUSIVE mode conflicts with every lock except
ACCESS SHARE, and every stronger lock on a table needs UPDATE, DELETE, TRUNCATE or ownership of it, which a
reader (``newsarchive db grant-reader``) never has: its plain SELECTs cannot block a writer.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

WRITE_LOCK_TABLE = "archive_write_lock"


def lock_archive_writes(conn: Connection) -> None:
    """Serialise this transaction's writes with every other writer's (PostgreSQL; a no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {WRITE_LOCK_TABLE} IN EXCLUSIVE MODE"))
