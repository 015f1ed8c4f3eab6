"""The studio pages driven through Streamlit's AppTest, signed in, against a real (migrated)
SQLite database and a real Redis-compatible server; queued jobs are run in this process
the way the worker runs them."""

from __future__ import annotations

from core.errors import ContentRejected
from core.media.batch import request_batch
from core.media.screen import list_screens
from core.providers.registry import NEEDS_LLM
from core.scripts.finalize import finalize_script
from core.scripts.script import get_script, list_scripts
from core.scripts.versions import get_version, save_version
from core.scripts.writing import request_generation
from core.workspaces.ideas import create_idea, list_ideas
from core.workspaces.workspace import create_workspace, list_workspaces
from tests.conftest import Studio
from tests.helpers import no_exception, texts

# --- Ideas ---------------------------------------------------------------------------


def test_adding_an_idea_lists_it_and_empties_the_form(studio: Studio) -> None:
    at = studio.open("app_pages/ideas.py")
    at.text_input(key="ideas_add_form_title").input("Octopus minds")
    at.text_area(key="ideas_add_form_description").input("How *they* think")
    no_exception(at.button(key="FormSubmitter:ideas_add_form-Add idea").click().run())
    [idea] = studio.call(list_ideas)
    assert (idea.title, idea.description) == ("Octopus minds", "How *they* think")
    assert "Octopus minds" in texts(at)
    assert r"How \*they\* think" in texts(at)  # shown literally, not as markdown
    assert at.text_input(key="ideas_add_form_title").value == ""


def test_a_blank_title_warns_and_adds_nothing(studio: Studio) -> None:
    at = studio.open("app_pages/ideas.py")
    at.text_input(key="ideas_add_form_title").input("   ")
    no_exception(at.button(key="FormSubmitter:ideas_add_form-Add idea").click().run())
    assert [w.value for w in at.warning] == ["Title must not be empty."]
    assert studio.call(list_ideas) == []


def test_search_filters_the_ideas(studio: Studio) -> None:
    studio.call(create_idea, title="Octopus minds")
    studio.call(create_idea, title="Volcano facts")
    at = studio.open("app_pages/ideas.py")
    at.text_input(key="ideas_search").input("volcano").run()
    assert "Volcano facts" in texts(at) and "Octopus minds" not in texts(at)


def test_editing_an_idea_saves_it(studio: Studio) -> None:
    idea = studio.call(create_idea, title="Octopus minds")
    at = studio.open("app_pages/ideas.py")
    at.button(key=f"ideas_edit_{idea.id}").click().run()
    at.text_input(key=f"ideas_edit_{idea.id}_title").input("Octopus brains")
    no_exception(at.button(key=f"FormSubmitter:ideas_edit_{idea.id}-Save").click().run())
    assert [i.title for i in studio.call(list_ideas)] == ["Octopus brains"]
    assert "Octopus brains" in texts(at)


def test_deleting_an_idea_asks_first(studio: Studio) -> None:
    idea = studio.call(create_idea, title="Octopus minds")
    at = studio.open("app_pages/ideas.py")
    at.button(key=f"ideas_deleting_ask_{idea.id}").click().run()
    assert len(studio.call(list_ideas)) == 1
    assert any("Delete idea" in w.value for w in at.warning)
    no_exception(at.button(key=f"ideas_deleting_confirm_{idea.id}").click().run())
    assert studio.call(list_ideas) == []
    assert "Octopus minds" not in texts(at)


def test_deleting_a_script_asks_first_then_takes_its_media(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    workspace_id = studio.call(get_script, script_id=script_id).workspace_id
    studio.call(finalize_script, script_id=script_id)
    studio.call(request_batch, script_id=script_id)
    studio.run_jobs()
    files = [p for s in studio.call(list_screens, script_id=script_id) for p in (s.image, s.audio)]
    assert all(p is not None and p.exists() for p in files)
    at = studio.open("app_pages/workspace.py", id=workspace_id)
    at.button(key=f"workspace_deleting_script_ask_{script_id}").click().run()
    assert any("Delete script" in w.value for w in at.warning)
    assert len(studio.call(list_scripts, workspace_id=workspace_id)) == 1  # not yet
    no_exception(at.button(key=f"workspace_deleting_script_confirm_{script_id}").click().run())
    assert studio.call(list_scripts, workspace_id=workspace_id) == []
    assert not any(p is not None and p.exists() for p in files)
    assert "No script yet" in texts(at)


def test_executing_an_idea_opens_its_workspace(studio: Studio) -> None:
    idea = studio.call(create_idea, title="Octopus minds", description="Eight arms")
    at = studio.open("app_pages/ideas.py")
    no_exception(at.button(key=f"ideas_execute_{idea.id}").click().run())
    [executed] = studio.call(list_ideas)
    workspace_id = executed.workspace_id
    assert workspace_id is not None
    assert at.query_params["id"] == str(workspace_id)
    assert [t.value for t in at.title] == ["📁 Octopus minds"]
    assert at.text_area(key=f"workspace_topic_{workspace_id}").value == "Octopus minds"


# --- Workspaces ----------------------------------------------------------------------


def test_favourite_toggle_and_favourites_filter(studio: Studio) -> None:
    ws = studio.call(create_workspace, title="Octopus minds")
    studio.call(create_workspace, title="Volcano facts")
    at = studio.open("app_pages/workspaces.py")
    assert at.button(key=f"workspaces_fav_{ws.id}").label == "☆"
    no_exception(at.button(key=f"workspaces_fav_{ws.id}").click().run())
    assert at.button(key=f"workspaces_fav_{ws.id}").label == "★"
    at.toggle(key="workspaces_favourites_only").set_value(True).run()
    assert "Octopus minds" in texts(at) and "Volcano facts" not in texts(at)


def test_creating_and_deleting_a_workspace(studio: Studio) -> None:
    at = studio.open("app_pages/workspaces.py")
    at.text_input(key="workspaces_add_form_title").input("Deep sea")
    at.button(key="FormSubmitter:workspaces_add_form-Create workspace").click().run()
    [ws] = studio.call(list_workspaces)
    at.button(key=f"workspaces_deleting_ask_{ws.id}").click().run()
    no_exception(at.button(key=f"workspaces_deleting_confirm_{ws.id}").click().run())
    assert studio.call(list_workspaces) == []


def test_a_missing_workspace_says_so_and_links_back(studio: Studio) -> None:
    at = no_exception(studio.open("app_pages/workspace.py", id=999))
    assert len(at.error) == 1 and "not found" in at.error[0].value
    assert not at.main.get("form")  # the sidebar holds the search box


# --- Workspace → script ----------------------------------------------------------------


def test_new_script_is_generated_and_opens_in_the_editor(studio: Studio) -> None:
    ws = studio.call(create_workspace, title="Octopus minds")
    at = studio.open("app_pages/workspace.py", id=ws.id)
    at.number_input(key=f"workspace_scenes_{ws.id}").set_value(3)
    at.selectbox(key=f"workspace_lang_{ws.id}").select("de")
    no_exception(
        at.button(key=f"FormSubmitter:workspace_new_script_{ws.id}-Create script").click().run()
    )
    [script] = studio.call(list_scripts, workspace_id=ws.id)
    assert (script.scene_count, script.language) == (3, "de")
    assert at.query_params["id"] == str(script.id)
    assert len(at.get("progress")) == 1  # queued: progress, no editor yet
    assert not at.data_editor
    studio.run_jobs()
    at = no_exception(studio.open("app_pages/script.py", id=script.id))
    assert len(at.data_editor) == 1 and len(at.data_editor[0].value) == 3


def test_editing_scenes_reorders_and_saves_a_new_version(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=3)
    before = studio.call(get_version, script_id=script_id).content
    at = studio.open("app_pages/script.py", id=script_id)
    key = f"script_scenes_{script_id}_v1"
    at.session_state[key] = {
        "edited_rows": {0: {"#": 10, "narration": "Now the last scene."}},
        "added_rows": [{"#": 2.5, "narration": "A new scene.", "visual": "A reef at dusk"}],
        "deleted_rows": [2],
    }
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    after = studio.call(get_version, script_id=script_id)
    assert after.number == 2 and after.source == "edited"
    assert [s.narration for s in after.content.scenes] == [
        before.scenes[1].narration,
        "A new scene.",
        "Now the last scene.",
    ]
    assert f"script_scenes_{script_id}_v2" in at.session_state  # reloaded from the new version


def test_an_empty_scene_warns_and_saves_nothing(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("app_pages/script.py", id=script_id)
    at.session_state[f"script_scenes_{script_id}_v1"] = {
        "edited_rows": {1: {"narration": " "}},
        "added_rows": [],
        "deleted_rows": [],
    }
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    assert any("Scene 2 narration" in w.value for w in at.warning)
    assert studio.call(get_script, script_id=script_id).current_version == 1


def test_a_save_after_another_tab_saved_is_a_conflict_then_can_be_forced(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("app_pages/script.py", id=script_id)
    other = studio.call(get_version, script_id=script_id).content
    other.scenes[0].narration = "Saved from the other tab."
    studio.call(save_version, script_id=script_id, content=other, base_version=1)
    no_exception(at.button(key=f"script_save_{script_id}").click().run())
    assert any("another tab" in w.value for w in at.warning)
    assert studio.call(get_script, script_id=script_id).current_version == 2
    no_exception(at.button(key=f"script_force_{script_id}").click().run())
    assert studio.call(get_script, script_id=script_id).current_version == 3


def test_history_restores_and_compare_shows_the_changed_scene(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    v1 = studio.call(get_version, script_id=script_id).content
    edited = v1.model_copy(deep=True)
    edited.scenes[1].narration = "A changed second scene."
    studio.call(save_version, script_id=script_id, content=edited, base_version=1)
    at = no_exception(studio.open("app_pages/script.py", id=script_id))
    texts = [m.value for m in at.markdown]
    assert "**Scene 2** · ✏️ changed" in texts and "**Scene 1** · = same" not in texts
    assert any(t.startswith("A changed second scene") for t in texts)
    no_exception(at.button(key=f"script_restore_{script_id}_1").click().run())
    restored = studio.call(get_version, script_id=script_id)
    assert restored.number == 3 and restored.content == v1


def test_translate_without_an_llm_explains_why(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = studio.open("app_pages/script.py", id=script_id)
    at.selectbox(key=f"script_translate_lang_{script_id}").select("fr")
    no_exception(at.button(key=f"script_translate_{script_id}").click().run())
    assert NEEDS_LLM in [w.value for w in at.warning]
    ws_id = studio.call(get_script, script_id=script_id).workspace_id
    assert len(studio.call(list_scripts, workspace_id=ws_id)) == 1


def test_a_failed_job_is_shown_on_the_script(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    job = studio.call(request_generation, queue=studio.svc.queue, script_id=script_id)
    studio.fail_job(job.id, ContentRejected("The model refused."))
    at = no_exception(studio.open("app_pages/script.py", id=script_id))
    assert any("The model refused." in e.value for e in at.error)
    assert len(at.data_editor) == 1  # the earlier version is still there to edit


# --- Finalize → screens ----------------------------------------------------------------


def test_finalize_opens_the_screens(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=3)
    at = studio.open("app_pages/script.py", id=script_id)
    no_exception(at.button(key=f"script_finalize_{script_id}").click().run())
    assert at.query_params["id"] == str(script_id)
    assert len(studio.call(list_screens, script_id=script_id)) == 3
    shown = texts(at)
    assert shown.count("Image: not generated yet") == 3
    assert shown.count("Voice: not generated yet") == 3
    assert "Screen 3" in shown


def test_screens_of_a_draft_script_point_back_to_finalize(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=2)
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert any("not finalized" in i.value for i in at.info)
    assert "Screen 1" not in texts(at)
