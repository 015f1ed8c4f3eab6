"""Script versions: every save is a new numbered version, never an overwrite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import access
from core.access import Action
from core.errors import Conflict, InvalidInput, NotFound
from core.scripts.content import ScriptContent, parse_content
from core.uow import UnitOfWork
from db.models import Script, ScriptStatus, ScriptVersion, VersionSource


class VersionView(BaseModel):
    number: int
    source: str
    note: str
    created_at: datetime
    content: ScriptContent


def save_version(
    *,
    uow: UnitOfWork,
    user_id: int,
    script_id: int,
    content: ScriptContent | dict[str, Any],
    base_version: int,
    source: VersionSource = VersionSource.EDITED,
    note: str = "",
    force: bool = False,
) -> VersionView:
    """Store `content` as the next version. If someone saved after `base_version`, raise
    Conflict unless `force` (the other save stays in history either way)."""
    parsed = parse_content(content)
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.EDIT)
        if script.current_version != base_version and not force:
            raise Conflict(
                f"This script was saved as version {script.current_version} in another tab "
                f"after you opened version {base_version}. Reload to see it, or save anyway "
                "as a new version (nothing is overwritten)."
            )
        current = _version(uow, script, script.current_version) if script.current_version else None
        if current is not None and current.content == parsed.model_dump() and not force:
            raise InvalidInput(f"Nothing changed since version {current.number}; nothing saved.")
        version = add_version(uow, script, parsed, source, note)
        try:
            uow.commit()
        except IntegrityError as exc:  # a concurrent save took the same number
            raise Conflict("Another save happened at the same moment; save again.") from exc
        return version_view(version)


def add_version(
    uow: UnitOfWork, script: Script, content: ScriptContent, source: VersionSource, note: str
) -> ScriptVersion:
    """Append a version inside the caller's transaction and make it current."""
    number = script.current_version + 1
    version = ScriptVersion(
        script_id=script.id,
        number=number,
        content=content.model_dump(),
        source=source,
        note=note[:200],
    )
    uow.session.add(version)
    script.current_version = number
    script.title = content.title
    script.status = ScriptStatus.DRAFT
    return version


def list_versions(*, uow: UnitOfWork, user_id: int, script_id: int) -> list[VersionView]:
    """Every version of a script, newest first."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        rows = uow.session.scalars(
            select(ScriptVersion)
            .where(ScriptVersion.script_id == script_id)
            .order_by(ScriptVersion.number.desc())
        )
        return [version_view(v) for v in rows]


def get_version(
    *, uow: UnitOfWork, user_id: int, script_id: int, number: int | None = None
) -> VersionView:
    """One version (the current one when number is None)."""
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        return version_view(_version(uow, script, number or script.current_version))


def restore_version(*, uow: UnitOfWork, user_id: int, script_id: int, number: int) -> VersionView:
    """Make an old version current again, as a new version."""
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.EDIT)
        old = _version(uow, script, number)
        version = add_version(
            uow,
            script,
            ScriptContent.model_validate(old.content),
            VersionSource.RESTORED,
            f"Restored from version {number}",
        )
        uow.commit()
        return version_view(version)


def current_content(uow: UnitOfWork, script: Script) -> ScriptContent:
    """The content of the script's current version (inside the caller's transaction)."""
    if script.current_version == 0:
        raise InvalidInput("This script has no scenes yet: generate or write it first.")
    return ScriptContent.model_validate(_version(uow, script, script.current_version).content)


def _version(uow: UnitOfWork, script: Script, number: int) -> ScriptVersion:
    row = uow.session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.script_id == script.id, ScriptVersion.number == number
        )
    )
    if row is None:
        raise NotFound(f"Version {number} of this script was not found.")
    return row


def version_view(version: ScriptVersion) -> VersionView:
    return VersionView(
        number=version.number,
        source=version.source.value,
        note=version.note,
        created_at=version.created_at,
        content=ScriptContent.model_validate(version.content),
    )
