"""Script generation and translation as queued jobs: request here, run in the worker."""

from __future__ import annotations

from sqlalchemy import select

from core.errors import InvalidInput, NotFound
from core.languages import clean_language, language_name
from core.llm import NEEDS_LLM, LLMChooser
from core.models import JobView, Scene, ScriptContent, ScriptRequest, ScriptView
from core.ownership import load_owned
from core.queue import TaskQueue
from core.scripts import add_version, script_view
from core.tasks import ProgressFn, submit_task
from core.uow import UnitOfWork
from db.models import JobRecord, Script, ScriptVersion, VersionSource


def request_generation(
    *, uow: UnitOfWork, queue: TaskQueue, user_id: int, script_id: int
) -> JobView:
    """Queue the writing of a new version of the script from its topic and settings."""
    with uow:
        load_owned(uow, Script, script_id, user_id, "Script")
    return submit_task(
        uow=uow,
        queue=queue,
        user_id=user_id,
        kind="script.generate",
        target_type="script",
        target_id=script_id,
    )


def request_translation(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    llm: LLMChooser,
    user_id: int,
    script_id: int,
    language: str,
) -> tuple[ScriptView, JobView]:
    """Create "<title> (<language>)" linked to its source and queue its narration's translation."""
    language = clean_language(language)
    with uow:
        source = load_owned(uow, Script, script_id, user_id, "Script")
        if not llm.has_llm(user_id):
            raise InvalidInput(NEEDS_LLM)
        if source.current_version == 0:
            raise InvalidInput("This script has no scenes yet: generate or write it first.")
        if language == source.language:
            raise InvalidInput(f"The script is already in {language_name(language)}.")
        copy = Script(
            user_id=user_id,
            workspace_id=source.workspace_id,
            title=f"{source.title} ({language_name(language)})"[:200],
            topic=source.topic,
            tone=source.tone,
            language=language,
            target_seconds=source.target_seconds,
            scene_count=source.scene_count,
            source_script_id=source.id,
        )
        uow.session.add(copy)
        uow.commit()
        view = script_view(copy)
        source_version = source.current_version
    job = submit_task(
        uow=uow,
        queue=queue,
        user_id=user_id,
        kind="script.translate",
        target_type="script",
        target_id=view.id,
        params={"source_script_id": script_id, "source_version": source_version},
    )
    return view, job


def generate_script_body(
    llm: LLMChooser, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of script.generate: write, validate, store as a new version (once)."""
    script = _target(uow, record)
    if "version" in record.params:  # an earlier attempt already stored it
        return f"Script ready (version {record.params['version']})"
    writer = llm.script_writer(record.user_id)
    progress(10, f"Writing the script ({writer.name})…")
    content = writer.write_script(
        ScriptRequest(
            topic=script.topic,
            tone=script.tone,
            language=script.language,
            target_seconds=script.target_seconds,
            scene_count=script.scene_count,
        )
    )
    progress(90, "Saving the new version…")
    version = add_version(
        uow, script, content, VersionSource.GENERATED, f"Written by {writer.name}"
    )
    record.params = {**record.params, "version": version.number}
    uow.commit()
    return f"Script ready: {len(content.scenes)} scenes (version {version.number})"


def translate_script_body(
    llm: LLMChooser, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of script.translate: narration translated, visuals kept."""
    script = _target(uow, record)
    if "version" in record.params:
        return f"Translation ready (version {record.params['version']})"
    source = uow.session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.script_id == record.params["source_script_id"],
            ScriptVersion.number == record.params["source_version"],
        )
    )
    if source is None:
        raise NotFound("The source script of this translation was deleted.")
    original = ScriptContent.model_validate(source.content)
    translator = llm.translator(record.user_id)
    progress(10, f"Translating into {language_name(script.language)}…")
    narrations = translator.translate_narrations(
        [s.narration for s in original.scenes], script.language
    )
    content = ScriptContent(
        title=script.title,
        scenes=[
            Scene(narration=n, visual=s.visual)
            for n, s in zip(narrations, original.scenes, strict=True)
        ],
    )
    progress(90, "Saving the translation…")
    version = add_version(
        uow, script, content, VersionSource.TRANSLATED, f"Translated from #{source.script_id}"
    )
    record.params = {**record.params, "version": version.number}
    uow.commit()
    return f"Translation ready ({language_name(script.language)}, version {version.number})"


def _target(uow: UnitOfWork, record: JobRecord) -> Script:
    script = uow.session.get(Script, record.target_id)
    if script is None or script.user_id != record.user_id:
        raise NotFound("The script of this job was deleted.")
    return script
