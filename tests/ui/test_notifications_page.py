"""The notification centre, the bell and the notification preferences, through AppTest
against a real database; notifications come from a batch run as the worker runs it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.accounts.preferences import get_preferences
from core.media.batch import request_batch
from core.notifications.notices import list_notifications, notify, unread_count
from core.scripts.finalize import finalize_script
from tests.conftest import Studio
from tests.helpers import ROOT, no_exception, texts


def batch_told(studio: Studio) -> int:
    """A finalized script whose batch ran: the user has been told it finished."""
    script_id = studio.written_script(scene_count=2)
    studio.call(finalize_script, script_id=script_id)
    studio.call(request_batch, script_id=script_id)
    studio.run_jobs()
    return script_id


def links(at: AppTest) -> dict[str, str]:
    return {p.proto.label: p.proto.query_string for p in at.get("page_link")}


def home(studio: Studio) -> AppTest:
    """The app's first page, signed in, with its sidebar (AppTest keeps the sidebar of the
    first run only)."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = str(studio.user_id)
    at.session_state["user_id"] = studio.user_id
    return no_exception(at.run())


def test_the_bell_counts_the_unread_and_links_to_the_list(studio: Studio) -> None:
    bell = [p.proto for p in home(studio).sidebar.get("page_link") if p.proto.icon == "🔔"]
    assert [(b.label, b.page) for b in bell] == [("Notifications", "notifications")]
    batch_told(studio)
    bell = [p.proto for p in home(studio).sidebar.get("page_link") if p.proto.icon == "🔔"]
    assert [b.label for b in bell] == ["Notifications :red-badge[1]"]


def test_the_list_links_to_the_screens_and_marks_read(studio: Studio) -> None:
    script_id = batch_told(studio)
    notify(
        uow=studio.svc.uow(), mailer=None, user_id=studio.user_id, kind="job.failed",
        title="Octo *minds* — Drawing the image failed", link=f"video?id={script_id}",
    )  # fmt: skip
    at = no_exception(studio.open("app_pages/notifications.py"))
    shown = texts(at)
    assert "2 unread" in shown
    # newest first, user text literal, each with its link
    assert shown.index(r"Octo \*minds\*") < shown.index("Batch finished")
    newest, batch = studio.call(list_notifications)
    opens = {b.label: b.key for b in at.button if b.key.startswith("notifications_open_")}
    assert opens == {
        "Open the video": f"notifications_open_{newest.id}",
        "Open the screens": f"notifications_open_{batch.id}",
    }

    no_exception(at.button(key=f"notifications_read_{newest.id}").click().run())
    assert studio.call(unread_count) == 1 and "1 unread" in texts(at)
    at.button(key=f"notifications_open_{batch.id}").click().run()  # opening marks read too
    assert studio.call(unread_count) == 0
    at = no_exception(studio.open("app_pages/notifications.py"))
    assert "0 unread" in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("notifications_read_")]


def test_mark_all_read(studio: Studio) -> None:
    batch_told(studio)
    at = no_exception(studio.open("app_pages/notifications.py"))
    no_exception(at.button(key="notifications_all_read").click().run())
    assert studio.call(unread_count) == 0 and "0 unread" in texts(at)


def test_an_empty_list_says_what_will_come(studio: Studio) -> None:
    at = no_exception(studio.open("app_pages/notifications.py"))
    assert "Nothing yet" in texts(at)


def test_preferences_mute_a_kind_and_say_the_server_sends_no_mail(studio: Studio) -> None:
    at = no_exception(studio.open("app_pages/settings.py"))
    assert "This server sends no e-mail" in texts(at)
    at.checkbox(key="settings_notify_batch.finished").uncheck()
    no_exception(
        at.button(key="FormSubmitter:settings_notifications-Save notifications").click().run()
    )
    assert [s.value for s in at.success] == ["Notification choices saved."]
    assert studio.call(get_preferences).muted == ["batch.finished"]
    batch_told(studio)
    assert studio.call(list_notifications) == []  # muted: not stored
