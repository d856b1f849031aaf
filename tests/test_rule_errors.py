"""Errors surface: a bug in the pure rules (crawler.core) is not swallowed. The crawl drops that page with a
counted reason (``extract_error``), logs its traceback, does not remember the URL in ``seen_urls`` (the next
crawl fetches it again) and goes on with the other pages — inline and in the extraction worker pool.

The bug is planted in a real crawl subprocess by a ``sitecustomize.py`` on PYTHONPATH (nothing in the
product code knows about it): it wraps ``crawler.core.process.extract_page`` to raise on one URL. The spawned
extraction workers import sitecustomize too, so the bug is live there as well.

Also: ``seen_urls`` rows carry the rules version that rejected them, and a crawl under other rules fetches a
URL that older rules rejected again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from crawler.app.demo import DEMO_GOLD
from crawler.app.demo.server import FixtureServer
from crawler.core.process import PIPELINE_VERSION
from storage.db import make_engine
from storage.models import CrawlRun, Document, SeenUrl
from tests.conftest import REPO

MARKER = "PLANTED-RULE-BUG"
SITECUSTOMIZE = f'''
import crawler.core.process as process

_extract_page = process.extract_page


def _planted(html, url=None, **kwargs):
    if url is not None and url.endswith(__import__("os").environ["PLANTED_BUG_PATH"]):
        raise RuntimeError("{MARKER}: a rule tripped on " + url)
    return _extract_page(html, url, **kwargs)


process.extract_page = _planted
'''
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "NEWSARCHIVE_MONITOR_MAX_ERROR_RATE=1.0"]


def gold() -> list[dict[str, Any]]:
    return [json.loads(x) for x in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    from crawler.app.demo import DEMO_SITE

    with FixtureServer(DEMO_SITE) as s:
        yield s


def crawl(db: str, urls_file: Path, workers: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from crawler.app.cli.main import main; raise SystemExit(main())",
         "--database", db, "--verbose", "crawl", "--urls-file", str(urls_file), *FAST,
         "-s", f"NEWSARCHIVE_EXTRACT_WORKERS={workers}", "-s", "NEWSARCHIVE_EXTRACT_POOL_AFTER=0"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env, check=False,
    )


def seen(db: str) -> dict[str, tuple[str | None, int | None]]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = {r.canonical_url: (r.rule_version, r.crawl_run_id)
                for r in conn.execute(select(SeenUrl.canonical_url, SeenUrl.rule_version, SeenUrl.crawl_run_id))}
    engine.dispose()
    return rows


@pytest.mark.parametrize("workers", [0, 1], ids=["inline", "worker-pool"])
def test_a_bug_in_the_rules_is_a_counted_logged_drop_and_the_url_is_fetched_again(
    sqlite_archive_url: str, server: FixtureServer, tmp_path: Path, workers: int
) -> None:
    pages = gold()
    dialogue = [g["url_path"] for g in pages if g["topic"] == "dialogue_event"][:2]
    unrelated = [g["url_path"] for g in pages if g["topic"] == "unrelated"][:2]
    assert len(dialogue) == 2 and len(unrelated) == 2
    buggy = unrelated[0]  # without the bug it would be remembered in seen_urls, like unrelated[1]
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(server.base_url + p for p in (*dialogue, *unrelated)) + "\n", encoding="utf-8")
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(planted), str(REPO)]), "PLANTED_BUG_PATH": buggy}

    done = crawl(sqlite_archive_url, urls_file, workers, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert MARKER in done.stderr and "Traceback" in done.stderr, "the traceback is in the log"
    assert "extraction failed on " + server.base_url + buggy in done.stderr
    engine = make_engine(sqlite_archive_url)
    with engine.connect() as conn:
        run = conn.execute(select(CrawlRun.id, CrawlRun.drop_reasons).order_by(CrawlRun.id.desc())).first()
        documents = set(conn.scalars(select(Document.url)))
    engine.dispose()
    assert run is not None and (run.drop_reasons or {}).get("extract_error") == 1, run.drop_reasons if run else None
    assert documents == {server.base_url + p for p in dialogue}, "the run went on: the other pages are archived"
    rejected = seen(sqlite_archive_url)
    assert server.base_url + unrelated[1] in rejected
    assert rejected[server.base_url + unrelated[1]][0] == PIPELINE_VERSION
    assert server.base_url + buggy not in rejected, "a page the rules failed on is not remembered as rejected"

    # bug fixed (no sitecustomize): the next crawl fetches the failed page and now rejects it; the page the
    # same rules rejected before is not fetched again
    clean_env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PLANTED_BUG_PATH")}
    again = crawl(sqlite_archive_url, urls_file, workers, clean_env)
    assert again.returncode == 0, again.stderr[-3000:]
    rejected = seen(sqlite_archive_url)
    assert rejected[server.base_url + buggy][0] == PIPELINE_VERSION
    first_run = rejected[server.base_url + unrelated[1]][1]
    assert first_run == run.id, "rejected under the same rules: not fetched again"


def test_urls_rejected_by_other_rules_are_fetched_again(sqlite_archive_url: str, server: FixtureServer,
                                                        tmp_path: Path) -> None:
    unrelated = [g["url_path"] for g in gold() if g["topic"] == "unrelated"][:2]
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(server.base_url + p for p in unrelated) + "\n", encoding="utf-8")
    env = dict(os.environ)
    assert crawl(sqlite_archive_url, urls_file, 0, env).returncode == 0
    rejected = seen(sqlite_archive_url)
    assert {u: v for u, (v, _run) in rejected.items()} == {server.base_url + p: PIPELINE_VERSION for p in unrelated}
    old, same = (server.base_url + p for p in unrelated)
    engine = make_engine(sqlite_archive_url)
    with engine.begin() as conn:  # as if older rules had rejected one of them
        conn.execute(update(SeenUrl).where(SeenUrl.canonical_url == old).values(rule_version="x0"))
    engine.dispose()
    assert crawl(sqlite_archive_url, urls_file, 0, env).returncode == 0
    after = seen(sqlite_archive_url)
    assert after[old][0] == PIPELINE_VERSION and after[old][1] != rejected[old][1], "re-fetched, re-judged"
    assert after[same] == rejected[same], "rejected by these rules: not fetched again"
