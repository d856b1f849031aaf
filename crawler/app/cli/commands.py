"""Command groups that live outside crawler/app/cli/main.py, one module per area, registered on the main group.

Each module defines click commands and a ``register(cli: click.Group) -> None`` that adds them. Modules
are imported lazily here so that one area's optional dependency cannot break the others' commands.
"""

from __future__ import annotations

import importlib

import click

COMMAND_MODULES = ("analyst", "browse", "operations", "reporting", "sources")


def register_all(cli: click.Group) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"crawler.app.cli.{name}")
        module.register(cli)
