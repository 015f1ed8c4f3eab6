"""Script writing and translation as queued jobs: requested here, run in the worker.

The model's reply is kept under the job's record the moment it arrives (Task.paid_call),
so a job that fails to save it, or is killed after the model answered, saves that reply
on its next attempt instead of asking (and paying) again.
"""

from __future__ import annotations

from sqlalchemy import select

from core import access
from core.access import Action
from core.accounts.keys import Providers
from core.errors import InvalidInput, NotFound
from core.providers.registry import NEEDS_LLM, Role, provider_label
from core.scripts.content import Scene, ScriptContent, ScriptRequest
from core.scripts.languages import clean_language, language_name
from core.scripts.script import ScriptView, script_view
from core.scripts.versions import add_version
from core.tasks.answers import Answer
from core.tasks.kinds import Task
from core.tasks.queue import TaskQueue
from core.tasks.records import JobView, add_task, enqueue_task, submit_task
from core.uow import UnitOfWork
from db.models import Script, ScriptVersion, VersionSource


def request_generation(
    *, uow: UnitOfWork, queue: TaskQueue, user_id: int, script_id: int
) -> JobView:
    """Queue the writing of a new version of the script from its topic and settings."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.RUN)
    return submit_task(
        uow=uow, queue=queue, user_id=user_id, kind="script.generate", target_id=script_id
    )


def request_translation(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    providers: Providers,
    user_id: int,
    script_id: int,
    language: str,
) -> tuple[ScriptView, JobView]:
    """Create "<title> (<language>)" linked to its source and queue its narration's translation."""
    language = clean_language(language)
    with uow:
        source = access.load(uow, Script, script_id, user_id=user_id, action=Action.RUN)
        if not providers.serves(user_id, Role.TRANSLATE):
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
        uow.session.flush()
        record = add_task(
            uow, user_id=user_id, kind="script.translate", target_id=copy.id,
            params={"source_script_id": script_id, "source_version": source.current_version},
        )  # fmt: skip
        uow.commit()
        view = script_view(copy)
        return view, enqueue_task(uow, queue, record)


def generate_script_body(task: Task) -> str:
    """Worker side of script.generate: write, validate, store as a new version (once)."""
    script = _target(task)
    if "version" in task.record.params:  # an earlier attempt already stored it
        return f"Script ready (version {task.record.params['version']})"
    writer = task.services.providers.script_writer(task.user_id, task.budget)
    request = ScriptRequest(
        topic=script.topic,
        tone=script.tone,
        language=script.language,
        target_seconds=script.target_seconds,
        scene_count=script.scene_count,
    )
    task.progress(10, f"Writing the script ({provider_label(writer.name)})…")
    content = task.paid_call(lambda: writer.write_script(request), dump=_dump, load=_load)
    task.progress(90, "Saving the new version…")
    version = add_version(
        task.uow,
        script,
        content,
        VersionSource.GENERATED,
        f"Written by {provider_label(writer.name)}",
    )
    task.record.params = {**task.record.params, "version": version.number}
    task.uow.commit()
    return f"Script ready: {len(content.scenes)} scenes (version {version.number})"


def translate_script_body(task: Task) -> str:
    """Worker side of script.translate: narration translated, visuals kept."""
    script = _target(task)
    params = task.record.params
    if "version" in params:
        return f"Translation ready (version {params['version']})"
    source = task.uow.session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.script_id == params["source_script_id"],
            ScriptVersion.number == params["source_version"],
        )
    )
    if source is None:
        raise NotFound("The source script of this translation was deleted.")
    original = ScriptContent.model_validate(source.content)
    translator = task.services.providers.translator(task.user_id, task.budget)
    task.progress(10, f"Translating into {language_name(script.language)}…")
    content = task.paid_call(
        lambda: ScriptContent(
            title=script.title,
            scenes=[
                Scene(narration=n, visual=s.visual)
                for n, s in zip(
                    translator.translate_narrations(
                        [s.narration for s in original.scenes], script.language
                    ),
                    original.scenes,
                    strict=True,
                )
            ],
        ),
        dump=_dump,
        load=_load,
    )
    task.progress(90, "Saving the translation…")
    version = add_version(
        task.uow, script, content, VersionSource.TRANSLATED, _translated_from(task, source)
    )
    task.record.params = {**params, "version": version.number}
    task.uow.commit()
    return f"Translation ready ({language_name(script.language)}, version {version.number})"


def _target(task: Task) -> Script:
    # Who may run it was asked when it was queued; a queued job finishes its work.
    script = task.uow.session.get(Script, task.record.target_id)
    if script is None:
        raise task.gone("script")
    return script


def _dump(content: ScriptContent) -> Answer:
    return content.model_dump(), b""


def _load(fields: dict[str, object], _data: bytes) -> ScriptContent:
    return ScriptContent.model_validate(fields)


def _translated_from(task: Task, source: ScriptVersion) -> str:
    original = task.uow.session.get(Script, source.script_id)
    title = original.title if original is not None else "a deleted script"
    return f"Translated from “{title}”, version {source.number}"
