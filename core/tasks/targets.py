"""What a job worked on, in words: “Octopus minds” · screen 3, not "screen #41"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from core.uow import UnitOfWork
from db.models import JobRecord, Render, Screen, Script


def target_names(uow: UnitOfWork, records: Iterable[JobRecord]) -> dict[tuple[str, int], str]:
    """(target type, id) → its name, one query per kind of target (in the caller's unit)."""
    wanted: dict[str, set[int]] = {}
    for record in records:
        wanted.setdefault(record.target_type, set()).add(record.target_id)
    names: dict[tuple[str, int], str] = {}
    if ids := wanted.get("script"):
        for script_id, title in uow.session.execute(
            select(Script.id, Script.title).where(Script.id.in_(ids))
        ):
            names["script", script_id] = f"“{title}”"
    if ids := wanted.get("screen"):
        for screen_id, position, title in uow.session.execute(
            select(Screen.id, Screen.position, Script.title)
            .join(Script, Script.id == Screen.script_id)
            .where(Screen.id.in_(ids))
        ):
            names["screen", screen_id] = f"“{title}” · screen {position + 1}"
    if ids := wanted.get("render"):
        for render_id, title in uow.session.execute(
            select(Render.id, Script.title)
            .join(Script, Script.id == Render.script_id)
            .where(Render.id.in_(ids))
        ):
            names["render", render_id] = f"“{title}” · video"
    return names
