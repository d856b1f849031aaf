"""``newsarchive report``: a static HTML report of the archive (or of a filter) that opens offline.

``write_report`` reads the archive (crawler.app.report.data), draws the charts as inline SVG
(crawler.app.report.svg) and writes one self-contained ``index.html`` (crawler.app.report.page).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import Engine

from crawler.app.report.data import gather
from crawler.app.report.page import render
from storage.search import ArchiveFilter


def write_report(engine: Engine, out_dir: Path, f: ArchiveFilter | None = None) -> Path:
    """Write ``out_dir/index.html`` (created or replaced whole: a temporary file renamed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = render(gather(engine, f))
    target = out_dir / "index.html"
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is for reading
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
