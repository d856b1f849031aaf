"""Scheduling through Scrapyd: a real `scrapyd` on 127.0.0.1, the project deployed as an egg, a crawl of
the demo site scheduled through the JSON API, and the rows found in a real SQLite archive.

Follows deploy/scrapyd.md step by step: scrapyd.conf with ``runner = newsarchive_scrapyd_runner`` (Scrapyd
started with deploy/ on PYTHONPATH), the egg built by deploy/build_egg.py and uploaded with
``scrapyd-deploy TARGET --egg FILE``, migrations applied as their own step (``newsarchive db upgrade``),
then ``schedule.json`` and ``listjobs.json``. Skipped when scrapyd or scrapyd-client is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.app.demo import DEMO_GOLD
from crawler.app.demo.server import FixtureServer
from storage.db import make_engine
from storage.models import Article, CrawlRun, Document, Event, SeenUrl

REPO = Path(__file__).resolve().parents[1]
PROJECT = "newsarchive"

for _module, _package in (("scrapyd", "scrapyd"), ("scrapyd_client", "scrapyd-client")):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"{_package} is not installed: the Scrapyd deployment test needs `pip install scrapyd "
                    "scrapyd-client`", allow_module_level=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """GET (data None) or POST a form to Scrapyd's JSON API; the answer must say status ok."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    assert answer.get("status") == "ok", answer
    return answer


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A Scrapyd on a free loopback port, working in its own temp directory; killed at teardown."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "jobs_to_keep = 2\n"
        "finished_to_keep = 10\n"
        "poll_interval = 0.5\n"
        "max_proc = 2\n"
        "runner = newsarchive_scrapyd_runner\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "deploy"), env.get("PYTHONPATH")) if p)
    out = (home / "scrapyd.out").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("scrapyd did not start:\n" + (home / "scrapyd.out").read_text(errors="replace"))
                time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # scrapyd and any crawl it still runs
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        out.close()


def deploy(base: str, tmp_path: Path) -> str:
    """Build the egg (deploy/build_egg.py) and upload it with scrapyd-deploy to a temporary target."""
    egg = tmp_path / "dist" / "newsarchive.egg"
    built = subprocess.run([sys.executable, str(REPO / "deploy" / "build_egg.py"), str(egg)],
                           capture_output=True, text=True, timeout=60, check=False)
    assert built.returncode == 0, built.stderr
    target = tmp_path / "deploy-target"
    target.mkdir()
    (target / "scrapy.cfg").write_text(
        f"[settings]\ndefault = crawler.shell.settings\n\n[deploy:test]\nurl = {base}/\nproject = {PROJECT}\n",
        encoding="utf-8")
    version = "r1"
    done = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "test", "--egg", str(egg),
                           "--version", version], cwd=target, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[0])
    assert answer["status"] == "ok" and answer["spiders"] >= 2, answer  # Scrapyd listed the egg's spiders
    assert api(base, f"listversions.json?project={PROJECT}")["versions"] == [version]
    assert "newsarchive" in api(base, f"listspiders.json?project={PROJECT}")["spiders"]
    return version


def test_scrapyd_schedules_a_deployed_crawl_into_the_archive(
    scrapyd: str, demo_server: FixtureServer, tmp_path: Path
) -> None:
    deploy(scrapyd, tmp_path)

    # migrations are their own step, before any crawl (a crawl never migrates)
    database = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgraded = subprocess.run([sys.executable, "-m", "crawler.app.cli", "--database", database, "db", "upgrade"],
                              capture_output=True, text=True, timeout=60, check=False)
    assert upgraded.returncode == 0, upgraded.stderr

    job = api(scrapyd, "schedule.json", [
        ("project", PROJECT), ("spider", "newsarchive"), ("sitemap", f"{demo_server.base_url}/sitemap_index.xml"),
        ("setting", f"NEWSARCHIVE_DATABASE_URL={database}"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
        ("setting", "DOWNLOAD_DELAY=0"),
    ])["jobid"]

    deadline = time.monotonic() + 30
    while True:
        jobs = api(scrapyd, f"listjobs.json?project={PROJECT}")
        finished = [j for j in jobs["finished"] if j["id"] == job]
        if finished:
            break
        assert time.monotonic() < deadline, f"job {job} not finished after 30 s: {jobs}"
        time.sleep(0.3)
    with urllib.request.urlopen(scrapyd + finished[0]["log_url"], timeout=10) as response:
        log = response.read().decode("utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert "Spider closed (finished)" in log

    gold = [json.loads(line) for line in DEMO_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = [g for g in gold if g["topic"] != "unrelated"]
    engine = make_engine(database)
    with engine.connect() as conn:
        paths = {u.removeprefix(demo_server.base_url) for u in conn.scalars(select(Document.canonical_url))}
        articles = conn.scalar(select(func.count()).select_from(Article))
        events = conn.scalar(select(func.count()).select_from(Event))
        rejected = set(conn.scalars(select(SeenUrl.canonical_url)))
        runs = conn.execute(select(CrawlRun.spider, CrawlRun.status, CrawlRun.finish_reason)).all()
    engine.dispose()
    # every kept page archived once (AMP twins fold into their canonical page), nothing else
    assert paths == {g["url_path"] for g in kept if "/amp/" not in g["url_path"]}
    assert articles == len({g["story_id"] for g in kept})  # syndicated copies share one article
    assert events == len({g["event"]["event_id"] for g in kept if g["topic"] == "dialogue_event"})
    assert {demo_server.base_url + g["url_path"] for g in gold if g["topic"] == "unrelated"} <= rejected
    assert [tuple(r) for r in runs] == [("newsarchive", "ok", "finished")]
