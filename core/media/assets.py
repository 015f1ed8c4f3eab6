"""Content-addressed assets: files named by their sha256 under the media root, one row each.

Identical bytes are stored once per workspace, under the workspace's folder. A provider
request has a key (the hash of everything that shapes its output), so asking again for
the same image or voice finds the stored asset instead of paying the provider twice.
`asset_file` is the one rule for "is this media there?": its row exists and so does its
file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.media.files import FileStore
from core.uow import UnitOfWork
from db.models import Asset, JobRecord, Render, Screen, StylePreset

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


def cache_tag(provider: object) -> str:
    """The provider's name, plus its `revision` when it has one: an offline provider that
    now draws or speaks differently bumps it, so files made the old way are not reused."""
    name = str(getattr(provider, "name", type(provider).__name__))
    revision = getattr(provider, "revision", 0)
    return f"{name}/r{revision}" if revision else name


def request_key(provider: str, params: dict[str, Any]) -> str:
    """A stable hash of a provider request (what decides the output, never a key)."""
    blob = json.dumps({"provider": provider, **params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def relative_path(workspace_id: int, sha256: str, mime: str) -> str:
    name = f"{sha256}{EXTENSIONS.get(mime, '.bin')}"
    return f"workspaces/{workspace_id}/assets/{sha256[:2]}/{name}"


def asset_path(files: FileStore, asset: Asset) -> Path:
    return files.path(relative_path(asset.workspace_id, asset.sha256, asset.mime))


def asset_file(uow: UnitOfWork, files: FileStore, asset_id: int | None) -> Path | None:
    """The file of an asset, if the asset exists and its file is there; else None."""
    asset = uow.session.get(Asset, asset_id) if asset_id else None
    path = asset_path(files, asset) if asset is not None else None
    return path if path is not None and path.is_file() else None


@dataclass(frozen=True)
class Facts:
    """What is known of a file besides its bytes: its row's columns."""

    kind: str  # "image", "audio", "music", "video"
    mime: str
    provider: str = ""  # who made it: a vendor, "offline", "upload", "render"
    request: dict[str, Any] = field(default_factory=dict)  # what shaped it (never a key)
    key: str = ""  # request_key(...) when a provider made it: the cache looks it up
    duration: float | None = None
    width: int | None = None
    height: int | None = None


def store_asset(
    uow: UnitOfWork, files: FileStore, *, workspace_id: int, data: bytes, facts: Facts
) -> Asset:
    """Write the bytes atomically (once per content) and return their row, in the caller's
    transaction."""
    sha = hashlib.sha256(data).hexdigest()
    return _stored(
        uow, files, workspace_id, sha, len(data), facts,
        lambda path: files.write_atomic(path, data),
    )  # fmt: skip


def store_file_asset(
    uow: UnitOfWork, files: FileStore, *, workspace_id: int, source: Path, facts: Facts
) -> Asset:
    """Like `store_asset` for a file written under the media root (a video, say): hashed in
    chunks and renamed into place, never read into memory. `source` is consumed."""
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    try:
        return _stored(
            uow, files, workspace_id, digest.hexdigest(), source.stat().st_size, facts,
            lambda path: _move(source, files.path(path)),
        )  # fmt: skip
    finally:
        source.unlink(missing_ok=True)  # already there: this copy is not needed


def _stored(
    uow: UnitOfWork,
    files: FileStore,
    workspace_id: int,
    sha: str,
    size: int,
    facts: Facts,
    place: Callable[[str], object],
) -> Asset:
    """The workspace's asset of this content; `place` puts its file there unless it is."""
    existing = uow.session.scalar(
        select(Asset).where(Asset.workspace_id == workspace_id, Asset.sha256 == sha)
    )
    path = relative_path(workspace_id, sha, facts.mime)
    if existing is not None and files.path(path).exists():
        return existing
    place(path)
    if existing is not None:
        return existing
    asset = Asset(
        workspace_id=workspace_id, sha256=sha, size=size, kind=facts.kind, mime=facts.mime,
        provider=facts.provider, request=facts.request, request_key=facts.key,
        duration=facts.duration, width=facts.width, height=facts.height,
    )  # fmt: skip
    uow.session.add(asset)
    uow.session.flush()
    return asset


def cached_asset(uow: UnitOfWork, files: FileStore, workspace_id: int, key: str) -> Asset | None:
    """The workspace's stored result of an identical earlier request, if its file is there."""
    asset = uow.session.scalar(
        select(Asset)
        .where(Asset.workspace_id == workspace_id, Asset.request_key == key)
        .order_by(Asset.id.desc())
    )
    if asset is None or not asset_path(files, asset).exists():
        return None
    return asset


def asset_view(files: FileStore, asset: Asset) -> AssetView:
    return AssetView(
        id=asset.id,
        kind=asset.kind,
        mime=asset.mime,
        size=asset.size,
        path=asset_path(files, asset),
        duration=asset.duration,
        width=asset.width,
        height=asset.height,
        provider=asset.provider,
    )


def collect_garbage(*, uow: UnitOfWork, files: FileStore, workspace_id: int) -> list[Path]:
    """Delete the rows of the workspace's assets that no screen, render or preset uses any
    more (nor the thumbnail of a video in use, nor a screen's latest preview); return their
    files, for the caller to remove once the transaction is committed."""
    mine = list(uow.session.scalars(select(Asset).where(Asset.workspace_id == workspace_id)))
    used = _used_ids(uow, [a.id for a in mine])
    used.update(
        int(a.request["thumbnail_asset_id"])
        for a in mine
        if a.id in used and a.request.get("thumbnail_asset_id")
    )
    removed = []
    for asset in mine:
        if asset.id not in used:
            removed.append(asset_path(files, asset))
            uow.session.delete(asset)
    return removed


def _used_ids(uow: UnitOfWork, ids: list[int]) -> set[int]:
    used: set[int] = set()
    for column in (
        Screen.image_asset_id,
        Screen.audio_asset_id,
        Render.output_asset_id,
        StylePreset.music_asset_id,
    ):
        used.update(uow.session.scalars(select(column).where(column.in_(ids))))
    previews = uow.session.scalars(
        select(JobRecord.params).where(JobRecord.kind == "screen.preview")
    )
    used.update(int(p["video_asset_id"]) for p in previews if p.get("video_asset_id"))
    return used


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)  # same filesystem: the scratch dir is under the media root
