"""Column types shared by the models.

`UTCDateTime` is the one place the archive's time rule lives: every stored instant is UTC. SQLite keeps
no offset (it silently drops one), so values are converted to UTC before they are bound and come back as
timezone-aware UTC datetimes on both SQLite and PostgreSQL. The original offset of a published time is
kept in its own integer column (minutes east of UTC) next to the UTC value.

`NullableJSON` is the other: an absent value (Python ``None``) is SQL NULL, never the JSON text ``null``,
so ``IS NULL`` finds it on both databases (migration 0007 fixed the rows written before).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# One instance for every JSON column: types are stateless, and none_as_null changes only how None is bound.
NullableJSON = JSON(none_as_null=True)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; naive datetimes are refused (they would be ambiguous)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given where an aware one is required")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text written by hand
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
