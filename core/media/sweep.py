"""Sweeping the media root: files that no row references go, so that a crash, a race or an
older layout never fills the disk the database shares.

    .tmp/ files of a process that is gone          at once (their writer was killed)
    workspaces/<id>/ of a workspace that is gone   once an hour old
    an asset file no asset row names               once an hour old
    anything else outside workspaces/ (an older    once an hour old
      layout's users/ folder, say)
    .answers/ of jobs that succeeded or are gone   once an hour old

"An hour old" keeps a file that a job has just put in place and whose row it has not
committed yet. The workers sweep once an hour (`sweep_now`); `python3 studio.py media
sweep` sweeps at once.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.media.assets import EXTENSIONS
from core.media.files import WORKSPACES, FileStore
from core.uow import UnitOfWork
from db.models import Asset, JobRecord, JobStatus, Workspace

if TYPE_CHECKING:
    from core.bootstrap import Services

MIN_AGE_S = 3600
EVERY_S = 3600
KEPT = ("render-cache",)  # a workspace's own folders that hold no assets
_last_sweep = -float(EVERY_S)  # the first pass of a new worker sweeps


def sweep_now(services: Services) -> int:
    """Files of killed writers at every call; unreferenced files at most once an hour."""
    global _last_sweep
    removed = services.files.sweep_partials()
    if time.monotonic() - _last_sweep >= EVERY_S:
        _last_sweep = time.monotonic()
        removed += sweep_unreferenced(uow=services.uow(), files=services.files)
        removed += services.answers.sweep(lambda ids: _unfinished(services.uow(), ids))
    return removed


def sweep_unreferenced(*, uow: UnitOfWork, files: FileStore, min_age_s: float = MIN_AGE_S) -> int:
    """Remove files under the media root that no row references; return how many."""
    old = time.time() - min_age_s
    with uow:
        workspaces = set(uow.session.scalars(select(Workspace.id)))
        known = {
            f"{WORKSPACES}/{ws}/assets/{sha[:2]}/{sha}{EXTENSIONS.get(mime, '.bin')}"
            for ws, sha, mime in uow.session.execute(
                select(Asset.workspace_id, Asset.sha256, Asset.mime)
            )
        }
    removed = 0
    for top in files.root.iterdir():
        if top.name.startswith("."):  # scratch and kept answers have sweeps of their own
            continue
        if top.name != WORKSPACES or not top.is_dir():
            removed += _remove_old(top, old)
            continue
        for folder in top.iterdir():
            if not folder.name.isdigit() or int(folder.name) not in workspaces:
                removed += _remove_old(folder, old)
                continue
            for path in folder.rglob("*"):
                relative = path.relative_to(files.root).as_posix()
                if path.is_file() and not _kept(path, folder) and relative not in known:
                    removed += _remove_old(path, old)
    return removed


def _kept(path: Path, folder: Path) -> bool:
    return path.relative_to(folder).parts[0] in KEPT


def _remove_old(path: Path, old: float) -> int:
    """Remove a file, or a folder whose files are all old; return how many files went."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    if any(p.stat().st_mtime >= old for p in files):
        return 0
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return len(files)


def _unfinished(uow: UnitOfWork, ids: Iterable[int]) -> set[int]:
    """The records among `ids` whose kept answer a retry may still need."""
    with uow:
        rows = uow.session.scalars(
            select(JobRecord.id).where(
                JobRecord.id.in_(list(ids)),
                JobRecord.status.not_in((JobStatus.SUCCEEDED, JobStatus.CANCELED)),
            )
        )
        return set(rows)
