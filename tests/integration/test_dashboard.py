"""The dashboard's sections on SQLite and PostgreSQL: favourite scripts and workspaces first,
the picture of each, the work in progress per step, this month's counts from their
documented sources, and a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from core.accounts.users import UserView
from core.bootstrap import Services
from core.dashboard.monthly import count_month
from core.dashboard.progress import current_work
from core.dashboard.recent import last_changed_script, recent_scripts, recent_workspaces
from core.errors import NotFound
from core.media.batch import request_batch
from core.media.screen import list_screens
from core.media.uploads import upload_image
from core.render.spec import ExportSettings
from core.scripts.script import create_script, get_script, list_scripts, set_script_favorite
from core.video.renders import latest_good_render, list_renders, request_render
from core.workspaces.workspace import create_workspace, set_favorite
from db.models import Asset, Favorite, Render
from tests.fakes import FakeQueue, FakeRenderer
from tests.helpers import png_upload
from tests.integration.dialects import renderer, services
from tests.integration.test_media_offline import finalized_script, with_media
from tests.integration.test_search import script_with

__all__ = ["renderer", "services"]  # the fixtures: every test here runs on both databases


def scripts(services: Services, user: UserView) -> list[Any]:
    return recent_scripts(uow=services.uow(), files=services.files, user_id=user.id)


def workspaces(services: Services, user: UserView) -> list[Any]:
    return recent_workspaces(uow=services.uow(), files=services.files, user_id=user.id)


def star_script(services: Services, user: UserView, script_id: int, on: bool = True) -> None:
    set_script_favorite(uow=services.uow(), user_id=user.id, script_id=script_id, favorite=on)


def render(services: Services, user: UserView, script_id: int, resolution: str = "720p") -> None:
    request_render(
        uow=services.uow(), queue=services.queue, files=services.files, studio=services.settings,
        user_id=user.id, script_id=script_id, export=ExportSettings(resolution=resolution),
    )  # fmt: skip
    assert isinstance(services.queue, FakeQueue)
    services.queue.run_all(services)


def test_favourite_scripts_come_first_then_the_latest_changed(
    services: Services, alice: UserView
) -> None:
    first, second, third = (script_with(services, alice, t, ["Hi."]) for t in ("A", "B", "C"))
    assert [c.id for c in scripts(services, alice)] == [third, second, first]

    star_script(services, alice, first)
    cards = scripts(services, alice)
    assert [(c.id, c.favorite) for c in cards] == [(first, True), (third, False), (second, False)]
    assert (cards[0].title, cards[0].workspace_title, cards[0].version) == ("A", "A workspace", 1)
    assert last_changed_script(uow=services.uow(), user_id=alice.id) == (third, "C")
    assert get_script(uow=services.uow(), user_id=alice.id, script_id=first).favorite
    workspace_id = cards[0].workspace_id
    listed = list_scripts(uow=services.uow(), user_id=alice.id, workspace_id=workspace_id)
    assert [s.favorite for s in listed] == [True]

    star_script(services, alice, first, on=False)
    assert [c.id for c in scripts(services, alice)] == [third, second, first]


def test_a_script_star_is_one_row_per_user_and_only_the_owners(
    services: Services, alice: UserView, bob: UserView
) -> None:
    script_id = script_with(services, alice, "Mine", ["Hi."])
    star_script(services, alice, script_id)
    star_script(services, alice, script_id)  # starring twice keeps one star
    with pytest.raises(NotFound):
        star_script(services, bob, script_id)
    with services.uow() as uow:
        rows = uow.session.execute(select(Favorite.user_id, Favorite.script_id)).all()
    assert [tuple(r) for r in rows] == [(alice.id, script_id)]
    assert scripts(services, bob) == [] and workspaces(services, bob) == []
    assert last_changed_script(uow=services.uow(), user_id=bob.id) is None


def test_favourite_workspaces_come_first_then_the_most_recently_active(
    services: Services, alice: UserView
) -> None:
    uow = services.uow
    old = create_workspace(uow=uow(), user_id=alice.id, title="Old").id
    new = create_workspace(uow=uow(), user_id=alice.id, title="New").id
    assert [w.id for w in workspaces(services, alice)] == [new, old]

    create_script(uow=uow(), user_id=alice.id, workspace_id=old, topic="fresh work")
    cards = workspaces(services, alice)
    assert [(w.id, w.script_count) for w in cards] == [(old, 1), (new, 0)]  # its script is new

    set_favorite(uow=uow(), user_id=alice.id, workspace_id=new, favorite=True)
    assert [(w.id, w.favorite) for w in workspaces(services, alice)] == [(new, True), (old, False)]


def test_the_picture_is_the_first_screens_image_until_a_video_has_a_thumbnail(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    _, script_id = with_media(services, fake_queue, alice, ["One two.", "Three four."])
    first = list_screens(uow=services.uow(), files=services.files, user_id=alice.id,
                         script_id=script_id)[0].image  # fmt: skip
    assert first is not None
    assert [c.thumbnail for c in scripts(services, alice)] == [first]
    assert [w.thumbnail for w in workspaces(services, alice)] == [first]

    render(services, alice, script_id)
    video = latest_good_render(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert video is not None and video.thumbnail is not None and video.thumbnail != first
    assert [c.thumbnail for c in scripts(services, alice)] == [video.thumbnail]
    assert [w.thumbnail for w in workspaces(services, alice)] == [video.thumbnail]

    video.thumbnail.unlink()  # a picture whose file is gone is not offered
    assert [c.thumbnail for c in scripts(services, alice)] == [first]


def test_this_months_counts_come_from_renders_and_files_a_provider_made(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView,
    renderer: FakeRenderer,
) -> None:  # fmt: skip
    _, script_id = with_media(services, fake_queue, alice, ["One two.", "Three four."])
    screen_id = list_screens(uow=services.uow(), files=services.files, user_id=alice.id,
                             script_id=script_id)[0].id  # fmt: skip
    upload_image(uow=services.uow(), files=services.files, user_id=alice.id, screen_id=screen_id,
                 stream=io.BytesIO(png_upload(64, 64)))  # fmt: skip  # uploads do not count
    render(services, alice, script_id, "720p")
    render(services, alice, script_id, "1080p")  # its thumbnail is no generated image either
    with_media(services, fake_queue, bob, ["Bob's own."])  # never counted for alice
    seconds = sum(r.duration or 0 for r in list_renders(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    ))  # fmt: skip
    assert seconds > 0

    counts = count_month(uow=services.uow(), user_id=alice.id)
    today = datetime.now(UTC).date()
    assert counts.month == today.replace(day=1)
    assert (counts.videos, counts.images, counts.voiceovers) == (2, 2, 2)
    assert counts.video_minutes == pytest.approx(seconds / 60)

    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=3)
    with services.uow() as uow:  # one render and one image were made last month
        first_render = select(Render.id).order_by(Render.id).limit(1).scalar_subquery()
        uow.session.execute(update(Render).where(Render.id == first_render)
                            .values(created_at=last_month))  # fmt: skip
        image = select(Asset.id).where(Asset.kind == "image", Asset.request_key != "")
        uow.session.execute(update(Asset).where(Asset.id == image.order_by(Asset.id).limit(1)
                            .scalar_subquery()).values(created_at=last_month))  # fmt: skip
        uow.commit()
    counts = count_month(uow=services.uow(), user_id=alice.id)
    assert (counts.videos, counts.images, counts.voiceovers) == (1, 1, 2)
    next_month = datetime.now(UTC).replace(day=28) + timedelta(days=5)
    later = count_month(uow=services.uow(), user_id=alice.id, now=next_month)
    assert (later.videos, later.video_minutes, later.images, later.voiceovers) == (0, 0, 0, 0)


def test_work_in_progress_is_told_per_step_with_its_script(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    _, script_id = finalized_script(services, fake_queue, alice, ["One.", "Two.", "Three."])
    request_batch(
        uow=services.uow(), files=services.files, queue=fake_queue, user_id=alice.id,
        script_id=script_id,
    )  # fmt: skip
    work = current_work(uow=services.uow(), user_id=alice.id)
    summary = [(w.label, w.status, w.total, w.ended, w.page, w.script_id) for w in work]
    assert summary == [
        ("Recording the voice-over", "queued", 3, 0, "screens", script_id),
        ("Drawing the image", "queued", 3, 0, "screens", script_id),
        ("Writing the script", "succeeded", 1, 1, "script", script_id),  # ended just now
    ]
    assert {w.script_title for w in work} == {"Octopus minds"}  # the written title
    assert current_work(uow=services.uow(), user_id=bob.id) == []

    fake_queue.run_all(services)
    work = current_work(uow=services.uow(), user_id=alice.id)
    assert [(w.status, w.progress, w.message) for w in work[:2]] == [
        ("succeeded", 100, "3/3 finished"),
        ("succeeded", 100, "3/3 finished"),
    ]
    later = datetime.now(UTC) + timedelta(minutes=11)
    assert current_work(uow=services.uow(), user_id=alice.id, now=later) == []


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(services.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(services.engine, "before_cursor_execute", record)


def test_each_section_costs_the_same_queries_for_one_row_or_many(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    sections: list[Callable[[], object]] = [
        lambda: scripts(services, alice),
        lambda: workspaces(services, alice),
        lambda: current_work(uow=services.uow(), user_id=alice.id),
        lambda: count_month(uow=services.uow(), user_id=alice.id),
    ]

    def costs() -> list[int]:
        found = []
        for section in sections:
            with counted(services) as statements:
                section()
            found.append(len(statements))
        return found

    with_media(services, fake_queue, alice, ["One."])
    one = costs()
    for _ in range(3):
        _, script_id = with_media(services, fake_queue, alice, ["Two.", "Three."])
    render(services, alice, script_id)
    star_script(services, alice, script_id)
    assert len(scripts(services, alice)) == 4 and len(workspaces(services, alice)) == 4
    assert costs() == one
