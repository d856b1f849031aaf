"""Where an export may write, and how: never over the archive, never a half-written file.

``refusal(path, database_url)``: why ``path`` must not be written (it is the SQLite archive, its ``-wal``
or ``-shm`` or ``-journal`` companion, or another name for one of them: a symlink or a hard link, compared
by device and inode), or None. ``open_output(path)``: a text handle on a temporary file in the target's
directory, renamed over the target only when everything was written (a failed export leaves the target
as it was). A target that exists and is not a regular file (``/dev/stdout``, ``/dev/full``, a FIFO) is
written directly: renaming over a device would replace it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from storage.db import sqlite_path

ARCHIVE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def refusal(path: str | os.PathLike[str], database_url: str) -> str | None:
    """Why an export must not write to ``path`` with the archive at ``database_url``, or None."""
    try:
        archive = sqlite_path(make_url(database_url))
    except Exception:  # an unparsable URL is reported by the command that opens it
        return None
    if archive is None:
        return None
    target = Path(path).expanduser()
    resolved = target.resolve()
    mine = _identity(target)
    for suffix in ARCHIVE_COMPANIONS:
        companion = Path(f"{archive}{suffix}").expanduser()
        theirs = _identity(companion)
        if resolved == companion.resolve() or (mine is not None and mine == theirs):
            what = "the archive" if not suffix else f"the archive's {suffix} file"
            return f"refusing to write the export to {path}: it is {what} ({archive})"
    return None


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A text handle for an export to ``path``; the file appears, complete, only when the block succeeds.

    Raises OSError (creating, writing, renaming)."""
    target = Path(path).expanduser()
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8", newline="") as direct:
            yield direct
            direct.flush()
        return
    directory = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
