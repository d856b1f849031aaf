"""Dropped items are expected (unrelated pages, duplicates): log them at INFO, not WARNING."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class QuietDropFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> LogFormatterResult:
        url = getattr(item, "url", None)
        return {"level": logging.INFO, "msg": "Dropped %(url)s: %(reason)s",
                "args": {"url": url, "reason": str(exception)}}
