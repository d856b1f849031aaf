"""The forked CLI runs the crawl tests use (tests/helpers/forkcli.py) behave as fresh ``newsarchive`` processes
would: the same output, exit status, standard input, environment and working directory, their own pid, and
signals delivered by pid with Popen's negative return code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import forkcli

LINES = "\n".join(json.dumps(x) for x in [
    {"text": "SEOUL, Nov. 1 (Yonhap) -- text", "published": "2024-11-01T06:58:00+09:00"},
    {"text": "no dateline here", "published": None},
    {"text": "New Delhi, Feb 28 (IANS) India", "published": "2024-02-28T20:04:00+05:30"},
]) + "\n"


def test_a_forked_run_prints_and_exits_as_a_fresh_process_does() -> None:
    fresh = subprocess.run([sys.executable, "-m", "crawler.app.cli", "dateline", "--jsonl"], input=LINES,
                           capture_output=True, text=True, check=False, timeout=120)
    forked = forkcli.run(["dateline", "--jsonl"], input=LINES, capture_output=True, text=True, timeout=120)
    assert (forked.returncode, forked.stdout) == (fresh.returncode, fresh.stdout) == (0, fresh.stdout)
    assert len(fresh.stdout.splitlines()) == 3
    bad = forkcli.run(["export", "--format", "nonsense"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and bad.stderr.strip()


def test_a_forked_run_has_its_own_pid_environment_and_directory(tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite3"
    env = {**os.environ, "NEWSARCHIVE_DATABASE_URL": "sqlite:///archive.sqlite3"}  # relative: resolved in cwd
    done = forkcli.run(["db", "upgrade"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert archive.exists() and not (Path.cwd() / "archive.sqlite3").exists()
    assert "NEWSARCHIVE_DATABASE_URL" not in os.environ  # the caller's own environment is untouched


def test_signals_reach_a_forked_run_by_its_pid(tmp_path: Path) -> None:
    with forkcli.Popen(["dateline", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE) as proc:
        assert proc.pid not in (os.getpid(), os.getppid())
        assert proc.poll() is None  # waiting for its input
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
