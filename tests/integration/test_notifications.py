"""Notifications: what the end of a job tells its user, once, through the real queue and
real workers; muted kinds, read marks and other users; and e-mail through a real SMTP
conversation with a local aiosmtpd server."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from pydantic import SecretStr

from core.accounts.preferences import update_preferences
from core.accounts.users import UserView, update_profile
from core.bootstrap import Services
from core.errors import NotFound
from core.media.batch import request_batch
from core.media.generate import request_voice
from core.media.screen import list_screens, update_screen
from core.notifications.notice_kinds import BATCH_FAILED, BATCH_FINISHED, JOB_FAILED, RENDER_READY
from core.notifications.notices import (
    NotificationView,
    list_notifications,
    mark_all_read,
    mark_read,
    notify,
    unread_count,
)
from core.render.spec import ExportSettings
from core.scripts.script import get_script
from core.tasks.reconcile import LOST, reconcile_jobs
from core.tasks.records import get_job, list_jobs
from core.video.renders import request_render
from db.models import JobRecord, JobStatus
from tests.fakes import FakeQueue, FakeRenderer
from tests.helpers import free_port, wait_for
from tests.integration.test_media_offline import NARRATIONS, finalized_script, with_media

SMALL = ExportSettings(resolution="720p", fps=24, quality="small", preset="ultrafast")
SMTP_USER, SMTP_PASSWORD = "studio-mailer", "smtp-pass-NEVER-IN-LOGS-5b1e"
SENDER = "Faceless Studio <studio@example.com>"
ALICE_MAIL = "alice@example.com"
# 310 words: about 124 s of speech, over the 120 s a screen may speak, so its voice-over
# job fails in the worker (before any provider is asked), as it would for a user.
TOO_LONG = " ".join(["ink"] * 310)
Workers = Callable[..., subprocess.Popen[bytes]]


def told(services: Services, user: UserView) -> list[NotificationView]:
    return list_notifications(uow=services.uow(), user_id=user.id)


def all_jobs_ended(services: Services, user: UserView) -> bool:
    jobs = list_jobs(uow=services.uow(), user_id=user.id)
    return bool(jobs) and not any(job.active for job in jobs)


def told_once_after_the_end(services: Services, user: UserView) -> NotificationView:
    """The one notification of the batch: waits for the end, then a little longer, so a
    second notification (another worker, a second job) would have arrived."""
    wait_for(lambda: all_jobs_ended(services, user), 180, "every job of the batch ended")
    wait_for(lambda: bool(told(services, user)), 20, "the notification stored")
    time.sleep(3)
    [notice] = told(services, user)
    return notice


# --- through the real queue and workers ----------------------------------------------------


def batch_on_two_workers(
    services: Services,
    fake_queue: FakeQueue,
    real: Services,
    user: UserView,
    workers: Workers,
    queues: tuple[str, ...],
    **options: Any,
) -> tuple[int, list[str]]:
    """(script id, job kinds) of a 3-screen script's batch, queued through the real server
    for two workers, which both see jobs of the batch end."""
    _, script_id = finalized_script(services, fake_queue, user, NARRATIONS[:3])
    jobs = request_batch(
        uow=real.uow(),
        queue=real.queue,
        files=real.files,
        user_id=user.id,
        script_id=script_id,
        **options,
    )
    for name in ("one", "two"):
        workers(queues=queues, name=name)
    return script_id, [job.kind for job in jobs]


def test_a_batch_is_told_once_when_it_ends_with_a_link_to_its_screens(
    services: Services,
    fake_queue: FakeQueue,
    real_services: Services,
    alice: UserView,
    workers: Workers,
) -> None:
    script_id, kinds = batch_on_two_workers(
        services, fake_queue, real_services, alice, workers, ("media",)
    )
    assert len(kinds) == 6

    notice = told_once_after_the_end(real_services, alice)
    title = get_script(uow=services.uow(), user_id=alice.id, script_id=script_id).title
    assert (notice.kind, notice.link) == (BATCH_FINISHED, f"screens?id={script_id}")
    assert (notice.title, notice.body) == (f"{title} — Batch finished", "6 of 6 jobs done")
    assert (notice.page, notice.query, notice.read) == ("screens", {"id": str(script_id)}, False)
    assert unread_count(uow=services.uow(), user_id=alice.id) == 1


def test_a_batch_with_the_video_is_told_once_that_the_video_is_ready(
    services: Services,
    fake_queue: FakeQueue,
    real_services: Services,
    alice: UserView,
    workers: Workers,
) -> None:
    script_id, kinds = batch_on_two_workers(
        services, fake_queue, real_services, alice, workers, ("media", "render"),
        with_video=True, settings=SMALL,
    )  # fmt: skip
    assert kinds[-1] == "script.render" and len(kinds) == 7

    notice = told_once_after_the_end(real_services, alice)  # not the media, not twice
    assert (notice.kind, notice.link) == (RENDER_READY, f"video?id={script_id}")
    assert " — Video ready: " in notice.title and notice.body == "7 of 7 jobs done"


# --- in this process, as a worker runs them -----------------------------------------------


def test_muted_kinds_are_not_stored_and_the_rest_still_are(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    update_preferences(uow=services.uow(), user_id=alice.id, muted=[BATCH_FINISHED])
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:2])  # a whole batch
    assert all_jobs_ended(services, alice) and told(services, alice) == []

    first = list_screens(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )[0]
    update_screen(
        uow=services.uow(), files=services.files, user_id=alice.id, screen_id=first.id,
        narration=TOO_LONG, visual=first.visual_prompt,
    )  # fmt: skip
    job = request_voice(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=first.id)
    fake_queue.run_all(services)

    [notice] = told(services, alice)  # a single job that failed: not muted
    assert (notice.kind, notice.link) == (JOB_FAILED, f"screens?id={script_id}")
    assert notice.title.endswith(" — Recording the voice-over failed")
    failed = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert failed.status == "failed" and notice.body == failed.error
    assert "longer than 2:00" in notice.body


def test_a_job_lost_with_its_worker_ends_its_batch_with_one_notice(
    services: Services, fake_queue: FakeQueue, real_services: Services, alice: UserView
) -> None:
    """The worker died with the batch's last job: the maintenance pass that settles it tells."""
    _, script_id = finalized_script(services, fake_queue, alice, NARRATIONS[:2])
    request_batch(
        uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
        script_id=script_id,
    )  # fmt: skip
    _, lost_id = fake_queue.queued.pop()  # taken by a worker that then died
    fake_queue.run_all(services)
    with services.uow() as uow:
        lost = uow.session.get(JobRecord, lost_id)
        assert lost is not None
        lost.status = JobStatus.RUNNING  # its RQ job is gone from the (real) server
        lost.rq_job_id = f"screen-voice-{lost_id}-gone"
        uow.commit()
    assert told(services, alice) == []  # the batch has not ended

    for _ in range(2):  # two maintenance passes, or two workers: one notice
        reconcile_jobs(uow_factory=real_services.uow, connection=real_services.redis)

    [notice] = told(services, alice)
    assert (notice.kind, notice.link) == (BATCH_FAILED, f"screens?id={script_id}")
    assert notice.title.endswith(" — Batch failed: 1 of 4 jobs failed")
    assert notice.body == LOST


def test_mark_read_and_mark_all_read(services: Services, alice: UserView) -> None:
    first, second, third = (
        notify(uow=services.uow(), mailer=None, user_id=alice.id, kind=JOB_FAILED, title=t)
        for t in ("one", "two", "three")
    )
    assert first is not None and second is not None and third is not None
    assert [n.title for n in told(services, alice)] == ["three", "two", "one"]  # newest first
    assert unread_count(uow=services.uow(), user_id=alice.id) == 3

    marked = mark_read(uow=services.uow(), user_id=alice.id, notification_id=second.id)
    assert marked.read and unread_count(uow=services.uow(), user_id=alice.id) == 2
    assert [n.read for n in told(services, alice)] == [False, True, False]
    assert mark_all_read(uow=services.uow(), user_id=alice.id) == 2
    assert unread_count(uow=services.uow(), user_id=alice.id) == 0
    assert mark_all_read(uow=services.uow(), user_id=alice.id) == 0


def test_the_same_event_is_stored_once(services: Services, alice: UserView) -> None:
    def tell() -> NotificationView | None:
        return notify(
            uow=services.uow(), mailer=None, user_id=alice.id, kind=BATCH_FINISHED,
            title="Done", dedupe_key="batch:abc:6",
        )  # fmt: skip

    assert tell() is not None and tell() is None
    assert len(told(services, alice)) == 1


def test_another_user_never_sees_or_marks_them(
    services: Services, alice: UserView, bob: UserView
) -> None:
    mine = notify(
        uow=services.uow(), mailer=None, user_id=alice.id, kind=RENDER_READY,
        title="Octopus minds — Video ready", link="video?id=1",
    )  # fmt: skip
    assert mine is not None
    assert told(services, bob) == [] and unread_count(uow=services.uow(), user_id=bob.id) == 0
    with pytest.raises(NotFound, match="Notification #"):
        mark_read(uow=services.uow(), user_id=bob.id, notification_id=mine.id)
    assert mark_all_read(uow=services.uow(), user_id=bob.id) == 0
    assert [(n.id, n.read) for n in told(services, alice)] == [(mine.id, False)]


# --- e-mail, through a local SMTP server --------------------------------------------------


@dataclass
class Inbox:
    """What the local SMTP server received, and the logins it accepted."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=box.authenticate,
        auth_require_tls=False,  # plain text on this machine only: no certificate to make
    )  # fmt: skip
    controller.start()
    yield box
    controller.stop()


def smtp_env(inbox: Inbox) -> dict[str, str]:
    return {
        "STUDIO_SMTP_HOST": "127.0.0.1",
        "STUDIO_SMTP_PORT": str(inbox.port),
        "STUDIO_SMTP_USERNAME": SMTP_USER,
        "STUDIO_SMTP_PASSWORD": SMTP_PASSWORD,
        "STUDIO_SMTP_SENDER": SENDER,
        "STUDIO_SMTP_STARTTLS": "false",
    }


@pytest.mark.parametrize("email", [True, False], ids=["email-on", "email-off"])
def test_a_failed_batch_sends_one_mail_when_the_preference_is_on_and_none_when_off(
    services: Services,
    fake_queue: FakeQueue,
    real_services: Services,
    alice: UserView,
    workers: Workers,
    inbox: Inbox,
    tmp_path: Path,
    email: bool,
) -> None:
    update_profile(uow=services.uow(), user_id=alice.id, display_name="Alice", email=ALICE_MAIL)
    update_preferences(uow=services.uow(), user_id=alice.id, email=email)
    _, script_id = finalized_script(services, fake_queue, alice, NARRATIONS[:3])
    second = list_screens(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )[1]
    update_screen(
        uow=services.uow(), files=services.files, user_id=alice.id, screen_id=second.id,
        narration=TOO_LONG, visual=second.visual_prompt,
    )  # fmt: skip
    request_batch(
        uow=real_services.uow(), queue=real_services.queue, files=real_services.files,
        user_id=alice.id, script_id=script_id,
    )  # fmt: skip
    workers(queues=("media",), name="mailing", **smtp_env(inbox))

    notice = told_once_after_the_end(real_services, alice)  # sleeps 3 s after it is stored
    assert notice.kind == BATCH_FAILED
    assert notice.title.endswith(" — Batch failed: 1 of 6 jobs failed")
    if not email:
        assert inbox.messages == []
        return
    [mail] = inbox.messages
    assert (mail["From"], mail["To"], mail["Subject"]) == (SENDER, ALICE_MAIL, notice.title)
    text = mail.get_content()
    assert notice.body in " ".join(text.split())  # the reason, e.g. "would be longer than 2:00"
    assert f"http://localhost:8501/screens?id={script_id}" in text
    assert inbox.logins == [SMTP_USER]
    log = (tmp_path / "mailing.log").read_text()
    assert SMTP_PASSWORD not in log


def test_a_mail_server_that_is_down_never_fails_the_job(
    services: Services,
    fake_queue: FakeQueue,
    build: Callable[..., Services],
    alice: UserView,
    caplog: pytest.LogCaptureFixture,
) -> None:
    update_profile(uow=services.uow(), user_id=alice.id, display_name="Alice", email=ALICE_MAIL)
    update_preferences(uow=services.uow(), user_id=alice.id, email=True)
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:2])
    nobody_listens = {
        "smtp_host": "127.0.0.1", "smtp_port": free_port(), "smtp_sender": SENDER,
        "smtp_username": SMTP_USER, "smtp_password": SecretStr(SMTP_PASSWORD),
    }  # fmt: skip
    mailing = build(nobody_listens, renderer=FakeRenderer())
    assert mailing.mailer is not None
    view = request_render(
        uow=mailing.uow(), queue=fake_queue, files=mailing.files, studio=mailing.settings,
        user_id=alice.id, script_id=script_id, export=SMALL,
    )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        fake_queue.run_all(mailing)

    assert view.job is not None
    assert get_job(uow=services.uow(), user_id=alice.id, job_id=view.job.id).status == "succeeded"
    notice, media = told(services, alice)  # the batch that made the media was told first
    assert (notice.kind, media.kind) == (RENDER_READY, BATCH_FINISHED)
    assert notice.link == f"video?id={script_id}"
    assert f"Notification #{notice.id} not e-mailed: ConnectionRefusedError" in caplog.text
    assert SMTP_PASSWORD not in caplog.text


def test_the_mailer_is_built_only_when_smtp_is_configured(
    services: Services, build: Callable[..., Services]
) -> None:
    assert services.mailer is None  # the default: no SMTP host, no e-mail
    assert build({"smtp_host": "mail.example.com", "smtp_sender": SENDER}).mailer is not None
