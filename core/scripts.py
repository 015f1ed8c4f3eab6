"""Scripts and their versions: every save is a new numbered version, never an overwrite."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, InvalidInput, NotFound
from core.languages import clean_language
from core.models import MAX_SCENES, ScriptContent, ScriptView, VersionView
from core.ownership import load_owned
from core.uow import UnitOfWork
from core.validation import clean_int, clean_title
from db.models import Script, ScriptStatus, ScriptVersion, VersionSource, Workspace

MAX_TOPIC = 2000


def create_script(
    *,
    uow: UnitOfWork,
    user_id: int,
    workspace_id: int,
    topic: str,
    tone: str = "informative",
    language: str = "en",
    target_seconds: int = 60,
    scene_count: int = 6,
) -> ScriptView:
    """Add an empty script (a video project) to a workspace."""
    topic = " ".join(topic.split())
    if not topic:
        raise InvalidInput("Topic must not be empty.")
    if len(topic) > MAX_TOPIC:
        raise InvalidInput(f"Topic is too long ({len(topic)} characters; at most {MAX_TOPIC}).")
    language = clean_language(language)
    clean_int(target_seconds, "Target length (seconds)", 10, 600)
    clean_int(scene_count, "Number of scenes", 1, MAX_SCENES)
    tone = clean_title(tone or "informative", "Tone")[:60]
    with uow:
        load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        script = Script(
            user_id=user_id,
            workspace_id=workspace_id,
            title=topic[:200],
            topic=topic,
            tone=tone,
            language=language,
            target_seconds=target_seconds,
            scene_count=scene_count,
        )
        uow.session.add(script)
        uow.commit()
        return script_view(script)


def get_script(*, uow: UnitOfWork, user_id: int, script_id: int) -> ScriptView:
    with uow:
        return script_view(load_owned(uow, Script, script_id, user_id, "Script"))


def list_scripts(*, uow: UnitOfWork, user_id: int, workspace_id: int) -> list[ScriptView]:
    """The scripts of one of the user's workspaces."""
    with uow:
        load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        rows = uow.session.scalars(
            select(Script).where(Script.workspace_id == workspace_id).order_by(Script.id)
        )
        return [script_view(s) for s in rows]


def delete_script(*, uow: UnitOfWork, user_id: int, script_id: int) -> None:
    with uow:
        uow.session.delete(load_owned(uow, Script, script_id, user_id, "Script"))
        uow.commit()


def parse_content(data: ScriptContent | dict[str, Any]) -> ScriptContent:
    """Validate a script; the message names the scene and field that are wrong."""
    if isinstance(data, ScriptContent):
        data = data.model_dump()
    try:
        return ScriptContent.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_readable(exc)) from exc


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
        script = load_owned(uow, Script, script_id, user_id, "Script")
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
        load_owned(uow, Script, script_id, user_id, "Script")
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
        script = load_owned(uow, Script, script_id, user_id, "Script")
        return version_view(_version(uow, script, number or script.current_version))


def restore_version(*, uow: UnitOfWork, user_id: int, script_id: int, number: int) -> VersionView:
    """Make an old version current again, as a new version."""
    with uow:
        script = load_owned(uow, Script, script_id, user_id, "Script")
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


def script_view(script: Script) -> ScriptView:
    return ScriptView(
        id=script.id,
        workspace_id=script.workspace_id,
        title=script.title,
        topic=script.topic,
        tone=script.tone,
        language=script.language,
        target_seconds=script.target_seconds,
        scene_count=script.scene_count,
        status=script.status.value,
        current_version=script.current_version,
        finalized_version=script.finalized_version,
        source_script_id=script.source_script_id,
    )


def version_view(version: ScriptVersion) -> VersionView:
    return VersionView(
        number=version.number,
        source=version.source.value,
        note=version.note,
        created_at=version.created_at,
        content=ScriptContent.model_validate(version.content),
    )


def _readable(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        loc = list(err["loc"])
        if loc[:1] == ["scenes"] and len(loc) >= 2 and isinstance(loc[1], int):
            where = f"Scene {loc[1] + 1}" + (f" {loc[2]}" if len(loc) > 2 else "")
        elif loc == ["scenes"]:
            where = "Scenes"
        else:
            where = ".".join(str(p) for p in loc) or "Script"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "too_short" and loc == ["scenes"]:
            message = "a script needs at least one scene"
        elif err["type"] == "too_long" and loc == ["scenes"]:
            message = f"at most {MAX_SCENES} scenes (got {len(err['input'])})"
        problems.append(f"{where}: {message}")
    return "The script is not valid — " + "; ".join(problems) + "."
