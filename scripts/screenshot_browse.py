"""A headless-Chromium screenshot of `newsarchive browse` showing an archive's events.

Usage: .venv/bin/python scripts/screenshot_browse.py ARCHIVE.sqlite3 [-o OUT.png] [--page events]
                                                     [--chromium /usr/bin/chromium]

Starts `newsarchive browse` on 127.0.0.1 on a free port, waits until it answers, runs Chromium headless
with its network features off (no background traffic: the only address it loads is 127.0.0.1), writes the
PNG, stops both, and prints the PNG's path. Needs Datasette (the `browse` extra) and Chromium; not part of
the test run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            if proc.poll() is not None:
                raise SystemExit(f"browse exited with status {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"browse did not answer at {url} within {timeout:.0f} s") from None
            time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("archive", type=Path, help="a SQLite archive file")
    ap.add_argument("-o", "--output", type=Path, default=Path("browse-events.png"))
    ap.add_argument("--page", default="events",
                    help="events (the v_events rows, default), or a table or view name for its Datasette page")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--window-size", default="1400,900")
    args = ap.parse_args()
    if not args.archive.is_file():
        print(f"no archive at {args.archive}", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"Chromium not found at {args.chromium}", file=sys.stderr)
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    browse = subprocess.Popen([sys.executable, "-m", "crawler.app.cli", "--database", str(args.archive.resolve()),
                               "browse", "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    out = args.output.resolve()
    try:
        wait_until_up(f"{base}/-/versions.json", browse)
        if args.page == "events":
            # the events at a glance: Datasette's table page lists every column's description above the
            # rows, which fills a 900-pixel window; the query page shows the rows right away
            sql = ("SELECT event_key, series_name, start_date, venue_city, documents, sources, agencies, "
                   "first_report_at FROM v_events ORDER BY start_date")
            page = f"{base}/{args.archive.stem}?sql={urllib.parse.quote(sql)}"
        else:
            page = f"{base}/{args.archive.stem}/{args.page}?_size=30"
        with tempfile.TemporaryDirectory(prefix="newsarchive-chromium-") as profile:
            chromium = subprocess.Popen([args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                         f"--screenshot={out}", f"--window-size={args.window_size}", page],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
            try:
                chromium.wait(timeout=60)
            finally:
                stop(chromium)
    finally:
        stop(browse)
    if not out.exists() or out.stat().st_size == 0:
        print("Chromium wrote no screenshot", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
