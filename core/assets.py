"""Content-addressed assets: files named by their sha256 under the media root, one row each.

Identical bytes are stored once per user. A provider request has a key (the hash
of everything that shapes its output), so asking again for the same image or voice
finds the stored asset instead of paying the provider twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from core.files import FileStore
from core.uow import UnitOfWork
from db.models import Asset, Render, Screen, StylePreset

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
}


@dataclass(frozen=True)
class AssetView:
    id: int
    kind: str
    mime: str
    size: int
    path: Path
    duration: float | None
    width: int | None
    height: int | None
    provider: str


def request_key(provider: str, params: dict[str, Any]) -> str:
    """A stable hash of a provider request (what decides the output, never a key)."""
    blob = json.dumps({"provider": provider, **params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def relative_path(user_id: int, sha256: str, mime: str) -> str:
    return f"users/{user_id}/assets/{sha256[:2]}/{sha256}{EXTENSIONS.get(mime, '.bin')}"


def store_asset(
    uow: UnitOfWork,
    files: FileStore,
    *,
    user_id: int,
    kind: str,
    data: bytes,
    mime: str,
    provider: str = "",
    request: dict[str, Any] | None = None,
    key: str = "",
    duration: float | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Asset:
    """Write the bytes atomically (once per content) and return their row, in the caller's
    transaction."""
    sha = hashlib.sha256(data).hexdigest()
    row = _row(kind, provider, request, key, duration, width, height)
    return _stored(
        uow, files, user_id, sha, mime, len(data), row, lambda path: files.write_atomic(path, data)
    )


def _stored(
    uow: UnitOfWork,
    files: FileStore,
    user_id: int,
    sha: str,
    mime: str,
    size: int,
    row: dict[str, Any],
    place: Callable[[str], object],
) -> Asset:
    """The user's asset of this content; `place` puts its file in place unless it is there."""
    existing = uow.session.scalar(
        select(Asset).where(Asset.user_id == user_id, Asset.sha256 == sha)
    )
    path = relative_path(user_id, sha, mime)
    if existing is not None and files.path(path).exists():
        return existing
    place(path)
    if existing is not None:
        return existing
    asset = Asset(user_id=user_id, sha256=sha, mime=mime, size=size, **row)
    uow.session.add(asset)
    uow.session.flush()
    return asset


def _row(
    kind: str,
    provider: str,
    request: dict[str, Any] | None,
    key: str,
    duration: float | None,
    width: int | None,
    height: int | None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "provider": provider,
        "request": request or {},
        "request_key": key,
        "duration": duration,
        "width": width,
        "height": height,
    }


def cached_asset(uow: UnitOfWork, files: FileStore, user_id: int, key: str) -> Asset | None:
    """The stored result of an identical earlier request, if its file is still there."""
    asset = uow.session.scalar(
        select(Asset)
        .where(Asset.user_id == user_id, Asset.request_key == key)
        .order_by(Asset.id.desc())
    )
    if asset is None or not files.path(relative_path(user_id, asset.sha256, asset.mime)).exists():
        return None
    return asset


def asset_view(files: FileStore, asset: Asset) -> AssetView:
    return AssetView(
        id=asset.id,
        kind=asset.kind,
        mime=asset.mime,
        size=asset.size,
        path=files.path(relative_path(asset.user_id, asset.sha256, asset.mime)),
        duration=asset.duration,
        width=asset.width,
        height=asset.height,
        provider=asset.provider,
    )


def collect_garbage(*, uow: UnitOfWork, files: FileStore, user_id: int) -> list[Path]:
    """Delete the rows of the user's assets that no screen, render or preset uses any more
    (nor the thumbnail of a video in use); return their files, for the caller to remove
    once the transaction is committed."""
    used: set[int] = set()
    for column_pair in (
        (Screen.image_asset_id, Screen.audio_asset_id),
        (Render.output_asset_id, Render.output_asset_id),
        (StylePreset.music_asset_id, StylePreset.music_asset_id),
    ):
        for a, b in uow.session.execute(
            select(*column_pair).where(
                or_(column_pair[0].is_not(None), column_pair[1].is_not(None))
            )
        ):
            used.update(x for x in (a, b) if x is not None)
    mine = list(uow.session.scalars(select(Asset).where(Asset.user_id == user_id)))
    used.update(
        int(a.request["thumbnail_asset_id"])
        for a in mine
        if a.id in used and a.request.get("thumbnail_asset_id")
    )
    removed = []
    for asset in mine:
        if asset.id not in used:
            removed.append(files.path(relative_path(user_id, asset.sha256, asset.mime)))
            uow.session.delete(asset)
    return removed


def store_file_asset(
    uow: UnitOfWork,
    files: FileStore,
    *,
    user_id: int,
    kind: str,
    source: Path,
    mime: str,
    provider: str = "",
    request: dict[str, Any] | None = None,
    key: str = "",
    duration: float | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Asset:
    """Like `store_asset` for a file written under the media root (a video, say): hashed in
    chunks and renamed into place, never read into memory. `source` is consumed."""
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    row = _row(kind, provider, request, key, duration, width, height)
    try:
        return _stored(
            uow,
            files,
            user_id,
            digest.hexdigest(),
            mime,
            source.stat().st_size,
            row,
            lambda path: _move(source, files.path(path)),
        )
    finally:
        source.unlink(missing_ok=True)  # already there: this copy is not needed


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)  # same filesystem: the scratch dir is under the media root
