"""Build the Scrapyd egg of newsarchive without touching the working tree.

    python deploy/build_egg.py dist/newsarchive.egg
    scrapyd-deploy local --egg dist/newsarchive.egg --version "$(git describe --always)"

`scrapyd-deploy` can build an egg itself, but only from a ``setup.py`` it writes into the repository root,
and that build fails here: pyproject.toml declares metadata that setuptools < 77 cannot read, and with a
newer setuptools the ``[project]`` table overrides the ``scrapy`` entry point Scrapyd needs. This script
copies the packages (``crawler``, ``storage``, ``migrations`` and their data files, as listed in
pyproject.toml) into a temporary directory, writes a setup.py there with the entry point
``scrapy: settings = crawler.shell.settings`` and runs ``bdist_egg``. Standard library and setuptools only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name={name!r},
    version={version!r},
    packages=find_packages(include={include!r}),
    package_data={package_data!r},
    entry_points={{"scrapy": ["settings = crawler.shell.settings"]}},
    zip_safe=False,
)
"""


def build_egg(destination: Path, repo: Path = REPO) -> Path:
    """Write the project egg to ``destination`` and return its path."""
    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    tool = project.get("tool", {}).get("setuptools", {})
    include = list(tool.get("packages", {}).get("find", {}).get("include", ["crawler*", "storage*", "migrations*"]))
    package_data = {k: list(v) for k, v in tool.get("package-data", {}).items()}
    tops = sorted({pattern.rstrip("*").split(".")[0] for pattern in include})
    with tempfile.TemporaryDirectory(prefix="newsarchive-egg-") as tmp:
        work = Path(tmp)
        for top in tops:
            shutil.copytree(repo / top, work / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (work / "setup.py").write_text(SETUP_PY.format(
            name=project["project"]["name"], version=project["project"]["version"], include=include,
            package_data=package_data), encoding="utf-8")
        done = subprocess.run([sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(work / "dist")],
                              cwd=work, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bdist_egg failed:\n{done.stdout}\n{done.stderr}")
        (egg,) = (work / "dist").glob("*.egg")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(egg, destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path, help="where to write the egg, e.g. dist/newsarchive.egg")
    args = parser.parse_args(argv)
    print(build_egg(args.destination))
    return 0


if __name__ == "__main__":
    sys.exit(main())
