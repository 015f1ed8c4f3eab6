"""Bad input gets a message a person can act on, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fakeredis
import pytest
from sqlalchemy import select

from core.accounts.credentials import list_credentials, reveal
from core.accounts.keys import save_key
from core.accounts.registration import LAPTOP
from core.accounts.throttle import LoginThrottle
from core.accounts.users import (
    UserView,
    change_password,
    register_user,
    verify_login,
)
from core.bootstrap import Services
from core.errors import InvalidInput
from core.media.screen import list_screens
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, get_script, list_scripts
from core.scripts.versions import list_versions, save_version
from core.scripts.writing import request_generation, request_translation
from core.workspaces.ideas import create_idea, execute_idea, list_ideas, update_idea
from core.workspaces.workspace import create_workspace, list_workspaces, update_workspace
from db.models import User
from tests.fakes import FakeQueue

EMPTY = ("   ", ["Title must not be empty"])
HUGE = ("x" * 10_000, ["Title is too long", "10000 characters", "at most 200"])


def _scene(n: int) -> dict[str, str]:
    return {"narration": f"Line {n}.", "visual": f"Shot {n}"}


@pytest.fixture
def script_id(services: Services, fake_queue: FakeQueue, alice: UserView) -> int:
    """A workspace with one generated script (version 1, 3 scenes)."""
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Octopus minds")
    ws = execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    script = create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="octopus", scene_count=3
    )
    request_generation(uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script.id)
    fake_queue.run_all(services)
    return script.id


def _script_state(services: Services, user_id: int, script_id: int) -> tuple[Any, ...]:
    uow = services.uow
    script = get_script(uow=uow(), user_id=user_id, script_id=script_id)
    return (
        list_scripts(uow=uow(), user_id=user_id, workspace_id=script.workspace_id),
        list_versions(uow=uow(), user_id=user_id, script_id=script_id),
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
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Octopus minds")
    before = list_ideas(uow=services.uow(), user_id=alice.id)
    with refused(words):
        create_idea(uow=services.uow(), user_id=alice.id, title=title)
    with refused(words):
        update_idea(
            uow=services.uow(), user_id=alice.id, idea_id=idea.id, title=title, description="d"
        )
    assert list_ideas(uow=services.uow(), user_id=alice.id) == before
    assert [i.title for i in before] == ["Octopus minds"]


@pytest.mark.parametrize(("title", "words"), [EMPTY, HUGE], ids=["empty", "10k"])
def test_workspace_title_is_checked_on_create_and_update(
    services: Services, alice: UserView, title: str, words: list[str]
) -> None:
    ws = create_workspace(uow=services.uow(), user_id=alice.id, title="Sea life")
    before = list_workspaces(uow=services.uow(), user_id=alice.id)
    with refused(words):
        create_workspace(uow=services.uow(), user_id=alice.id, title=title)
    with refused(words):
        update_workspace(
            uow=services.uow(), user_id=alice.id, workspace_id=ws.id, title=title, description=""
        )
    assert list_workspaces(uow=services.uow(), user_id=alice.id) == before
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
        create_script(
            uow=services.uow(), user_id=alice.id, workspace_id=workspace_id, topic="t", **kwargs
        )
    assert _script_state(services, alice.id, script_id) == before


def test_translation_to_an_unknown_language_queues_nothing(
    services: Services, fake_queue: FakeQueue, alice: UserView, script_id: int
) -> None:
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        vendor="openai",
        secret="sk-test-1234",
    )
    before = _script_state(services, alice.id, script_id)
    with refused(["Unknown language 'Elvish'"]):
        request_translation(
            uow=services.uow(),
            queue=fake_queue,
            providers=services.providers,
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
        save_version(
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
    ws = create_workspace(uow=services.uow(), user_id=alice.id, title="Sea life")
    script = create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="octopus"
    )
    with refused(["no scenes yet", "generate or write it first"]):
        finalize_script(
            uow=services.uow(), files=services.files, user_id=alice.id, script_id=script.id
        )
    after = get_script(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert after == script and after.status == "empty" and after.finalized_version is None
    assert (
        list_screens(
            uow=services.uow(), files=services.files, user_id=alice.id, script_id=script.id
        )
        == []
    )


# --- accounts ---------------------------------------------------------------------------


# The wrong password at login is refused by the login page itself: tests/ui/test_login.py.


def signs_in(services: Services, username: str, password: str) -> bool:
    throttle = LoginThrottle(fakeredis.FakeRedis())
    try:
        verify_login(uow=services.uow(), throttle=throttle, username=username, password=password)
    except InvalidInput:
        return False
    return True


def test_wrong_current_password_changes_nothing(services: Services, alice: UserView) -> None:
    with refused(["current password is wrong", "nothing was changed"]):
        change_password(
            uow=services.uow(),
            user_id=alice.id,
            current_password="wrong horse",
            new_password="a brand new one",
        )
    assert not signs_in(services, "alice", "a brand new one")
    assert signs_in(services, "alice", "correct horse")


def account_ids(services: Services) -> list[int]:
    with services.uow() as uow:
        return list(uow.session.scalars(select(User.id).order_by(User.id)))


def test_duplicate_username_keeps_the_first_account(services: Services, alice: UserView) -> None:
    with refused(["username 'alice' is taken", "choose another"]):
        register_user(
            uow=services.uow(), username="alice", password="another secret", policy=LAPTOP
        )
    assert account_ids(services) == [alice.id]
    assert signs_in(services, "alice", "correct horse")


def test_too_short_password_is_refused(services: Services, alice: UserView) -> None:
    with refused(["Password must have at least 8 characters"]):
        register_user(uow=services.uow(), username="carol", password="short", policy=LAPTOP)
    with refused(["Password must have at least 8 characters"]):
        change_password(
            uow=services.uow(),
            user_id=alice.id,
            current_password="correct horse",
            new_password="short",
        )
    assert account_ids(services) == [alice.id]
    assert signs_in(services, "alice", "correct horse")


# --- API keys ---------------------------------------------------------------------------


def test_key_with_spaces_is_refused_and_the_old_key_stays(
    services: Services, alice: UserView
) -> None:
    uow, cipher = services.uow, services.cipher
    with refused(["contains spaces", "paste it again"]):
        save_key(uow=uow(), cipher=cipher, user_id=alice.id, vendor="openai", secret="sk-abc def")
    assert list_credentials(uow=uow(), user_id=alice.id) == []
    save_key(uow=uow(), cipher=cipher, user_id=alice.id, vendor="openai", secret="sk-good-1234")
    with refused(["contains spaces"]):
        save_key(uow=uow(), cipher=cipher, user_id=alice.id, vendor="openai", secret="sk-bad\n5678")
    kept = reveal(uow=uow(), cipher=cipher, user_id=alice.id, provider="openai")
    assert kept is not None and kept.secret == "sk-good-1234"


@pytest.mark.parametrize("base_url", ["", "ftp://x"], ids=["missing", "ftp"])
def test_openai_compatible_entry_needs_an_http_base_url(
    services: Services, alice: UserView, base_url: str
) -> None:
    with refused(["base URL must start with http:// or https://"]):
        save_key(
            uow=services.uow(),
            cipher=services.cipher,
            user_id=alice.id,
            vendor="openai_compatible",
            secret="ollama",
            base_url=base_url,
            model="llama3.1",
        )
    assert list_credentials(uow=services.uow(), user_id=alice.id) == []
