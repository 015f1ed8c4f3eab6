"""One user can never read, change or delete another user's things by guessing an id.

Every core entry point that takes an id is called as bob with alice's id: it must
raise NotFound (the same answer as for an id that does not exist), and alice's
data, re-read as alice, must be exactly what it was before.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core import generation, ideas, screens, scripts, tasks, vault, workspaces
from core.accounts import register_user
from core.bootstrap import Services, build_services
from core.errors import NotFound
from core.settings import Settings
from db.migrate import upgrade
from tests.fakes import FakeQueue

ALICE_KEY = "fake-alice-key-0123456789WXYZ"


@dataclass(frozen=True)
class Ids:
    """Alice's things, and the two users' ids: what an attacker would pass."""

    alice: int
    bob: int
    idea: int  # a fresh idea, never executed
    workspace: int
    script: int  # generated (version 1) and finalized
    empty_script: int  # no version yet
    job: int  # a generation job still waiting in the queue


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
    uow = services.uow
    me = register_user(uow=uow(), username="alice", password="correct horse").id
    bob = register_user(uow=uow(), username="bob", password="battery staple").id
    idea = ideas.create_idea(uow=uow(), user_id=me, title="Deep sea giants", description="squid")
    executed = ideas.create_idea(uow=uow(), user_id=me, title="Octopus minds")
    ws = ideas.execute_idea(uow=uow(), user_id=me, idea_id=executed.id)
    script = scripts.create_script(
        uow=uow(), user_id=me, workspace_id=ws.id, topic="how octopuses think", scene_count=3
    )
    generation.request_generation(uow=uow(), queue=queue, user_id=me, script_id=script.id)
    queue.run_all(services)
    screens.finalize_script(uow=uow(), user_id=me, script_id=script.id)
    empty = scripts.create_script(uow=uow(), user_id=me, workspace_id=ws.id, topic="ink clouds")
    job = generation.request_generation(uow=uow(), queue=queue, user_id=me, script_id=empty.id)
    vault.save_credential(
        uow=uow(), cipher=services.cipher, user_id=me, provider="openai", secret=ALICE_KEY
    )
    # Bob has an LLM of his own, so translation gets as far as the ownership check.
    vault.save_credential(
        uow=uow(),
        cipher=services.cipher,
        user_id=bob,
        provider="openai_compatible",
        secret="ollama",
        base_url="http://localhost:11434/v1",
        model="llama3.1",
    )
    return Ids(me, bob, idea.id, ws.id, script.id, empty.id, job.id)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[tuple[Services, FakeQueue, Ids]]:
    """A private copy of the template database (and its encryption key) for one test."""
    data_dir = tmp_path / "data"
    shutil.copytree(template.data_dir, data_dir)
    queue = FakeQueue(queued=list(template.queued))
    services = build_services(_settings(data_dir), queue=queue)
    yield services, queue, template.ids
    services.engine.dispose()


def snapshot(services: Services, queue: FakeQueue, ids: Ids) -> dict[str, Any]:
    """Everything alice can see, read as alice, plus what bob owns and what was queued."""
    uow, user_id = services.uow, ids.alice
    return {
        "ideas": ideas.list_ideas(uow=uow(), user_id=user_id),
        "idea": ideas.get_idea(uow=uow(), user_id=user_id, idea_id=ids.idea),
        "workspaces": workspaces.list_workspaces(uow=uow(), user_id=user_id),
        "scripts": scripts.list_scripts(uow=uow(), user_id=user_id, workspace_id=ids.workspace),
        "versions": scripts.list_versions(uow=uow(), user_id=user_id, script_id=ids.script),
        "screens": screens.list_screens(uow=uow(), user_id=user_id, script_id=ids.script),
        "jobs": tasks.list_jobs(uow=uow(), user_id=user_id),
        "credentials": vault.list_credentials(uow=uow(), user_id=user_id),
        "key": vault.reveal(uow=uow(), cipher=services.cipher, user_id=user_id, provider="openai"),
        "bob_ideas": ideas.list_ideas(uow=uow(), user_id=ids.bob),
        "bob_workspaces": workspaces.list_workspaces(uow=uow(), user_id=ids.bob),
        "bob_jobs": tasks.list_jobs(uow=uow(), user_id=ids.bob),
        "queued": list(queue.queued),
        "canceled": list(queue.canceled),
    }


# Each attack is bob (ids.bob) calling a core function with one of alice's ids.
Attack = Callable[[Services, FakeQueue, Ids], object]
ATTACKS: dict[str, Attack] = {
    "get_idea": lambda s, q, i: ideas.get_idea(uow=s.uow(), user_id=i.bob, idea_id=i.idea),
    "update_idea": lambda s, q, i: ideas.update_idea(
        uow=s.uow(), user_id=i.bob, idea_id=i.idea, title="mine now", description=""
    ),
    "delete_idea": lambda s, q, i: ideas.delete_idea(uow=s.uow(), user_id=i.bob, idea_id=i.idea),
    "execute_idea": lambda s, q, i: ideas.execute_idea(uow=s.uow(), user_id=i.bob, idea_id=i.idea),
    "get_workspace": lambda s, q, i: workspaces.get_workspace(
        uow=s.uow(), user_id=i.bob, workspace_id=i.workspace
    ),
    "update_workspace": lambda s, q, i: workspaces.update_workspace(
        uow=s.uow(), user_id=i.bob, workspace_id=i.workspace, title="mine now", description=""
    ),
    "delete_workspace": lambda s, q, i: workspaces.delete_workspace(
        uow=s.uow(), files=s.files, user_id=i.bob, workspace_id=i.workspace
    ),
    "set_favorite": lambda s, q, i: workspaces.set_favorite(
        uow=s.uow(), user_id=i.bob, workspace_id=i.workspace, favorite=True
    ),
    "list_scripts": lambda s, q, i: scripts.list_scripts(
        uow=s.uow(), user_id=i.bob, workspace_id=i.workspace
    ),
    "create_script": lambda s, q, i: scripts.create_script(
        uow=s.uow(), user_id=i.bob, workspace_id=i.workspace, topic="planted by bob"
    ),
    "get_script": lambda s, q, i: scripts.get_script(
        uow=s.uow(), user_id=i.bob, script_id=i.script
    ),
    "delete_script": lambda s, q, i: scripts.delete_script(
        uow=s.uow(), user_id=i.bob, script_id=i.script
    ),
    "save_version": lambda s, q, i: scripts.save_version(
        uow=s.uow(),
        user_id=i.bob,
        script_id=i.script,
        content={"title": "Bob's", "scenes": [{"narration": "Hi", "visual": "Bob"}]},
        base_version=1,
        force=True,
    ),
    "list_versions": lambda s, q, i: scripts.list_versions(
        uow=s.uow(), user_id=i.bob, script_id=i.script
    ),
    "get_version": lambda s, q, i: scripts.get_version(
        uow=s.uow(), user_id=i.bob, script_id=i.script, number=1
    ),
    "restore_version": lambda s, q, i: scripts.restore_version(
        uow=s.uow(), user_id=i.bob, script_id=i.script, number=1
    ),
    "finalize_script": lambda s, q, i: screens.finalize_script(
        uow=s.uow(), user_id=i.bob, script_id=i.script
    ),
    # Not "has no scenes yet": that would tell bob the script exists.
    "finalize_empty_script": lambda s, q, i: screens.finalize_script(
        uow=s.uow(), user_id=i.bob, script_id=i.empty_script
    ),
    "list_screens": lambda s, q, i: screens.list_screens(
        uow=s.uow(), user_id=i.bob, script_id=i.script
    ),
    "request_generation": lambda s, q, i: generation.request_generation(
        uow=s.uow(), queue=q, user_id=i.bob, script_id=i.script
    ),
    "request_translation": lambda s, q, i: generation.request_translation(
        uow=s.uow(), queue=q, llm=s.llm, user_id=i.bob, script_id=i.script, language="fr"
    ),
    "get_job": lambda s, q, i: tasks.get_job(uow=s.uow(), user_id=i.bob, job_id=i.job),
    "cancel_task": lambda s, q, i: tasks.cancel_task(
        uow=s.uow(), queue=q, user_id=i.bob, job_id=i.job
    ),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_other_users_id_is_not_found_and_changes_nothing(world: World, attack: Attack) -> None:
    services, queue, ids = world
    before = snapshot(services, queue, ids)
    with pytest.raises(NotFound, match="was not found"):
        attack(services, queue, ids)
    assert snapshot(services, queue, ids) == before


def test_the_owner_can_use_the_same_ids(world: World) -> None:
    """The ids above are real: the NotFound comes from ownership, not from a bad id."""
    services, _, ids = world
    me, uow = ids.alice, services.uow
    assert ideas.get_idea(uow=uow(), user_id=me, idea_id=ids.idea).title == "Deep sea giants"
    assert workspaces.get_workspace(uow=uow(), user_id=me, workspace_id=ids.workspace).script_count
    assert scripts.get_version(uow=uow(), user_id=me, script_id=ids.script, number=1).number == 1
    assert len(screens.list_screens(uow=uow(), user_id=me, script_id=ids.script)) == 3
    assert tasks.get_job(uow=uow(), user_id=me, job_id=ids.job).status == "queued"


def test_keys_are_not_visible_to_another_user(world: World) -> None:
    services, _, ids = world
    uow, cipher = services.uow, services.cipher
    assert [c.provider for c in vault.list_credentials(uow=uow(), user_id=ids.bob)] == [
        "openai_compatible"
    ]
    assert vault.reveal(uow=uow(), cipher=cipher, user_id=ids.bob, provider="openai") is None
    with pytest.raises(NotFound):
        vault.remove_credential(uow=uow(), user_id=ids.bob, provider="openai")
    # Bob saving his own OpenAI key does not touch alice's.
    vault.save_credential(
        uow=uow(), cipher=cipher, user_id=ids.bob, provider="openai", secret="sk-bob-key-9999"
    )
    mine = vault.reveal(uow=uow(), cipher=cipher, user_id=ids.alice, provider="openai")
    assert mine is not None and mine.secret == ALICE_KEY
    assert [c.masked for c in vault.list_credentials(uow=uow(), user_id=ids.alice)] == ["••••WXYZ"]


def test_lists_never_show_the_other_users_rows(world: World) -> None:
    services, queue, ids = world
    uow, bob = services.uow, ids.bob
    bob_idea = ideas.create_idea(uow=uow(), user_id=bob, title="Deep sea lights")
    bob_ws = ideas.execute_idea(uow=uow(), user_id=bob, idea_id=bob_idea.id)
    bob_script = scripts.create_script(uow=uow(), user_id=bob, workspace_id=bob_ws.id, topic="x y")
    bob_job = generation.request_generation(
        uow=uow(), queue=queue, user_id=bob, script_id=bob_script.id
    )

    assert [i.id for i in ideas.list_ideas(uow=uow(), user_id=bob)] == [bob_idea.id]
    assert [i.id for i in ideas.list_ideas(uow=uow(), user_id=bob, search="deep sea")] == [
        bob_idea.id
    ]
    assert ideas.list_ideas(uow=uow(), user_id=bob, search="octopus") == []
    assert [w.id for w in workspaces.list_workspaces(uow=uow(), user_id=bob)] == [bob_ws.id]
    assert workspaces.list_workspaces(uow=uow(), user_id=bob, search="octopus") == []
    assert [j.id for j in tasks.list_jobs(uow=uow(), user_id=bob)] == [bob_job.id]
    assert tasks.list_jobs(uow=uow(), user_id=bob, target_type="script", target_id=ids.script) == []

    alice_ideas = {i.id for i in ideas.list_ideas(uow=uow(), user_id=ids.alice)}
    assert len(alice_ideas) == 2 and bob_idea.id not in alice_ideas
    alice_ws = {w.id for w in workspaces.list_workspaces(uow=uow(), user_id=ids.alice)}
    assert alice_ws == {ids.workspace}
    alice_jobs = {j.id for j in tasks.list_jobs(uow=uow(), user_id=ids.alice)}
    assert len(alice_jobs) == 2 and bob_job.id not in alice_jobs
