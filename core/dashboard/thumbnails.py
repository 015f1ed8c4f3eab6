"""The picture that stands for a script on the dashboard: the thumbnail of its latest good
video, else the image of its first screen. Three queries for any number of scripts."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from sqlalchemy import func, select

from core.media.assets import asset_path
from core.media.files import FileStore
from core.uow import UnitOfWork
from db.models import Asset, JobStatus, Render, Screen


def script_thumbnails(
    uow: UnitOfWork, files: FileStore, script_ids: Collection[int]
) -> dict[int, Path]:
    """Script id → its picture's file, for the scripts that have one whose file is there
    (the caller has checked that the user may see these scripts)."""
    ids = set(script_ids)
    if not ids:
        return {}
    latest = (
        select(func.max(Render.id))
        .where(
            Render.script_id.in_(ids),
            Render.status == JobStatus.SUCCEEDED,
            Render.output_asset_id.is_not(None),
        )
        .group_by(Render.script_id)
    )
    videos = uow.session.execute(
        select(Render.script_id, Asset.request)
        .join(Asset, Asset.id == Render.output_asset_id)
        .where(Render.id.in_(latest))
    ).all()
    firsts = uow.session.execute(
        select(Screen.script_id, Screen.image_asset_id).where(
            Screen.script_id.in_(ids), Screen.position == 0, Screen.image_asset_id.is_not(None)
        )
    ).all()
    candidates: dict[int, list[int]] = {script_id: [] for script_id in ids}
    for script_id, request in videos:
        if (request or {}).get("thumbnail_asset_id"):
            candidates[script_id].append(int(request["thumbnail_asset_id"]))
    for script_id, image_id in firsts:
        if image_id is not None:
            candidates[script_id].append(image_id)
    wanted = {asset_id for found in candidates.values() for asset_id in found}
    assets = {a.id: a for a in uow.session.scalars(select(Asset).where(Asset.id.in_(wanted)))}
    pictures = {}
    for script_id, found in candidates.items():
        paths = [asset_path(files, assets[a]) for a in found if a in assets]
        path = next((p for p in paths if p.is_file()), None)
        if path is not None:
            pictures[script_id] = path
    return pictures
