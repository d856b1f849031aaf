"""docs/schema.md stays true: every table, column and view of the archive is documented, and nothing
documented is gone. Views are read from a real migrated archive (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import inspect

from crawler.app.cli.browse import DATASETTE_METADATA
from storage.db import make_engine
from storage.models import Base

DOCS = Path(__file__).resolve().parents[1] / "docs"
HEADING = re.compile(r"^### (Table|View) `(\w+)`\s*$")
ROW = re.compile(r"^\| `(\w+)` \|")
VIEWS = ("v_events", "v_articles", "v_documents", "v_event_publishers", "v_event_agencies", "v_event_chairs")


def documented() -> dict[tuple[str, str], list[str]]:
    """{(kind, name): [column, ...]} from docs/schema.md, in the documented order."""
    out: dict[tuple[str, str], list[str]] = {}
    current: tuple[str, str] | None = None
    for line in (DOCS / "schema.md").read_text(encoding="utf-8").splitlines():
        if m := HEADING.match(line):
            current = (m.group(1).lower(), m.group(2))
            out[current] = []
        elif line.startswith("## "):
            current = None
        elif current and (m := ROW.match(line)):
            out[current].append(m.group(1))
    return out


def test_every_table_and_column_of_the_models_is_documented_and_nothing_else() -> None:
    docs = {name: cols for (kind, name), cols in documented().items() if kind == "table"}
    docs.pop("alembic_version", None)
    models = {t.name: [c.name for c in t.columns] for t in Base.metadata.sorted_tables}
    assert sorted(docs) == sorted(models), "tables documented vs in storage.models"
    for name, cols in models.items():
        assert sorted(docs[name]) == sorted(cols), f"columns of {name}: documented vs model"
        assert len(set(docs[name])) == len(docs[name]), f"{name}: a column is documented twice"


def test_every_view_and_its_columns_are_documented_in_order(archive_url: str) -> None:
    docs = {name: cols for (kind, name), cols in documented().items() if kind == "view"}
    engine = make_engine(archive_url)
    insp = inspect(engine)
    views = sorted(v for v in insp.get_view_names() if v.startswith("v_"))
    assert views == sorted(VIEWS)
    assert sorted(docs) == views
    for view in views:
        actual = [c["name"] for c in insp.get_columns(view)]
        assert docs[view] == actual, f"{view}: documented columns (in order) vs the database"
    engine.dispose()


def test_datasette_metadata_describes_what_schema_md_describes() -> None:
    meta = json.loads(DATASETTE_METADATA.read_text(encoding="utf-8"))
    tables = meta["databases"]["archive"]["tables"]
    for (_kind, name), cols in documented().items():
        if name == "alembic_version":
            continue
        assert name in tables, f"{name} missing from {DATASETTE_METADATA.name}"
        assert sorted(tables[name].get("columns", {})) == sorted(cols), f"{name}: metadata columns vs schema.md"


def test_shipped_datasette_metadata_is_built_from_the_docs() -> None:
    from crawler.app.cli.browse import build_datasette_metadata

    built = build_datasette_metadata((DOCS / "schema.md").read_text(encoding="utf-8"),
                                     (DOCS / "queries.md").read_text(encoding="utf-8"))
    shipped = json.loads(DATASETTE_METADATA.read_text(encoding="utf-8"))
    assert shipped == built, "regenerate with: python -m crawler.app.cli.analyst"
    assert len(shipped["databases"]["archive"]["queries"]) >= 10
