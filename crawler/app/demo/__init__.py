"""The demo site shipped with newsarchive: an offline multi-publisher news site with gold labels.

``DEMO_SITE`` is the document root to serve (with :class:`crawler.app.demo.server.FixtureServer`);
``DEMO_GOLD`` holds one JSON object per article page (the wire-sites gold schema, see README.md here).
"""

from pathlib import Path

__all__ = ["DEMO_GOLD", "DEMO_SITE"]

DEMO_SITE: Path = Path(__file__).resolve().parent / "site"
DEMO_GOLD: Path = Path(__file__).resolve().parent / "gold.jsonl"
