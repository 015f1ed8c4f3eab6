"""One user can never read, change or delete another user's things by guessing an id.

The tests are generated from core/access.py's table of entry points: every core function
that takes an object's id is called as bob with alice's id, and must raise NotFound (the
same answer as for an id that does not exist) and leave alice's data, re-read as alice,
exactly as it was; called as alice, the same call passes the access check. An entry
point that takes an id but has no row in the table fails `test_every_id_taking_entry_point_
has_an_access_rule`.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import core
from core.access import ENTRY_POINTS
from core.accounts.credentials import list_credentials, reveal
from core.accounts.keys import remove_key, save_key
from core.accounts.registration import LAPTOP
from core.accounts.users import register_user
from core.bootstrap import Services, build_services
from core.errors import NotFound, PermissionDenied
from core.media.generate import request_image
from core.media.screen import list_screens
from core.notifications.notice_kinds import JOB_FAILED
from core.notifications.notices import list_notifications, notify
from core.render.spec import ExportSettings
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, get_script, list_scripts
from core.scripts.versions import get_version, list_versions
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.records import get_job, list_jobs
from core.video.renders import queue_render
from core.workspaces.ideas import create_idea, execute_idea, list_ideas
from core.workspaces.workspace import get_workspace, list_workspaces
from db.migrate import upgrade
from tests.fakes import FakeQueue
from tests.helpers import png_upload, tone_wav

ALICE_KEY = "fake-alice-key-0123456789WXYZ"
ID_PARAMS = {
    "idea_id", "workspace_id", "script_id", "screen_id", "job_id", "render_id", "notification_id"
}  # fmt: skip


@dataclass(frozen=True)
class Ids:
    """Alice's things, and the two users' ids: what an attacker would pass."""

    alice: int
    bob: int
    idea: int  # a fresh idea, never executed
    workspace: int
    script: int  # generated (version 1) and finalized
    screen: int  # the script's first screen
    empty_script: int  # no version yet
    job: int  # a generation job still waiting in the queue
    render: int  # a render of the script, queued
    notification: int  # unread


World = tuple[Services, FakeQueue, Ids]


@dataclass(frozen=True)
class Template:
    data_dir: Path
    ids: Ids
    queued: list[tuple[str, int]]


def _settings(data_dir: Path) -> Settings:
    url = f"sqlite:///{data_dir / 'studio.db'}"
    return Settings(data_dir=data_dir, database_url=url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Alice's and bob's data, built once (bcrypt is slow); each test works on a copy."""
    settings = _settings(tmp_path_factory.mktemp("template") / "data")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    queue = FakeQueue()
    services = build_services(settings, queue=queue)
    try:
        ids = _populate(services, queue)
    finally:
        services.engine.dispose()
    return Template(settings.data_dir, ids, list(queue.queued))


def _populate(services: Services, queue: FakeQueue) -> Ids:
    uow, files = services.uow, services.files
    me = register_user(uow=uow(), username="alice", password="correct horse", policy=LAPTOP).id
    bob = register_user(uow=uow(), username="bob", password="battery staple", policy=LAPTOP).id
    idea = create_idea(uow=uow(), user_id=me, title="Deep sea giants", description="squid")
    executed = create_idea(uow=uow(), user_id=me, title="Octopus minds")
    ws = execute_idea(uow=uow(), user_id=me, idea_id=executed.id)
    script = create_script(
        uow=uow(), user_id=me, workspace_id=ws.id, topic="how octopuses think", scene_count=3
    )
    request_generation(uow=uow(), queue=queue, user_id=me, script_id=script.id)
    queue.run_all(services)
    screens = finalize_script(uow=uow(), files=files, user_id=me, script_id=script.id)
    request_image(uow=uow(), queue=queue, user_id=me, screen_id=screens[0].id)
    queue.run_all(services)  # the first screen has its image
    render = queue_render(
        uow=uow(), queue=queue, user_id=me, script_id=script.id, settings=ExportSettings()
    )
    empty = create_script(uow=uow(), user_id=me, workspace_id=ws.id, topic="ink clouds")
    job = request_generation(uow=uow(), queue=queue, user_id=me, script_id=empty.id)
    save_key(uow=uow(), cipher=services.cipher, user_id=me, vendor="openai", secret=ALICE_KEY)
    # Bob has an LLM of his own, so translation gets as far as the access check.
    save_key(
        uow=uow(), cipher=services.cipher, user_id=bob, vendor="openai_compatible",
        secret="ollama", base_url="http://localhost:11434/v1", model="llama3.1",
    )  # fmt: skip
    told = notify(
        uow=uow(), mailer=None, user_id=me, kind=JOB_FAILED, title="Drawing the image failed",
        link=f"screens?id={script.id}",
    )  # fmt: skip
    assert told is not None
    return Ids(
        me,
        bob,
        idea.id,
        ws.id,
        script.id,
        screens[0].id,
        empty.id,
        job.id,
        render.target_id,
        told.id,
    )


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    """A private copy of the template database, files and keys for one test."""
    data_dir = tmp_path / "data"
    shutil.copytree(template.data_dir, data_dir)
    queue = FakeQueue(queued=list(template.queued))
    services = build_services(_settings(data_dir), queue=queue)
    yield services, queue, template.ids
    services.engine.dispose()


def snapshot(services: Services, queue: FakeQueue, ids: Ids) -> dict[str, Any]:
    """Everything alice can see, read as alice, plus what bob owns, what was queued, and
    every file under the media root."""
    uow, me, files = services.uow, ids.alice, services.files
    return {
        "ideas": list_ideas(uow=uow(), user_id=me),
        "workspace": get_workspace(uow=uow(), user_id=me, workspace_id=ids.workspace),
        "workspaces": list_workspaces(uow=uow(), user_id=me),
        "scripts": list_scripts(uow=uow(), user_id=me, workspace_id=ids.workspace),
        "script": get_script(uow=uow(), user_id=me, script_id=ids.script),
        "versions": list_versions(uow=uow(), user_id=me, script_id=ids.script),
        "screens": list_screens(uow=uow(), files=files, user_id=me, script_id=ids.script),
        "jobs": list_jobs(uow=uow(), user_id=me),
        "credentials": list_credentials(uow=uow(), user_id=me),
        "key": reveal(uow=uow(), cipher=services.cipher, user_id=me, provider="openai"),
        "bob_ideas": list_ideas(uow=uow(), user_id=ids.bob),
        "bob_workspaces": list_workspaces(uow=uow(), user_id=ids.bob),
        "bob_jobs": list_jobs(uow=uow(), user_id=ids.bob),
        "notifications": list_notifications(uow=uow(), user_id=me),
        "bob_notifications": list_notifications(uow=uow(), user_id=ids.bob),
        "queued": list(queue.queued),
        "canceled": list(queue.canceled),
        "files": sorted(
            (str(p.relative_to(files.root)), p.stat().st_size)
            for p in files.root.rglob("*")
            if p.is_file() and ".tmp" not in p.parts
        ),
    }


def entry_point(name: str) -> Callable[..., Any]:
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def arguments(
    fn: Callable[..., Any], s: Services, q: FakeQueue, i: Ids, user: int
) -> dict[str, Any]:
    """The keyword arguments of a call as `user` on alice's objects: every required one,
    chosen by its name; everything else keeps its default."""
    name = fn.__name__
    given: dict[str, Any] = {
        "uow": s.uow(), "queue": q, "files": s.files, "studio": s.settings,
        "settings": ExportSettings() if name == "queue_render" else s.settings,
        "providers": s.providers, "user_id": user, "idea_id": i.idea,
        "workspace_id": i.workspace, "script_id": i.script, "screen_id": i.screen,
        "job_id": i.job, "render_id": i.render, "renderer": s.renderer(),
        "notification_id": i.notification, "title": "Mine now", "description": "",
        "topic": "planted by bob",
        "content": {"title": "Bob's", "scenes": [{"narration": "Hi", "visual": "Bob"}]},
        "base_version": 1, "number": 1, "language": "fr", "favorite": True,
        "narration": "Bob was here.", "visual": "A crab", "aspect": "1:1",
        "image_style": "crayon", "export": ExportSettings(),
        "stream": io.BytesIO(png_upload(64, 64) if name == "upload_image" else tone_wav(0.5)),
    }  # fmt: skip
    parameters = inspect.signature(fn).parameters.values()
    return {p.name: given[p.name] for p in parameters if p.default is inspect.Parameter.empty}


def discovered() -> set[str]:
    """Every public core function with keyword-only `user_id` and an object id parameter."""
    found = set()
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != info.name:
                continue
            keyword = {
                p.name
                for p in inspect.signature(fn).parameters.values()
                if p.kind == inspect.Parameter.KEYWORD_ONLY
            }
            if "user_id" in keyword and keyword & ID_PARAMS:
                found.add(f"{info.name}.{name}")
    return found


def test_every_id_taking_entry_point_has_an_access_rule() -> None:
    assert discovered() == set(ENTRY_POINTS)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_other_users_id_is_not_found_and_changes_nothing(world: World, name: str) -> None:
    services, queue, ids = world
    fn = entry_point(name)
    before = snapshot(services, queue, ids)
    with pytest.raises(NotFound, match="was not found"):
        fn(**arguments(fn, services, queue, ids, ids.bob))
    assert snapshot(services, queue, ids) == before


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_the_owner_passes_the_same_check(world: World, name: str) -> None:
    """The ids are real: bob's NotFound comes from the access rule, not from a bad id."""
    services, queue, ids = world
    fn = entry_point(name)
    try:
        fn(**arguments(fn, services, queue, ids, ids.alice))
    except (NotFound, PermissionDenied) as exc:
        pytest.fail(f"{name} refused the owner: {exc}")
    except Exception:
        pass  # a refusal for another reason (nothing changed, a conflict) is not access


def test_keys_are_not_visible_to_another_user(world: World) -> None:
    services, _, ids = world
    uow, cipher = services.uow, services.cipher
    assert [c.provider for c in list_credentials(uow=uow(), user_id=ids.bob)] == [
        "openai_compatible"
    ]
    assert reveal(uow=uow(), cipher=cipher, user_id=ids.bob, provider="openai") is None
    with pytest.raises(NotFound):
        remove_key(uow=uow(), user_id=ids.bob, vendor="openai")
    # Bob saving his own OpenAI key does not touch alice's.
    save_key(uow=uow(), cipher=cipher, user_id=ids.bob, vendor="openai", secret="sk-bob-key-9999")
    mine = reveal(uow=uow(), cipher=cipher, user_id=ids.alice, provider="openai")
    assert mine is not None and mine.secret == ALICE_KEY
    assert [c.masked for c in list_credentials(uow=uow(), user_id=ids.alice)] == ["••••WXYZ"]


def test_lists_never_show_the_other_users_rows(world: World) -> None:
    services, queue, ids = world
    uow, bob = services.uow, ids.bob
    bob_idea = create_idea(uow=uow(), user_id=bob, title="Deep sea lights")
    bob_ws = execute_idea(uow=uow(), user_id=bob, idea_id=bob_idea.id)
    bob_script = create_script(uow=uow(), user_id=bob, workspace_id=bob_ws.id, topic="x y")
    bob_job = request_generation(uow=uow(), queue=queue, user_id=bob, script_id=bob_script.id)

    assert [i.id for i in list_ideas(uow=uow(), user_id=bob)] == [bob_idea.id]
    assert [i.id for i in list_ideas(uow=uow(), user_id=bob, search="deep sea")] == [bob_idea.id]
    assert list_ideas(uow=uow(), user_id=bob, search="octopus") == []
    assert [w.id for w in list_workspaces(uow=uow(), user_id=bob)] == [bob_ws.id]
    assert list_workspaces(uow=uow(), user_id=bob, search="octopus") == []
    assert [j.id for j in list_jobs(uow=uow(), user_id=bob)] == [bob_job.id]
    assert list_jobs(uow=uow(), user_id=bob, target_type="script", target_id=ids.script) == []

    alice_ideas = {i.id for i in list_ideas(uow=uow(), user_id=ids.alice)}
    assert len(alice_ideas) == 2 and bob_idea.id not in alice_ideas
    alice_ws = {w.id for w in list_workspaces(uow=uow(), user_id=ids.alice)}
    assert alice_ws == {ids.workspace}
    alice_jobs = {j.id for j in list_jobs(uow=uow(), user_id=ids.alice)}
    assert len(alice_jobs) == 4 and bob_job.id not in alice_jobs
    assert get_job(uow=uow(), user_id=ids.alice, job_id=ids.job).status == "queued"
    assert get_version(uow=uow(), user_id=ids.alice, script_id=ids.script, number=1).number == 1
