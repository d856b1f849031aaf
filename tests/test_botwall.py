"""Bot walls: detection (pure) and a real crawl against a local server that answers with a challenge."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import create_engine, select

from crawler.shell.botwall import detect_bot_wall
from storage.models import CrawlRun, Source
from tests.conftest import REPO
from tests.helpers import forkcli
from tests.helpers.crawl import INLINE_EXTRACTION

DATADOME_PAGE = (b"<html><head><title>reuters.com</title></head><body><p>Please enable JS and disable any ad "
                 b"blocker</p><script src='https://ct.captcha-delivery.com/c.js'></script></body></html>")


@pytest.mark.parametrize(("status", "headers", "body", "kind"), [
    (401, {"X-DataDome": "protected"}, DATADOME_PAGE, "DataDome"),
    (403, {"cf-mitigated": "challenge", "Server": "cloudflare"}, b"<title>Just a moment...</title>", "Cloudflare"),
    (403, {}, b"<html><title>Access Denied</title>You don't have permission to access", "WAF"),
    (302, {"Location": "/browser-required.html?from=press-releases"}, b"", "redirect"),
    (200, {}, b"<html><body>Please enable JavaScript and cookies to continue</body></html>", "JavaScript"),
])
def test_detects_challenges(status: int, headers: dict[str, str], body: bytes, kind: str) -> None:
    reason = detect_bot_wall(status, headers, body)
    assert reason is not None and kind in reason


@pytest.mark.parametrize(("status", "headers", "body"), [
    (403, {}, b"<html><title>403 Forbidden</title></html>"),  # an ordinary error, not a wall
    (404, {"Server": "cloudflare"}, b"not found"),
    (301, {"Location": "https://example.org/news/2024/story"}, b""),
    (200, {}, b"<html><article><p>Cloudflare said its challenge-platform blocked bots.</p></article>" + b"x" * 40000),
])
def test_ordinary_responses_are_not_walls(status: int, headers: dict[str, str], body: bytes) -> None:
    assert detect_bot_wall(status, headers, body) is None


class _Wall(BaseHTTPRequestHandler):
    hits: ClassVar[Counter[str]] = Counter()

    def do_GET(self) -> None:
        _Wall.hits[self.path] += 1
        self.send_response(401)
        self.send_header("X-DataDome", "protected")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(DATADOME_PAGE)))
        self.end_headers()
        self.wfile.write(DATADOME_PAGE)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def wall() -> Iterator[str]:
    _Wall.hits.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Wall)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_blocked_source_is_reported_and_not_retried(sqlite_url: str, wall: str) -> None:
    run = ["--database", sqlite_url]
    assert forkcli.run([*run, "db", "upgrade"], capture_output=True, cwd=REPO).returncode == 0
    bases = {"ap": f"{wall}/ap"}  # AP has four discovery endpoints; only the first may be requested
    res = forkcli.run([*run, "crawl", "ap", "--no-progress", "-s", f"NEWSARCHIVE_SOURCE_BASES={json.dumps(bases)}",
         "-s", "NEWSARCHIVE_SOURCE_POLITENESS=false", "-s", "CONCURRENT_REQUESTS=1", "-s", "ROBOTSTXT_OBEY=false",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", *INLINE_EXTRACTION],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert "Traceback" not in res.stderr
    assert sum(_Wall.hits.values()) == 1, _Wall.hits
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        source = conn.execute(select(Source).where(Source.name == "ap")).one()
        crawl = conn.execute(select(CrawlRun)).one()
    engine.dispose()
    assert source.blocked_at is not None and "DataDome" in (source.blocked_reason or "")
    assert crawl.stats["newsarchive/blocked/ap"] == 1
    assert crawl.blocked_sources == ["ap"]
    assert crawl.stats["newsarchive/blocked_skipped/ap"] == 3
