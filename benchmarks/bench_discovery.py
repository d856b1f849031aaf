"""Bounded discovery: peak RSS and time-limit overrun of a crawl by sitemap size (issue 13).

    .venv/bin/python benchmarks/bench_discovery.py [--sizes 1000,200000] [--limit 30] [--json OUT]

Serves, on 127.0.0.1, one sitemap per size (a single ``<urlset>`` of N article URLs) and cheap articles
(every article URL answers 404 with an empty body: the cost measured is discovery and scheduling, not
extraction). Each crawl is the real CLI into a fresh SQLite archive, run as a child process with a time
limit (``-s CLOSESPIDER_TIMEOUT``, what ``crawl --max-time`` sets); its peak RSS is the child's
``ru_maxrss``, read by a wrapper process that runs exactly one crawl. Printed side by side: peak RSS and
the seconds the crawl ran past its limit. Targets: peak RSS flat in sitemap size, overrun a few seconds.
``--repo DIR`` runs another checkout's crawler (the CLI runs with that directory as its working directory,
so its ``crawler`` package is the one imported): the code before a change, side by side.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_e2e import CLI, machine  # noqa: E402
from benchmarks.bench_memory import WRAPPER  # noqa: E402
from storage.crawlstats import FRONTIER_MAX_IN_FLIGHT  # noqa: E402

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_bytes(base: str, size: int, tag: str) -> bytes:
    parts = [f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='{NS}'>"]
    parts.extend(f"<url><loc>{base}/a/{tag}/{i:07d}.html</loc><lastmod>2024-05-01</lastmod></url>"
                 for i in range(size))
    parts.append("</urlset>")
    return "".join(parts).encode("utf-8")


class Site:
    """Sitemaps generated once and kept in memory; every other path is a cheap 404."""

    def __init__(self) -> None:
        self.sitemaps: dict[str, bytes] = {}
        self.articles = 0
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = site.sitemaps.get(self.path)
                if body is None:
                    with site.lock:
                        site.articles += 1
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


def crawl(tmp: Path, sitemap: str, label: str, limit: int, extra: list[str], repo: Path) -> dict[str, object]:
    db = tmp / f"{label}.sqlite3"
    subprocess.run([sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "db", "upgrade"], cwd=repo,
                   check=True, capture_output=True)
    cmd = [sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "crawl", "--sitemap", sitemap, "--no-progress",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
           "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
           "-s", f"CLOSESPIDER_TIMEOUT={limit}", *extra]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], cwd=repo, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    elapsed = time.perf_counter() - start
    with sqlite3.connect(db) as conn:
        started, finished, stats = conn.execute(
            "SELECT started_at, finished_at, stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    run_s = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return {"peak_rss_mb": round(int(out[0]) / 1024, 1), "elapsed_s": round(elapsed, 1),
            "over_limit_s": round(max(0.0, elapsed - limit), 1), "run_s": round(run_s, 1),
            "run_over_limit_s": round(max(0.0, run_s - limit), 1),
            "max_in_flight": json.loads(stats or "{}").get(FRONTIER_MAX_IN_FLIGHT),
            "summary": out[1] if len(out) > 1 else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,200000", help="Sitemap sizes (URLs), comma-separated.")
    ap.add_argument("--limit", type=int, default=30, help="The crawl's time limit (CLOSESPIDER_TIMEOUT), seconds.")
    ap.add_argument("--set", "-s", action="append", default=[], help="Extra crawl setting NAME=VALUE.")
    ap.add_argument("--repo", type=Path, default=REPO,
                    help="The checkout whose crawler runs (e.g. a worktree of the code before), default this one.")
    ap.add_argument("--json")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), site.handler())
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for n in sizes:
        site.sitemaps[f"/sitemap-{n}.xml"] = sitemap_bytes(base, n, str(n))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    extra = [x for s in args.set for x in ("-s", s)]
    results: dict[str, dict[str, object]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-disc-") as tmp_name:
            for n in sizes:
                before = site.articles
                results[str(n)] = crawl(Path(tmp_name), f"{base}/sitemap-{n}.xml", f"s{n}", args.limit, extra,
                                     args.repo.resolve())
                results[str(n)]["articles_served"] = site.articles - before
    finally:
        server.shutdown()
    print(f"crawler: {args.repo.resolve()}; time limit {args.limit} s; {machine()}")
    print("wall: the whole CLI process (start-up and shutdown included); run: crawl_runs started_at → finished_at")
    print(f"{'sitemap URLs':>12}  {'peak RSS MB':>11}  {'wall s':>6}  {'wall over':>9}  {'run s':>5}  "
          f"{'run over':>8}  {'articles':>8}  {'max in flight':>13}")
    for label, r in results.items():
        print(f"{label:>12}  {r['peak_rss_mb']:>11}  {r['elapsed_s']:>6}  {r['over_limit_s']:>9}  {r['run_s']:>5}  "
              f"{r['run_over_limit_s']:>8}  {r['articles_served']:>8}  {r['max_in_flight']!s:>13}")
    for label, r in results.items():
        print(f"{label}: {r['summary']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"limit": args.limit, "results": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
