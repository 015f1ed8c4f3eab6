"""The per-user rate limit stops a runaway before anything is queued."""

from __future__ import annotations

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import QuotaExceeded
from core.scripts.script import create_script
from core.scripts.writing import request_generation
from core.tasks.limits import JOBS_PER_MINUTE
from core.tasks.records import list_jobs
from core.workspaces.ideas import create_idea, execute_idea
from db.models import JobRecord
from tests.fakes import FakeQueue


def test_a_user_over_the_limit_is_told_to_wait_and_nothing_is_queued(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Loop")
    ws = execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    script = create_script(uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="loop")
    with services.uow() as uow:  # as if a script had queued the limit within the minute
        uow.session.add_all(
            JobRecord(
                user_id=alice.id, kind="script.generate", target_type="script", target_id=script.id
            )
            for _ in range(JOBS_PER_MINUTE)
        )
        uow.commit()
    with pytest.raises(QuotaExceeded, match="wait a moment"):
        request_generation(
            uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script.id
        )
    assert fake_queue.queued == []
    assert len(list_jobs(uow=services.uow(), user_id=alice.id)) == 200  # list cap
    # Another user is not slowed down by alice.
    other = execute_idea(
        uow=services.uow(), user_id=bob.id,
        idea_id=create_idea(uow=services.uow(), user_id=bob.id, title="Mine").id,
    )  # fmt: skip
    bobs = create_script(uow=services.uow(), user_id=bob.id, workspace_id=other.id, topic="mine")
    request_generation(uow=services.uow(), queue=fake_queue, user_id=bob.id, script_id=bobs.id)
    assert len(fake_queue.queued) == 1
