"""Search across ideas, workspaces and scripts, on SQLite and PostgreSQL: it finds a word
that occurs only in one scene's narration, in any case; never another user's rows; and a
% or _ typed by the user is that character, not a wildcard."""

from __future__ import annotations

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput
from core.scripts.script import create_script
from core.scripts.versions import save_version
from core.search.matches import SearchResults, search_studio
from core.workspaces.ideas import create_idea
from core.workspaces.workspace import create_workspace
from tests.integration.dialects import services

__all__ = ["services"]  # the fixture: every test here runs on both databases

SCENES = [
    "Octopuses have three hearts and blue blood.",
    "Each arm can taste what it touches.",
    "Some species glide over rocks like a Quetzalcoatlus over the plains of the Cretaceous.",
    "They can squeeze through any hole larger than their beak.",
]


def script_with(services: Services, user: UserView, title: str, narrations: list[str]) -> int:
    """A new workspace with one script whose current version has these narrations."""
    uow = services.uow
    ws = create_workspace(uow=uow(), user_id=user.id, title=f"{title} workspace")
    script = create_script(uow=uow(), user_id=user.id, workspace_id=ws.id, topic=title)
    scenes = [{"narration": text, "visual": f"Picture {i}"} for i, text in enumerate(narrations)]
    save_version(
        uow=uow(),
        user_id=user.id,
        script_id=script.id,
        content={"title": title, "scenes": scenes},
        base_version=0,
    )
    return script.id


def search(services: Services, user: UserView, text: str) -> SearchResults:
    return search_studio(uow=services.uow(), user_id=user.id, text=text)


def test_a_word_only_in_one_scenes_narration_finds_that_script(
    services: Services, alice: UserView
) -> None:
    wanted = script_with(services, alice, "Octopus minds", SCENES)
    script_with(services, alice, "Deep sea lights", ["Lanterns glow below.", "Squid flash."])

    found = search(services, alice, "quetzalCOATLUS")

    assert [(m.kind, m.id, m.where) for m in found.scripts] == [("script", wanted, "scene 3")]
    assert found.ideas == [] and found.workspaces == []
    [match] = found.scripts
    assert match.title == "Octopus minds" and match.parent == "Octopus minds workspace"
    assert match.snippet is not None and match.snippet.match == "Quetzalcoatlus"
    assert match.snippet.before.endswith("glide over rocks like a ")
    assert match.snippet.after.startswith(" over the plains")


def test_only_the_current_version_counts_and_every_matching_scene_is_told(
    services: Services, alice: UserView
) -> None:
    script_id = script_with(services, alice, "Octopus minds", ["Ink clouds.", "More ink here."])
    assert [(m.where, m.more_scenes) for m in search(services, alice, "ink").scripts] == [
        ("scene 1", 1)
    ]
    save_version(
        uow=services.uow(),
        user_id=alice.id,
        script_id=script_id,
        content={"title": "Octopus minds", "scenes": [{"narration": "Gone.", "visual": "Sea"}]},
        base_version=1,
    )
    assert search(services, alice, "ink").scripts == []  # only version 1 had it
    assert [m.where for m in search(services, alice, "octopus mind").scripts] == ["title"]


def test_ideas_and_workspaces_match_title_or_description_with_a_snippet(
    services: Services, alice: UserView
) -> None:
    idea = create_idea(
        uow=services.uow(), user_id=alice.id, title="Glass frogs", description="See-through skin"
    )
    ws = create_workspace(
        uow=services.uow(), user_id=alice.id, title="Amphibians", description="Frogs, toads"
    )
    found = search(services, alice, "FROG")
    assert [(m.id, m.where, m.snippet) for m in found.ideas] == [(idea.id, "title", None)]
    [workspace] = found.workspaces
    assert (workspace.id, workspace.where) == (ws.id, "description")
    assert workspace.snippet is not None and workspace.snippet.match == "Frog"
    assert search(services, alice, "see-through").ideas[0].where == "description"


def test_another_users_rows_are_never_returned(
    services: Services, alice: UserView, bob: UserView
) -> None:
    mine = script_with(services, alice, "Axolotl facts", ["The axolotl regrows limbs."])
    theirs = script_with(services, bob, "Axolotl care", ["Keep the axolotl cool."])
    create_idea(uow=services.uow(), user_id=bob.id, title="Axolotl pond")

    for user, expected in ((alice, mine), (bob, theirs)):
        found = search(services, user, "axolotl")
        assert [m.id for m in found.scripts] == [expected]
        owned = {m.id for m in found.workspaces}
        assert len(owned) == 1 and found.scripts[0].workspace_id in owned
    assert search(services, alice, "pond").count == 0
    assert [m.title for m in search(services, bob, "pond").ideas] == ["Axolotl pond"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("50%", ["Save 50% now"]),  # not "Save 5000 now": % is no wildcard
        ("a_b", ["Press a_b to start"]),  # not "Press axb": _ is no wildcard
        ("c\\d", ["Path c\\d here"]),  # the escape character itself is literal too
        ("0%", ["Save 50% now"]),
    ],
)
def test_wildcards_in_the_query_are_literal(
    services: Services, alice: UserView, query: str, expected: list[str]
) -> None:
    for title in ["Save 50% now", "Save 5000 now", "Press a_b to start", "Press axb to start",
                  "Path c\\d here", "Path cd here"]:  # fmt: skip
        create_idea(uow=services.uow(), user_id=alice.id, title=title)
    narrated = script_with(services, alice, "Sale", ["Prices drop 50% today.", "Or 5000."])
    found = search(services, alice, query)
    assert [m.title for m in found.ideas] == expected
    assert [m.id for m in found.scripts] == ([narrated] if query in ("50%", "0%") else [])


def test_case_is_ignored_beyond_ascii(services: Services, alice: UserView) -> None:
    script_id = script_with(services, alice, "Café culture", ["ÉLAN and Ærø in Dvořák's ÅRHUS."])
    assert [m.id for m in search(services, alice, "élan").scripts] == [script_id]
    assert [m.id for m in search(services, alice, "århus").scripts] == [script_id]
    assert [m.where for m in search(services, alice, "CAFÉ").scripts] == ["title"]


@pytest.mark.parametrize("query", ["", "   ", "a", " é "])
def test_empty_and_one_letter_queries_are_refused_with_a_message(
    services: Services, alice: UserView, query: str
) -> None:
    with pytest.raises(InvalidInput, match=r"^Type at least 2 characters to search\.$"):
        search(services, alice, query)
