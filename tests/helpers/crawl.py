"""Settings the crawl tests pass to ``newsarchive crawl`` / ``scrapy crawl``."""

from __future__ import annotations

# Page extraction on the crawl's own thread (NEWSARCHIVE_EXTRACT_WORKERS=0) instead of a worker pool: the same
# pipeline function (crawler.shell.extract_pool.extract) without one more interpreter per crawl, ~1.3 s of CPU
# of a 3.7 s demo-site crawl. The pool itself is crawled with where it is the subject:
# tests/test_extract_pool.py (pool vs inline, worker crashes), test_crash_safety.py (kill -9), test_jobdir.py
# (SIGINT, SIGKILL and resume).
INLINE_EXTRACTION = ["-s", "NEWSARCHIVE_EXTRACT_WORKERS=0"]
