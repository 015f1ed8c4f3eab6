"""A user's defaults decide what new work starts from, bad values change nothing, and a
video says when its script has moved on (offline providers, fake queue and renderer)."""

from __future__ import annotations

import pytest

from core.accounts.preferences import get_preferences, update_preferences
from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput
from core.media.batch import request_batch
from core.media.screen import update_screen
from core.render.spec import CaptionStyle, ExportSettings
from core.scripts.finalize import finalize_script
from core.scripts.script import get_script
from core.scripts.versions import get_version, save_version
from core.video.freshness import video_freshness
from core.video.renders import default_export_settings, request_render
from core.workspaces.ideas import create_idea, execute_idea
from core.workspaces.styles import get_workspace_style
from core.workspaces.workspace import create_workspace
from db.models import User
from tests.fakes import FakeQueue
from tests.integration.test_media_offline import finalized_script, screen_rows, with_media

BIG_RED = CaptionStyle(size=140, color="#FF0000", position="middle")


def test_new_workspaces_scripts_and_videos_start_from_the_users_defaults(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    update_preferences(
        uow=services.uow(), user_id=alice.id, aspect="1:1", image_style="crayon drawing",
        voice="en-us", language="fr", captions=BIG_RED.model_dump(),
    )  # fmt: skip
    made = create_workspace(uow=services.uow(), user_id=alice.id, title="Tide pools")
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Sea stars")
    executed = execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    for workspace_id in (made.id, executed.id):
        style = get_workspace_style(uow=services.uow(), user_id=alice.id, workspace_id=workspace_id)
        assert (style.aspect, style.image_style, style.voice) == ("1:1", "crayon drawing", "en-us")

    _, script_id = finalized_script(services, fake_queue, alice, ["One.", "Two."])
    start = default_export_settings(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert start.captions == BIG_RED  # no render yet: the user's caption style

    theirs = create_workspace(uow=services.uow(), user_id=bob.id, title="Bob's")
    style = get_workspace_style(uow=services.uow(), user_id=bob.id, workspace_id=theirs.id)
    assert (style.aspect, style.voice) == ("9:16", "")  # alice's defaults are hers alone


def test_a_bad_preference_is_refused_and_changes_nothing(
    services: Services, alice: UserView
) -> None:
    update_preferences(uow=services.uow(), user_id=alice.id, theme="dark")
    before = get_preferences(uow=services.uow(), user_id=alice.id)
    for bad in ({"aspect": "4:3"}, {"theme": "purple"}, {"image_style": "x" * 501}):
        with pytest.raises(InvalidInput, match="Invalid preference"):
            update_preferences(uow=services.uow(), user_id=alice.id, **bad)
    assert get_preferences(uow=services.uow(), user_id=alice.id) == before


def test_a_stored_value_that_no_longer_fits_falls_back_to_its_default(
    services: Services, alice: UserView
) -> None:
    with services.uow() as uow:
        user = uow.session.get(User, alice.id)
        assert user is not None
        user.preferences = {"aspect": "4:3", "theme": "dark", "retired_option": 1}
        uow.commit()
    prefs = get_preferences(uow=services.uow(), user_id=alice.id)
    assert (prefs.aspect, prefs.theme) == ("9:16", "dark")


def test_a_video_says_why_it_is_out_of_date_until_it_is_rendered_again(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    _, script_id = with_media(services, fake_queue, alice, ["Octopuses have three hearts."] * 2)
    settings = ExportSettings(resolution="720p")

    def rendered() -> int:
        view = request_render(
            uow=services.uow(), queue=fake_queue, files=services.files,
            studio=services.settings, user_id=alice.id, script_id=script_id, export=settings,
        )  # fmt: skip
        fake_queue.run_all(services)
        return view.id

    def fresh(render_id: int) -> tuple[bool, str, bool]:
        found = video_freshness(
            uow=services.uow(), files=services.files, renderer=services.renderer(),
            user_id=alice.id, render_id=render_id,
        )  # fmt: skip
        return found.current, found.reason, found.can_rerender

    first = rendered()
    assert fresh(first) == (True, "", False)

    # A screen edited on the screens page loses its voice-over: nothing to render yet.
    screen = screen_rows(services, script_id)[1]
    update_screen(
        uow=services.uow(), files=services.files, user_id=alice.id, screen_id=screen.id,
        narration="Octopuses have blue blood.", visual=screen.visual_prompt,
    )  # fmt: skip
    current, why, can = fresh(first)
    assert (current, can) == (False, False) and "missing their image or voice-over" in why

    # The script edited after finalizing: finalize again first.
    script = get_script(uow=services.uow(), user_id=alice.id, script_id=script_id)
    content = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id).content
    content.scenes[0].narration = "Octopuses taste with their arms."
    save_version(
        uow=services.uow(), user_id=alice.id, script_id=script_id, content=content,
        base_version=script.current_version,
    )  # fmt: skip
    current, why, can = fresh(first)
    assert (current, can) == (False, False) and "Finalize it again" in why

    finalize_script(uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id)
    request_batch(
        uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
        script_id=script_id,
    )  # fmt: skip
    fake_queue.run_all(services)
    assert fresh(first) == (False, "Screens changed since this video was rendered.", True)

    second = rendered()
    assert fresh(second) == (True, "", False)
    assert fresh(first)[0] is False  # the old video stays out of date
