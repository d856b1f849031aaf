"""The `newsarchive` command line."""

from crawler.app.cli.main import main

__all__ = ["main"]
