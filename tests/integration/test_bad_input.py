"""Bad input gets a message a person can act on, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from core import accounts, generation, ideas, screens, scripts, vault, workspaces
from core.bootstrap import Services
from core.errors import InvalidInput
from core.models import UserView
from tests.fakes import FakeQueue

EMPTY = ("   ", ["Title must not be empty"])
HUGE = ("x" * 10_000, ["Title is too long", "10000 characters", "at most 200"])


def _scene(n: int) -> dict[str, str]:
    return {"narration": f"Line {n}.", "visual": f"Shot {n}"}


@pytest.fixture
def script_id(services: Services, fake_queue: FakeQueue, alice: UserView) -> int:
    """A workspace with one generated script (version 1, 3 scenes)."""
    idea = ideas.create_idea(uow=services.uow(), user_id=alice.id, title="Octopus minds")
    ws = ideas.execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    script = scripts.create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="octopus", scene_count=3
    )
    generation.request_generation(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script.id
    )
    fake_queue.run_all(services)
    return script.id


def _script_state(services: Services, user_id: int, script_id: int) -> tuple[Any, ...]:
    uow = services.uow
    script = scripts.get_script(uow=uow(), user_id=user_id, script_id=script_id)
    return (
        scripts.list_scripts(uow=uow(), user_id=user_id, workspace_id=script.workspace_id),
        scripts.list_versions(uow=uow(), user_id=user_id, script_id=script_id),
    )


@contextmanager
def refused(words: list[str]) -> Iterator[None]:
    """Expect InvalidInput whose message holds every one of `words`."""
    with pytest.raises(InvalidInput) as info:
        yield
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{missing} not in the message {message!r}"


# --- titles -----------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "words"), [EMPTY, HUGE], ids=["empty", "10k"])
def test_idea_title_is_checked_on_create_and_update(
    services: Services, alice: UserView, title: str, words: list[str]
) -> None:
    idea = ideas.create_idea(uow=services.uow(), user_id=alice.id, title="Octopus minds")
    before = ideas.list_ideas(uow=services.uow(), user_id=alice.id)
    with refused(words):
        ideas.create_idea(uow=services.uow(), user_id=alice.id, title=title)
    with refused(words):
        ideas.update_idea(
            uow=services.uow(), user_id=alice.id, idea_id=idea.id, title=title, description="d"
        )
    assert ideas.list_ideas(uow=services.uow(), user_id=alice.id) == before
    assert [i.title for i in before] == ["Octopus minds"]


@pytest.mark.parametrize(("title", "words"), [EMPTY, HUGE], ids=["empty", "10k"])
def test_workspace_title_is_checked_on_create_and_update(
    services: Services, alice: UserView, title: str, words: list[str]
) -> None:
    ws = workspaces.create_workspace(uow=services.uow(), user_id=alice.id, title="Sea life")
    before = workspaces.list_workspaces(uow=services.uow(), user_id=alice.id)
    with refused(words):
        workspaces.create_workspace(uow=services.uow(), user_id=alice.id, title=title)
    with refused(words):
        workspaces.update_workspace(
            uow=services.uow(), user_id=alice.id, workspace_id=ws.id, title=title, description=""
        )
    assert workspaces.list_workspaces(uow=services.uow(), user_id=alice.id) == before
    assert [w.title for w in before] == ["Sea life"]


# --- scripts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"language": "klingon"}, ["Unknown language 'klingon'", "choose one from the list"]),
        ({"scene_count": 0}, ["Number of scenes", "between 1 and 50", "got 0"]),
        ({"scene_count": 500}, ["Number of scenes", "between 1 and 50", "got 500"]),
    ],
    ids=["language", "0-scenes", "500-scenes"],
)
def test_create_script_refuses_bad_settings(
    services: Services, alice: UserView, script_id: int, kwargs: dict[str, Any], words: list[str]
) -> None:
    before = _script_state(services, alice.id, script_id)
    workspace_id = before[0][0].workspace_id
    with refused(words):
        scripts.create_script(
            uow=services.uow(), user_id=alice.id, workspace_id=workspace_id, topic="t", **kwargs
        )
    assert _script_state(services, alice.id, script_id) == before


def test_translation_to_an_unknown_language_queues_nothing(
    services: Services, fake_queue: FakeQueue, alice: UserView, script_id: int
) -> None:
    vault.save_credential(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        provider="openai",
        secret="sk-test-1234",
    )
    before = _script_state(services, alice.id, script_id)
    with refused(["Unknown language 'Elvish'"]):
        generation.request_translation(
            uow=services.uow(),
            queue=fake_queue,
            llm=services.llm,
            user_id=alice.id,
            script_id=script_id,
            language="Elvish",
        )
    assert _script_state(services, alice.id, script_id) == before
    assert fake_queue.queued == []


@pytest.mark.parametrize(
    ("scenes", "words"),
    [
        ([], ["Scenes", "needs at least one scene"]),
        ([_scene(n) for n in range(500)], ["Scenes", "at most 50", "500"]),
        ([_scene(1), {"narration": "   ", "visual": "Shot 2"}, _scene(3)], ["Scene 2 narration"]),
    ],
    ids=["0-scenes", "500-scenes", "blank-narration"],
)
def test_save_version_refuses_bad_content(
    services: Services, alice: UserView, script_id: int, scenes: list[Any], words: list[str]
) -> None:
    before = _script_state(services, alice.id, script_id)
    with refused(["The script is not valid", *words]):
        scripts.save_version(
            uow=services.uow(),
            user_id=alice.id,
            script_id=script_id,
            content={"title": "Edited", "scenes": scenes},
            base_version=1,
        )
    assert _script_state(services, alice.id, script_id) == before


def test_finalize_without_a_version_says_to_write_it_first(
    services: Services, alice: UserView
) -> None:
    ws = workspaces.create_workspace(uow=services.uow(), user_id=alice.id, title="Sea life")
    script = scripts.create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="octopus"
    )
    with refused(["no scenes yet", "generate or write it first"]):
        screens.finalize_script(uow=services.uow(), user_id=alice.id, script_id=script.id)
    after = scripts.get_script(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert after == script and after.status == "empty" and after.finalized_version is None
    assert screens.list_screens(uow=services.uow(), user_id=alice.id, script_id=script.id) == []


# --- accounts ---------------------------------------------------------------------------


def test_wrong_password_at_login_is_refused(services: Services, alice: UserView) -> None:
    with refused(["Wrong username or password"]):
        accounts.verify_login(uow=services.uow(), username="alice", password="wrong horse")
    with refused(["Wrong username or password"]):  # same words: no hint the user exists
        accounts.verify_login(uow=services.uow(), username="nobody", password="correct horse")
    assert (
        accounts.verify_login(uow=services.uow(), username="alice", password="correct horse")
        == alice
    )


def test_wrong_current_password_changes_nothing(services: Services, alice: UserView) -> None:
    with refused(["current password is wrong", "nothing was changed"]):
        accounts.change_password(
            uow=services.uow(),
            user_id=alice.id,
            current_password="wrong horse",
            new_password="a brand new one",
        )
    with refused(["Wrong username or password"]):
        accounts.verify_login(uow=services.uow(), username="alice", password="a brand new one")
    assert accounts.verify_login(uow=services.uow(), username="alice", password="correct horse")


def test_duplicate_username_keeps_the_first_account(services: Services, alice: UserView) -> None:
    with refused(["username 'alice' is taken", "choose another"]):
        accounts.register_user(uow=services.uow(), username="alice", password="another secret")
    directory = accounts.login_directory(uow=services.uow())["usernames"]
    assert list(directory) == ["alice"]
    assert (
        accounts.verify_login(uow=services.uow(), username="alice", password="correct horse")
        == alice
    )


def test_too_short_password_is_refused(services: Services, alice: UserView) -> None:
    with refused(["Password must have at least 8 characters"]):
        accounts.register_user(uow=services.uow(), username="carol", password="short")
    with refused(["Password must have at least 8 characters"]):
        accounts.change_password(
            uow=services.uow(),
            user_id=alice.id,
            current_password="correct horse",
            new_password="short",
        )
    assert list(accounts.login_directory(uow=services.uow())["usernames"]) == ["alice"]
    assert accounts.verify_login(uow=services.uow(), username="alice", password="correct horse")


# --- API keys ---------------------------------------------------------------------------


def test_key_with_spaces_is_refused_and_the_old_key_stays(
    services: Services, alice: UserView
) -> None:
    uow, cipher = services.uow, services.cipher
    with refused(["contains spaces", "paste it again"]):
        vault.save_credential(
            uow=uow(), cipher=cipher, user_id=alice.id, provider="openai", secret="sk-abc def"
        )
    assert vault.list_credentials(uow=uow(), user_id=alice.id) == []
    vault.save_credential(
        uow=uow(), cipher=cipher, user_id=alice.id, provider="openai", secret="sk-good-1234"
    )
    with refused(["contains spaces"]):
        vault.save_credential(
            uow=uow(), cipher=cipher, user_id=alice.id, provider="openai", secret="sk-bad\n5678"
        )
    kept = vault.reveal(uow=uow(), cipher=cipher, user_id=alice.id, provider="openai")
    assert kept is not None and kept.secret == "sk-good-1234"


@pytest.mark.parametrize("base_url", ["", "ftp://x"], ids=["missing", "ftp"])
def test_openai_compatible_entry_needs_an_http_base_url(
    services: Services, alice: UserView, base_url: str
) -> None:
    with refused(["base URL must start with http:// or https://"]):
        vault.save_credential(
            uow=services.uow(),
            cipher=services.cipher,
            user_id=alice.id,
            provider="openai_compatible",
            secret="ollama",
            base_url=base_url,
            model="llama3.1",
        )
    assert vault.list_credentials(uow=services.uow(), user_id=alice.id) == []
