"""The dashboard, the search results page and the stars, through AppTest (signed in, a real
SQLite database, jobs run in this process as the worker runs them)."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from core.dashboard.recent import recent_scripts
from core.media.batch import request_batch
from core.scripts.finalize import finalize_script
from core.scripts.script import get_script, list_scripts
from core.workspaces.ideas import create_idea
from tests.conftest import Studio
from tests.helpers import no_exception, texts


def page_links(at: AppTest) -> list[Any]:
    """The page links the page shows (sidebar excluded), as their protos."""
    return [link.proto for link in at.main.get("page_link")]


def links(at: AppTest) -> list[str]:
    """Their labels as people read them (without the markdown that makes some bold)."""
    return [str(link.label).replace("**", "") for link in page_links(at)]


def test_the_dashboard_shows_scripts_workspaces_jobs_and_counts(studio: Studio) -> None:
    script_id = studio.written_script("Glass frogs", scene_count=2)
    studio.call(finalize_script, script_id=script_id)
    studio.call(request_batch, script_id=script_id)  # queued: the dashboard shows it running

    at = no_exception(studio.open("app_pages/dashboard.py"))

    shown = links(at)
    assert "Continue “Glass frogs”" in shown and "New idea" in shown
    assert shown.count("Glass frogs") >= 2  # the script's card, and its jobs' rows
    assert any("Drawing the image" in m.value for m in at.markdown)
    assert [m.label for m in at.metric] == [
        "Videos rendered", "Minutes of video", "Images generated", "Voice-overs recorded",
    ]  # fmt: skip
    assert [m.value for m in at.metric] == ["0", "0.0", "0", "0"]

    studio.run_jobs()
    at = no_exception(studio.open("app_pages/dashboard.py"))
    assert [m.value for m in at.metric][2:] == ["2", "2"]
    assert len(at.main.get("image")) == 2  # the script's and the workspace's first image


def test_starring_a_script_on_the_dashboard_puts_it_first(studio: Studio) -> None:
    older = studio.written_script("Older")
    studio.written_script("Newer")
    at = studio.open("app_pages/dashboard.py")
    no_exception(at.button(key=f"dashboard_script_{older}_star").click().run())
    assert studio.call(get_script, script_id=older).favorite
    cards = studio.call(recent_scripts, files=studio.svc.files)
    assert [c.title for c in cards][:1] == ["Older"]
    assert at.button(key=f"dashboard_script_{older}_star").label == "★"


def test_a_script_can_be_starred_in_its_workspace_and_on_its_page(studio: Studio) -> None:
    script_id = studio.written_script("Octopus minds")
    workspace_id = studio.call(get_script, script_id=script_id).workspace_id
    at = studio.open("app_pages/workspace.py", id=workspace_id)
    no_exception(at.button(key=f"workspace_fav_{script_id}").click().run())
    assert [s.favorite for s in studio.call(list_scripts, workspace_id=workspace_id)] == [True]

    at = studio.open("app_pages/script.py", id=script_id)
    assert at.button(key=f"script_fav_{script_id}").label == "★"
    no_exception(at.button(key=f"script_fav_{script_id}").click().run())
    assert not studio.call(get_script, script_id=script_id).favorite


def open_search(studio: Studio, query: str) -> AppTest:
    """The results page for ?q=query, as the sidebar box opens it."""
    at = studio.open("app_pages/dashboard.py")
    at.switch_page("app_pages/search.py")
    at.query_params["q"] = query
    return no_exception(at.run())


def test_the_results_link_each_match_with_the_words_around_it(studio: Studio) -> None:
    script_id = studio.written_script("Octopus minds")
    workspace_id = studio.call(get_script, script_id=script_id).workspace_id
    studio.call(create_idea, title="Octopus jokes")

    at = open_search(studio, "OCTOPUS")

    found = {(str(p.label), str(p.page), str(p.query_string)) for p in page_links(at)}
    found = {(label.replace("**", ""), page, query) for label, page, query in found}
    assert found == {
        ("Octopus minds", "script", f"id={script_id}"),
        ("Octopus minds", "workspace", f"id={workspace_id}"),  # the workspace is named so
        ("Octopus jokes", "ideas", ""),
    }
    assert "3 results for “OCTOPUS”" in texts(at)
    # the offline writer's narration names the topic: the scene's words are shown around it
    assert any(":orange[**Octopus" in m.value for m in at.markdown)


def test_short_queries_get_a_message_not_results(studio: Studio) -> None:
    studio.written_script("Octopus minds")
    for query in ("", "o"):
        at = open_search(studio, query)
        assert "Type at least 2 characters" in texts(at)
        assert links(at) == []
    at = open_search(studio, "zebra crossing")
    assert "Nothing matches" in texts(at)
