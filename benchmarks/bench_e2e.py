"""End to end: the full pipeline into SQLite vs a bare Scrapy spider on the same generated site, same run.

    .venv/bin/python benchmarks/bench_e2e.py [--pages 10000] [--runs 3] [--concurrency 16] [--json OUT]
        [--profile OUT.prof] [--workers 0,default]

Generates ``--pages`` article pages (benchmarks/sitegen.py), serves them from an aiohttp process on
127.0.0.1, then alternates (bare, trafilatura, news-please, full, bare, ...) for ``--runs`` rounds:

- bare: a plain Scrapy spider reads the same news sitemaps, downloads every page, parses it with lxml
  (``response.xpath('//p')``) and discards it;
- trafilatura: the same spider calling ``trafilatura.extract(response.text)`` (defaults) on every page —
  what a user would write instead of newsarchive (issue 18's yardstick: full ≤ 1.0× of this);
- news-please: the same spider calling ``NewsPlease.from_html`` on every page, where news-please is
  installed (``--no-newsplease`` skips it);
- full: ``newsarchive --database sqlite:///fresh crawl --sitemap ...`` (the real CLI, a fresh archive),
  once per ``--workers`` value (``NEWSARCHIVE_EXTRACT_WORKERS``; ``default`` leaves the setting alone,
  0 extracts inline on the reactor thread), so every variant is measured in the same run.

Both with AutoThrottle off, DOWNLOAD_DELAY 0, robots.txt off, the same CONCURRENT_REQUESTS(_PER_DOMAIN).
Prints median wall time, CPU time (the process and its children, so extraction workers count), pages/s and
the ratios full/bare (target ≤ 3) and full/trafilatura (target ≤ 1.0). ``--profile`` also runs the full
pipeline once under cProfile and prints the top functions by cumulative and own time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.sitegen import generate  # noqa: E402

BARE_SPIDER = r'''
import sys, scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider

class Bare(SitemapSpider):
    name = "bare"
    sitemap_urls = [sys.argv[1]]
    def parse(self, response):
        response.xpath("//p//text()").getall()  # lxml parse + a text walk, then discard

conc = int(sys.argv[2])
p = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False,
                    "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": conc, "CONCURRENT_REQUESTS_PER_DOMAIN": conc,
                    "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
                    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
p.crawl(Bare)
p.start()
'''
TRAF_SPIDER = BARE_SPIDER.replace(
    'response.xpath("//p//text()").getall()  # lxml parse + a text walk, then discard',
    'trafilatura.extract(response.text)  # what a user would write: defaults, every page',
).replace("import sys, scrapy", "import sys, scrapy, trafilatura").replace('name = "bare"', 'name = "traf"')
# news-please's own library entry point on each downloaded page (NewsPlease.from_html: its extractors —
# newspaper, readability, date, lang — on one page), inside the same Scrapy spider, so only the per-page work
# differs from the bare and trafilatura variants.
NP_SPIDER = BARE_SPIDER.replace(
    'response.xpath("//p//text()").getall()  # lxml parse + a text walk, then discard',
    'NewsPlease.from_html(response.text, url=response.url, fetch_images=False)',
).replace("import sys, scrapy", "import sys, scrapy\nfrom newsplease import NewsPlease").replace(
    'name = "bare"', 'name = "newsplease"')
CLI = "import sys; from crawler.app.cli.main import main; sys.exit(main(sys.argv[1:]))"


def machine() -> dict[str, object]:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "ram_mb": mem, "python": platform.python_version(),
            "platform": platform.platform()}


def start_server(root: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.sitegen", "serve", str(root)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base = proc.stdout.readline().strip()
    if not base.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"server did not start: {base!r}")
    return proc, base


def full_cmd(db: Path, sitemap: str, conc: int, batch: int, workers: str = "default") -> list[str]:
    extra = [] if workers == "default" else ["-s", f"NEWSARCHIVE_EXTRACT_WORKERS={int(workers)}"]
    return [sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "crawl", "--sitemap", sitemap,
            "--batch-size", str(batch), "--no-progress", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            "-s", "ROBOTSTXT_OBEY=False", "-s", f"CONCURRENT_REQUESTS={conc}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={conc}", *extra]


def newsplease_python(explicit: str | None) -> str | None:
    """The interpreter that has news-please: ``--newsplease-python``, else ``.venv-np`` beside the repo's
    ``.venv`` (news-please pins older cssselect and python-dateutil, so it lives in a venv of its own), else this
    one; None when none of them imports it."""
    candidates = [explicit] if explicit else [str(REPO / ".venv-np" / "bin" / "python"), sys.executable]
    for python in candidates:
        if Path(python).exists() and subprocess.run([python, "-c", "import newsplease"], capture_output=True,
                                                     check=False).returncode == 0:
            return python
    return None


def timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time, CPU time of the process and all its children (extraction workers too), the result."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--json")
    ap.add_argument("--profile", help="also run the full pipeline once under cProfile, writing this file")
    ap.add_argument("--workers", default="default",
                    help="comma-separated NEWSARCHIVE_EXTRACT_WORKERS values for the full runs ('default': "
                         "the setting's default); e.g. 0,default")
    ap.add_argument("--no-newsplease", dest="newsplease", action="store_false",
                    help="skip the news-please variant even where it is installed")
    ap.add_argument("--newsplease-runs", type=int, default=1,
                    help="rounds that include news-please (default 1: it is ~0.1 s a page, the slowest variant)")
    ap.add_argument("--newsplease-python", help="the Python that has news-please (default: .venv-np/bin/python "
                                                "if it exists, else this one)")
    args = ap.parse_args()
    variants = [w.strip() for w in args.workers.split(",") if w.strip()]
    for w in variants:
        if w != "default" and not w.isdigit():
            ap.error(f"--workers: {w!r} is neither a number nor 'default'")
    from crawler.shell.extract_pool import default_extract_workers
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        root = Path(tmp) / "site"
        t0 = time.perf_counter()
        pages = generate(root, args.pages, seed=1)
        gen_s = time.perf_counter() - t0
        mean_kb = sum(len(p.html) for p in pages) / len(pages) / 1024
        print(f"generated {len(pages)} pages ({mean_kb:.1f} KB mean, {sum(p.dialogue for p in pages)} dialogue, "
              f"{sum(p.copy_of is not None for p in pages)} syndicated copies) in {gen_s:.1f}s", flush=True)
        server, base = start_server(root)
        sitemap = f"{base}/sitemap_index.xml"
        peers = {"bare": (sys.executable, BARE_SPIDER), "trafilatura": (sys.executable, TRAF_SPIDER)}
        np_python = newsplease_python(args.newsplease_python) if args.newsplease else None
        if np_python:
            peers["news-please"] = (np_python, NP_SPIDER)
        elif args.newsplease:
            print("news-please is not installed: its variant is skipped", flush=True)
        peer_times: dict[str, list[float]] = {k: [] for k in peers}
        peer_cpu: dict[str, list[float]] = {k: [] for k in peers}
        full_times: dict[str, list[float]] = {w: [] for w in variants}
        full_cpu: dict[str, list[float]] = {w: [] for w in variants}
        archived: dict[str, int] = {}
        try:
            for i in range(args.runs):
                line = f"round {i + 1}:"
                for name, (python, code) in peers.items():
                    if name == "news-please" and i >= args.newsplease_runs:
                        continue
                    t, cpu, proc = timed([python, "-c", code, sitemap, str(args.concurrency)])
                    if proc.returncode != 0:
                        print(proc.stderr[-2000:], file=sys.stderr)
                        return 1
                    peer_times[name].append(t)
                    peer_cpu[name].append(cpu)
                    line += f" {name} {t:.1f}s (cpu {cpu:.1f}s),"
                for w in variants:
                    db = Path(tmp) / f"full-{i}-{w}.sqlite3"
                    subprocess.run([sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "db", "upgrade"],
                                   cwd=REPO, check=True, capture_output=True)
                    t, cpu, proc = timed(full_cmd(db, sitemap, args.concurrency, args.batch_size, w))
                    if "crawl run" not in proc.stdout:
                        print(proc.stderr[-2000:], file=sys.stderr)
                        return 1
                    full_times[w].append(t)
                    full_cpu[w].append(cpu)
                    archived[w] = int(proc.stdout.split(" new documents")[0].rsplit(" ", 1)[-1])
                    line += f" full[workers={w}] {t:.1f}s (cpu {cpu:.1f}s, {archived[w]} new documents)"
                print(line + f" load {os.getloadavg()[0]:.1f}", flush=True)
            prof_top: list[str] = []
            if args.profile:
                db = Path(tmp) / "profile.sqlite3"
                subprocess.run([sys.executable, "-c", CLI, "--database", f"sqlite:///{db}", "db", "upgrade"],
                               cwd=REPO, check=True, capture_output=True)
                script = Path(tmp) / "cli_main.py"
                script.write_text(CLI.replace("; ", "\n"), encoding="utf-8")
                cmd = [sys.executable, "-m", "cProfile", "-o", args.profile, str(script),
                       *full_cmd(db, sitemap, args.concurrency, args.batch_size, variants[-1])[3:]]
                subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
                import pstats

                stats = pstats.Stats(args.profile)
                for key in ("tottime", "cumulative"):
                    stats.sort_stats(key).print_stats(20)
                width = max(stats.stats.values(), key=lambda v: v[3])  # type: ignore[attr-defined]
                del width
                top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:15]  # type: ignore[attr-defined]
                prof_top = [f"{fn[0].rsplit('/', 2)[-1]}:{fn[1]}({fn[2]}) own {v[2]:.1f}s cum {v[3]:.1f}s"
                            for fn, v in top]
        finally:
            server.kill()
            server.wait()
    med = {k: statistics.median(v) for k, v in peer_times.items()}
    bare, traf = med["bare"], med["trafilatura"]
    results = {}
    for w in variants:
        full = statistics.median(full_times[w])
        results[w] = {
            "extract_workers": default_extract_workers() if w == "default" else int(w),
            "documents_archived": archived.get(w, 0), "full_s": [round(t, 2) for t in full_times[w]],
            "full_cpu_s": [round(t, 2) for t in full_cpu[w]],
            "full_median_s": round(full, 2), "full_pages_per_s": round(args.pages / full, 1),
            "ratio_full_over_bare": round(full / bare, 2),
            "ratio_full_over_trafilatura": round(full / traf, 2),
            "ratio_cpu_full_over_trafilatura": round(statistics.median(full_cpu[w])
                                                     / statistics.median(peer_cpu["trafilatura"]), 2),
            **({"ratio_full_over_newsplease": round(full / med["news-please"], 2)} if "news-please" in med else {}),
        }
    report = {
        "machine": machine(), "load_average": os.getloadavg(), "pages": args.pages, "runs": args.runs,
        "concurrency": args.concurrency, "batch_size": args.batch_size, "page_kb_mean": round(mean_kb, 1),
        "peers": {k: {"wall_s": [round(t, 2) for t in peer_times[k]], "cpu_s": [round(t, 2) for t in peer_cpu[k]],
                      "median_s": round(med[k], 2), "pages_per_s": round(args.pages / med[k], 1)} for k in med},
        "bare_median_s": round(bare, 2), "full": results,
        "targets": {"full_over_trafilatura": 1.0, "full_over_bare": 3.0},
        "profile_top": prof_top,
    }
    for k, m in med.items():
        print(f"{k}: {m:.1f}s median ({args.pages / m:.0f} pages/s, cpu {statistics.median(peer_cpu[k]):.1f}s)")
    for w, r in results.items():
        print(f"full pipeline, workers={w} ({r['extract_workers']} extraction processes): "
              f"{r['full_median_s']:.1f}s median ({r['full_pages_per_s']:.0f} pages/s, cpu "
              f"{statistics.median(full_cpu[w]):.1f}s); full/bare {r['ratio_full_over_bare']:.2f}x (target <= 3x), "
              f"full/trafilatura {r['ratio_full_over_trafilatura']:.2f}x (target <= 1.0x; cpu "
              f"{r['ratio_cpu_full_over_trafilatura']:.2f}x)"
              + (f", full/news-please {r['ratio_full_over_newsplease']:.2f}x" if "ratio_full_over_newsplease" in r
                 else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
