"""Files with personal data: readable by their owner only, whatever the umask.

The store, member letters (.eml), recipient lists, the breach register and drafts hold
names, addresses and breach details. They are created 0600 and the folders Sentinel
creates for them 0700; an existing file is narrowed to 0600 when it is written again.
A folder that already existed (``/tmp``, a share) keeps its mode: it is not Sentinel's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents, each created 0700."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path: Path, *, truncate: bool = True) -> int:
    """An open descriptor on ``path`` for writing, created (or narrowed to) 0600."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def keep_private(path: Path) -> None:
    """Create ``path`` empty (0600) if missing, else narrow it to 0600 where its owner may.

    For files another program writes in place, like the SQLite store and its -wal and -shm
    (which SQLite creates with the main file's mode). A file that cannot be opened for
    writing (a read-only or full disk) is left for that program to report.
    """
    try:
        if not path.exists():
            os.close(private_file(path, truncate=False))
        for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if name.exists() and name.stat().st_mode & 0o077:
                os.chmod(name, FILE_MODE)
    except OSError:
        return


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for a new file with personal data: "w"/"wb" only."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_private writes a file anew; mode {mode!r} is not 'w' or 'wb'")
    return os.fdopen(private_file(path), mode, **kwargs)


def write_private(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    raw = data.encode(encoding) if isinstance(data, str) else data
    with open_private(path, "wb") as handle:
        handle.write(raw)
