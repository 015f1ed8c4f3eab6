"""Where rendered pieces are kept between renders, and how they get there atomically.

    <cache_dir>/segments/<key>.mp4               one screen's body (or whole, with cuts)
    <cache_dir>/transitions/<key>.mp4            one clip between two screens
    <cache_dir>/edges/<key>.mp4                  the first frames of the first screen,
                                                 the last frames of the last one
    <cache_dir>/audio/<key>.m4a                  one whole sound track
    <cache_dir>/work/<host>~<pid>~<random>/      one render's scratch files

An entry appears by a rename once it is complete, so a killed render leaves no half
entry; its scratch folder is swept by a later render once its process is gone. Reused
entries get a fresh mtime, and `prune` drops the least recently used ones beyond a size
budget (never those used in the last few minutes: another render may be joining them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from core.media.files import owner_is_gone, owner_tag

_FOLDERS = ("segments", "transitions", "edges", "audio")


class PieceCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in (*_FOLDERS, "work"):
            (root / folder).mkdir(parents=True, exist_ok=True)

    def segment(self, key: str) -> Path:
        return self.root / "segments" / f"{key}.mp4"

    def transition(self, key: str) -> Path:
        return self.root / "transitions" / f"{key}.mp4"

    def edge(self, key: str) -> Path:
        return self.root / "edges" / f"{key}.mp4"

    def audio(self, key: str) -> Path:
        return self.root / "audio" / f"{key}.m4a"

    def touch(self, path: Path) -> None:
        # an outside sweeper may remove it between the check and now: harmless
        with contextlib.suppress(OSError):
            os.utime(path)

    def work_dir(self) -> Path:
        """A fresh scratch folder for this render; stale ones of dead renders are removed."""
        self._sweep_work()
        return Path(tempfile.mkdtemp(dir=self.root / "work", prefix=owner_tag()))

    def prune(self, *, max_bytes: int, min_age: float = 600.0) -> int:
        """Delete least recently used entries until the cache fits in `max_bytes`; return
        how many were deleted."""
        entries = [(*_usage(path), path) for path in self._entries()]
        total = sum(size for _, size, _ in entries)
        removed = 0
        recent = time.time() - min_age
        for used, size, path in sorted(entries):
            if total <= max_bytes or used > recent:
                break
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed

    def _entries(self) -> list[Path]:
        return [path for folder in _FOLDERS for path in (self.root / folder).iterdir()]

    def _sweep_work(self) -> None:
        for folder in (self.root / "work").iterdir():
            if owner_is_gone(folder.name):
                shutil.rmtree(folder, ignore_errors=True)


def _usage(path: Path) -> tuple[float, int]:
    """(last use, bytes) of a cache entry (a file; a folder of files in older caches)."""
    try:
        files = list(path.iterdir()) if path.is_dir() else [path]
        return path.stat().st_mtime, sum(f.stat().st_size for f in files)
    except OSError:  # removed meanwhile
        return 0.0, 0
