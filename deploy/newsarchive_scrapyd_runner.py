"""Scrapyd runner for newsarchive: unpack the project egg into a directory, then run Scrapy from it.

In scrapyd.conf::

    [scrapyd]
    runner = newsarchive_scrapyd_runner

and start Scrapyd with this directory on ``PYTHONPATH`` (``PYTHONPATH=/opt/newsarchive/deploy scrapyd``).

Scrapyd's own runner (``scrapyd.runner``) puts the egg *file* on ``sys.path`` and imports the project from
the zip. newsarchive reads its data files (the dialogue and source registries) and its Alembic migrations
(every crawl checks the archive's schema revision) from the file system, which a zip cannot provide: with
the stock runner every crawl stops in the pipeline's ``from_crawler`` before it fetches anything. This
runner does what Scrapyd's does, except that it extracts the egg into a temporary ``*.egg`` directory
first and removes it when the crawl ends.

It is a top-level module on purpose: a runner inside the ``crawler`` package would import the installed
``crawler`` before the egg is activated, and the crawl would then run the installed code, not the egg.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from typing import IO

from scrapyd import Config
from scrapyd.runner import activate_egg
from scrapyd.utils import initialize_component


def unpack(egg: IO[bytes], project: str, version: str | None) -> str:
    """Extract the egg into a fresh ``<tmp>/<project>-<version>-XXXX.egg`` directory and return it."""
    target = tempfile.mkdtemp(prefix=f"{project}-{version}-", suffix=".egg")
    with zipfile.ZipFile(egg) as archive:
        archive.extractall(target)
    return target


def main() -> None:
    project = os.environ["SCRAPY_PROJECT"]
    config = Config()
    eggstorage = initialize_component(config, "eggstorage", "scrapyd.eggstorage.FilesystemEggStorage")
    version, egg = eggstorage.get(project, os.environ.get("SCRAPYD_EGG_VERSION"))
    unpacked = None
    if egg is not None:
        try:
            unpacked = unpack(egg, project, version)
        finally:
            egg.close()
        activate_egg(unpacked)
    try:
        from scrapy.cmdline import execute

        execute()
    finally:
        if unpacked:
            shutil.rmtree(unpacked, ignore_errors=True)


if __name__ == "__main__":
    main()
