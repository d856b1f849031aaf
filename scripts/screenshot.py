"""Headless-Chromium screenshots of the HTML report and of `newsarchive browse`.

Usage:
    .venv/bin/python scripts/screenshot.py report ARCHIVE.sqlite3 -o report.png [--window-size 1280,2000]
    .venv/bin/python scripts/screenshot.py browse ARCHIVE.sqlite3 --page /=home.png \\
        --page /newsarchive/v_events=events.png --page '/newsarchive/q2?countries=IND-USA=q2.png'

`report` writes the report with `newsarchive report` into a temporary directory and shoots it from a file://
URL: the report needs no server and no network. `browse` starts `newsarchive browse --port 0` (the port it
prints), shoots each PATH (relative to its base URL; the last `=` separates the output file) and stops it.
Chromium runs with its network features off (no background traffic) and a throw-away profile; one launch per
page. Prints each PNG's path. Needs Chromium (Debian: apt-get install chromium); `browse` needs Datasette
(the `browse` extra). tests/test_report.py runs `report` when Chromium is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--disable-dev-shm-usage"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def shoot(chromium: str, url: str, out: Path, window: str) -> Path:
    out = out.resolve()
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsarchive-chromium-") as profile:
        proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
                                 f"--window-size={window}", url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=60)
        finally:
            stop(proc)
    if not out.exists() or out.stat().st_size == 0:
        raise SystemExit(f"Chromium wrote no screenshot of {url}")
    return out


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def cli(archive: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.app.cli", "--database", f"sqlite:///{archive.resolve()}"]


def report(args: argparse.Namespace, chromium: str) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="newsarchive-report-") as tmp:
        done = subprocess.run([*cli(args.archive), "report", "-o", tmp], cwd=REPO, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"newsarchive report failed: {done.stderr.strip()}")
        return [shoot(chromium, (Path(tmp) / "index.html").as_uri(), args.output, args.window_size)]


def browse(args: argparse.Namespace, chromium: str) -> list[Path]:
    proc = subprocess.Popen([*cli(args.archive), "browse", "--port", "0"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        if not line.startswith("serving "):
            raise SystemExit(f"browse did not start: {line}{proc.stderr.read()[-1000:]}")
        base = line.split(" at ")[1].split()[0].rstrip("/")
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("browse did not answer") from None
                time.sleep(0.2)
        shots = []
        for spec in args.page:
            path, _, out = spec.rpartition("=")
            shots.append(shoot(chromium, base + (path if path.startswith("/") else "/" + path), Path(out),
                               args.window_size))
        return shots
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("report", help="the HTML report of an archive")
    r.add_argument("archive", type=Path)
    r.add_argument("-o", "--output", type=Path, default=Path("report.png"))
    b = sub.add_parser("browse", help="pages of `newsarchive browse` on an archive")
    b.add_argument("archive", type=Path)
    b.add_argument("--page", action="append", required=True, metavar="PATH=OUT.png")
    for p in (r, b):
        p.add_argument("--chromium", default=find_chromium())
        p.add_argument("--window-size", default="1280,1600")
    args = ap.parse_args(argv)
    if not args.archive.is_file():
        print(f"no archive at {args.archive}", file=sys.stderr)
        return 2
    if not args.chromium or not Path(args.chromium).exists():
        print("Chromium not found (Debian: apt-get install chromium; or pass --chromium PATH)", file=sys.stderr)
        return 2
    for shot in (report if args.what == "report" else browse)(args, args.chromium):
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
