"""The core of the main journey on a real (migrated) SQLite database, offline writer."""

from __future__ import annotations

import io

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import Conflict, InvalidInput
from core.media.uploads import upload_image
from core.scripts.diff import diff_contents
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, get_script
from core.scripts.versions import get_version, list_versions, restore_version, save_version
from core.scripts.writing import request_generation, request_translation
from core.workspaces.ideas import create_idea, execute_idea, list_ideas
from tests.fakes import FakeQueue
from tests.helpers import png_upload


def _generated_script(services: Services, queue: FakeQueue, user: UserView, **kw: object) -> int:
    idea = create_idea(uow=services.uow(), user_id=user.id, title="Octopus minds")
    ws = execute_idea(uow=services.uow(), user_id=user.id, idea_id=idea.id)
    script = create_script(
        uow=services.uow(),
        user_id=user.id,
        workspace_id=ws.id,
        topic="how octopuses think",
        **kw,  # type: ignore[arg-type]
    )
    request_generation(uow=services.uow(), queue=queue, user_id=user.id, script_id=script.id)
    queue.run_all(services)
    return script.id


def test_idea_executes_into_a_workspace_and_offline_script(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    script_id = _generated_script(services, fake_queue, alice, scene_count=5, target_seconds=60)
    version = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert version.number == 1 and version.source == "generated"
    assert len(version.content.scenes) == 5
    assert all("octopuses" in s.visual for s in version.content.scenes)
    words = sum(len(s.narration.split()) for s in version.content.scenes)
    assert 100 <= words <= 200  # ~2.5 words a second for 60 s
    [idea] = list_ideas(uow=services.uow(), user_id=alice.id)
    assert idea.status == "in_progress" and idea.workspace_id is not None


def test_edit_save_diff_restore_keeps_every_version(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    script_id = _generated_script(services, fake_queue, alice)
    v1 = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id)
    edited = v1.content.model_copy(deep=True)
    edited.scenes[1].narration = "A brand new second scene."
    v2 = save_version(
        uow=services.uow(), user_id=alice.id, script_id=script_id, content=edited, base_version=1
    )
    assert v2.number == 2
    rows = diff_contents(v1.content, v2.content)
    assert [r.change for r in rows].count("changed") == 1 and rows[1].change == "changed"
    v3 = restore_version(uow=services.uow(), user_id=alice.id, script_id=script_id, number=1)
    assert v3.number == 3 and v3.content == v1.content and v3.source == "restored"
    history = list_versions(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert [v.number for v in history] == [3, 2, 1]


def test_two_tabs_saving_never_lose_a_version(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    script_id = _generated_script(services, fake_queue, alice)
    content = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id).content
    tab_a, tab_b = content.model_copy(deep=True), content.model_copy(deep=True)
    tab_a.scenes[0].narration = "Tab A wording."
    tab_b.scenes[0].narration = "Tab B wording."
    save_version(
        uow=services.uow(), user_id=alice.id, script_id=script_id, content=tab_a, base_version=1
    )
    with pytest.raises(Conflict, match="another tab"):
        save_version(
            uow=services.uow(),
            user_id=alice.id,
            script_id=script_id,
            content=tab_b,
            base_version=1,
        )
    save_version(
        uow=services.uow(),
        user_id=alice.id,
        script_id=script_id,
        content=tab_b,
        base_version=1,
        force=True,
    )
    history = list_versions(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert [v.content.scenes[0].narration for v in history[:2]] == [
        "Tab B wording.",
        "Tab A wording.",
    ]


def test_finalize_splits_screens_and_refinalize_keeps_unchanged_media(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    script_id = _generated_script(services, fake_queue, alice, scene_count=4)
    first = finalize_script(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert [s.position for s in first] == [0, 1, 2, 3]
    for screen in first:  # every screen gets an image of its own
        upload_image(
            uow=services.uow(), files=services.files, user_id=alice.id, screen_id=screen.id,
            stream=io.BytesIO(png_upload(32, 32, (screen.position * 40, 0, 0))),
        )  # fmt: skip
    content = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id).content
    content.scenes[2].narration = "Changed narration for the third screen."
    save_version(
        uow=services.uow(), user_id=alice.id, script_id=script_id, content=content, base_version=1
    )
    assert get_script(uow=services.uow(), user_id=alice.id, script_id=script_id).status == ("draft")
    second = finalize_script(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    kept = [s.image is not None for s in second]
    assert kept == [True, True, False, True]


def test_translation_without_llm_explains_what_to_set_up(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    script_id = _generated_script(services, fake_queue, alice)
    with pytest.raises(InvalidInput, match="Translation needs an LLM"):
        request_translation(
            uow=services.uow(),
            queue=fake_queue,
            providers=services.providers,
            user_id=alice.id,
            script_id=script_id,
            language="hi",
        )
