"""The table of notification kinds and what a user's choices make of it."""

from __future__ import annotations

import pytest

from core.accounts.preferences import Preferences
from core.notifications import notice_kinds
from core.notifications.notice_kinds import KINDS, NoticeKind, choices, wants
from core.tasks.catalog import KINDS as TASK_KINDS


def test_every_kind_is_on_until_muted() -> None:
    fresh = Preferences()
    assert all(wants(fresh, name) for name in KINDS)
    muted = Preferences(muted=["render.ready"])
    assert not wants(muted, "render.ready") and wants(muted, "job.failed")


def test_a_kind_that_is_off_by_default_is_on_only_once_wanted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What teams and billing will add (e.g. "a limit is nearly reached", off by default):
    one more entry in the table."""
    quiet = NoticeKind("billing.limit", "A monthly limit is nearly reached", "📈", on=False)
    monkeypatch.setitem(notice_kinds.KINDS, quiet.name, quiet)  # the table, one entry longer
    assert not wants(Preferences(), quiet.name)
    saved = Preferences.model_validate(choices(on={"billing.limit", "job.failed"}, email=True))
    assert wants(saved, "billing.limit") and wants(saved, "job.failed")
    assert not wants(saved, "render.ready") and saved.email
    assert saved.wanted == ["billing.limit"]
    assert saved.muted == ["batch.failed", "batch.finished", "render.ready"]


def test_an_unknown_kind_is_a_mistake_not_a_silent_drop() -> None:
    with pytest.raises(KeyError):
        wants(Preferences(), "no.such.kind")


def test_job_kinds_link_to_pages_and_notify_with_known_kinds() -> None:
    for kind in TASK_KINDS.values():
        assert kind.page in ("script", "screens", "video"), kind.name
        assert kind.notice == "" or kind.notice in KINDS, kind.name
    assert TASK_KINDS["script.render"].notice == "render.ready"
